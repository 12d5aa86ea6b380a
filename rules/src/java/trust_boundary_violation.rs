//! `java-trust-boundary-violation`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data stored in the HTTP session with
    /// `session.setAttribute(name, value)` or `putValue`, as the name or the value, without
    /// validation.
    ///
    /// Values checked against an allow-list or converted to numbers are fine.
    ///
    /// ## Why is this bad?
    /// Code reads the session as trusted state set by the server. Mixing unchecked input
    /// into it lets an attacker set values other code relies on, such as a role or a user
    /// id.
    ///
    /// ## Example
    /// ```java
    /// String role = request.getParameter("role");
    /// request.getSession().setAttribute("role", role);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String role = request.getParameter("role");
    /// if (ROLES.contains(role)) {
    ///     request.getSession().setAttribute("role", role);
    /// }
    /// ```
    pub TrustBoundaryViolation {
        id: "java-trust-boundary-violation",
        title: "Untrusted input stored in the session",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [501],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Validate the value (type, allow-list, format) before storing it in the session",
    }
}

impl Rule for TrustBoundaryViolation {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::TrustBoundary);
    }
}
