use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for timed waits and lock attempts whose result is thrown away:
    /// - `awaitTermination(timeout, unit)` on an executor;
    /// - `await(timeout, unit)` on a `CountDownLatch` or a `Condition`;
    /// - `tryLock()` and `tryLock(timeout, unit)` on a `Lock`;
    /// - `tryAcquire(..)` on a `Semaphore`.
    ///
    /// ## Why is this bad?
    /// These methods return `false` when the time ran out or the lock was not taken.
    /// Ignoring that, the code carries on as if the executor had stopped, the latch had
    /// opened or the lock were held: it reads results that are not there, releases a
    /// lock it does not hold (`IllegalMonitorStateException`), or races with the threads
    /// it meant to exclude.
    ///
    /// ## Example
    /// ```java
    /// executor.shutdown();
    /// executor.awaitTermination(30, TimeUnit.SECONDS);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// executor.shutdown();
    /// if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
    ///     executor.shutdownNow();
    /// }
    /// ```
    pub IgnoredConcurrencyResult {
        id: "java-ignored-concurrency-result",
        title: "Result of a timed wait or `tryLock` ignored",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [252],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Check the returned boolean and handle the timeout or the failed attempt",
    }
}

const LATCHES: &[&str] = &["CountDownLatch", "Condition"];

impl Rule for IgnoredConcurrencyResult {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if !matches!(call.name, "awaitTermination" | "await" | "awaitUntil" | "tryLock" | "tryAcquire") {
            return;
        }
        if !calls::result_ignored(cx) {
            return;
        }
        let Some(object) = call.object else {
            return;
        };
        let what = match call.name {
            "awaitTermination" if call.args.len() == 2 => "whether the executor terminated in time",
            "await" if call.args.len() == 2
                && calls::receiver_type(object, cx).is_some_and(|t| LATCHES.contains(&t)) =>
            {
                "whether the wait timed out"
            }
            "awaitUntil"
                if calls::receiver_type(object, cx) == Some("Condition") =>
            {
                "whether the deadline passed"
            }
            "tryLock" if matches!(call.args.len(), 0 | 2) && semantic::scope_of(cx.ancestors()).is_some_and(|s| calls::is_lock(object, s, cx)) => {
                "whether the lock was acquired"
            }
            "tryAcquire" if calls::receiver_type(object, cx) == Some("Semaphore") => {
                "whether a permit was acquired"
            }
            _ => return,
        };
        cx.report(node, format!("the result of `{}` is ignored: it says {what}", call.name));
    }
}
