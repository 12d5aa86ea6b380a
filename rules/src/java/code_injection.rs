//! `java-code-injection`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters evaluated as code:
    /// `ScriptEngine.eval(..)`, Spring Expression Language
    /// `ExpressionParser.parseExpression(..)` and `GroovyShell.evaluate(..)`. Code typed at
    /// the console or passed on the command line is a script shell's input, not an attack.
    ///
    /// Values checked against an allow-list or converted to numbers are fine.
    ///
    /// ## Why is this bad?
    /// An expression or script runs with the application's privileges:
    /// `T(java.lang.Runtime).getRuntime().exec(..)` in SpEL or `java.lang.Runtime` in
    /// JavaScript runs any command on the server.
    ///
    /// ## Example
    /// ```java
    /// String expr = request.getParameter("expr");
    /// Object result = parser.parseExpression(expr).getValue();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String field = request.getParameter("field");
    /// if (!SORTABLE.contains(field)) {
    ///     throw new IllegalArgumentException(field);
    /// }
    /// Object result = parser.parseExpression(field).getValue(row);
    /// ```
    pub CodeInjection {
        id: "java-code-injection",
        title: "Code evaluated from untrusted input",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [94],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Do not evaluate input as code: map it to fixed expressions, or check it against an allow-list",
    }
}

impl Rule for CodeInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Code);
    }
}
