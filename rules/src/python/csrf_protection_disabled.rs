use tree_sitter::Node;

use crate::python::{call, place, settings};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for views and applications that turn off CSRF protection:
    /// - Django's `@csrf_exempt` on a view, or `csrf_exempt(view)` in a URL list;
    /// - Flask-WTF's `@csrf.exempt` (where `csrf = CSRFProtect(app)`);
    /// - `WTF_CSRF_ENABLED = False`, in a config class, a settings module, `app.config`
    ///   or `app.config.update(...)`.
    ///
    /// Settings made next to `TESTING = True` (test configurations) are not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// Browsers attach a site's cookies to requests that other sites trigger. Without a
    /// CSRF token check, a page the victim visits can submit a form to the exempted view
    /// and act as the logged-in user: change an e-mail address, transfer money, delete
    /// data. An exempt endpoint must authenticate requests some other way, such as a
    /// signature on a webhook's body.
    ///
    /// ## Example
    /// ```python
    /// from django.views.decorators.csrf import csrf_exempt
    ///
    /// @csrf_exempt
    /// def change_email(request):
    ///     request.user.email = request.POST["email"]
    ///     request.user.save()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from django.views.decorators.http import require_POST
    ///
    /// @require_POST
    /// def change_email(request):
    ///     request.user.email = request.POST["email"]
    ///     request.user.save()
    /// ```
    pub CsrfProtectionDisabled {
        id: "py-csrf-disabled",
        title: "CSRF protection disabled",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [352],
        precision: Medium,
        kinds: ["decorator", "call", "assignment"],
        fix: "Keep CSRF protection on; verify a signature instead on endpoints called by other servers",
        skip_tests: true,
    }
}

const DJANGO_EXEMPT: &str = "django.views.decorators.csrf.csrf_exempt";

const FLASK_WTF_PROTECT: &[&str] = &["flask_wtf.CSRFProtect", "flask_wtf.csrf.CSRFProtect"];

impl Rule for CsrfProtectionDisabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        match node.kind() {
            "decorator" => {
                if let Some(expression) = node.named_child(0)
                    && let Some(exempt) = exemption(expression, cx)
                {
                    cx.report(node, format!("`@{exempt}` turns off CSRF protection for this view"))
                        .help("Remove the exemption; if other servers call this endpoint, verify a signature on the request instead");
                }
            }
            "call" => {
                if call::callee_name(node, cx.source()) == Some("csrf_exempt")
                    && cx.python().resolve_call(node).as_deref() == Some(DJANGO_EXEMPT)
                {
                    cx.report(node, "`csrf_exempt(...)` turns off CSRF protection for this view")
                        .help("Remove the exemption; if other servers call this endpoint, verify a signature on the request instead");
                    return;
                }
                for setting in settings::updated(node, cx) {
                    report_setting(&setting, cx);
                }
            }
            _ => {
                if let Some(setting) = settings::assigned(node, cx) {
                    report_setting(&setting, cx);
                }
            }
        }
    }
}

/// `csrf_exempt` or `csrf.exempt` when `expression` (a decorator) is one.
fn exemption(expression: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let expression = ast::unparenthesize(expression);
    if cx.python().resolve(expression).as_deref() == Some(DJANGO_EXEMPT) {
        return Some(cx.text(expression).to_string());
    }
    if expression.kind() == "attribute"
        && expression
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "exempt")
        && let Some(object) = expression.child_by_field_name("object")
        && cx
            .python()
            .bound_calls(object)
            .iter()
            .any(|c| FLASK_WTF_PROTECT.contains(&c.as_str()))
    {
        return Some(cx.text(expression).to_string());
    }
    None
}

fn report_setting(setting: &settings::Setting<'_>, cx: &Checker<'_>) {
    if setting.name != "WTF_CSRF_ENABLED"
        || ast::unparenthesize(setting.value).kind() != "false"
        || is_test_configuration(cx)
    {
        return;
    }
    cx.report(
        setting.value,
        "`WTF_CSRF_ENABLED = False` turns off CSRF protection for every form",
    )
    .help("Keep it on outside tests; disable it only in a configuration with `TESTING = True`");
}

/// Whether the block making the setting is a test configuration: it also sets
/// `TESTING = True`, or it is a class or function whose name mentions tests.
fn is_test_configuration(cx: &Checker<'_>) -> bool {
    let Some(block) = cx.ancestors().find(|a| {
        matches!(
            a.kind(),
            "class_definition" | "function_definition" | "module"
        )
    }) else {
        return false;
    };
    let names_tests = block
        .child_by_field_name("name")
        .is_some_and(|n| cx.text(n).to_ascii_lowercase().contains("test"));
    if names_tests {
        return true;
    }
    place::body_nodes(block).any(|n| {
        let testing = match n.kind() {
            "assignment" => n
                .child_by_field_name("left")
                .is_some_and(|l| cx.text(l).contains("TESTING"))
                .then(|| n.child_by_field_name("right"))
                .flatten(),
            "keyword_argument" => n
                .child_by_field_name("name")
                .is_some_and(|l| cx.text(l) == "TESTING")
                .then(|| n.child_by_field_name("value"))
                .flatten(),
            _ => None,
        };
        testing.is_some_and(|v| v.kind() == "true")
    })
}
