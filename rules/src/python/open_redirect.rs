//! `py-open-redirect`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data used as the target of Flask's `redirect` or Django's
/// `redirect`/`HttpResponseRedirect`. Targets that start with a fixed path of this site
/// (`"/account/" + x`) or a configured base and a path (`settings.SITE_URL + "/x?" + q`),
/// come from `url_for`, or pass an allow-list check are fine, and so are the current
/// request's own path (`request.path`, `get_full_path()`) and the host Django validated
/// against `ALLOWED_HOSTS` (`get_host()`). Helpers from other modules that build a URL
/// around request data are assumed to keep its host.
    ///
    /// ## Why is this bad?
    /// A link to a trusted site that forwards to `https://evil.example` lends the trusted
/// name to a phishing page, and can leak tokens carried in the URL.
    ///
    /// ## Example
    /// ```python
/// @app.route("/login")
/// def login():
///     return redirect(request.args.get("next"))
/// ```
///
/// Use instead:
/// ```python
/// @app.route("/login")
/// def login():
///     target = request.args.get("next", "/")
///     if not url_has_allowed_host_and_scheme(target, allowed_hosts={"example.com"}):
///         target = "/"
///     return redirect(target)
/// ```
    pub OpenRedirect {
        id: "py-open-redirect",
        title: "Redirect to a URL chosen by untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [601],
        precision: Medium,
        kinds: ["call"],
        fix: "Redirect only to relative paths of this site or to hosts on an allow-list (`url_has_allowed_host_and_scheme`)",
    }
}

impl Rule for OpenRedirect {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Redirect);
    }
}
