//! Where the node being checked sits: the function around it, the loop whose body runs
//! it again and again, the module or class body that makes an assignment a setting.
//!
//! Every question stops at the nearest function, lambda or class: code in a nested
//! definition runs when that definition is called, not where it is written.

use tree_sitter::Node;

use crate::{Checker, ast};

/// Node kinds that start a new body of code, run later than the code around them.
const DEFINITIONS: &[&str] = &["function_definition", "lambda", "class_definition"];

/// The `def` whose body holds the node being checked; `None` at module level, in a class
/// body or in a lambda.
pub fn enclosing_function<'t>(cx: &Checker<'t>) -> Option<Node<'t>> {
    cx.ancestors()
        .find(|a| DEFINITIONS.contains(&a.kind()))
        .filter(|a| a.kind() == "function_definition")
}

/// Whether a `def` is `async def`.
pub fn is_async(function: Node<'_>) -> bool {
    function.child(0).is_some_and(|c| c.kind() == "async")
}

/// The `for` or `while` loop whose body (not its iterable or condition) holds the node
/// being checked, within the same function.
pub fn enclosing_loop<'t>(cx: &Checker<'t>, node: Node<'t>) -> Option<Node<'t>> {
    cx.ancestors()
        .take_while(|a| !DEFINITIONS.contains(&a.kind()))
        .find(|a| {
            matches!(a.kind(), "for_statement" | "while_statement")
                && a.child_by_field_name("body")
                    .is_some_and(|body| ast::contains(body, node))
        })
}

/// Whether the statement holding the node being checked sits directly in the module
/// body, or in a class body when `classes` is set (`class Config: DEBUG = True`).
pub fn is_top_level(cx: &Checker<'_>, classes: bool) -> bool {
    let mut ancestors = cx
        .ancestors()
        .skip_while(|a| !matches!(a.kind(), "expression_statement"));
    if ancestors.next().is_none() {
        return false;
    }
    match ancestors.next().map(|a| a.kind()) {
        Some("module") => true,
        Some("block") if classes => ancestors
            .next()
            .is_some_and(|a| a.kind() == "class_definition"),
        _ => false,
    }
}

/// The nodes of a body in pre-order, without descending into nested definitions.
pub fn body_nodes(body: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut nodes = ast::descendants(body);
    std::iter::from_fn(move || {
        let node = nodes.next()?;
        if DEFINITIONS.contains(&node.kind()) && node.id() != body.id() {
            nodes.skip_children();
        }
        Some(node)
    })
}

/// Whether a statement is followed, in its block, by `break`, `return` or `raise`: code
/// that leaves the loop right after it.
pub fn leaves_after(statement: Node<'_>) -> bool {
    let mut next = statement.next_named_sibling();
    while let Some(sibling) = next
        && sibling.kind() == "comment"
    {
        next = sibling.next_named_sibling();
    }
    next.is_some_and(|s| {
        matches!(
            s.kind(),
            "break_statement" | "return_statement" | "raise_statement"
        )
    })
}

/// Last names of decorators that route requests to a function.
const ROUTE_DECORATORS: &[&str] = &[
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "api_route",
    "api_view",
    "view_config",
    "login_required",
    "permission_required",
    "require_http_methods",
    "require_GET",
    "require_POST",
];

/// Words in the names of base classes of request handlers.
const HANDLER_BASES: &[&str] = &[
    "View", "ViewSet", "Handler", "Resource", "APIView", "Endpoint",
];

/// Whether a function handles requests: it takes `request`, is routed by a decorator,
/// or is a method of a view or handler class. Tests and fixtures never count.
pub fn is_request_handler(function: Node<'_>, cx: &Checker<'_>) -> bool {
    let name = function
        .child_by_field_name("name")
        .map_or("", |n| cx.text(n));
    if name.starts_with("test") {
        return false;
    }
    let decorators: Vec<&str> = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .map(|p| {
            ast::named_children(p)
                .into_iter()
                .filter(|d| d.kind() == "decorator")
                .map(|d| cx.text(d))
                .collect()
        })
        .unwrap_or_default();
    if decorators.iter().any(|d| d.contains("fixture")) {
        return false;
    }
    let routed = decorators.iter().any(|d| {
        let callee = d
            .trim_start_matches('@')
            .split('(')
            .next()
            .unwrap_or("")
            .trim();
        callee
            .rsplit('.')
            .next()
            .is_some_and(|last| ROUTE_DECORATORS.contains(&last))
    });
    let takes_request = function
        .child_by_field_name("parameters")
        .is_some_and(|params| {
            ast::named_children(params).into_iter().any(|p| {
                let name = p.child_by_field_name("name").unwrap_or(p);
                name.kind() == "identifier" && matches!(cx.text(name), "request" | "req")
            })
        });
    routed || takes_request || in_handler_class(function, cx)
}

