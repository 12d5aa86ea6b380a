use tree_sitter::Node;

use crate::common::secrets::{is_plausible_secret, is_secret_name, known_secret};
use crate::java::semantic::string_value;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for passwords, API keys, tokens and other secrets written into the source
    /// as string literals:
    /// - assigned to a variable, field or constant whose name says it holds a secret
    ///   (`password`, `DB_PASS`, `apiKey`, `clientSecret`);
    /// - passed where an API expects a password: `DriverManager.getConnection(url, user, "..")`,
    ///   `new PasswordAuthentication(user, "..".toCharArray())`,
    ///   `keyStore.load(in, "..".toCharArray())`, `setPassword("..")`, `.password("..")`,
    ///   `props.setProperty("db.password", "..")`, `new SecretKeySpec("..".getBytes(), ..)`;
    /// - compared with a password: `password.equals("..")`, or hashed into one:
    ///   `passwordEncoder.encode("..")`;
    /// - anywhere, when the literal has the shape of a known credential: an AWS access
    ///   key id, a GitHub, Slack or Stripe token, a private key, a URL with a password.
    ///
    /// Placeholders (`"<password>"`, `"your-api-key"`, `"${DB_PASSWORD}"`), empty strings,
    /// environment-variable names and property keys are not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// A secret in the source is shared with everyone who can read the repository, its
    /// forks, its history, build logs and the compiled artifacts (string constants are
    /// readable in `.class` files). It cannot be rotated without a release, and the
    /// same value usually ends up in every environment, production included.
    ///
    /// ## Example
    /// ```java
    /// Connection db = DriverManager.getConnection(
    ///     "jdbc:postgresql://db/app", "app", "s3cr3t-Pa55");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Connection db = DriverManager.getConnection(
    ///     "jdbc:postgresql://db/app", "app", System.getenv("DB_PASSWORD"));
    /// ```
    pub HardcodedCredentials {
        id: "java-hardcoded-credentials",
        title: "Hard-coded credentials",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [798, 259],
        precision: High,
        kinds: ["string_literal"],
        fix: "Read the secret at runtime from the environment or a secret manager, and rotate the exposed value",
        skip_tests: true,
    }
}

/// Calls whose `char[]`/`byte[]` argument is a password or key.
const PASSWORD_ARRAY_CALLS: &[&str] = &[
    "load",
    "store",
    "init",
    "getKey",
    "setKeyEntry",
    "getEntry",
    "PasswordAuthentication",
    "PBEKeySpec",
    "PasswordProtection",
    "SecretKeySpec",
];

/// Constructors whose second argument is a password.
const CREDENTIAL_CONSTRUCTORS: &[&str] = &[
    "PasswordAuthentication",
    "UsernamePasswordCredentials",
    "UsernamePasswordAuthenticationToken",
    "BasicAWSCredentials",
    "BasicSessionCredentials",
    "NTCredentials",
];

/// Calls that store a value under the key given as first argument.
const KEYED_SETTERS: &[&str] = &[
    "put",
    "setProperty",
    "set",
    "setHeader",
    "addProperty",
    "property",
    "option",
    "with",
    "header",
    "param",
    "addHeader",
    "setAttribute",
];

/// First words of methods that take the name of a secret, or act on one, rather than
/// set it.
const LOOKUP_VERBS: &[&str] = &[
    "get", "find", "load", "fetch", "read", "lookup", "resolve", "check", "validate",
    "verify", "has", "is", "remove", "delete", "create", "generate", "hash", "encode",
    "decode", "encrypt", "decrypt", "parse", "match", "matches", "compare", "require",
    "revoke", "rotate", "reset", "refresh", "new", "to", "as", "of", "from", "clear",
    "contains", "mask", "redact", "log",
];

const HELP: &str = "Read it at runtime from the environment (`System.getenv(..)`) or a secret manager, and rotate the exposed value";

