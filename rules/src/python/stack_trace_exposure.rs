use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request handlers (Flask routes, Django views, methods of view classes)
    /// that send an exception's details back to the client from an `except` block:
    /// `traceback.format_exc()` and the other `traceback.format_*` functions anywhere,
    /// and `str(e)`, `repr(e)` or `f"{e}"` when `e` was caught as `Exception` or
    /// `BaseException`. The details count as sent when they are returned, passed to a
    /// response (`jsonify`, `make_response`, `HttpResponse`, `JsonResponse`, `Response`,
    /// `abort`, `render`, `render_template`), or put in a variable that is. Code under `if settings.DEBUG:` or
    /// `if app.debug:` (or in `... if settings.DEBUG else ...`) is skipped.
    ///
    /// ## Why is this bad?
    /// A stack trace or the text of an unexpected exception tells an attacker the file
    /// layout, library versions, SQL statements, internal host names and sometimes
    /// secrets from the failing call. It helps them map the application and tune the next
    /// request. The message of an exception you raised on purpose for bad input is fine to
    /// show; that of any exception at all is not.
    ///
    /// ## Example
    /// ```python
    /// @app.route("/orders", methods=["POST"])
    /// def create_order():
    ///     try:
    ///         order = place_order(request.get_json())
    ///     except Exception as e:
    ///         return jsonify(error=str(e), trace=traceback.format_exc()), 500
    ///     return jsonify(order.to_dict()), 201
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// @app.route("/orders", methods=["POST"])
    /// def create_order():
    ///     try:
    ///         order = place_order(request.get_json())
    ///     except Exception:
    ///         app.logger.exception("placing an order failed")
    ///         return jsonify(error="internal error"), 500
    ///     return jsonify(order.to_dict()), 201
    /// ```
    pub StackTraceExposure {
        id: "py-stack-trace-exposure",
        title: "Exception details sent in an HTTP response",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [209, 497],
        precision: High,
        kinds: ["call", "identifier"],
        fix: "Log the exception server-side and return a generic error message",
    }
}

/// `traceback` functions that render a trace as text.
const TRACE_FORMATTERS: &[&str] = &[
    "traceback.format_exc",
    "traceback.format_exception",
    "traceback.format_exception_only",
    "traceback.format_tb",
    "traceback.format_stack",
];

/// Last names of the calls that build a response body from their arguments.
const RESPONSE_BUILDERS: &[&str] = &[
    "jsonify",
    "make_response",
    "Response",
    "HttpResponse",
    "JsonResponse",
    "HttpResponseServerError",
    "HttpResponseBadRequest",
    "StreamingHttpResponse",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "abort",
    "render",
    "render_template",
    "TemplateResponse",
];

/// Node kinds through which a value is carried, unchanged or as part, into the larger
/// expression around it.
const CARRIERS: &[&str] = &[
    "dictionary",
    "pair",
    "list",
    "tuple",
    "set",
    "argument_list",
    "keyword_argument",
    "interpolation",
    "string",
    "concatenated_string",
    "binary_operator",
    "parenthesized_expression",
    "expression_list",
    "conditional_expression",
    "format_expression",
];

impl Rule for StackTraceExposure {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let what = if node.kind() == "call" {
            match exposure(node, cx) {
                Some(what) => what,
                None => return,
            }
        } else if let Some(what) = interpolated_exception(node, cx) {
            what
        } else {
            return;
        };
        let Some(function) = place::enclosing_function(cx) else {
            return;
        };
        if !cx.ancestors().any(|a| a.kind() == "except_clause")
            || under_debug_check(cx)
            || !place::is_request_handler(function, cx)
        {
            return;
        }
        if reaches_response(node, function, cx, true) {
            cx.report(node, format!("{what} is sent to the client in the response"))
                .help("Log the exception (`logger.exception(...)`) and return a generic message");
        }
    }
}

