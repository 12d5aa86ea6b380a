//! `java-xss`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data written to the response body without HTML encoding:
    /// `response.getWriter().print/println/write/printf/format/append(..)` and the same on
    /// `getOutputStream()` or a writer variable taken from the response.
    ///
    /// Values passed through an HTML encoder (`StringEscapeUtils.escapeHtml4`, Spring's
    /// `HtmlUtils.htmlEscape`, ESAPI `encodeForHTML`, the OWASP encoder's
    /// `Encode.forHtml`), JSON serializers, numbers, and values checked against an
    /// allow-list are fine; so are responses whose content type was set to one that is
    /// not HTML (`application/json`, `text/plain`).
    ///
    /// ## Why is this bad?
    /// Markup in the input becomes part of the page: a `<script>` runs in the victim's
    /// browser with their session, reads their data and acts as them.
    ///
    /// ## Example
    /// ```java
    /// String name = request.getParameter("name");
    /// response.getWriter().println("<p>Hello " + name + "</p>");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String name = request.getParameter("name");
    /// response.getWriter().println("<p>Hello " + Encode.forHtml(name) + "</p>");
    /// ```
    pub Xss {
        id: "java-xss",
        title: "Untrusted input written to the HTTP response",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [79],
        precision: High,
        kinds: ["method_invocation"],
        fix: "HTML-encode the value (`Encode.forHtml`, `HtmlUtils.htmlEscape`) or render it with an auto-escaping template",
    }
}

impl Rule for Xss {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Xss);
    }
}
