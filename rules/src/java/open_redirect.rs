//! `java-open-redirect`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters used as a redirect
    /// target: `response.sendRedirect(..)`, a `Location` header, Spring's `new
    /// RedirectView(..)` and a `"redirect:" + ..` view name.
    ///
    /// Targets that start with a fixed host (`"https://example.com/" + path`) or a local
    /// path (`"/account?tab=" + tab`), and values checked against an allow-list, are fine.
    ///
    /// ## Why is this bad?
    /// A link to a trusted site that forwards to an attacker's page makes phishing
    /// believable, and can leak tokens carried in the URL to the other site.
    ///
    /// ## Example
    /// ```java
    /// String next = request.getParameter("next");
    /// response.sendRedirect(next);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String next = request.getParameter("next");
    /// response.sendRedirect("/home?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
    /// ```
    pub OpenRedirect {
        id: "java-open-redirect",
        title: "Redirect to a URL taken from the request",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [601],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression", "return_statement"],
        fix: "Redirect only to local paths or to hosts on an allow-list",
    }
}

impl Rule for OpenRedirect {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Redirect);
    }
}
