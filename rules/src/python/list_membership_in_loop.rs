use tree_sitter::Node;

use crate::python::place;
use crate::python::semantic::Binding;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `x in items` and `x not in items` inside the body of a loop, where
    /// `items` is a local name bound once, before the loop, to a list literal, a list
    /// comprehension or `list(...)`, and the loop neither changes nor rebinds it.
    ///
    /// ## Why is this bad?
    /// Membership in a list compares against every element in turn, so the loop costs
    /// the product of both lengths. A `set` (or `frozenset`) answers in constant time,
    /// and since the list is never changed in the loop, building the set once costs
    /// nothing extra.
    ///
    /// ## Example
    /// ```python
    /// def unknown(rows, known_rows):
    ///     known = list(known_rows)
    ///     missing = []
    ///     for row in rows:
    ///         if row not in known:
    ///             missing.append(row)
    ///     return missing
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def unknown(rows, known_rows):
    ///     known = set(known_rows)
    ///     missing = []
    ///     for row in rows:
    ///         if row not in known:
    ///             missing.append(row)
    ///     return missing
    /// ```
    pub ListMembershipInLoop {
        id: "py-list-membership-in-loop",
        title: "Membership test against a list inside a loop",
        language: Python,
        category: Performance,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["comparison_operator"],
        fix: "Build a set once, before the loop, and test membership in it",
    }
}

/// Methods and statements through which a list changes in place.
const MUTATORS: &[&str] = &[
    "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "__setitem__",
    "__delitem__", "__iadd__",
];

impl Rule for ListMembershipInLoop {
    fn check<'t>(&self, comparison: Node<'t>, cx: &Checker<'t>) {
        let mut cursor = comparison.walk();
        let mut more = cursor.goto_first_child();
        let mut previous_operator = None;
        while more {
            let child = cursor.node();
            if cursor.field_name() == Some("operators") {
                previous_operator = Some(child.kind());
            } else if child.is_named()
                && matches!(previous_operator, Some("in" | "not in"))
                && let Some(name) = list_name(ast::unparenthesize(child), comparison, cx)
            {
                cx.report(
                    child,
                    format!(
                        "`{name}` is a list, so each membership test in this loop scans it from the start"
                    ),
                )
                .help(format!(
                    "Build `{name}` as a set (or convert it once, before the loop) if its elements are hashable"
                ));
                return;
            } else if child.is_named() {
                previous_operator = None;
            }
            more = cursor.goto_next_sibling();
        }
    }
}

/// The name of a list the comparison tests membership in from inside a loop, when the
/// list is bound once, before that loop, in the same function, and the loop leaves it be.
fn list_name<'t>(operand: Node<'t>, comparison: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    if operand.kind() != "identifier" {
        return None;
    }
    let function = place::enclosing_function(cx)?;
    let loop_ = place::enclosing_loop(cx, comparison)?;
    let [Binding::Assign(value)] = cx.python().bindings(operand)? else {
        return None;
    };
    let value = ast::unparenthesize(*value);
    if !ast::contains(function, value) || value.end_byte() > loop_.start_byte() {
        return None;
    }
    // The assignment must bind the name alone: `a = b = []` or `x, y = ...` alias it.
    let assignment = value.parent()?;
    if assignment.kind() != "assignment"
        || assignment
            .child_by_field_name("left")
            .is_none_or(|left| left.kind() != "identifier")
        || assignment.parent().is_none_or(|p| p.kind() != "expression_statement")
    {
        return None;
    }
    if !is_list(value, cx) {
        return None;
    }
    let name = cx.text(operand);
    if changed_in(loop_, name, cx) {
        return None;
    }
    Some(name)
}

/// A list comprehension, `list(...)`, or a list literal of hashable constants.
fn is_list(value: Node<'_>, cx: &Checker<'_>) -> bool {
    match value.kind() {
        // Elements built as lists, dicts or sets are unhashable: no set can hold them.
        "list_comprehension" => value.child_by_field_name("body").is_some_and(|body| {
            !matches!(
                ast::unparenthesize(body).kind(),
                "list" | "dictionary" | "set" | "list_comprehension" | "dictionary_comprehension"
                    | "set_comprehension"
            )
        }),
        "call" => cx.python().resolve_call(value).as_deref() == Some("builtins.list"),
        "list" => {
            let elements = ast::named_children(value);
            elements.len() > 1 && elements.into_iter().all(is_hashable_constant)
        }
        _ => false,
    }
}

fn is_hashable_constant(node: Node<'_>) -> bool {
    let node = ast::unparenthesize(node);
    match node.kind() {
        "string" | "concatenated_string" | "integer" | "float" | "true" | "false" | "none" => true,
        "unary_operator" => node
            .child_by_field_name("argument")
            .is_some_and(is_hashable_constant),
        "tuple" => ast::named_children(node).into_iter().all(is_hashable_constant),
        _ => false,
    }
}

/// Whether the loop may change or rebind the list: any use of the name other than a
/// plain read (a method call, subscript, `del`, assignment target) or a nested
/// definition that could close over it.
fn changed_in(loop_: Node<'_>, name: &str, cx: &Checker<'_>) -> bool {
    ast::descendants(loop_)
        .filter(|n| n.kind() == "identifier" && cx.text(*n) == name)
        .any(|ident| {
            let Some(parent) = ident.parent() else {
                return true;
            };
            match parent.kind() {
                "attribute" => {
                    parent.child_by_field_name("object") == Some(ident)
                        && parent
                            .child_by_field_name("attribute")
                            .is_none_or(|a| MUTATORS.contains(&cx.text(a)))
                }
                "subscript" => parent.parent().is_none_or(|p| {
                    matches!(
                        p.kind(),
                        "assignment" | "augmented_assignment" | "delete_statement"
                    ) || p.kind() == "pattern_list"
                }),
                "assignment" | "augmented_assignment" | "delete_statement" | "pattern_list"
                | "tuple_pattern" | "list_pattern" | "for_statement" | "for_in_clause"
                | "named_expression" | "global_statement" | "nonlocal_statement" => {
                    // A read on the right-hand side of an assignment is fine.
                    parent.child_by_field_name("right") != Some(ident)
                        && parent.child_by_field_name("value") != Some(ident)
                }
                "argument_list" => {
                    // Passed to a function, which may change it.
                    true
                }
                _ => false,
            }
        })
}
