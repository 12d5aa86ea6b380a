use tree_sitter::Node;

use crate::java::calls;
use crate::java::semantic::{self, DeclKind, WriteKind};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a `String` local variable, declared outside a loop, that the loop
    /// extends with `s += ..` or `s = s + ..`. One finding is made per variable and
    /// loop.
    ///
    /// ## Why is this bad?
    /// Strings are immutable: each `+=` copies everything built so far into a new
    /// string. Over n iterations that is O(n²) work and garbage; a loop over a few
    /// thousand lines spends most of its time copying.
    ///
    /// ## Example
    /// ```java
    /// String csv = "";
    /// for (Row row : rows) {
    ///     csv += row.toCsv() + "\n";
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// StringBuilder csv = new StringBuilder();
    /// for (Row row : rows) {
    ///     csv.append(row.toCsv()).append('\n');
    /// }
    /// ```
    pub StringConcatInLoop {
        id: "java-string-concat-in-loop",
        title: "String built with `+=` in a loop",
        language: Java,
        category: Performance,
        severity: Info,
        cwe: [1046],
        precision: High,
        kinds: ["assignment_expression"],
        fix: "Build the string with a `StringBuilder` (or `String.join`/`Collectors.joining`)",
    }
}

impl Rule for StringConcatInLoop {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(left), Some(right), Some(op)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
            node.child_by_field_name("operator"),
        ) else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }
        let name = cx.text(left);
        let appends = match cx.text(op) {
            "+=" => true,
            "=" => extends(right, name, cx),
            _ => false,
        };
        if !appends {
            return;
        }
        let Some(found) = calls::enclosing_loop(node, cx) else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let Some(decl) = locals.resolve(left, cx.source()) else {
            return;
        };
        if decl.kind != DeclKind::Local
            || ast::contains(found, decl.name)
            || decl.ty.and_then(|t| semantic::simple_type_name(t, cx.source())) != Some("String")
        {
            return;
        }
        let in_loop: Vec<_> = locals
            .writes_of(decl, cx.source())
            .filter(|w| ast::contains(found, w.target))
            .collect();
        // `s = ""` in the loop starts over each time: nothing accumulates across
        // iterations.
        let restarts = in_loop.iter().any(|w| {
            w.kind == WriteKind::Assign && !extends(w.value, name, cx)
        });
        // One finding per variable and loop: the first write in the loop.
        let earlier = in_loop
            .iter()
            .any(|w| w.target.start_byte() < left.start_byte());
        if !restarts && !earlier {
            cx.report(node, format!("`{name}` is rebuilt on every iteration: each `+` copies the whole string"));
        }
    }
}

/// `name + ..`: a value that starts with the variable's old value.
fn extends(value: Node<'_>, name: &str, cx: &Checker<'_>) -> bool {
    let mut value = ast::unparenthesize(value);
    // `s + a + b` nests to the left: `(s + a) + b`.
    while value.kind() == "binary_expression"
        && value
            .child_by_field_name("operator")
            .is_some_and(|o| cx.text(o) == "+")
    {
        match value.child_by_field_name("left") {
            Some(left) => value = ast::unparenthesize(left),
            None => return false,
        }
    }
    value.kind() == "identifier" && cx.text(value) == name
}
