//! `py-trust-boundary-violation`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data stored in the session (Flask's `session[...] = ...`, Django's
/// `request.session[...] = ...`) without validation. Values checked against an
/// allow-list or converted to numbers are fine.
    ///
    /// ## Why is this bad?
    /// Code reads the session as trusted state set by the server. Mixing unchecked input
/// into it lets an attacker set values other code relies on, such as a role or a user
/// id.
    ///
    /// ## Example
    /// ```python
/// @app.route("/prefs")
/// def prefs():
///     session["role"] = request.args["role"]
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/prefs")
/// def prefs():
///     role = request.args["role"]
///     if role in ("reader", "editor"):
///         session["role"] = role
/// ```
    pub TrustBoundaryViolation {
        id: "py-trust-boundary-violation",
        title: "Untrusted input stored in the session",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [501],
        precision: High,
        kinds: ["call", "assignment"],
        fix: "Validate the value (type, allow-list, format) before storing it in the session",
    }
}

impl Rule for TrustBoundaryViolation {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::TrustBoundary);
    }
}
