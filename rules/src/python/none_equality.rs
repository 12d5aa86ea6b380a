use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for comparisons with `None` written `== None` or `!= None`.
    ///
    /// Comparisons that build queries are not reported: inside the arguments of
    /// `filter`, `where`, `having` and similar calls, and on class attributes such as
    /// `User.deleted_at == None`, which SQLAlchemy and other ORMs turn into `IS NULL`.
    ///
    /// ## Why is this bad?
    /// `==` calls the left operand's `__eq__`, which any class can define: NumPy arrays
    /// and pandas series compare element by element and return an array, whose truth
    /// value then raises; proxies and mocks may claim to equal anything. `None` is a
    /// singleton, so identity (`is None`) is the exact test, and it cannot be overridden.
    ///
    /// ## Example
    /// ```python
    /// def display_name(user):
    ///     if user.nickname == None:
    ///         return user.email
    ///     return user.nickname
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def display_name(user):
    ///     if user.nickname is None:
    ///         return user.email
    ///     return user.nickname
    /// ```
    pub NoneEquality {
        id: "py-none-equality",
        title: "Comparison to `None` with `==`",
        language: Python,
        category: Correctness,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["comparison_operator"],
        fix: "Use `is None` or `is not None`",
    }
}

/// Calls whose arguments are query expressions, where `== None` means `IS NULL`.
const QUERY_BUILDERS: &[&str] = &[
    "filter", "filter_by", "where", "having", "exclude", "and_", "or_", "not_", "case",
    "join", "outerjoin", "query", "select", "when", "update", "values", "Q",
];

impl Rule for NoneEquality {
    fn check<'t>(&self, comparison: Node<'t>, cx: &Checker<'t>) {
        let (operands, operators) = crate::python::call::comparison_parts(comparison);
        let chained = operators.len() > 1;
        for (i, operator) in operators.into_iter().enumerate() {
            let replacement = match operator.kind() {
                "==" => "is",
                "!=" => "is not",
                _ => continue,
            };
            let (Some(&left), Some(&right)) = (operands.get(i), operands.get(i + 1)) else {
                continue;
            };
            let other = match (
                ast::unparenthesize(left).kind(),
                ast::unparenthesize(right).kind(),
            ) {
                ("none", "none") => continue,
                ("none", _) => right,
                (_, "none") => left,
                _ => continue,
            };
            if is_query_column(other, cx) || in_query(cx) {
                return;
            }
            let report = cx.report(
                comparison,
                format!(
                    "`{} None` calls `__eq__`, which a class can override; `None` is a singleton, so compare identity",
                    cx.text(operator)
                ),
            );
            let report = report.help(format!("Use `{replacement} None`"));
            if !chained {
                report.fix(operator, replacement);
            }
        }
    }
}

/// `User.deleted_at`, `users.c.name`, `self.model.field`: an attribute of a class or a
/// table, which ORMs compare into SQL.
fn is_query_column(operand: Node<'_>, cx: &Checker<'_>) -> bool {
    let operand = ast::unparenthesize(operand);
    if operand.kind() != "attribute" {
        return false;
    }
    let text = cx.text(operand);
    if text.contains(".c.") || text.contains(".columns.") {
        return true;
    }
    let mut root = operand;
    while root.kind() == "attribute"
        && let Some(object) = root.child_by_field_name("object")
    {
        root = object;
    }
    root.kind() == "identifier" && cx.text(root).starts_with(|c: char| c.is_ascii_uppercase())
}

/// Whether the comparison is an argument (at any depth) of a query-building call.
fn in_query(cx: &Checker<'_>) -> bool {
    cx.ancestors()
        .take_while(|a| {
            !matches!(
                a.kind(),
                "expression_statement" | "return_statement" | "block" | "module"
            )
        })
        .any(|a| {
            a.kind() == "call"
                && call::callee_name(a, cx.source()).is_some_and(|n| QUERY_BUILDERS.contains(&n))
        })
}
