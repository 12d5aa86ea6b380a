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