fn in_handler_class(function: Node<'_>, cx: &Checker<'_>) -> bool {
    let definition = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(function);
    let Some(class) = definition
        .parent()
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .filter(|c| c.kind() == "class_definition")
    else {
        return false;
    };
    class
        .child_by_field_name("superclasses")
        .is_some_and(|bases| {
            ast::named_children(bases).into_iter().any(|base| {
                let text = cx.text(base);
                let last = text.rsplit('.').next().unwrap_or(text);
                HANDLER_BASES.iter().any(|h| last.ends_with(h))
            })
        })
}

/// Modules whose import marks a file as test code.
const TEST_MODULES: &[&str] = &["unittest", "pytest", "django.test", "nose"];

/// Whether the node being checked is test code: inside a `test*` function, a class whose
/// name mentions `Test`, or a module that imports a test framework.
pub fn in_test_code(cx: &Checker<'_>) -> bool {
    let in_test_definition = cx.ancestors().any(|a| match a.kind() {
        "function_definition" => a
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n).starts_with("test")),
        "class_definition" => a
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n).contains("Test")),
        _ => false,
    });
    in_test_definition
        || ast::named_children(cx.root()).into_iter().any(|statement| {
            matches!(
                statement.kind(),
                "import_statement" | "import_from_statement"
            ) && statement.named_child(0).is_some_and(|module| {
                let name = cx.text(module);
                TEST_MODULES
                    .iter()
                    .any(|t| name == *t || name.strip_prefix(t).is_some_and(|r| r.starts_with('.')))
            })
        })
}

/// Names that make a function a Lambda handler.
const LAMBDA_HANDLER_NAMES: &[&str] = &["lambda_handler", "handler"];

/// Whether a function is a Lambda handler: by name, or by its `(event, context)`
/// parameters.
pub fn is_lambda_handler(function: Node<'_>, cx: &Checker<'_>) -> bool {
    if function
        .child_by_field_name("name")
        .is_some_and(|n| LAMBDA_HANDLER_NAMES.contains(&cx.text(n)))
    {
        return true;
    }
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return false;
    };
    let names: Vec<&str> = ast::named_children(parameters)
        .into_iter()
        .map(|p| cx.text(p.child_by_field_name("name").unwrap_or(p)))
        .collect();
    names == ["event", "context"]
}

/// Whether the module defines a Lambda handler at top level.
pub fn defines_lambda_handler(cx: &Checker<'_>) -> bool {
    ast::named_children(cx.root()).into_iter().any(|statement| {
        let definition = match statement.kind() {
            "decorated_definition" => statement.child_by_field_name("definition"),
            _ => Some(statement),
        };
        definition.is_some_and(|d| d.kind() == "function_definition" && is_lambda_handler(d, cx))
    })
}

/// The name an `except ... as name:` clause binds.
pub fn except_alias<'t>(clause: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    clause
        .child_by_field_name("alias")
        .or_else(|| {
            clause
                .child_by_field_name("value")
                .filter(|v| v.kind() == "as_pattern")
                .and_then(|v| v.child_by_field_name("alias"))
        })
        .map(|a| cx.text(a.named_child(0).unwrap_or(a)))
}

/// `Exception` or `BaseException` when `caught` is one of them or a tuple holding one.
pub fn broad_exception(caught: Node<'_>, cx: &Checker<'_>) -> Option<&'static str> {
    let caught = ast::unparenthesize(caught);
    let candidates = match caught.kind() {
        "tuple" => ast::named_children(caught),
        _ => vec![caught],
    };
    candidates
        .into_iter()
        .find_map(|c| match cx.python().resolve(c).as_deref() {
            Some("builtins.Exception") => Some("Exception"),
            Some("builtins.BaseException") => Some("BaseException"),
            _ => None,
        })
}

/// The exception types an `except` clause names, one node each: `[ValueError]` for
/// `except ValueError as e:`, two for `except (KeyError, IndexError):`, none for a bare
/// `except:`.
pub fn caught_types(clause: Node<'_>) -> Vec<Node<'_>> {
    let Some(value) = clause.child_by_field_name("value") else {
        return Vec::new();
    };
    let caught = match value.kind() {
        "as_pattern" => value.named_child(0).unwrap_or(value),
        _ => value,
    };
    let caught = ast::unparenthesize(caught);
    match caught.kind() {
        "tuple" => ast::named_children(caught),
        _ => vec![caught],
    }
}
