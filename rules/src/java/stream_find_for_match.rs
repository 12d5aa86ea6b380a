use tree_sitter::Node;

use crate::java::calls::Call;
use crate::{Checker, Rule, Span, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `stream.filter(p).findFirst().isPresent()` and the same with
    /// `findAny()` or `isEmpty()`, which ask whether any element matches.
    ///
    /// ## Why is this bad?
    /// `anyMatch(p)` and `noneMatch(p)` say what is meant in one call. The
    /// `filter`/`findFirst` chain builds an `Optional` only to test it, and `findFirst`
    /// must respect encounter order, which costs extra on a parallel stream.
    ///
    /// ## Example
    /// ```java
    /// boolean hasAdmin = users.stream().filter(User::isAdmin).findFirst().isPresent();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// boolean hasAdmin = users.stream().anyMatch(User::isAdmin);
    /// ```
    pub StreamFindForMatch {
        id: "java-stream-find-for-match",
        title: "`filter(..).findFirst().isPresent()` instead of `anyMatch`",
        language: Java,
        category: Maintainability,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use `anyMatch(predicate)`, or `noneMatch(predicate)` for `isEmpty()`",
    }
}

impl Rule for StreamFindForMatch {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(test) = Call::of(node, cx) else {
            return;
        };
        let replacement = match test.name {
            "isPresent" => "anyMatch",
            "isEmpty" => "noneMatch",
            _ => return,
        };
        if !test.args.is_empty() {
            return;
        }
        let Some(find) = test.object.and_then(|o| Call::of(o, cx)) else {
            return;
        };
        if !matches!(find.name, "findFirst" | "findAny") || !find.args.is_empty() {
            return;
        }
        let Some(filter) = find.object.and_then(|o| Call::of(o, cx)) else {
            return;
        };
        if filter.name != "filter" || filter.args.len() != 1 || filter.object.is_none() {
            return;
        }
        let question = if replacement == "anyMatch" { "whether any" } else { "whether no" };
        // From `filter` to the end: the part of the chain to replace.
        let start = filter
            .node
            .child_by_field_name("name")
            .map_or(node.start_byte(), |n| n.start_byte());
        cx.report_span(
            Span::from_bytes(cx.source(), start, node.end_byte()),
            format!(
                "`filter(..).{}().{}()` asks {question} element matches: use `{replacement}(..)`",
                find.name, test.name
            ),
        )
        .help(format!("Replace the chain with `{replacement}(predicate)`"));
    }
}
