use tree_sitter::Node;

use crate::common::secrets::is_secret_name;
use crate::java::calls::Call;
use crate::java::semantic;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for log statements and console prints whose arguments include a value
    /// named like a secret: a variable, field or getter called `password`, `secret`,
    /// `token`, `apiKey`, `privateKey`, `clientSecret`, ..
    ///
    /// Loggers are recognised by their declared type (`Logger`, `Log`) or their usual
    /// name (`log`, `logger`, `LOG`); `System.out` and `System.err` count too. Only the
    /// value itself is reported: `password.length()`, `token != null` or
    /// `mask(apiKey)` are not.
    ///
    /// ## Why is this bad?
    /// Logs are copied to files, log shippers, dashboards and support tickets, and kept
    /// for months; many more people and systems can read them than can read the secret
    /// store. A credential written to a log must be considered leaked and rotated.
    ///
    /// ## Example
    /// ```java
    /// log.debug("connecting as {} with password {}", user, password);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// log.debug("connecting as {}", user);
    /// ```
    pub SecretInLog {
        id: "java-secret-in-log",
        title: "Secret written to a log",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [532],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Do not log secrets; log a fingerprint or a masked form if needed",
    }
}

const LOG_METHODS: &[&str] = &[
    "trace", "debug", "info", "warn", "warning", "error", "fatal", "log", "severe", "fine",
    "finer", "finest", "config",
];

const PRINT_METHODS: &[&str] = &["println", "print", "printf", "format"];

const LOGGER_NAMES: &[&str] = &["log", "logger", "LOG", "LOGGER", "Log", "Logger"];

const LOGGER_TYPES: &[&str] = &["Logger", "Log", "ExtendedLogger", "XLogger"];

/// Declared types that cannot hold a secret value.
const HARMLESS_TYPES: &[&str] = &[
    "boolean", "Boolean", "int", "Integer", "long", "Long", "Duration", "Instant", "Date",
];

impl Rule for SecretInLog {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(object) = call.object else {
            return;
        };
        let is_log = if LOG_METHODS.contains(&call.name) {
            is_logger(object, cx)
        } else {
            PRINT_METHODS.contains(&call.name)
                && matches!(cx.text(object), "System.out" | "System.err")
        };
        if !is_log {
            return;
        }
        for arg in &call.args {
            if let Some((shown, at)) = secret_part(*arg, cx) {
                cx.report(at, format!("`{shown}` is written to the log"));
                return;
            }
        }
    }
}

fn is_logger<'t>(object: Node<'t>, cx: &Checker<'t>) -> bool {
    let name = match object.kind() {
        "identifier" => cx.text(object),
        "field_access" => object
            .child_by_field_name("field")
            .map_or("", |f| cx.text(f)),
        _ => return false,
    };
    match crate::java::calls::receiver_type(object, cx) {
        Some(ty) => LOGGER_TYPES.contains(&ty),
        None => LOGGER_NAMES.contains(&name),
    }
}

/// The first part of a log argument, or of a `+` concatenation, that is a value named
/// like a secret.
fn secret_part<'t>(arg: Node<'t>, cx: &Checker<'t>) -> Option<(String, Node<'t>)> {
    let mut work = vec![arg];
    while let Some(expr) = work.pop() {
        let expr = ast::unparenthesize(expr);
        match expr.kind() {
            "binary_expression"
                if expr
                    .child_by_field_name("operator")
                    .is_some_and(|op| cx.text(op) == "+") =>
            {
                // Right first, so the left-most part is looked at first.
                work.extend(expr.child_by_field_name("right"));
                work.extend(expr.child_by_field_name("left"));
            }
            "identifier" | "field_access" => {
                let name = match expr.kind() {
                    "field_access" => cx.text(expr.child_by_field_name("field")?),
                    _ => cx.text(expr),
                };
                if is_secret_name(name) && !semantic::is_constant_name(name) && !harmless(expr, cx) {
                    return Some((cx.text(expr).to_string(), expr));
                }
            }
            "method_invocation" => {
                let call = Call::of(expr, cx)?;
                let property = call.name.strip_prefix("get").filter(|p| {
                    p.starts_with(|c: char| c.is_ascii_uppercase())
                });
                if call.args.is_empty()
                    && let Some(property) = property
                    && is_secret_name(property)
                {
                    let owner = call.object.map_or("", |o| simple_name(cx.text(o)));
                    let shown = if owner.is_empty() {
                        format!("{}()", call.name)
                    } else {
                        format!("{owner}.{}()", call.name)
                    };
                    return Some((shown, expr));
                }
            }
            _ => {}
        }
    }
    None
}

/// A name whose declared type is a number, a flag or a time, or a `token` that a
/// tokenizer produced (`token = parser.nextToken()`): a word of a parsed text.
fn harmless<'t>(expr: Node<'t>, cx: &Checker<'t>) -> bool {
    crate::java::calls::receiver_type(expr, cx).is_some_and(|t| HARMLESS_TYPES.contains(&t))
        || (expr.kind() == "identifier" && is_lexical_token(cx.text(expr), cx))
}

fn is_lexical_token(name: &str, cx: &Checker<'_>) -> bool {
    let Some(method) = cx
        .ancestors()
        .find(|a| matches!(a.kind(), "method_declaration" | "constructor_declaration"))
    else {
        return false;
    };
    crate::ast::descendants(method).any(|n| {
        let (target, value) = match n.kind() {
            "assignment_expression" => (n.child_by_field_name("left"), n.child_by_field_name("right")),
            "variable_declarator" => (n.child_by_field_name("name"), n.child_by_field_name("value")),
            _ => return false,
        };
        target.is_some_and(|t| cx.text(t) == name)
            && value.is_some_and(|v| {
                let text = cx.text(v);
                text.contains(".nextToken(") || text.contains(".nextElement(")
            })
    })
}
