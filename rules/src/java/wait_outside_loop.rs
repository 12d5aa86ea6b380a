use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `Object.wait()` and `Condition.await()` called once under an `if`
    /// instead of in a loop, when the code after the `if` goes on without testing the
    /// condition again: `if (queue.isEmpty()) { queue.wait(); } return queue.remove();`.
    /// Timed waits are not reported, nor is a wait whose method returns right after it
    /// (its caller loops).
    ///
    /// ## Why is this bad?
    /// A waiting thread can wake up without being notified (a spurious wakeup), or be
    /// notified for another reason, or lose the race to another thread that consumes
    /// what it was waiting for. Code after a single `wait()` then runs with the
    /// condition still false: it takes from an empty queue or reads a result that is
    /// not there. The condition must be tested again after every wakeup, in a `while`.
    ///
    /// ## Example
    /// ```java
    /// synchronized (queue) {
    ///     if (queue.isEmpty()) {
    ///         queue.wait();
    ///     }
    ///     return queue.remove();
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// synchronized (queue) {
    ///     while (queue.isEmpty()) {
    ///         queue.wait();
    ///     }
    ///     return queue.remove();
    /// }
    /// ```
    pub WaitOutsideLoop {
        id: "java-wait-outside-loop",
        title: "`wait()` under an `if` instead of a loop",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [662],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Call `wait()` in a `while` loop that tests the condition waited for",
    }
}

impl Rule for WaitOutsideLoop {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let is_wait = match call.name {
            // `Object.wait`: only inside `synchronized`, where it means the monitor.
            "wait" => call.args.is_empty() && in_synchronized(cx),
            // `Condition.await()`, not `CountDownLatch.await()`.
            "await" => {
                call.args.is_empty()
                    && call
                        .object
                        .and_then(|o| calls::receiver_type(o, cx))
                        .is_some_and(|t| t == "Condition")
            }
            _ => false,
        };
        if !is_wait || calls::enclosing_loop(node, cx).is_some() || !acts_on_stale_condition(node, cx)
        {
            return;
        }
        cx.report(
            node,
            format!(
                "`{}()` under an `if`, not a loop: after a spurious or early wakeup the code goes on with the condition still false",
                call.name
            ),
        );
    }
}

/// Whether the wait is guarded by `if (cond)`, and the code after that `if` goes on
/// without testing `cond` again: `if (queue.isEmpty()) { queue.wait(); } return
/// queue.remove();`. A wait that leaves its block right away, or whose `if` is the last
/// statement, hands the test to a caller that loops.
fn acts_on_stale_condition<'t>(wait: Node<'t>, cx: &Checker<'t>) -> bool {
    let mut child = wait;
    let mut guard = None;
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "if_statement"
                if ancestor
                    .child_by_field_name("consequence")
                    .is_some_and(|c| c.id() == child.id()) =>
            {
                guard = Some(ancestor);
                break;
            }
            "method_declaration" | "lambda_expression" | "class_body" => return false,
            _ => {}
        }
        child = ancestor;
    }
    let (Some(guard), Some(condition)) = (
        guard,
        guard.and_then(|g| g.child_by_field_name("condition")),
    ) else {
        return false;
    };
    // `if (..) { wait(); return ..; }`: nothing after the wait relies on the condition.
    let Some(consequence) = guard.child_by_field_name("consequence") else {
        return false;
    };
    let leaves = ast::descendants(consequence).any(|n| {
        n.start_byte() > wait.end_byte()
            && matches!(n.kind(), "return_statement" | "throw_statement" | "break_statement" | "continue_statement")
    });
    if leaves {
        return false;
    }
    let Some(block) = cx
        .ancestors()
        .skip_while(|a| a.id() != guard.id())
        .nth(1)
        .filter(|b| b.kind() == "block")
    else {
        return false;
    };
    let after: Vec<Node<'t>> = semantic::statements(block)
        .into_iter()
        .filter(|s| s.start_byte() > guard.end_byte())
        .collect();
    if after.is_empty() {
        return false;
    }
    // A later test of the same state (`if (queue.size() > 0)`) handles a wakeup that
    // came too early.
    let names: Vec<&str> = ast::descendants(condition)
        .filter(|n| n.kind() == "identifier")
        .map(|n| cx.text(n))
        .collect();
    let retested = after.iter().any(|s| {
        ast::descendants(*s).any(|n| {
            matches!(n.kind(), "if_statement" | "while_statement" | "ternary_expression" | "do_statement")
                && n.child_by_field_name("condition").is_some_and(|c| {
                    ast::descendants(c)
                        .any(|i| i.kind() == "identifier" && names.contains(&cx.text(i)))
                })
        })
    });
    !retested
}

/// Whether the node being checked runs holding a monitor: in a `synchronized` block
/// or method, without a lambda or class in between.
fn in_synchronized(cx: &Checker<'_>) -> bool {
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
