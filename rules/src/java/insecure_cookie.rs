use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for cookies sent without the `Secure` or `HttpOnly` attribute:
    /// - a servlet `new Cookie(name, value)` stored in a local variable and passed to
    ///   `addCookie` in the same method, with no `setSecure(..)` or no `setHttpOnly(..)`
    ///   call (a call with any argument other than `false` counts);
    /// - a Spring `ResponseCookie.from(..)...build()` chain without `.secure(..)` or
    ///   `.httpOnly(..)`.
    ///
    /// Cookies that delete a value (`setMaxAge(0)`) are not reported, and neither is a
    /// missing `HttpOnly` on a CSRF token cookie, which scripts must read.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// Without `Secure`, the browser also sends the cookie over plain HTTP, where anyone
    /// on the network can read it. Without `HttpOnly`, any script running in the page,
    /// including one injected through an XSS flaw, can read a session cookie and hijack
    /// the session.
    ///
    /// ## Example
    /// ```java
    /// Cookie session = new Cookie("SESSION", sessionId);
    /// response.addCookie(session);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Cookie session = new Cookie("SESSION", sessionId);
    /// session.setSecure(true);
    /// session.setHttpOnly(true);
    /// response.addCookie(session);
    /// ```
    pub InsecureCookie {
        id: "java-insecure-cookie",
        title: "Cookie without `Secure` or `HttpOnly`",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [614, 1004],
        precision: High,
        kinds: ["object_creation_expression", "method_invocation"],
        fix: "Set `Secure` and `HttpOnly` on the cookie",
        skip_tests: true,
    }
}

/// The attributes a cookie is missing, for the message.
fn missing(secure: bool, http_only: bool) -> Option<&'static str> {
    match (secure, http_only) {
        (true, true) => None,
        (false, true) => Some("`Secure`"),
        (true, false) => Some("`HttpOnly`"),
        (false, false) => Some("`Secure` and `HttpOnly`"),
    }
}

impl Rule for InsecureCookie {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "object_creation_expression" {
            check_servlet_cookie(node, cx);
        } else {
            check_response_cookie(node, cx);
        }
    }
}

/// A setter call that turns the attribute on: any argument but `false`.
fn sets(call: &Call<'_>, setter: &str, cx: &Checker<'_>) -> bool {
    call.name == setter && call.arg(0).is_some_and(|a| cx.text(a) != "false")
}

fn check_servlet_cookie<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if calls::created_type(node, cx) != Some("Cookie")
        || cx
            .java()
            .import("Cookie")
            .is_some_and(|q| !q.ends_with("servlet.http.Cookie"))
    {
        return;
    }
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return;
    };
    let locals = cx.java().locals(scope);
    let name = node
        .child_by_field_name("arguments")
        .and_then(|a| a.named_child(0))
        .and_then(|n| cx.java().constant_str(n, cx.source()))
        .unwrap_or_default();
    let Some(decl) = calls::stored_in(node, &locals, cx) else {
        // `response.addCookie(new Cookie(..))`: nothing can set the attributes.
        let added_inline = locals
            .parent(node)
            .filter(|p| p.kind() == "argument_list")
            .and_then(|p| locals.parent(p))
            .and_then(|c| Call::of(c, cx))
            .is_some_and(|c| c.name == "addCookie");
        if added_inline && !is_csrf_cookie(&name) {
            cx.report(node, "cookie is sent without `Secure` and `HttpOnly`");
        }
        return;
    };
    let (mut secure, mut http_only, mut escapes) = (false, false, 0);
    for used in calls::uses(decl, &locals, cx) {
        match used {
            Use::Receiver(call) => {
                secure |= sets(&call, "setSecure", cx);
                http_only |= sets(&call, "setHttpOnly", cx);
                // A cookie that deletes its value carries nothing to steal.
                if call.name == "setMaxAge" && call.arg(0).is_some_and(|a| cx.text(a) == "0") {
                    return;
                }
            }
            Use::Escapes => escapes += 1,
            Use::Other => {}
        }
    }
    // Every escape must be `response.addCookie(cookie)`: a helper or a caller may set
    // the attributes.
    let added = locals
        .uses_of(decl, cx.source())
        .filter(|used| {
            locals
                .parent(*used)
                .filter(|p| p.kind() == "argument_list")
                .and_then(|p| locals.parent(p))
                .and_then(|c| Call::of(c, cx))
                .is_some_and(|c| c.name == "addCookie")
        })
        .count();
    if added == 0 || added < escapes {
        return;
    }
    http_only |= is_csrf_cookie(&name);
    if let Some(what) = missing(secure, http_only) {
        cx.report(node, format!("cookie `{}` is sent without {what}", cx.text(decl.name)));
    }
}

fn is_csrf_cookie(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("csrf") || lower.contains("xsrf")
}

/// `ResponseCookie.from(..)....build()`: the attributes set in the chain.
fn check_response_cookie<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(call) = Call::of(node, cx) else {
        return;
    };
    if call.name != "build" {
        return;
    }
    let (mut secure, mut http_only, mut max_age_zero) = (false, false, false);
    let mut name = String::new();
    let mut link = call.object;
    let mut from_response_cookie = false;
    while let Some(step) = link.and_then(|l| Call::of(l, cx)) {
        secure |= sets(&step, "secure", cx);
        http_only |= sets(&step, "httpOnly", cx);
        max_age_zero |= step.name == "maxAge" && step.arg(0).is_some_and(|a| cx.text(a) == "0");
        if step.name == "from" && step.receiver_name(cx) == "ResponseCookie" {
            from_response_cookie = true;
            name = step
                .arg(0)
                .and_then(|n| cx.java().constant_str(n, cx.source()))
                .unwrap_or_default();
        }
        link = step.object.map(ast::unparenthesize);
    }
    if !from_response_cookie || max_age_zero {
        return;
    }
    http_only |= is_csrf_cookie(&name);
    if let Some(what) = missing(secure, http_only) {
        cx.report(node, format!("`ResponseCookie` is built without {what}"))
            .help("Add `.secure(true).httpOnly(true)` to the builder");
    }
}
