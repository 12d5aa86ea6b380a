use tree_sitter::Node;

use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `except` clauses whose only statement re-raises what they caught
    /// (`raise`, or `raise err` after `except ... as err`), when no later clause of the
    /// same `try` would otherwise handle the exception.
    ///
    /// ## Why is this bad?
    /// Such a handler does nothing: the exception propagates exactly as it would without
    /// it. It adds a level of nesting, suggests to readers that something is handled
    /// there, and often is the leftover of logging or cleanup that was removed. When
    /// it is the only clause, the `try` itself can go (or become `try`/`finally`).
    ///
    /// ## Example
    /// ```python
    /// def read(path):
    ///     try:
    ///         with open(path) as f:
    ///             return f.read()
    ///     except OSError:
    ///         raise
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def read(path):
    ///     with open(path) as f:
    ///         return f.read()
    /// ```
    pub UselessExceptReraise {
        id: "py-useless-except-reraise",
        title: "`except` clause that only re-raises",
        language: Python,
        category: Maintainability,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["except_clause"],
        fix: "Remove the clause (and the `try` when nothing else is left)",
    }
}

impl Rule for UselessExceptReraise {
    fn check<'t>(&self, clause: Node<'t>, cx: &Checker<'t>) {
        // `except*` handles groups; re-raising there splits them, which is not a no-op.
        if ast::named_children(clause).is_empty()
            || cx.text(clause).trim_start_matches("except").trim_start().starts_with('*')
        {
            return;
        }
        let Some(body) = ast::named_children(clause)
            .into_iter()
            .find(|c| c.kind() == "block")
        else {
            return;
        };
        let statements: Vec<_> = ast::named_children(body)
            .into_iter()
            .filter(|s| s.kind() != "comment")
            .collect();
        let [statement] = statements.as_slice() else {
            return;
        };
        if statement.kind() != "raise_statement" || statement.child_by_field_name("cause").is_some()
        {
            return;
        }
        let raised = ast::named_children(*statement)
            .into_iter()
            .find(|c| c.kind() != "comment");
        if let Some(raised) = raised {
            let alias = super::place::except_alias(clause, cx);
            if alias.is_none_or(|a| a != cx.text(ast::unparenthesize(raised))) {
                return;
            }
        }
        // A later clause would catch what this one lets through.
        let mut next = clause.next_named_sibling();
        while let Some(sibling) = next {
            if sibling.kind() == "except_clause" {
                return;
            }
            next = sibling.next_named_sibling();
        }
        let header = super::swallowed_exception::header_span(clause, cx);
        cx.report_span(
            header,
            "this `except` clause only re-raises what it caught, which happens without it",
        )
        .help("Remove the clause (and the `try` when nothing else is left)");
    }
}
