//! `py-http-response-splitting`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data written to a response header (`response.headers[...] = ...`,
/// `headers.add`, `Response(..., headers={...})`, the headers of a Flask view's
/// `return body, status, headers`) without removing line breaks. Cookie values set with
/// `set_cookie` are quoted by Django and Werkzeug, so they are not reported.
    ///
    /// ## Why is this bad?
    /// A carriage return and line feed in a header value end the header block: the attacker
/// adds headers (a `Set-Cookie`) or a whole forged body, poisoning caches and browsers.
    ///
    /// ## Example
    /// ```python
/// @app.route("/lang")
/// def lang():
///     response = make_response("ok")
///     response.headers["Content-Language"] = request.args["lang"]
///     return response
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/lang")
/// def lang():
///     response = make_response("ok")
///     lang = request.args["lang"].replace("\r", "").replace("\n", "")
///     response.headers["Content-Language"] = lang
///     return response
/// ```
    pub HttpResponseSplitting {
        id: "py-http-response-splitting",
        title: "Response header built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [113],
        precision: High,
        kinds: ["call", "assignment", "return_statement"],
        fix: "Remove `\\r` and `\\n` from the value, or URL-encode it, before putting it in a header",
    }
}

impl Rule for HttpResponseSplitting {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::HeaderSplitting);
    }
}
