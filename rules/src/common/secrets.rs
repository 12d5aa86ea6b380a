//! How Argus decides that a string literal is a hard-coded secret, for Java and Python alike.
//!
//! Two independent signals:
//! - a literal bound to a name that says "secret" (`password`, `api_key`, `clientSecret`),
//!   unless the value is plainly not a secret (a placeholder, an environment-variable
//!   name, a property key, the name itself);
//! - a literal whose shape is a known credential format (AWS key id, GitHub token,
//!   private key block, URL with an embedded password), whatever it is bound to.

use std::sync::LazyLock;

use regex::Regex;

use crate::ast::identifier_words;

/// Whether an identifier names a secret value, such as `password`, `DB_PASS`, `apiKey`
/// or `client_secret`; but not `password_field`, `token_url` or `PASSWORD_ENV`, which
/// name something about a secret.
pub fn is_secret_name(name: &str) -> bool {
    let words = identifier_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_A_SECRET_SUFFIX.contains(&last.as_str()) {
        return false;
    }
    // `update_password`, `isPasswordSet`, `require_token`: a flag or an action about the
    // secret, whose values are modes such as "always".
    if words.len() > 1
        && words
            .first()
            .is_some_and(|w| ACTION_PREFIX.contains(&w.as_str()))
    {
        return false;
    }
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || (has("pass") && !has("by"))
        || pair("api", "key")
        || pair("access", "key")
        || pair("private", "key")
        || pair("secret", "key")
        || pair("signing", "key")
        || pair("encryption", "key")
        || pair("auth", "key")
        || pair("master", "key")
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "secretkey",
    "accesskey",
];

/// First words that make a name a flag or an action about a secret.
const ACTION_PREFIX: &[&str] = &[
    "update", "change", "check", "verify", "validate", "require", "requires", "use", "allow",
    "show", "ask", "prompt", "has", "is", "should", "enable", "disable", "skip", "force",
    "generate", "no", "with", "without",
];

/// Last words that make a name describe a secret rather than hold one.
const NOT_A_SECRET_SUFFIX: &[&str] = &[
    "name",
    "names",
    "file",
    "filename",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "type",
    "field",
    "fields",
    "header",
    "param",
    "parameter",
    "prompt",
    "label",
    "hint",
    "regex",
    "pattern",
    "policy",
    "format",
    "length",
    "len",
    "size",
    "count",
    "min",
    "max",
    "env",
    "var",
    "variable",
    "property",
    "prop",
    "key_name",
    "id",
    "ids",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "ttl",
    "required",
    "enabled",
    "disabled",
    "mode",
    "style",
    "class",
    "hash",
    "hashed",
    "digest",
    "encoder",
    "validator",
    "manager",
    "provider",
    "service",
    "store",
    "storage",
    "generator",
    "factory",
    "reset",
    "changed",
    "column",
    "attribute",
    "attr",
    "placeholder",
    "template",
    "message",
    "msg",
    "error",
    "text",
    "title",
    "location",
    "source",
    "prefix",
    "suffix",
    "char",
    "chars",
    "characters",
    "age",
    "algorithm",
    "help",
    "description",
    "method",
    "methods",
    "tooltip",
    "caption",
];

/// Whether an identifier names a value that must be unpredictable to be safe: a secret
/// (`password`, `apiKey`), or a salt, nonce, IV, one-time code, session id, CSRF token or
/// key material (`resetCode`, `sessionId`, `aesKey`). Unlike [`is_secret_name`], an `id`
/// can be one (`sessionId`); names that describe a use of randomness rather than a value
/// (`tokenIndex`, `sessionTimeout`, `retryJitter`) are not.
pub fn is_unpredictable_name(name: &str) -> bool {
    let words = identifier_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let describes =
        NOT_A_SECRET_SUFFIX.contains(&last.as_str()) && !matches!(last.as_str(), "id" | "ids");
    if describes || NOT_UNPREDICTABLE_SUFFIX.contains(&last.as_str()) {
        return false;
    }
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    words
        .iter()
        .any(|w| SECRET_WORDS.contains(&w.as_str()) || UNPREDICTABLE_WORDS.contains(&w.as_str()))
        || (has("pass") && !has("by"))
        || KEY_QUALIFIERS
            .iter()
            .any(|q| pair(q, "key") || pair(q, "keys"))
        || ONE_TIME_CODES.iter().any(|q| pair(q, "code"))
}

