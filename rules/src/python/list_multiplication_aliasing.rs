use tree_sitter::Node;

use crate::python::call;
use crate::python::semantic::Binding;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for lists of mutable objects built with `*`: `[[]] * n`, `[[0] * n] * m`,
    /// `[{}] * n`, `[set()] * n`, or `[row] * n` where `row` is a list.
    ///
    /// ## Why is this bad?
    /// `*` repeats references, not copies: every element is the same inner list, dict or
    /// set. Changing `grid[0][0]` changes the first cell of every row, and appending to
    /// `buckets[3]` appends to all buckets. The bug often hides until the first write.
    ///
    /// ## Example
    /// ```python
    /// def empty_board(size):
    ///     return [[None] * size] * size
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def empty_board(size):
    ///     return [[None] * size for _ in range(size)]
    /// ```
    pub ListMultiplicationAliasing {
        id: "py-list-multiplication-aliasing",
        title: "List of mutable objects built with `*`",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["binary_operator"],
        fix: "Build the list with a comprehension: `[[] for _ in range(n)]`",
    }
}

const MUTABLE_CONSTRUCTORS: &[&str] = &[
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "builtins.bytearray",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
];

impl Rule for ListMultiplicationAliasing {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node
            .child_by_field_name("operator")
            .is_none_or(|o| o.kind() != "*")
        {
            return;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let (list, count) = match (ast::unparenthesize(left).kind(), ast::unparenthesize(right).kind()) {
            ("list", _) => (ast::unparenthesize(left), right),
            (_, "list") => (ast::unparenthesize(right), left),
            _ => return,
        };
        // Zero or one copy shares nothing.
        if cx.python().constant_int(count).is_some_and(|n| n <= 1) {
            return;
        }
        let Some(element) = ast::named_children(list)
            .into_iter()
            .filter(|e| e.kind() != "comment")
            .find_map(|e| mutable_kind(e, cx))
        else {
            return;
        };
        cx.report(
            node,
            format!("every element of this list is the same {element}: changing one changes them all"),
        )
        .help(format!(
            "Build a new {element} per element: `[... for _ in range({})]`",
            cx.text(count)
        ));
    }
}

/// What mutable object an element expression makes: a list, dict or set.
fn mutable_kind(element: Node<'_>, cx: &Checker<'_>) -> Option<&'static str> {
    let element = ast::unparenthesize(element);
    match element.kind() {
        "list" | "list_comprehension" => Some("list"),
        "dictionary" | "dictionary_comprehension" => Some("dict"),
        "set" | "set_comprehension" => Some("set"),
        "binary_operator" => {
            let is_repeat = element
                .child_by_field_name("operator")
                .is_some_and(|o| o.kind() == "*");
            let has_list = [
                element.child_by_field_name("left"),
                element.child_by_field_name("right"),
            ]
            .into_iter()
            .flatten()
            .any(|side| ast::unparenthesize(side).kind() == "list");
            (is_repeat && has_list).then_some("list")
        }
        "call" => {
            if !call::may_call(element, cx.source(), &["list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "Counter", "deque"]) {
                return None;
            }
            let name = cx.python().resolve_call(element)?;
            MUTABLE_CONSTRUCTORS
                .contains(&name.as_str())
                .then(|| match name.rsplit('.').next() {
                    Some("list" | "deque") => "list",
                    Some("set") => "set",
                    Some("bytearray") => "bytearray",
                    _ => "dict",
                })
        }
        "identifier" => match cx.python().bindings(element)? {
            [Binding::Assign(value)] if ast::unparenthesize(*value).kind() != "identifier" => {
                mutable_kind(*value, cx)
            }
            _ => None,
        },
        _ => None,
    }
}
