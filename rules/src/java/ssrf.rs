//! `java-ssrf`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters used as the URL of a
    /// request the server makes: `openConnection()`, `openStream()` or `getContent()` on a
    /// `URL` built from it, `HttpRequest.newBuilder(..)`, `.uri(..)` on request builders,
    /// and `RestTemplate` methods.
    ///
    /// URLs whose scheme and host are fixed by a constant prefix, values checked against
    /// an allow-list, and URLs whose host is checked (`ALLOWED.contains(url.getHost())`)
    /// before the request are fine.
    ///
    /// ## Why is this bad?
    /// The server can reach what the attacker cannot: cloud metadata endpoints with
    /// credentials, admin interfaces and internal services. Letting input choose the host
    /// turns the server into a proxy into the private network.
    ///
    /// ## Example
    /// ```java
    /// String target = request.getParameter("url");
    /// InputStream in = new URL(target).openStream();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String page = request.getParameter("page");
    /// InputStream in = new URL("https://docs.example.com/" + page).openStream();
    /// ```
    pub Ssrf {
        id: "java-ssrf",
        title: "Server-side request to a URL taken from the request",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [918],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Fix the scheme and host in code, or check the host against an allow-list before making the request",
    }
}

impl Rule for Ssrf {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Ssrf);
    }
}
