//! `py-ssrf`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data that chooses the URL of an outgoing request (`requests`,
/// `httpx`, their sessions and clients, `urllib.request.urlopen`, `http.client`). A URL
/// whose scheme and host are constants, with input only after the first `/` of the path,
/// is fine; so is a URL, or its `urlparse(url).hostname`, checked against an allow-list.
    ///
    /// ## Why is this bad?
    /// The server sends the request from inside the network: an attacker reaches internal
/// services, cloud metadata endpoints (`169.254.169.254`) with their credentials, or
/// scans ports through it.
    ///
    /// ## Example
    /// ```python
/// @app.route("/preview")
/// def preview():
///     return requests.get(request.args["url"], timeout=5).text
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/preview")
/// def preview():
///     page = request.args["page"]
///     return requests.get(f"https://docs.example.com/{page}", timeout=5).text
/// ```
    pub ServerSideRequestForgery {
        id: "py-ssrf",
        title: "Outgoing request to a URL chosen by untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [918],
        precision: High,
        kinds: ["call"],
        fix: "Fix the scheme and host in the code and let input choose only a path or a query value, or check the host against an allow-list",
    }
}

impl Rule for ServerSideRequestForgery {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Ssrf);
    }
}
