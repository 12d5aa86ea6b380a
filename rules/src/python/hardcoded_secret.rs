use tree_sitter::Node;

use crate::common::secrets;
use crate::python::semantic::string_value;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for credentials written into the source:
    /// - string literals bound to a name that says "secret" (`password`, `api_key`,
    ///   `client_secret`, `token`): in an assignment (`DB_PASSWORD = "..."`,
    ///   `self.token = "..."`, `config["api_key"] = "..."`), a keyword argument
    ///   (`connect(password="...")`), a dict entry (`{"api_key": "..."}`), a parameter
    ///   default, or an equality test (`if password == "..."`);
    /// - any string literal shaped like a known credential: an AWS access key ID, a
    ///   GitHub, Slack or Stripe token, a Google API key, a private key block, a URL with
    ///   a password in it.
    ///
    /// Placeholders (`"<password>"`, `"changeme"`, `"xxxx"`), empty strings, names of
    /// environment variables or settings, and field names are not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// Source code is copied to laptops, CI logs, forks, backups and package indexes, and
    /// it keeps its history forever: a secret committed once must be considered leaked.
    /// A hard-coded credential also cannot be rotated without a release, and it is the
    /// same in every environment, so a leak from a test setup opens production.
    ///
    /// ## Example
    /// ```python
    /// import psycopg2
    ///
    /// DB_PASSWORD = "pr0d-Pa55w0rd!"
    ///
    /// def connect():
    ///     return psycopg2.connect(host="db", user="app", password=DB_PASSWORD)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import os
    ///
    /// import psycopg2
    ///
    /// def connect():
    ///     return psycopg2.connect(host="db", user="app", password=os.environ["DB_PASSWORD"])
    /// ```
    pub HardcodedSecret {
        id: "py-hardcoded-secret",
        title: "Hard-coded secret",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [798, 259],
        precision: Medium,
        kinds: [
            "string",
            "assignment",
            "keyword_argument",
            "pair",
            "default_parameter",
            "typed_default_parameter",
            "comparison_operator",
        ],
        fix: "Read the secret at run time from the environment or a secret manager",
        skip_tests: true,
    }
}

impl Rule for HardcodedSecret {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        match node.kind() {
            "string" => check_literal(node, cx),
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                let name = match left.kind() {
                    "identifier" => Some(cx.text(left).to_string()),
                    "attribute" => left
                        .child_by_field_name("attribute")
                        .map(|a| cx.text(a).to_string()),
                    "subscript" => left
                        .child_by_field_name("subscript")
                        .and_then(|key| string_value(key, cx.source()))
                        .map(str::to_string),
                    _ => None,
                };
                if let Some(name) = name {
                    check_binding(&name, right, "is set to", cx);
                }
            }
            "keyword_argument" | "default_parameter" | "typed_default_parameter" => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) && name.kind() == "identifier"
                {
                    check_binding(cx.text(name), value, "is set to", cx);
                }
            }
            "pair" => {
                if let (Some(key), Some(value)) = (
                    node.child_by_field_name("key"),
                    node.child_by_field_name("value"),
                ) && let Some(name) = string_value(key, cx.source())
                {
                    check_binding(name, value, "is set to", cx);
                }
            }
            _ => check_comparison(node, cx),
        }
    }
}

/// A literal shaped like a known credential, wherever it is.
fn check_literal(string: Node<'_>, cx: &Checker<'_>) {
    let content = string_content(string, cx);
    let Some(known) = known_secret(content) else {
        return;
    };
    cx.report(
        string,
        format!("hard-coded secret: this string contains {}", known.what),
    )
    .help("Revoke it, then load it at run time from the environment or a secret manager");
}

/// [`secrets::known_secret`], except for URLs whose passwords are all placeholders
/// (`postgres://user:password@localhost/db` in a docstring).
fn known_secret(value: &str) -> Option<secrets::KnownSecret> {
    let known = secrets::known_secret(value)?;
    let mut passwords = url_passwords(value).peekable();
    if passwords.peek().is_some()
        && passwords.all(|password| {
            PASSWORD_WORDS
                .iter()
                .any(|name| !secrets::is_plausible_secret(name, password))
        })
    {
        return None;
    }
    Some(known)
}

/// Names a placeholder password in an example URL is often spelled after.
const PASSWORD_WORDS: &[&str] = &["password", "passwd", "secret", "pass", "pwd"];

/// The password of every `scheme://user:password@host` in `value`.
fn url_passwords(value: &str) -> impl Iterator<Item = &str> {
    value.split("://").skip(1).filter_map(|after_scheme| {
        let authority = after_scheme.split(['/', ' ', '\n', '"', '\'']).next()?;
        let (credentials, _) = authority.rsplit_once('@')?;
        let (_, password) = credentials.split_once(':')?;
        Some(password)
    })
}

/// The text between a string's quotes, interpolations included.
fn string_content<'t>(string: Node<'_>, cx: &Checker<'t>) -> &'t str {
    // A string's first child is `string_start` and its last `string_end`.
    let start = string
        .child(0)
        .map_or(string.start_byte(), |first| first.end_byte());
    let end = string
        .child(string.child_count().saturating_sub(1))
        .map_or(string.end_byte(), |last| last.start_byte());
    cx.source().get(start..end.max(start)).unwrap_or_default()
}

/// A string literal bound to `name`: reported when the name says secret and the value
/// looks like one. Values in a known credential format are left to [`check_literal`].
fn check_binding(name: &str, value: Node<'_>, verb: &str, cx: &Checker<'_>) {
    let value = ast::unparenthesize(value);
    if !matches!(value.kind(), "string" | "concatenated_string") {
        return;
    }
    if !secrets::is_secret_name(name) {
        return;
    }
    let Some(text) = literal_value(value, cx) else {
        return;
    };
    if !secrets::is_plausible_secret(name, &text) || known_secret(&text).is_some() {
        return;
    }
    cx.report(value, format!("`{name}` {verb} a hard-coded secret"))
        .help(format!(
            "Load it at run time, e.g. `os.environ[\"{}\"]`, or from a secret manager",
            environment_name(name)
        ));
}

/// The value of a literal without interpolation, escapes kept as written.
fn literal_value(value: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    match value.kind() {
        "string" => string_value(value, cx.source()).map(str::to_string),
        _ => cx.python().constant_str(value),
    }
}

/// `if password == "hunter2":`: a hard-coded password check. Only password and secret
/// names: `token == "lambda"` is what a parser compares its tokens with.
fn check_comparison(node: Node<'_>, cx: &Checker<'_>) {
    // `a == b`: exactly three children, the operator in the middle.
    if node.child_count() != 3 {
        return;
    }
    let (Some(left), Some(operator), Some(right)) = (node.child(0), node.child(1), node.child(2))
    else {
        return;
    };
    if !matches!(operator.kind(), "==" | "!=") {
        return;
    }
    for (name, value) in [(left, right), (right, left)] {
        let name = match name.kind() {
            "identifier" => name,
            "attribute" => match name.child_by_field_name("attribute") {
                Some(attribute) => attribute,
                None => continue,
            },
            _ => continue,
        };
        let name = cx.text(name);
        let is_password = ast::identifier_words(name)
            .iter()
            .any(|w| w.starts_with("pass") || w == "pwd" || w == "secret");
        if is_password {
            check_binding(name, value, "is compared with", cx);
        }
    }
}

/// `DB_PASSWORD` for `db_password`, `self.dbPassword` and `DB_PASSWORD`.
fn environment_name(name: &str) -> String {
    ast::identifier_words(name)
        .iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}
