use tree_sitter::Node;

use crate::java::semantic;
use crate::java::text::quote;
use crate::{Checker, Rule, Span, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `catch` blocks with no statements and no comment explaining why the
    /// exception can be ignored.
    ///
    /// A catch parameter named `ignored`, `ignore` or `expected` says the same thing as
    /// a comment and is not reported. `InterruptedException` is left to
    /// `java-swallowed-interrupted-exception`. Two idioms are recognised and not reported:
    /// a best-effort close (`try { in.close(); } catch (IOException e) {}`) and a test
    /// expecting an exception (`try { call(); fail(); } catch (Expected e) {}`).
    ///
    /// ## Why is this bad?
    /// An empty `catch` makes a failure disappear: the operation did not happen, nothing
    /// is logged, and the program carries on with a state it did not expect. The
    /// problem then shows up later, far from its cause, with no stack trace to follow.
    /// Readers also cannot tell an oversight from a deliberate decision.
    ///
    /// ## Example
    /// ```java
    /// try {
    ///     config.load(path);
    /// } catch (IOException e) {
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try {
    ///     config.load(path);
    /// } catch (IOException e) {
    ///     log.warn("Could not read {}, using defaults", path, e);
    /// }
    /// ```
    ///
    /// When ignoring the exception is right, say why:
    /// `catch (NumberFormatException ignored) { // not a number: keep the default }`.
    pub EmptyCatchBlock {
        id: "java-empty-catch-block",
        title: "Empty catch block",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [390, 1069],
        precision: High,
        kinds: ["catch_clause"],
        fix: "Handle, log or rethrow the exception, or explain in a comment why it is ignored",
    }
}

/// Catch parameter names that say the exception is ignored on purpose.
const INTENTIONAL_NAMES: &[&str] = &["ignored", "ignore", "expected", "ignoring", "unused"];

impl Rule for EmptyCatchBlock {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        // Comments are named children too, so this also keeps explained catches.
        if body.named_child_count() > 0 {
            return;
        }
        let Some(param) = semantic::catch_parameter(node) else {
            return;
        };
        let name = param.child_by_field_name("name").map_or("", |n| cx.text(n));
        let first_word = ast::identifier_words(name).into_iter().next();
        if name == "_" || first_word.is_some_and(|w| INTENTIONAL_NAMES.contains(&w.as_str())) {
            return;
        }
        let types = ast::named_children(param)
            .into_iter()
            .find(|c| c.kind() == "catch_type");
        let caught = types.map_or("", |t| cx.text(t));
        if caught
            .split('|')
            .any(|t| crate::java::text::simple_name(t) == "InterruptedException")
        {
            return;
        }
        if try_ends_with_fail(cx) || try_only_closes(cx) {
            return;
        }
        // Point at `catch (IOException e)`, not at the whole clause.
        let mut cursor = node.walk();
        let header_end = node
            .children(&mut cursor)
            .find(|c| c.kind() == ")")
            .map_or(param.end_byte(), |c| c.end_byte());
        let span = Span::from_bytes(cx.source(), node.start_byte(), header_end);
        cx.report_span(
            span,
            format!(
                "empty `catch` swallows `{}`: the failure disappears without a trace",
                quote(caught)
            ),
        )
        .help(format!(
            "Log or rethrow `{name}`, or rename it `ignored` and add a comment saying why it is safe to ignore"
        ));
    }
}

/// `try { call(); fail("expected ..."); } catch (X e) {}`: a test expecting the exception.
fn try_ends_with_fail(cx: &Checker<'_>) -> bool {
    try_statements(cx).last().is_some_and(|last| {
        semantic::is_call_statement(
            *last,
            &["fail", "shouldHaveThrown", "failBecauseExceptionWasNotThrown"],
            cx.source(),
        )
    })
}

/// `try { in.close(); } catch (IOException e) {}`: a best-effort close, usually in a
/// `finally`, where there is nothing left to do about a failure.
fn try_only_closes(cx: &Checker<'_>) -> bool {
    matches!(try_statements(cx).as_slice(), [only] if semantic::is_call_statement(*only, &["close"], cx.source()))
}

/// The statements of the `try` block this catch clause belongs to.
fn try_statements<'t>(cx: &Checker<'t>) -> Vec<Node<'t>> {
    cx.ancestors()
        .next()
        .and_then(|t| t.child_by_field_name("body"))
        .map(semantic::statements)
        .unwrap_or_default()
}
