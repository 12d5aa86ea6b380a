use tree_sitter::Node;

use crate::python::place;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `raise NewError(...)` inside an `except` block without `from`: neither
    /// `from err` (this error is caused by the one caught) nor `from None` (the caught
    /// error is an implementation detail). A bare `raise` and re-raising the caught name
    /// are fine.
    ///
    /// ## Why is this bad?
    /// Without `from`, Python still attaches the caught exception, but reports it as
    /// "During handling of the above exception, another exception occurred": a bug in
    /// the handler, not a translation of the error. Readers of the traceback, and tools
    /// that group errors, are misled about what went wrong. Saying `from err` keeps the
    /// cause and marks it as such; `from None` hides it on purpose.
    ///
    /// ## Example
    /// ```python
    /// def load(path):
    ///     try:
    ///         with open(path) as f:
    ///             return json.load(f)
    ///     except json.JSONDecodeError as err:
    ///         raise ConfigError(f"{path} is not valid JSON")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def load(path):
    ///     try:
    ///         with open(path) as f:
    ///             return json.load(f)
    ///     except json.JSONDecodeError as err:
    ///         raise ConfigError(f"{path} is not valid JSON") from err
    /// ```
    pub RaiseWithoutFrom {
        id: "py-raise-without-from",
        title: "Exception raised in `except` without `from`",
        language: Python,
        category: Correctness,
        severity: Info,
        cwe: [755],
        precision: High,
        kinds: ["raise_statement"],
        fix: "Add `from err` to chain the caught exception, or `from None` to hide it",
    }
}

impl Rule for RaiseWithoutFrom {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.child_by_field_name("cause").is_some() {
            return;
        }
        let Some(raised) = node
            .named_child(0)
            .filter(|c| c.kind() != "comment")
            .map(ast::unparenthesize)
        else {
            return;
        };
        // Only a new exception: `raise Error(...)`, not a name that may be the caught one.
        if raised.kind() != "call" {
            return;
        }
        let Some(clause) = cx
            .ancestors()
            .take_while(|a| {
                !matches!(
                    a.kind(),
                    "function_definition" | "lambda" | "class_definition" | "finally_clause"
                )
            })
            .find(|a| matches!(a.kind(), "except_clause" | "except_group_clause"))
        else {
            return;
        };
        let alias = place::except_alias(clause, cx);
        let help = match alias {
            Some(name) => format!("Add `from {name}` to chain the caught exception, or `from None` to hide it"),
            None => "Catch it `as err` and add `from err`, or add `from None` to hide it".to_string(),
        };
        cx.report(
            node,
            "exception raised while handling another without `from`: the traceback reads as a bug in the handler",
        )
        .help(help);
    }
}

