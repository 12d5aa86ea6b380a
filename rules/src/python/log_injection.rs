//! `py-log-injection`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data written to a log (`logging.info`, `logger.warning`, ...)
/// without removing line breaks. Values passed through `.replace("\n", ...)` or URL
/// encoding are fine.
    ///
    /// ## Why is this bad?
    /// A value with a newline forges extra log entries (`ok\nINFO admin logged in`), which
/// misleads whoever reads the logs and the tools that parse them.
    ///
    /// ## Example
    /// ```python
/// @app.route("/login", methods=["POST"])
/// def login():
///     logger.info("login attempt for %s", request.form["user"])
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/login", methods=["POST"])
/// def login():
///     user = request.form["user"].replace("\r", "").replace("\n", "")
///     logger.info("login attempt for %s", user)
/// ```
    pub LogInjection {
        id: "py-log-injection",
        title: "Log message built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [117],
        precision: High,
        kinds: ["call"],
        fix: "Remove `\\r` and `\\n` from the value before logging it, or log it with `%r`",
    }
}

impl Rule for LogInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Log);
    }
}
