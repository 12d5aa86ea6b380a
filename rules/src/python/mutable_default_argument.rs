use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for function and lambda parameters whose default value is a mutable
    /// object: a list, dict or set literal or comprehension, or a call to `list()`,
    /// `dict()`, `set()`, `bytearray()` or the `collections` containers (`defaultdict`,
    /// `OrderedDict`, `deque`, `Counter`).
    ///
    /// ## Why is this bad?
    /// Python evaluates a default value once, when the `def` runs, not on every call. All
    /// calls that rely on the default share that single object, so whatever one call
    /// appends to it is still there in the next one. The bug usually shows up as data
    /// leaking between requests, users or tests.
    ///
    /// ## Example
    /// ```python
    /// def add_tag(tag, tags=[]):
    ///     tags.append(tag)
    ///     return tags
    ///
    /// add_tag("a")  # ["a"]
    /// add_tag("b")  # ["a", "b"]: the list from the first call
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def add_tag(tag, tags=None):
    ///     if tags is None:
    ///         tags = []
    ///     tags.append(tag)
    ///     return tags
    /// ```
    ///
    /// A default that is never mutated can be immutable instead: a tuple, a `frozenset`
    /// or `types.MappingProxyType({})`.
    pub MutableDefaultArgument {
        id: "py-mutable-default-argument",
        title: "Mutable default argument",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["default_parameter", "typed_default_parameter"],
        fix: "Default to `None` and create the object inside the function",
    }
}

const MUTABLE_CONSTRUCTORS: &[(&str, &str)] = &[
    ("builtins.list", "list"),
    ("builtins.dict", "dict"),
    ("builtins.set", "set"),
    ("builtins.bytearray", "bytearray"),
    ("collections.defaultdict", "defaultdict"),
    ("collections.OrderedDict", "OrderedDict"),
    ("collections.deque", "deque"),
    ("collections.Counter", "Counter"),
];

impl Rule for MutableDefaultArgument {
    fn check<'t>(&self, parameter: Node<'t>, cx: &Checker<'t>) {
        let (Some(name), Some(value)) = (
            parameter.child_by_field_name("name"),
            parameter.child_by_field_name("value"),
        ) else {
            return;
        };
        let value = ast::unparenthesize(value);
        let what = match value.kind() {
            "list" => "list",
            "dictionary" => "dict",
            "set" => "set",
            "list_comprehension" => "list comprehension",
            "dictionary_comprehension" => "dict comprehension",
            "set_comprehension" => "set comprehension",
            "call" => {
                let Some(callee) = call::callee_name(value, cx.source()) else {
                    return;
                };
                if !MUTABLE_CONSTRUCTORS
                    .iter()
                    .any(|(_, short)| *short == callee)
                {
                    return;
                }
                let Some(qualified) = cx.python().resolve_call(value) else {
                    return;
                };
                match MUTABLE_CONSTRUCTORS.iter().find(|(q, _)| *q == qualified) {
                    Some((_, short)) => short,
                    None => return,
                }
            }
            _ => return,
        };
        let name = cx.text(name);
        let in_lambda = cx
            .ancestors()
            .next()
            .is_some_and(|p| p.kind() == "lambda_parameters");
        let text = cx.text(value);
        let help = if in_lambda {
            format!(
                "Default to `None` and turn the lambda into a function that creates the {what} on each call"
            )
        } else if text.len() <= 40 && !text.contains('\n') {
            format!(
                "Default to `None` and create it in the body: `if {name} is None: {name} = {text}`"
            )
        } else {
            format!("Default to `None` and create the {what} in the body when `{name}` is `None`")
        };
        cx.report(
            value,
            format!("the default {what} of `{name}` is created once and shared by every call"),
        )
        .help(help);
    }
}