impl Rule for HardcodedCredentials {
    fn check<'t>(&self, literal: Node<'t>, cx: &Checker<'t>) {
        let Some(value) = string_value(literal, cx.source()) else {
            return;
        };
        if let Some(secret) = known_secret(value) {
            cx.report(literal, format!("{} is hard-coded in the source", secret.what))
                .help(HELP);
            return;
        }
        if value.trim().chars().count() < 4 {
            return;
        }
        // The literal, and what it is used as once `.toCharArray()` or `.getBytes()`
        // turns it into an array.
        let mut ancestors = cx.ancestors().filter(|a| a.kind() != "parenthesized_expression");
        let Some(mut parent) = ancestors.next() else {
            return;
        };
        let mut child = literal;
        let mut as_array = false;
        if parent.kind() == "method_invocation" && is_field(parent, "object", child) {
            let method = parent.child_by_field_name("name").map_or("", |n| cx.text(n));
            match method {
                "equals" | "equalsIgnoreCase" => {
                    let other = parent
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0));
                    report_comparison(literal, value, other, cx);
                    return;
                }
                "toCharArray" | "getBytes" => {
                    as_array = true;
                    child = parent;
                    let Some(next) = ancestors.next() else {
                        return;
                    };
                    parent = next;
                }
                _ => return,
            }
        }
        match parent.kind() {
            "variable_declarator" => {
                if is_field(parent, "value", child)
                    && let Some(name) = parent.child_by_field_name("name")
                {
                    report_named(literal, value, cx.text(name), cx);
                }
            }
            "assignment_expression" => {
                if is_field(parent, "right", child)
                    && let Some(left) = parent.child_by_field_name("left")
                {
                    let name = match left.kind() {
                        "field_access" => left.child_by_field_name("field").map(|f| cx.text(f)),
                        "identifier" => Some(cx.text(left)),
                        _ => None,
                    };
                    if let Some(name) = name {
                        report_named(literal, value, name, cx);
                    }
                }
            }
            "argument_list" => {
                let Some(call) = ancestors.next() else {
                    return;
                };
                let args = ast::named_children(parent);
                let index = args.iter().position(|a| ast::unparenthesize(*a).id() == child.id());
                check_argument(literal, value, call, &args, index, as_array, cx);
            }
            _ => {}
        }
    }
}

fn is_field(parent: Node<'_>, field: &str, child: Node<'_>) -> bool {
    parent
        .child_by_field_name(field)
        .is_some_and(|f| ast::unparenthesize(f).id() == child.id())
}

/// What kind of secret a name holds, for the message.
fn noun(name: &str) -> &'static str {
    let words = ast::identifier_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    if ["password", "passwd", "pwd", "pass", "passphrase"].iter().any(|w| has(w)) {
        "password"
    } else if has("token") {
        "token"
    } else if has("key") || has("apikey") || has("secretkey") || has("privatekey") || has("accesskey") {
        "key"
    } else if has("credential") || has("credentials") {
        "credential"
    } else {
        "secret"
    }
}

/// Stricter than `is_secret_name`, for method names and property keys: the name must
/// end with the secret (`db.password`, `setApiKey`), not merely mention one
/// (`PasswordField.caretForeground`, `nextToken`).
fn names_a_secret(name: &str) -> bool {
    let words = ast::identifier_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let before = words.len().checked_sub(2).and_then(|i| words.get(i));
    let ends_with_secret = matches!(
        last.as_str(),
        "password" | "passwd" | "pwd" | "passphrase" | "secret" | "apikey" | "secretkey" | "privatekey" | "accesskey"
    ) || last == "key"
        && before.is_some_and(|b| {
            matches!(
                b.as_str(),
                "api" | "secret" | "private" | "access" | "signing" | "encryption" | "master"
            )
        })
        || last == "token" && words.len() > 1 && !words.iter().any(|w| w == "next");
    ends_with_secret && is_secret_name(name)
}

fn report_named(literal: Node<'_>, value: &str, name: &str, cx: &Checker<'_>) {
    if is_secret_name(name) && is_plausible_secret(name, value) {
        cx.report(literal, format!("hard-coded {} in `{name}`", noun(name)))
            .help(HELP);
    }
}

