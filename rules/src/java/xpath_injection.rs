//! `java-xpath-injection`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters in an XPath expression
    /// passed to `XPath.evaluate(..)` or `XPath.compile(..)`.
    ///
    /// Values encoded with ESAPI `encodeForXPath`, numbers, and values checked against an
    /// allow-list are fine.
    ///
    /// ## Why is this bad?
    /// A quote in the input ends the string literal in the expression: `' or '1'='1`
    /// selects every node, exposing data or bypassing a check made with the query.
    ///
    /// ## Example
    /// ```java
    /// String id = request.getParameter("id");
    /// String name = xpath.evaluate("/users/user[@id='" + id + "']/name", doc);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String id = request.getParameter("id");
    /// xpath.setXPathVariableResolver(v -> id);
    /// String name = xpath.evaluate("/users/user[@id=$id]/name", doc);
    /// ```
    pub XpathInjection {
        id: "java-xpath-injection",
        title: "XPath expression built from untrusted input",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [643],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use XPath variables (`$name` with an `XPathVariableResolver`) instead of pasting values into the expression",
    }
}

impl Rule for XpathInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Xpath);
    }
}