/// Values whose only job is to be unguessable.
const UNPREDICTABLE_WORDS: &[&str] = &[
    "salt",
    "nonce",
    "iv",
    "otp",
    "totp",
    "hotp",
    "csrf",
    "xsrf",
    "captcha",
    "pin",
    "passcode",
    "session",
    "sessionid",
    "jsessionid",
    "challenge",
    "auth",
    "authcode",
    "cookie",
    "apikey",
    "secretkey",
    "privatekey",
    "accesskey",
    "sessionkey",
    "keypair",
];

/// Words that make `<word> key` key material rather than a map or cache key.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "signing",
    "encryption",
    "auth",
    "master",
    "session",
    "aes",
    "des",
    "hmac",
    "mac",
    "crypto",
    "cipher",
    "symmetric",
    "shared",
    "wrapping",
    "data",
    "content",
];

/// Words that make `<word> code` a one-time code.
const ONE_TIME_CODES: &[&str] = &[
    "verification",
    "verify",
    "activation",
    "confirmation",
    "confirm",
    "reset",
    "recovery",
    "invite",
    "invitation",
    "access",
    "auth",
    "login",
    "security",
    "otp",
    "sms",
    "email",
    "mfa",
    "twofa",
    "backup",
];

/// Last words that make a name describe how randomness is used, not a secret value.
const NOT_UNPREDICTABLE_SUFFIX: &[&str] = &[
    "index",
    "idx",
    "position",
    "pos",
    "offset",
    "delay",
    "interval",
    "jitter",
    "backoff",
    "retry",
    "retries",
    "attempt",
    "attempts",
    "percent",
    "percentage",
    "ratio",
    "probability",
    "chance",
    "weight",
    "sample",
    "seconds",
    "secs",
    "millis",
    "ms",
    "duration",
    "period",
    "counter",
    "bucket",
    "shard",
    "partition",
    "slot",
    "color",
    "colour",
    "width",
    "height",
];

/// Whether `value`, bound to the secret-sounding `name`, looks like a real secret rather
/// than a placeholder or a reference to where the secret lives.
pub fn is_plausible_secret(name: &str, value: &str) -> bool {
    let value = value.trim();
    if value.chars().count() < 4 {
        return false;
    }
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let squashed = squash(value);
    let squashed_name = squash(name);
    if squashed.is_empty() || squashed_name.contains(&squashed) || squashed.contains(&squashed_name)
    {
        return false;
    }
    !PLACEHOLDER.as_ref().is_some_and(|re| re.is_match(value))
        && !is_prose(value)
        && !is_word_identifier(value)
        && (!value.contains(char::is_whitespace) || is_password_name(name))
}

/// A sentence rather than a credential: three or more words, as in a message or a
/// label (`"The two password fields didn't match."`).
fn is_prose(value: &str) -> bool {
    value.split_whitespace().count() >= 3
}

/// `access_token`, `_password_reset_token`, `set-password`, `client_secret_basic`:
/// lowercase words joined by `_` or `-`, the name of a field, a mode or a URL segment.
fn is_word_identifier(value: &str) -> bool {
    let words = value.trim_start_matches('_');
    words.contains(['_', '-'])
        && words
            .split(['_', '-'])
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
}

/// Passwords and passphrases may contain spaces; tokens and keys do not, so `token =
/// "is not"` is a lexer token, not a credential.
fn is_password_name(name: &str) -> bool {
    identifier_words(name)
        .iter()
        .any(|w| w.starts_with("pass") || w == "pwd")
}

