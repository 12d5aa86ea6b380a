use tree_sitter::Node;

use crate::java::calls::Call;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for CORS policies that let any web site read responses:
    /// - Spring's `@CrossOrigin` without `origins`, `value` or `originPatterns` (which
    ///   allows every origin), or with `"*"`;
    /// - `allowedOrigins("*")`, `allowedOriginPatterns("*")`, `addAllowedOrigin("*")`,
    ///   `setAllowedOrigins(List.of("*"))` and the like;
    /// - `setHeader`/`addHeader`/`header("Access-Control-Allow-Origin", "*")`, or with
    ///   the request's own `Origin` header reflected back.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// The same-origin policy keeps other sites from reading what the application
    /// returns to a logged-in user. A wildcard, or an `Origin` echoed back, switches that
    /// off: a malicious page can call the API from the victim's browser and read the
    /// answers. Combined with `allowCredentials`, the requests carry the user's cookies.
    ///
    /// ## Example
    /// ```java
    /// @CrossOrigin
    /// @GetMapping("/account")
    /// Account account(Principal user) { .. }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// @CrossOrigin(origins = "https://app.example.com")
    /// @GetMapping("/account")
    /// Account account(Principal user) { .. }
    /// ```
    pub CorsAnyOrigin {
        id: "java-cors-any-origin",
        title: "CORS allows any origin",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [942],
        precision: High,
        kinds: ["annotation", "marker_annotation", "method_invocation"],
        fix: "List the origins that may call the API",
        skip_tests: true,
    }
}

const ORIGIN_SETTERS: &[&str] = &[
    "allowedOrigins",
    "allowedOriginPatterns",
    "addAllowedOrigin",
    "addAllowedOriginPattern",
    "setAllowedOrigins",
    "setAllowedOriginPatterns",
];

/// Calls that wrap a list of origins.
const LIST_BUILDERS: &[&str] = &["of", "asList", "singletonList", "singleton", "newArrayList"];

const HEADER_SETTERS: &[&str] = &["setHeader", "addHeader", "header"];

impl Rule for CorsAnyOrigin {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        match node.kind() {
            "marker_annotation" | "annotation" => check_annotation(node, cx),
            _ => check_call(node, cx),
        }
    }
}

fn check_annotation<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if !is_cross_origin(node, cx) {
        return;
    }
    let origins = origins(node, cx);
    if origins.is_empty() {
        let on_method = cx.ancestors().nth(1).is_some_and(|a| a.kind() == "method_declaration");
        if !(on_method && class_names_origins(cx)) {
            cx.report(node, "`@CrossOrigin` without `origins` allows every origin");
        }
    } else if origins.iter().any(|o| has_wildcard(*o, cx)) {
        cx.report(node, "`@CrossOrigin` allows every origin (`\"*\"`)");
    }
}

/// `"*"`, or an array or list holding it.
fn has_wildcard<'t>(value: Node<'t>, cx: &Checker<'t>) -> bool {
    let value = ast::unparenthesize(value);
    match value.kind() {
        "element_value_array_initializer" | "array_initializer" | "array_creation_expression" => {
            ast::descendants(value).any(|v| v.kind() == "string_literal" && is_star(v, cx))
        }
        "method_invocation" => Call::of(value, cx).is_some_and(|c| {
            LIST_BUILDERS.contains(&c.name) && c.args.iter().any(|a| is_star(*a, cx))
        }),
        _ => is_star(value, cx),
    }
}

/// The origins a `@CrossOrigin` names: `origins`, `value`, `originPatterns`, or its
/// single unnamed value.
fn origins<'t>(annotation: Node<'t>, cx: &Checker<'t>) -> Vec<Node<'t>> {
    let args = annotation
        .child_by_field_name("arguments")
        .map(ast::named_children)
        .unwrap_or_default();
    let mut origins = Vec::new();
    for arg in args {
        if arg.kind() == "element_value_pair" {
            let key = arg.child_by_field_name("key").map_or("", |k| cx.text(k));
            if matches!(key, "origins" | "value" | "originPatterns")
                && let Some(value) = arg.child_by_field_name("value")
            {
                origins.push(value);
            }
        } else if !arg.kind().ends_with("comment") {
            origins.push(arg);
        }
    }
    origins
}

fn is_cross_origin<'t>(annotation: Node<'t>, cx: &Checker<'t>) -> bool {
    matches!(annotation.kind(), "annotation" | "marker_annotation")
        && annotation
            .child_by_field_name("name")
            .is_some_and(|n| simple_name(cx.text(n)) == "CrossOrigin")
}

/// Whether the class around the annotated method has a `@CrossOrigin` naming origins,
/// which Spring combines with the method's.
fn class_names_origins<'t>(cx: &Checker<'t>) -> bool {
    let Some(class) = cx
        .ancestors()
        .find(|a| matches!(a.kind(), "class_declaration" | "interface_declaration"))
    else {
        return false;
    };
    ast::named_children(class)
        .into_iter()
        .filter(|c| c.kind() == "modifiers")
        .flat_map(ast::named_children)
        .any(|a| is_cross_origin(a, cx) && !origins(a, cx).is_empty())
}

fn is_star<'t>(value: Node<'t>, cx: &Checker<'t>) -> bool {
    cx.java().constant_str(value, cx.source()).as_deref() == Some("*")
}

fn check_call<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(call) = Call::of(node, cx) else {
        return;
    };
    if ORIGIN_SETTERS.contains(&call.name) {
        if call.args.iter().any(|a| has_wildcard(*a, cx)) {
            cx.report(node, format!("`{}` with `\"*\"` lets every web site read the responses", call.name));
        }
        return;
    }
    if !HEADER_SETTERS.contains(&call.name) {
        return;
    }
    let (Some(name), Some(value)) = (call.arg(0), call.arg(1)) else {
        return;
    };
    let is_acao = cx
        .java()
        .constant_str(name, cx.source())
        .is_some_and(|n| n.eq_ignore_ascii_case("Access-Control-Allow-Origin"))
        || cx.text(name).ends_with("ACCESS_CONTROL_ALLOW_ORIGIN");
    if !is_acao {
        return;
    }
    if is_star(value, cx) {
        cx.report(node, "`Access-Control-Allow-Origin: *` lets every web site read the responses");
    } else if reflects_origin(value, cx) {
        cx.report(node, "the request's `Origin` is echoed in `Access-Control-Allow-Origin`: every web site is allowed")
            .help("Compare the `Origin` with an allow-list before echoing it");
    }
}

/// `request.getHeader("Origin")`, `request.getHeader(HttpHeaders.ORIGIN)`.
fn reflects_origin<'t>(value: Node<'t>, cx: &Checker<'t>) -> bool {
    Call::of(ast::unparenthesize(value), cx).is_some_and(|c| {
        c.name == "getHeader"
            && c.arg(0).is_some_and(|h| {
                cx.java()
                    .constant_str(h, cx.source())
                    .is_some_and(|h| h.eq_ignore_ascii_case("Origin"))
                    || cx.text(h).ends_with(".ORIGIN")
            })
    })
}
