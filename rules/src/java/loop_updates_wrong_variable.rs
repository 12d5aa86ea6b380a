use std::collections::HashSet;

use tree_sitter::Node;

use crate::java::semantic::{self, DeclKind};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a `for` loop whose update changes a variable the condition does not
    /// test, while nothing in the loop changes the variables it does test:
    /// `for (int j = 0; j < columns; i++)`. The condition must compare local variables
    /// and contain no method call.
    ///
    /// ## Why is this bad?
    /// The condition never changes, so the loop either never runs or never ends: the
    /// program hangs, or an index runs off the end of an array. It is nearly always a
    /// nested loop copied from the outer one with one name left unchanged.
    ///
    /// ## Example
    /// ```java
    /// for (int i = 0; i < rows; i++) {
    ///     for (int j = 0; j < columns; i++) {
    ///         sum += cells[i][j];
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// for (int i = 0; i < rows; i++) {
    ///     for (int j = 0; j < columns; j++) {
    ///         sum += cells[i][j];
    ///     }
    /// }
    /// ```
    pub LoopUpdatesWrongVariable {
        id: "java-loop-updates-wrong-variable",
        title: "`for` loop updates a variable its condition does not test",
        language: Java,
        category: Correctness,
        severity: Error,
        cwe: [835],
        precision: High,
        kinds: ["for_statement"],
        fix: "Update the variable the condition tests",
    }
}

impl Rule for LoopUpdatesWrongVariable {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(condition) = node.child_by_field_name("condition") else {
            return;
        };
        let mut cursor = node.walk();
        let updates: Vec<Node<'t>> = node.children_by_field_name("update", &mut cursor).collect();
        if updates.is_empty() {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        // The names the condition tests: locals only, and no call that could change
        // its value from one test to the next.
        let mut tested: Vec<&str> = Vec::new();
        for n in ast::descendants(condition) {
            match n.kind() {
                "method_invocation" | "object_creation_expression" | "array_access"
                | "field_access" | "lambda_expression" | "assignment_expression"
                | "update_expression" => return,
                "identifier" => {
                    let Some(decl) = locals.resolve(n, cx.source()) else {
                        return;
                    };
                    if !matches!(decl.kind, DeclKind::Local | DeclKind::Parameter) {
                        return;
                    }
                    if !tested.contains(&cx.text(n)) {
                        tested.push(cx.text(n));
                    }
                }
                _ => {}
            }
        }
        if tested.is_empty() {
            return;
        }
        // Every variable the loop changes, in its update and its body.
        let mut changed: HashSet<&str> = HashSet::new();
        for part in updates.iter().copied().chain(node.child_by_field_name("body")) {
            for n in ast::descendants(part) {
                let target = match n.kind() {
                    "assignment_expression" => n.child_by_field_name("left"),
                    "update_expression" => n.named_child(0),
                    _ => None,
                };
                if let Some(target) = target.map(ast::unparenthesize) {
                    changed.insert(cx.text(target));
                }
            }
        }
        if tested.iter().any(|t| changed.contains(t)) {
            return;
        }
        let updated: Vec<&str> = updates
            .iter()
            .filter_map(|u| match u.kind() {
                "update_expression" => u.named_child(0),
                "assignment_expression" => u.child_by_field_name("left"),
                _ => None,
            })
            .map(|t| cx.text(ast::unparenthesize(t)))
            .collect();
        // Name the loop's own variable, `j` in `for (int j = 0; j < n; i++)`.
        let mut init_cursor = node.walk();
        let declared: Vec<&str> = node
            .children_by_field_name("init", &mut init_cursor)
            .flat_map(|init| ast::descendants(init).filter(|n| n.kind() == "identifier").map(|n| cx.text(n)))
            .collect();
        let shown = tested
            .iter()
            .find(|t| declared.contains(t))
            .or_else(|| tested.first());
        let (Some(first_updated), Some(first_tested)) = (updated.first(), shown) else {
            return;
        };
        cx.report(
            condition,
            format!(
                "the loop tests `{first_tested}` but updates `{first_updated}`: the condition never changes, so the loop never ends or never runs"
            ),
        );
    }
}