/// Values that are placeholders, templates, environment-variable names, property keys,
/// paths or plain URLs.
static PLACEHOLDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^[*xX.•\#-]+$                                 # masked: ****, xxxx
        | ^<[^>]*>$ | ^\{[^}]*\}$ | ^\[[^\]]*\]$       # <password>, {secret}, [token]
        | \$\{ | \{\{ | %\([a-z_]+\)s | ^%s$ | ^\$[A-Za-z_]  # templates: ${X}, {{ x }}, %(x)s, $VAR
        | ^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$               # an environment variable name
        | ^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$          # a property key: db.password
        | ^(/|\./|~/)[^\s]*$                          # a path
        | ^https?://[^@\s]*$                          # a URL without credentials
        | (?i)^(your|my|the|some|enter|insert|replace|put|change|changeme|true|false|todo|fixme|dummy|example|sample|test|fake|placeholder|none|null|nil|undefined|redacted|hidden|secret|password|token)([\s_-].*)?$
        ",
    )
    .ok()
});

/// A recognised credential format found in a string literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownSecret {
    /// What it is, for the message: "an AWS access key ID".
    pub what: &'static str,
}

/// Whether `value` has the shape of a known credential, wherever it appears.
pub fn known_secret(value: &str) -> Option<KnownSecret> {
    if value.len() < 16 {
        return None;
    }
    KNOWN
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(what, _)| KnownSecret { what })
        .filter(|_| !value.contains("EXAMPLE"))
}

static KNOWN: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("an AWS access key ID", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        (
            "a GitHub token",
            r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
        ),
        ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("a Stripe secret key", r"\b[sr]k_live_[0-9A-Za-z]{20,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        (
            "a private key",
            r"-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----",
        ),
        (
            "a URL with an embedded password",
            r"\b[a-z][a-z0-9+.-]*://[^/\s:@{}$<>]+:[^/\s:@{}$<>*]{3,}@[^\s]+",
        ),
    ]
    .into_iter()
    .filter_map(|(what, pattern)| Regex::new(pattern).ok().map(|re| (what, re)))
    .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_recognised() {
        for name in [
            "password",
            "DB_PASSWORD",
            "apiKey",
            "client_secret",
            "authToken",
            "db_pass",
            "new_password",
            "reset_token",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "password_field",
            "TOKEN_URL",
            "PASSWORD_ENV",
            "bypass",
            "keyboard",
            "user",
            "password_help",
            "token_endpoint_auth_method",
            "update_password",
            "isPasswordSet",
            "require_token",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn unpredictable_names_are_recognised() {
        for name in [
            "sessionId",
            "resetToken",
            "salt",
            "ivBytes",
            "CSRF_TOKEN",
            "generatePassword",
            "aesKey",
            "verificationCode",
            "otp",
            "nonce",
            "JSESSIONID",
        ] {
            assert!(is_unpredictable_name(name), "{name}");
        }
        for name in [
            "requestId",
            "tokenIndex",
            "sessionTimeout",
            "retryJitter",
            "cacheKey",
            "key",
            "statusCode",
            "diceRoll",
            "bypass",
            "passwordLength",
        ] {
            assert!(!is_unpredictable_name(name), "{name}");
        }
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(PLACEHOLDER.is_some());
        assert_eq!(KNOWN.len(), 7);
    }

    #[test]
    fn placeholders_are_not_plausible_secrets() {
        assert!(is_plausible_secret("password", "hunter22"));
        assert!(is_plausible_secret(
            "apiKey",
            "a8f5f167f44f4964e6c998dee827110c"
        ));
        for value in [
            "",
            "****",
            "<password>",
            "${DB_PASS}",
            "DB_PASSWORD",
            "db.password",
            "password",
            "todo_replace_me",
            "your-token-here",
            "The two password fields didn't match.",
            "client_secret_basic",
            "_password_reset_token",
            "set-password",
            "changeme",
            "false",
        ] {
            assert!(!is_plausible_secret("password", value), "{value}");
        }
        assert!(is_plausible_secret("passphrase", "Tr0ub4dor &3"));
        assert!(!is_plausible_secret("token", "is not"));
    }

    #[test]
    fn known_formats_are_found_anywhere() {
        assert!(known_secret("AKIAZ3MSJV4W5PQRTXYA").is_some());
        assert!(known_secret("AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(known_secret("postgres://app:s3cr3tpw@db:5432/app").is_some());
        assert!(known_secret("postgres://app:${PW}@db:5432/app").is_none());
        assert!(known_secret("-----BEGIN RSA PRIVATE KEY-----\nMIIE").is_some());
        assert!(known_secret("just a long sentence of words").is_none());
    }
}