/// What a call exposes: a formatted trace, or the text of a broadly caught exception.
fn exposure(node: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let callee = call::callee_name(node, cx.source())?;
    if callee.starts_with("format_") {
        let name = cx.python().resolve_call(node)?;
        return TRACE_FORMATTERS
            .contains(&name.as_str())
            .then(|| "the stack trace".to_string());
    }
    if !matches!(callee, "str" | "repr") {
        return None;
    }
    let name = cx.python().resolve_call(node)?;
    if name != "builtins.str" && name != "builtins.repr" {
        return None;
    }
    let arguments = call::arguments(node);
    let [argument] = arguments.as_slice() else {
        return None;
    };
    broadly_caught(*argument, cx).then(|| format!("the text of `{}`", cx.text(*argument)))
}

/// `e` interpolated in an f-string, when `e` was caught broadly.
fn interpolated_exception(node: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    // The engine's ancestor stack: `Node::parent` walks down from the root each time.
    let parent = cx.ancestors().next()?;
    if parent.kind() != "interpolation" || !broadly_caught(node, cx) {
        return None;
    }
    Some(format!("the text of `{}`", cx.text(node)))
}

/// Whether `name` is the `as` target of an enclosing `except Exception` or
/// `except BaseException` (alone or in a tuple).
fn broadly_caught(name: Node<'_>, cx: &Checker<'_>) -> bool {
    if name.kind() != "identifier" {
        return false;
    }
    let text = cx.text(name);
    cx.ancestors()
        .filter(|a| a.kind() == "except_clause")
        .find(|clause| place::except_alias(*clause, cx) == Some(text))
        .is_some_and(|clause| {
            place::caught_types(clause)
                .into_iter()
                .any(|t| place::broad_exception(t, cx).is_some())
        })
}

/// Whether the node being checked sits under `if ... DEBUG ...:` or `if ... debug ...:`,
/// or in `... if settings.DEBUG else ...`: a deliberate development-only page.
fn under_debug_check(cx: &Checker<'_>) -> bool {
    cx.ancestors()
        .take_while(|a| a.kind() != "function_definition")
        .filter_map(|a| match a.kind() {
            "if_statement" => a.child_by_field_name("condition"),
            // `body if condition else alternative`: the condition is the second operand.
            "conditional_expression" => a.named_child(1),
            _ => None,
        })
        .any(|c| {
            let text = cx.text(c);
            text.contains("DEBUG") || text.contains("debug")
        })
}

/// Whether the value of `node` is returned from `function` or passed to a response
/// builder, directly, as part of a larger expression, or (when `follow` is set) through
/// one variable it is assigned to.
fn reaches_response<'t>(
    node: Node<'t>,
    function: Node<'t>,
    cx: &Checker<'t>,
    follow: bool,
) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "return_statement" => return true,
            "call" => {
                let is_builder = call::callee_name(parent, cx.source())
                    .is_some_and(|c| RESPONSE_BUILDERS.contains(&c));
                return is_builder && current.kind() == "argument_list";
            }
            "assignment" if follow => {
                // `message = ...` or `errors["detail"] = ...`: follow the variable.
                return parent
                    .child_by_field_name("left")
                    .and_then(|l| match l.kind() {
                        "identifier" => Some(l),
                        "subscript" => l
                            .child_by_field_name("value")
                            .filter(|v| v.kind() == "identifier"),
                        _ => None,
                    })
                    .is_some_and(|target| {
                        variable_reaches_response(target, parent, function, cx)
                    });
            }
            kind if CARRIERS.contains(&kind) => current = parent,
            _ => return false,
        }
    }
    false
}

/// Whether a later use of the variable `target`, assigned by `assignment`, reaches a
/// response.
fn variable_reaches_response<'t>(
    target: Node<'t>,
    assignment: Node<'t>,
    function: Node<'t>,
    cx: &Checker<'t>,
) -> bool {
    let name = cx.text(target);
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    place::body_nodes(body)
        .filter(|n| {
            n.kind() == "identifier"
                && n.start_byte() >= assignment.end_byte()
                && cx.text(*n) == name
        })
        .any(|use_| reaches_response(use_, function, cx, false))
}
