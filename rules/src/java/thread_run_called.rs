use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `run()` called on a `Thread`: a local, parameter or field declared as
    /// `Thread`, or a `new Thread(..)` expression.
    ///
    /// ## Why is this bad?
    /// `run()` is an ordinary method call: the task runs on the calling thread, and no
    /// thread is started. The code looks concurrent, blocks the caller, and the
    /// `Thread` object is never used.
    ///
    /// ## Example
    /// ```java
    /// Thread worker = new Thread(this::drainQueue);
    /// worker.run();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Thread worker = new Thread(this::drainQueue);
    /// worker.start();
    /// ```
    pub ThreadRunCalled {
        id: "java-thread-run-called",
        title: "`Thread.run()` called instead of `start()`",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [572],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Call `start()` to run the task on a new thread",
    }
}

impl Rule for ThreadRunCalled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name != "run" || !call.args.is_empty() {
            return;
        }
        let Some(object) = call.object else {
            return;
        };
        // `new Thread(..) { .. }.run()` may override `run` for a reason of its own.
        if calls::is_anonymous_class(object) {
            return;
        }
        if calls::receiver_type(object, cx) == Some("Thread") {
            cx.report(node, "`run()` runs the task on the current thread; no thread is started");
        }
    }
}
