//! `py-xss`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data that reaches an HTML response without escaping: a string
/// returned from a Flask view, `make_response`, `Response`, Django's `HttpResponse`, or
/// markup marked safe with `Markup` or `mark_safe`.
///
/// Values escaped with `html.escape`, `markupsafe.escape` or Django's `escape`, numbers,
/// and templates rendered with `render_template` are fine.
    ///
    /// ## Why is this bad?
    /// The browser runs any `<script>` in the page. A link carrying a script in a parameter
/// steals the session of whoever opens it, or acts in their name.
    ///
    /// ## Example
    /// ```python
/// @app.route("/hello")
/// def hello():
///     return f"<h1>Hello {request.args.get('name')}</h1>"
/// ```
///
/// Use instead:
/// ```python
/// from markupsafe import escape
///
/// @app.route("/hello")
/// def hello():
///     return f"<h1>Hello {escape(request.args.get('name'))}</h1>"
/// ```
    pub CrossSiteScripting {
        id: "py-xss",
        title: "HTML response built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [79],
        precision: High,
        kinds: ["call", "return_statement"],
        fix: "Render through an auto-escaping template, or escape the value with `markupsafe.escape`/`html.escape`",
    }
}

impl Rule for CrossSiteScripting {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Xss);
    }
}
