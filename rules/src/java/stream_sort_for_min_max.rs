use tree_sitter::Node;

use crate::java::calls::Call;
use crate::{Checker, Rule, Span, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `stream.sorted(..).findFirst()`, which sorts the whole stream to
    /// take its smallest element.
    ///
    /// ## Why is this bad?
    /// Sorting costs O(n log n) time and buffers every element in memory; `min` finds
    /// the same element in one pass with constant memory. With a reversed comparator
    /// the chain is `max`.
    ///
    /// ## Example
    /// ```java
    /// Optional<Order> oldest = orders.stream()
    ///     .sorted(Comparator.comparing(Order::createdAt))
    ///     .findFirst();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Optional<Order> oldest = orders.stream().min(Comparator.comparing(Order::createdAt));
    /// ```
    pub StreamSortForMinMax {
        id: "java-stream-sort-for-min-max",
        title: "Stream sorted to take its first element",
        language: Java,
        category: Performance,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use `min(comparator)`, or `max` for a reversed comparator",
    }
}

impl Rule for StreamSortForMinMax {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(find) = Call::of(node, cx) else {
            return;
        };
        if !matches!(find.name, "findFirst" | "findAny") || !find.args.is_empty() {
            return;
        }
        let Some(sorted) = find.object.and_then(|o| Call::of(o, cx)) else {
            return;
        };
        if sorted.name != "sorted" || sorted.args.len() > 1 || sorted.object.is_none() {
            return;
        }
        let comparator = sorted.arg(0).map_or("", |c| cx.text(c));
        let reversed = comparator.contains("reversed()") || comparator.contains("reverseOrder()");
        let (replacement, call) = match (reversed, comparator.is_empty()) {
            (true, _) => ("max", "max(..)".to_string()),
            (false, true) => ("min", "min(Comparator.naturalOrder())".to_string()),
            (false, false) => ("min", "min(..)".to_string()),
        };
        // From `sorted` to the end: the part of the chain to replace.
        let start = sorted
            .node
            .child_by_field_name("name")
            .map_or(node.start_byte(), |n| n.start_byte());
        cx.report_span(
            Span::from_bytes(cx.source(), start, node.end_byte()),
            format!(
                "`sorted(..).{}()` sorts every element to take the {}: use `{call}`",
                find.name,
                if replacement == "max" { "largest" } else { "smallest" }
            ),
        )
        .help(format!("Replace `sorted(..).{}()` with `{call}`, one pass without buffering", find.name));
    }
}
