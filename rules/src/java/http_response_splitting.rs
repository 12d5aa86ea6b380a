//! `java-http-response-splitting`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters written into a response
    /// header: `response.setHeader(..)`, `response.addHeader(..)` and cookies added with
    /// `response.addCookie(new Cookie(name, value))`.
    ///
    /// URL-encoded values (`URLEncoder.encode`), numbers, values with their line breaks
    /// removed, and values checked against an allow-list or a strict pattern are fine.
    ///
    /// ## Why is this bad?
    /// A carriage return and line feed in a header value end the header: the attacker adds
    /// headers of their own, sets cookies, or on older servers writes a second response
    /// that caches poison or scripts.
    ///
    /// ## Example
    /// ```java
    /// String lang = request.getParameter("lang");
    /// response.setHeader("Content-Language", lang);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String lang = request.getParameter("lang");
    /// response.setHeader("Content-Language", LANGUAGES.contains(lang) ? lang : "en");
    /// ```
    pub HttpResponseSplitting {
        id: "java-http-response-splitting",
        title: "HTTP header built from untrusted input",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [113],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Validate header values against an allow-list, or URL-encode them",
    }
}

impl Rule for HttpResponseSplitting {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::HeaderSplitting);
    }
}