/// `password.equals("hunter2")` and `"hunter2".equals(password)`.
fn report_comparison(literal: Node<'_>, value: &str, other: Option<Node<'_>>, cx: &Checker<'_>) {
    let Some(other) = other.map(ast::unparenthesize) else {
        return;
    };
    let name = match other.kind() {
        "identifier" => cx.text(other),
        "field_access" => other.child_by_field_name("field").map_or("", |f| cx.text(f)),
        "method_invocation" => other
            .child_by_field_name("name")
            .and_then(|n| cx.text(n).strip_prefix("get"))
            .unwrap_or(""),
        _ => return,
    };
    // Passwords only: parsers compare a `token` with keywords all day.
    let is_password = ast::identifier_words(name)
        .iter()
        .any(|w| matches!(w.as_str(), "password" | "passwd" | "pwd" | "passphrase" | "pin" | "secret"));
    if is_password && is_secret_name(name) && is_plausible_secret(name, value) {
        cx.report(
            literal,
            format!("`{}` is checked against a hard-coded {}", cx.text(other), noun(name)),
        )
        .help("Compare against a salted hash stored outside the code, e.g. with `PasswordEncoder.matches`");
    }
}

fn check_argument(
    literal: Node<'_>,
    value: &str,
    call: Node<'_>,
    args: &[Node<'_>],
    index: Option<usize>,
    as_array: bool,
    cx: &Checker<'_>,
) {
    let Some(index) = index else {
        return;
    };
    let (callee, receiver) = match call.kind() {
        "method_invocation" => (
            call.child_by_field_name("name").map_or("", |n| cx.text(n)),
            call.child_by_field_name("object").map(|o| simple_name(cx.text(o))),
        ),
        "object_creation_expression" => (
            call.child_by_field_name("type")
                .map_or("", |t| simple_name(cx.text(t))),
            None,
        ),
        _ => return,
    };
    // `passwordEncoder.encode("admin123")`, `BCrypt.hashpw("admin123", salt)`: a fixed
    // password, hashed.
    let hashes_password = matches!(callee, "encode" | "hashpw" | "hashPassword" | "hash")
        && index == 0
        && receiver.is_some_and(|r| {
            ast::identifier_words(r)
                .iter()
                .any(|w| matches!(w.as_str(), "password" | "passwd" | "bcrypt" | "argon2" | "scrypt"))
        });
    if hashes_password && !as_array && is_plausible_secret("password", value) {
        cx.report(
            literal,
            format!(
                "hard-coded password hashed with `{}.{callee}`",
                receiver.unwrap_or_default()
            ),
        )
        .help("Have the user choose the password (e.g. on first login), or read it from a secret manager");
        return;
    }
    if matches!(callee, "equals" | "equalsIgnoreCase") {
        report_comparison(literal, value, call.child_by_field_name("object"), cx);
        return;
    }
    let plausible = is_plausible_secret("password", value);

    if as_array && PASSWORD_ARRAY_CALLS.contains(&callee) && plausible {
        let what = if callee == "SecretKeySpec" {
            "encryption key"
        } else {
            "password"
        };
        cx.report(literal, format!("hard-coded {what} passed to `{callee}`"))
            .help(HELP);
        return;
    }
    if as_array {
        return;
    }
    let is_password_slot = callee == "getConnection" && receiver == Some("DriverManager") && index == 2
        || CREDENTIAL_CONSTRUCTORS.contains(&callee) && index == 1;
    if is_password_slot && plausible {
        cx.report(literal, format!("hard-coded password passed to `{callee}`"))
            .help(HELP);
        return;
    }
    // `setPassword("..")`, `withApiKey("..")`, `.password("..")`: the value of a setter
    // or a builder method; constructors are not setters.
    let property = ["set", "with"]
        .iter()
        .find_map(|p| callee.strip_prefix(p))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        .or_else(|| {
            // `.password("..")`, `.clientSecret("..")`; not `getSecret("name")`.
            let first = ast::identifier_words(callee).into_iter().next()?;
            (!LOOKUP_VERBS.contains(&first.as_str())).then_some(callee)
        });
    if call.kind() == "method_invocation"
        && let Some(property) = property
        && index + 1 == args.len()
        && names_a_secret(property)
        && is_plausible_secret(property, value)
    {
        cx.report(literal, format!("hard-coded {} passed to `{callee}`", noun(property)))
            .help(HELP);
        return;
    }
    // `props.setProperty("db.password", "..")`, `config.put("apiKey", "..")`.
    if KEYED_SETTERS.contains(&callee)
        && index == 1
        && let Some(key) = args.first().and_then(|k| string_value(*k, cx.source()))
        && names_a_secret(key)
        && is_plausible_secret(key, value)
    {
        cx.report(literal, format!("hard-coded {} stored as \"{key}\"", noun(key)))
            .help(HELP);
    }
}
