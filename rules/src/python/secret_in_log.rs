use tree_sitter::Node;

use crate::common::secrets;
use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for log calls (`logging`, a `logging.getLogger(...)` logger, `loguru`,
    /// `structlog`, or an object named `logger`/`log`) whose message includes a variable
    /// or attribute named like a secret: `password`, `token`, `api_key`, `client_secret`,
    /// `private_key`. The value counts when it is an argument, an f-string field, a `%`
    /// or `.format()` argument, or passed through `str()`/`repr()`.
    ///
    /// Derived values (`len(token)`, `token[:4]`, `mask(token)`) and names that describe a
    /// secret rather than hold it (`password_hash`, `token_expiry`, `api_key_id`) are not
    /// reported. `print` is not a log call here: command-line tools print the keys they
    /// create on purpose.
    ///
    /// ## Why is this bad?
    /// Logs are copied to files, log shippers, search indexes and support tickets, and
    /// read by far more people and systems than the secret was meant for; they are also
    /// kept long after the secret is rotated, if it ever is. A password or token in a log
    /// line is a leaked credential.
    ///
    /// ## Example
    /// ```python
    /// import logging
    ///
    /// logger = logging.getLogger(__name__)
    ///
    /// def connect(user, password):
    ///     logger.info("connecting as %s with %s", user, password)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import logging
    ///
    /// logger = logging.getLogger(__name__)
    ///
    /// def connect(user, password):
    ///     logger.info("connecting as %s", user)
    /// ```
    pub SecretInLog {
        id: "py-secret-in-log",
        title: "Secret written to a log",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [532, 312],
        precision: Medium,
        kinds: ["call"],
        fix: "Leave the secret out of the message, or log a masked form of it",
    }
}

const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
    "success",
    "trace",
    "msg",
];

/// Loggers by qualified name of the call that makes them or the module that is one.
const LOGGER_FACTORIES: &[&str] = &[
    "logging.getLogger",
    "logging.get_logger",
    "structlog.get_logger",
    "structlog.getLogger",
];

/// Keyword arguments of `logging` calls that are not part of the message.
const CONTROL_KEYWORDS: &[&str] = &["exc_info", "stack_info", "stacklevel", "extra"];

/// Receivers that are loggers by convention.
const LOGGER_NAMES: &[&str] = &["logger", "log", "_logger", "_log", "LOGGER", "LOG", "logging"];

/// Words that make a secret-looking name describe the secret instead of holding it.
const DESCRIPTIVE_WORDS: &[&str] = &[
    "hash", "hashed", "digest", "masked", "redacted", "expiry", "expires", "expiration",
    "expired", "valid", "present", "set", "required", "ttl", "age", "reset", "changed",
    "updated", "created",
];

impl Rule for SecretInLog {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::callee_name(node, cx.source()).is_some_and(|m| LOG_METHODS.contains(&m)) {
            return;
        }
        if !is_logger_call(node, cx) {
            return;
        }
        // Keyword arguments are logged too (structlog's fields), except the few that
        // steer the standard library's logging.
        let values = call::arguments(node).into_iter().filter_map(|a| match a.kind() {
            "keyword_argument" => a
                .child_by_field_name("name")
                .filter(|n| !CONTROL_KEYWORDS.contains(&cx.text(*n)))
                .and_then(|_| a.child_by_field_name("value")),
            "dictionary_splat" | "list_splat" => None,
            _ => Some(a),
        });
        let mut work: Vec<(Node<'t>, usize)> = values.map(|v| (v, 0)).collect();
        while let Some((value, depth)) = work.pop() {
            if depth > 8 {
                continue;
            }
            let value = ast::unparenthesize(value);
            match value.kind() {
                "identifier" | "attribute" => {
                    let name = match value.kind() {
                        "attribute" => value.child_by_field_name("attribute"),
                        _ => Some(value),
                    };
                    if let Some(name) = name.map(|n| cx.text(n))
                        && holds_secret(name)
                    {
                        cx.report(
                            value,
                            format!("`{}` looks like a secret and is written to the log", cx.text(value)),
                        )
                        .help("Leave it out of the message, or log a masked form (`token[-4:]`)");
                    }
                }
                "string" | "concatenated_string" => {
                    for part in ast::descendants(value).filter(|n| n.kind() == "interpolation") {
                        if let Some(expression) = part.named_child(0) {
                            work.push((expression, depth + 1));
                        }
                    }
                }
                "binary_operator" => {
                    let operator = value.child_by_field_name("operator").map(|o| o.kind());
                    let sides = match operator {
                        Some("%") => vec![value.child_by_field_name("right")],
                        Some("+") => vec![
                            value.child_by_field_name("left"),
                            value.child_by_field_name("right"),
                        ],
                        _ => Vec::new(),
                    };
                    work.extend(sides.into_iter().flatten().map(|n| (n, depth + 1)));
                }
                "tuple" | "list" => {
                    work.extend(ast::named_children(value).into_iter().map(|n| (n, depth + 1)));
                }
                "dictionary" => {
                    for pair in ast::named_children(value) {
                        if let Some(v) = pair.child_by_field_name("value") {
                            work.push((v, depth + 1));
                        }
                    }
                }
                "call" => {
                    let passes_through = match call::callee_name(value, cx.source()) {
                        Some("format") => call::receiver(value).is_some_and(|r| {
                            matches!(r.kind(), "string" | "concatenated_string")
                        }),
                        Some("str" | "repr") => cx
                            .python()
                            .resolve_call(value)
                            .is_some_and(|n| n == "builtins.str" || n == "builtins.repr"),
                        _ => false,
                    };
                    if passes_through {
                        work.extend(
                            call::argument_values(value)
                                .into_iter()
                                .map(|n| (n, depth + 1)),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether a name holds a secret value (not a description of one).
fn holds_secret(name: &str) -> bool {
    secrets::is_secret_name(name)
        && !ast::identifier_words(name)
            .iter()
            .any(|w| DESCRIPTIVE_WORDS.contains(&w.as_str()))
}

/// `logging.info(...)`, `logger.info(...)` for a logger made by `logging.getLogger`,
/// `self.logger.info(...)`, `loguru.logger.info(...)`.
fn is_logger_call(node: Node<'_>, cx: &Checker<'_>) -> bool {
    if let Some(name) = cx.python().resolve_call(node) {
        return name.starts_with("logging.")
            || name.starts_with("loguru.logger.")
            || name.starts_with("structlog.");
    }
    let Some(receiver) = call::receiver(node).map(ast::unparenthesize) else {
        return false;
    };
    let last = match receiver.kind() {
        "identifier" => Some(receiver),
        "attribute" => receiver.child_by_field_name("attribute"),
        _ => None,
    };
    if last.is_some_and(|n| LOGGER_NAMES.contains(&cx.text(n))) {
        return true;
    }
    match receiver.kind() {
        "call" => cx
            .python()
            .resolve_call(receiver)
            .is_some_and(|n| LOGGER_FACTORIES.contains(&n.as_str())),
        _ => cx
            .python()
            .bound_calls(receiver)
            .iter()
            .any(|n| LOGGER_FACTORIES.contains(&n.as_str())),
    }
}
