use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `proc.communicate(timeout=...)` inside a `try` whose
    /// `except subprocess.TimeoutExpired` handler never stops the child: nothing in the
    /// function calls `proc.kill()`, `proc.terminate()`, `proc.send_signal()`,
    /// `os.kill`/`os.killpg`, or hands `proc` to another function.
    ///
    /// ## Why is this bad?
    /// `communicate` raising `TimeoutExpired` does not stop the child process; it keeps
    /// running, holding its pipes, memory and any locks, and its output is lost. Each
    /// timeout leaks one more process, until the machine runs out of them. The
    /// `subprocess` documentation gives the fix: kill the child, then call `communicate()`
    /// again to reap it.
    ///
    /// ## Example
    /// ```python
    /// import subprocess
    ///
    /// def convert(path):
    ///     proc = subprocess.Popen(["convert", path, "out.png"], stdout=subprocess.PIPE)
    ///     try:
    ///         out, _ = proc.communicate(timeout=30)
    ///     except subprocess.TimeoutExpired:
    ///         return None
    ///     return out
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import subprocess
    ///
    /// def convert(path):
    ///     proc = subprocess.Popen(["convert", path, "out.png"], stdout=subprocess.PIPE)
    ///     try:
    ///         out, _ = proc.communicate(timeout=30)
    ///     except subprocess.TimeoutExpired:
    ///         proc.kill()
    ///         proc.communicate()
    ///         return None
    ///     return out
    /// ```
    pub SubprocessTimeoutLeak {
        id: "py-subprocess-timeout-leak",
        title: "Child process left running after a timeout",
        language: Python,
        category: ResourceLeak,
        severity: Warning,
        cwe: [404],
        precision: High,
        kinds: ["call"],
        fix: "Call `proc.kill()` and then `proc.communicate()` in the `except TimeoutExpired` handler",
    }
}

/// Methods of `Popen` that stop the child.
const STOPPERS: &[&str] = &["kill", "terminate", "send_signal"];

impl Rule for SubprocessTimeoutLeak {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("communicate")
            || call::keyword(node, "timeout", cx.source()).is_none()
        {
            return;
        }
        let Some(process) = call::receiver(node) else {
            return;
        };
        let Some(try_statement) = enclosing_try(node, cx) else {
            return;
        };
        let Some(handler) = timeout_handler(try_statement, cx) else {
            return;
        };
        let scope = place::enclosing_function(cx)
            .and_then(|f| f.child_by_field_name("body"))
            .unwrap_or(try_statement);
        if stops(scope, cx.text(process), cx) {
            return;
        }
        cx.report(
            handler,
            format!(
                "when `{}` times out the child keeps running: this handler never kills it",
                cx.text(node.child_by_field_name("function").unwrap_or(node))
            ),
        )
        .help(format!(
            "Call `{0}.kill()` and then `{0}.communicate()` here",
            cx.text(process)
        ));
    }
}

/// The nearest `try` whose body (not a handler) holds the call, in the same function.
fn enclosing_try<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    cx.ancestors()
        .take_while(|a| a.kind() != "function_definition" && a.kind() != "lambda")
        .find(|a| {
            a.kind() == "try_statement"
                && a.child_by_field_name("body")
                    .is_some_and(|body| ast::contains(body, node))
        })
}

/// The `except` clause of `try_statement` that catches `subprocess.TimeoutExpired` by
/// name, alone or in a tuple.
fn timeout_handler<'t>(try_statement: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    ast::named_children(try_statement)
        .into_iter()
        .filter(|c| c.kind() == "except_clause")
        .find(|clause| {
            place::caught_types(*clause).iter().any(|t| {
                cx.python().resolve(*t).is_some_and(|q| {
                    q == "subprocess.TimeoutExpired" || q.ends_with(".subprocess.TimeoutExpired")
                })
            })
        })
}

/// Whether `scope` stops the process named `process`: calls one of its stopping
/// methods, calls `os.kill`/`os.killpg`, or passes it (or `process.pid`) to a function.
fn stops(scope: Node<'_>, process: &str, cx: &Checker<'_>) -> bool {
    place::body_nodes(scope)
        .filter(|n| n.kind() == "call")
        .any(|c| {
            if let Some(receiver) = call::receiver(c)
                && cx.text(receiver) == process
                && call::callee_name(c, cx.source()).is_some_and(|m| STOPPERS.contains(&m))
            {
                return true;
            }
            if matches!(call::callee_name(c, cx.source()), Some("kill" | "killpg")) {
                return true;
            }
            call::argument_values(c).iter().any(|a| {
                let text = cx.text(*a);
                text == process || text.strip_prefix(process) == Some(".pid")
            })
        })
}
