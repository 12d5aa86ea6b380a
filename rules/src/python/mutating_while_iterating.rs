use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `for` loops that change the size of the collection they iterate:
    /// `items.remove(...)`, `pop`, `insert`, `clear`, `discard`, `add`, `popitem` or
    /// `del items[...]` in the body of `for x in items:` (also over `items.keys()`,
    /// `.values()` and `.items()`).
    ///
    /// Not reported: iterating over a copy (`items[:]`, `list(items)`, `items.copy()`),
    /// a change directly followed by `break`, `return` or `raise`, and `append`/`extend`,
    /// which the worklist idiom uses on purpose.
    ///
    /// ## Why is this bad?
    /// A list iterator walks by index: removing the current element shifts the next one
    /// into its place, and the loop skips it, so `for x in xs: if bad(x): xs.remove(x)`
    /// leaves every second bad element in. Inserting makes elements be seen twice. Dicts
    /// and sets raise `RuntimeError: ... changed size during iteration`, sometimes only
    /// on the rare input that triggers the change.
    ///
    /// ## Example
    /// ```python
    /// def drop_expired(sessions):
    ///     for session in sessions:
    ///         if session.expired:
    ///             sessions.remove(session)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def drop_expired(sessions):
    ///     sessions[:] = [s for s in sessions if not s.expired]
    /// ```
    pub MutatingWhileIterating {
        id: "py-mutating-list-while-iterating",
        title: "Collection changed while it is iterated",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["for_statement"],
        fix: "Iterate over a copy (`for x in list(items):`) or build a new collection",
    }
}

/// Methods that add or remove elements of a list, dict or set.
const RESIZING_METHODS: &[&str] = &[
    "remove", "pop", "insert", "clear", "discard", "add", "popitem",
];

impl Rule for MutatingWhileIterating {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(iterable), Some(body)) = (
            node.child_by_field_name("right"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let Some(collection) = iterated_collection(iterable, cx) else {
            return;
        };
        let target = cx.text(collection);
        for inner in place::body_nodes(body) {
            let (changed, what) = match inner.kind() {
                "call" => {
                    let Some(method) = call::callee_name(inner, cx.source())
                        .filter(|m| RESIZING_METHODS.contains(m))
                    else {
                        continue;
                    };
                    if !call::receiver(inner).is_some_and(|r| same(r, target, cx)) {
                        continue;
                    }
                    (inner, format!("`{target}.{method}()`"))
                }
                "delete_statement" => {
                    let deletes = ast::named_children(inner).into_iter().any(|d| {
                        d.kind() == "subscript"
                            && d.child_by_field_name("value")
                                .is_some_and(|v| same(v, target, cx))
                    });
                    if !deletes {
                        continue;
                    }
                    (inner, format!("`del {target}[...]`"))
                }
                _ => continue,
            };
            if leaves_loop_right_after(changed, body) {
                continue;
            }
            cx.report(
                changed,
                format!("{what} changes `{target}` while the loop iterates over it: elements are skipped, or a dict or set raises `RuntimeError`"),
            )
            .help(format!("Iterate over a copy (`for ... in list({target}):`) or build a new collection"));
        }
    }
}

/// `items` for `items`, `self.items`, `items.keys()`; `None` for copies and calls.
fn iterated_collection<'t>(iterable: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let iterable = ast::unparenthesize(iterable);
    match iterable.kind() {
        "identifier" | "attribute" => Some(iterable),
        "call" => {
            let method = call::callee_name(iterable, cx.source())?;
            if matches!(method, "keys" | "values" | "items") && call::arguments(iterable).is_empty()
            {
                call::receiver(iterable)
                    .map(ast::unparenthesize)
                    .filter(|r| matches!(r.kind(), "identifier" | "attribute"))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn same(node: Node<'_>, target: &str, cx: &Checker<'_>) -> bool {
    cx.text(ast::unparenthesize(node)) == target
}

/// Whether the statement holding `changed` is directly followed by `break`, `return` or
/// `raise`, or is itself one of them, so the loop does not go on.
fn leaves_loop_right_after(changed: Node<'_>, body: Node<'_>) -> bool {
    let mut statement = changed;
    while let Some(parent) = statement.parent() {
        if parent.kind() == "block" {
            break;
        }
        if parent.id() == body.id() {
            break;
        }
        statement = parent;
    }
    matches!(statement.kind(), "return_statement" | "raise_statement")
        || place::leaves_after(statement)
}
