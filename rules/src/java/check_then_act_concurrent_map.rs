use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a concurrent map that is tested for a key and then written in two
    /// steps: `if (!m.containsKey(k)) { m.put(k, v); }` or
    /// `if (m.get(k) == null) { m.put(k, v); }`, where `m` is declared as a
    /// `ConcurrentMap`, `ConcurrentHashMap` or `ConcurrentSkipListMap`. Code inside a
    /// `synchronized` block or method, or in a method that takes a `Lock`, is not
    /// reported.
    ///
    /// ## Why is this bad?
    /// Each call is atomic, the pair is not. Two threads can both see the key missing and
    /// both `put`, so one value silently replaces the other: a counter loses increments,
    /// a cache builds an expensive value twice, and two callers end up holding different
    /// instances of what should be a single one.
    ///
    /// ## Example
    /// ```java
    /// if (!sessions.containsKey(userId)) {
    ///     sessions.put(userId, new Session(userId));
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// sessions.computeIfAbsent(userId, Session::new);
    /// ```
    pub CheckThenActConcurrentMap {
        id: "java-check-then-act-concurrent-map",
        title: "Check-then-act on a concurrent map",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [362],
        precision: High,
        kinds: ["if_statement"],
        fix: "Use `putIfAbsent`, `computeIfAbsent` or `compute` to test and write in one atomic step",
    }
}

const CONCURRENT_MAPS: &[&str] = &[
    "ConcurrentMap",
    "ConcurrentHashMap",
    "ConcurrentNavigableMap",
    "ConcurrentSkipListMap",
];

impl Rule for CheckThenActConcurrentMap {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(condition), Some(consequence)) = (
            node.child_by_field_name("condition"),
            node.child_by_field_name("consequence"),
        ) else {
            return;
        };
        let Some(test) = missing_key_test(ast::unparenthesize(condition), cx) else {
            return;
        };
        let (Some(map), Some(key)) = (test.object, test.arg(0)) else {
            return;
        };
        if !matches!(map.kind(), "identifier" | "field_access") {
            return;
        }
        let is_concurrent = calls::receiver_type(map, cx).is_some_and(|ty| CONCURRENT_MAPS.contains(&ty));
        if !is_concurrent || is_synchronized(cx) || holds_lock(cx) {
            return;
        }
        let (map_text, key_text) = (cx.text(map), cx.text(key));
        let put = calls::calls_in(consequence, cx).into_iter().find(|call| {
            call.name == "put"
                && call.args.len() == 2
                && call.object.is_some_and(|o| cx.text(o) == map_text)
                && call.arg(0).is_some_and(|a| cx.text(a) == key_text)
        });
        let Some(put) = put else {
            return;
        };
        cx.report(
            put.node,
            format!(
                "`{map_text}` is tested with `{}` and then written with `put`: another thread can put `{key_text}` in between",
                test.name
            ),
        )
        .help(format!(
            "Use `{map_text}.putIfAbsent(..)` or `{map_text}.computeIfAbsent(..)` instead"
        ));
    }
}

/// The call of `!m.containsKey(k)`, `m.get(k) == null` or `null == m.get(k)`.
fn missing_key_test<'t>(condition: Node<'t>, cx: &Checker<'t>) -> Option<Call<'t>> {
    let call = match condition.kind() {
        "unary_expression" => {
            if cx.text(condition.child_by_field_name("operator")?) != "!" {
                return None;
            }
            let call = Call::of(ast::unparenthesize(condition.child_by_field_name("operand")?), cx)?;
            (call.name == "containsKey").then_some(call)?
        }
        "binary_expression" => {
            if cx.text(condition.child_by_field_name("operator")?) != "==" {
                return None;
            }
            let (left, right) = (
                ast::unparenthesize(condition.child_by_field_name("left")?),
                ast::unparenthesize(condition.child_by_field_name("right")?),
            );
            let operand = match (left.kind(), right.kind()) {
                (_, "null_literal") => left,
                ("null_literal", _) => right,
                _ => return None,
            };
            let call = Call::of(operand, cx)?;
            (call.name == "get").then_some(call)?
        }
        _ => return None,
    };
    (call.args.len() == 1).then_some(call)
}

/// Whether the method around the node being checked takes a
/// `java.util.concurrent.locks` lock.
fn holds_lock(cx: &Checker<'_>) -> bool {
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return false;
    };
    calls::calls_in(scope, cx).into_iter().any(|call| {
        matches!(call.name, "lock" | "lockInterruptibly" | "tryLock")
            && call.object.is_some_and(|o| calls::is_lock(o, scope, cx))
    })
}

/// Whether the node being checked runs under a monitor: in a `synchronized` block, or in
/// a `synchronized` method.
fn is_synchronized(cx: &Checker<'_>) -> bool {
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "synchronized_statement" => return true,
            "method_declaration" => {
                return semantic::has_modifier(ancestor, "synchronized", cx.source());
            }
            "lambda_expression" | "class_body" | "constructor_declaration" => return false,
            _ => {}
        }
    }
    false
}
