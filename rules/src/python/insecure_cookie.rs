use tree_sitter::Node;

use crate::python::{call, settings};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for cookies set without the `Secure` or `HttpOnly` attribute:
    /// - `response.set_cookie(...)` and Django's `set_signed_cookie(...)` (the same
    ///   signature in Flask, Werkzeug, Django, Starlette and FastAPI) without
    ///   `secure=True` or without `httponly=True`;
    /// - the settings `SESSION_COOKIE_SECURE`, `CSRF_COOKIE_SECURE`,
    ///   `SESSION_COOKIE_HTTPONLY` or `REMEMBER_COOKIE_SECURE` set to `False`, in a
    ///   settings module, a config class or `app.config`.
    ///
    /// A `secure` or `httponly` value computed at run time (`secure=not settings.DEBUG`)
    /// is trusted. Test clients (`client.set_cookie`) are not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// Without `Secure`, the browser also sends the cookie over plain HTTP, where anyone
    /// on the network path reads it: a session cookie read this way is a logged-in
    /// session. Without `HttpOnly`, any script on the page, including one injected through
    /// an XSS hole, can read the cookie and send it elsewhere.
    ///
    /// ## Example
    /// ```python
    /// def login(request):
    ///     response = redirect("/home")
    ///     response.set_cookie("session", new_session_id())
    ///     return response
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def login(request):
    ///     response = redirect("/home")
    ///     response.set_cookie(
    ///         "session", new_session_id(), secure=True, httponly=True, samesite="Lax"
    ///     )
    ///     return response
    /// ```
    pub InsecureCookie {
        id: "py-insecure-cookie",
        title: "Cookie without Secure or HttpOnly",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [614, 1004],
        precision: Low,
        kinds: ["call", "assignment"],
        fix: "Set cookies with `secure=True, httponly=True`",
        skip_tests: true,
    }
}

/// Settings whose `False` value sends a cookie over plain HTTP or exposes it to scripts.
const COOKIE_SETTINGS: &[(&str, &str)] = &[
    ("SESSION_COOKIE_SECURE", "the session cookie is also sent over plain HTTP"),
    ("CSRF_COOKIE_SECURE", "the CSRF cookie is also sent over plain HTTP"),
    ("REMEMBER_COOKIE_SECURE", "the remember-me cookie is also sent over plain HTTP"),
    ("SESSION_COOKIE_HTTPONLY", "scripts on the page can read the session cookie"),
];

/// Positions of `secure` and `httponly` in `set_cookie(key, value, max_age, expires, path,
/// domain, secure, httponly, samesite)`, the same in every framework listed above.
const SECURE_INDEX: usize = 6;
const HTTPONLY_INDEX: usize = 7;

impl Rule for InsecureCookie {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "assignment" {
            if let Some(setting) = settings::assigned(node, cx) {
                report_setting(&setting, cx);
            }
            return;
        }
        match call::callee_name(node, cx.source()) {
            Some("set_cookie" | "set_signed_cookie") => check_set_cookie(node, cx),
            Some("update" | "from_mapping") => {
                for setting in settings::updated(node, cx) {
                    report_setting(&setting, cx);
                }
            }
            _ => {}
        }
    }
}

fn report_setting(setting: &settings::Setting<'_>, cx: &Checker<'_>) {
    let Some((name, consequence)) = COOKIE_SETTINGS
        .iter()
        .find(|(name, _)| *name == setting.name)
    else {
        return;
    };
    if ast::unparenthesize(setting.value).kind() == "false" {
        cx.report(setting.value, format!("`{name} = False`: {consequence}"))
            .help(format!("Set `{name} = True`"));
    }
}

fn check_set_cookie<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(receiver) = call::receiver(node) else {
        return;
    };
    // Test clients and cookie jars share the name but set cookies on the client side.
    let receiver_text = cx.text(receiver).to_ascii_lowercase();
    if receiver_text.contains("client") || receiver_text.contains("jar") {
        return;
    }
    if call::positional(node, 0).is_none() && call::keyword(node, "key", cx.source()).is_none() {
        return;
    }
    if call::has_keyword_splat(node) {
        return;
    }
    // `max_age=0` deletes the cookie: there is no value left to protect.
    if call::keyword(node, "max_age", cx.source()).is_some_and(|v| cx.text(v) == "0") {
        return;
    }
    let missing = |index: usize, name: &str| {
        call::argument(node, index, name, cx.source())
            .is_none_or(|v| matches!(ast::unparenthesize(v).kind(), "false" | "none"))
    };
    let attributes: Vec<&str> = [(SECURE_INDEX, "secure"), (HTTPONLY_INDEX, "httponly")]
        .into_iter()
        .filter(|(index, name)| missing(*index, name))
        .map(|(_, name)| name)
        .collect();
    let message = match attributes.as_slice() {
        [] => return,
        ["secure"] => "cookie set without `secure=True`: the browser also sends it over plain HTTP",
        ["httponly"] => "cookie set without `httponly=True`: scripts on the page can read it",
        _ => "cookie set without `secure=True` and `httponly=True`: it travels over plain HTTP and scripts can read it",
    };
    let help = attributes
        .iter()
        .map(|a| format!("{a}=True"))
        .collect::<Vec<_>>()
        .join(", ");
    cx.report(node, message)
        .help(format!("Pass `{help}` (and `samesite=\"Lax\"`)"));
}
