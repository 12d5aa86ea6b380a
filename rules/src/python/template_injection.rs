//! `py-template-injection`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data that becomes part of a template's source: Flask's
/// `render_template_string`, `jinja2.Template`, `Environment.from_string`, Django's and
/// Mako's `Template`. Input passed as a context variable is fine.
    ///
    /// ## Why is this bad?
    /// Template languages run expressions. `{{ config }}` leaks secrets, and with Jinja2
/// `{{ ''.__class__.__mro__[1].__subclasses__() }}` leads to running code on the server.
    ///
    /// ## Example
    /// ```python
/// @app.route("/hello")
/// def hello():
///     return render_template_string("<h1>Hello " + request.args["name"] + "</h1>")
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/hello")
/// def hello():
///     return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args["name"])
/// ```
    pub TemplateInjection {
        id: "py-template-injection",
        title: "Template source built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [1336, 94],
        precision: High,
        kinds: ["call"],
        fix: "Keep templates constant and pass input as context variables: `render_template_string(TEMPLATE, name=name)`",
    }
}

impl Rule for TemplateInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Template);
    }
}
