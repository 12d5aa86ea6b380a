use tree_sitter::Node;

use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a `catch` clause whose only statement rethrows the exception it
    /// caught, `catch (E e) { throw e; }`, when it is the last `catch` of its `try`.
    /// An earlier clause that rethrows is not reported: it keeps a specific exception
    /// away from a broader `catch` below it, which is a real use.
    ///
    /// ## Why is this bad?
    /// The clause does nothing: without it the exception would propagate the same way,
    /// with the same stack trace. It adds noise, and suggests that the exception is
    /// handled when it is not; a reader looks for handling that is not there.
    ///
    /// ## Example
    /// ```java
    /// try {
    ///     return repository.load(id);
    /// } catch (IOException e) {
    ///     throw e;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// return repository.load(id);
    /// ```
    pub CatchAndRethrow {
        id: "java-catch-and-rethrow",
        title: "`catch` that only rethrows",
        language: Java,
        category: Maintainability,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["catch_clause"],
        fix: "Remove the `catch` clause, or handle or wrap the exception in it",
    }
}

impl Rule for CatchAndRethrow {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(try_statement) = cx.ancestors().next() else {
            return;
        };
        let is_last = ast::named_children(try_statement)
            .iter()
            .rfind(|c| c.kind() == "catch_clause")
            .is_some_and(|last| last.id() == node.id());
        if !is_last {
            return;
        }
        let Some(name) = semantic::catch_parameter(node)
            .and_then(|p| p.child_by_field_name("name"))
            .map(|n| cx.text(n))
        else {
            return;
        };
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        // A comment in the block may explain why the clause is there.
        let children = ast::named_children(body);
        if children.iter().any(|c| c.kind().ends_with("comment")) {
            return;
        }
        let statements = semantic::statements(body);
        let [statement] = statements.as_slice() else {
            return;
        };
        let rethrows = statement.kind() == "throw_statement"
            && statement
                .named_child(0)
                .map(ast::unparenthesize)
                .is_some_and(|t| t.kind() == "identifier" && cx.text(t) == name);
        if rethrows {
            cx.report(
                *statement,
                format!("this `catch` only rethrows `{name}`: the exception propagates the same way without it"),
            );
        }
    }
}
