use tree_sitter::Node;

use crate::java::semantic;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `catch` clauses that catch `InterruptedException`, alone or in a
    /// multi-catch, and neither restore the interrupt (`Thread.currentThread().interrupt()`,
    /// or a helper with `interrupt` in its name) nor rethrow it (`throw e`, or a new
    /// `InterruptedException` or `InterruptedIOException`). Wrapping it in another
    /// exception is reported. The "remember and re-interrupt later" idiom
    /// (`interrupted = true;` and an `interrupt()` call after the loop) is recognised.
    ///
    /// It also checks `catch (Exception e)` and `catch (Throwable e)` around a direct call
    /// to `Thread.sleep`, `TimeUnit.*.sleep`, `await` or `awaitTermination` when no
    /// earlier clause catches `InterruptedException`: the broad catch swallows the
    /// interrupt just the same.
    ///
    /// ## Why is this bad?
    /// Interrupting a thread is how Java asks it to stop: executors use it on
    /// `shutdownNow()`, futures on `cancel(true)`. Throwing `InterruptedException` clears
    /// the thread's interrupted flag, so a handler that only logs the exception, or wraps
    /// it in another exception, erases the request. The thread keeps running, shutdown
    /// hangs, and a cancelled task carries on.
    ///
    /// ## Example
    /// ```java
    /// try {
    ///     Thread.sleep(backoff);
    /// } catch (InterruptedException e) {
    ///     log.warn("interrupted while backing off", e);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try {
    ///     Thread.sleep(backoff);
    /// } catch (InterruptedException e) {
    ///     Thread.currentThread().interrupt();
    ///     return;
    /// }
    /// ```
    ///
    /// Or declare `throws InterruptedException` and let the caller decide.
    pub SwallowedInterruptedException {
        id: "java-swallowed-interrupted-exception",
        title: "`InterruptedException` swallowed",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [391],
        precision: High,
        kinds: ["catch_clause"],
        fix: "Call `Thread.currentThread().interrupt()` in the handler, or rethrow the exception",
    }
}

/// Calls that throw `InterruptedException` and are recognisable without types.
fn is_interruptible_call(call: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let name = cx.text(call.child_by_field_name("name")?);
    let object = cx.text(call.child_by_field_name("object")?);
    let receiver = simple_name(object);
    let interruptible = match name {
        "sleep" => receiver == "Thread" || object.contains("TimeUnit") || is_time_unit(receiver),
        "awaitTermination" | "await" => true,
        _ => false,
    };
    interruptible.then(|| format!("{receiver}.{name}"))
}

fn is_time_unit(name: &str) -> bool {
    matches!(
        name,
        "NANOSECONDS" | "MICROSECONDS" | "MILLISECONDS" | "SECONDS" | "MINUTES" | "HOURS" | "DAYS"
    )
}

impl Rule for SwallowedInterruptedException {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(param), Some(body)) = (
            semantic::catch_parameter(node),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let Some(catch_type) = ast::named_children(param)
            .into_iter()
            .find(|c| c.kind() == "catch_type")
        else {
            return;
        };
        let types = ast::named_children(catch_type);
        let interrupted = types
            .iter()
            .copied()
            .find(|t| simple_name(cx.text(*t)) == "InterruptedException");
        let (at, thrown_by) = match interrupted {
            Some(t) => (t, None),
            None => {
                let Some(broad) = types
                    .iter()
                    .copied()
                    .find(|t| matches!(simple_name(cx.text(*t)), "Exception" | "Throwable"))
                else {
                    return;
                };
                let Some(call) = interruptible_call_in_try(node, cx) else {
                    return;
                };
                (broad, Some(call))
            }
        };
        let name = param.child_by_field_name("name").map_or("", |n| cx.text(n));
        let handling = handling(body, name, cx);
        if handling == Handling::Restored {
            return;
        }
        let how = match handling {
            Handling::Wrapped => "wrapped in another exception",
            _ => "swallowed",
        };
        let message = match thrown_by {
            Some(call) => format!(
                "`catch ({})` also catches the `InterruptedException` from `{call}`, and it is {how}: the thread forgets it was interrupted",
                cx.text(catch_type)
            ),
            None => format!(
                "`InterruptedException` is {how} without restoring the interrupt: the thread forgets it was asked to stop"
            ),
        };
        cx.report(at, message).help(
            "Call `Thread.currentThread().interrupt()` before leaving the handler, or rethrow the `InterruptedException`",
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Handling {
    /// The interrupt is restored or the exception rethrown.
    Restored,
    /// The caught exception is wrapped in a new one: it propagates, the flag is lost.
    Wrapped,
    Swallowed,
}

/// What a handler does with the interrupt, looking at its body outside nested classes
/// and lambdas (which run later, elsewhere).
fn handling(body: Node<'_>, name: &str, cx: &Checker<'_>) -> Handling {
    let mut result = Handling::Swallowed;
    let mut nodes = ast::descendants(body);
    while let Some(node) = nodes.next() {
        match node.kind() {
            "lambda_expression" | "class_body" => nodes.skip_children(),
            "method_invocation" => {
                // `Thread.currentThread().interrupt()`, and helpers such as
                // `Threads.restoreInterrupt()`; `interrupted()` and `isInterrupted()` only read.
                let method = node.child_by_field_name("name").map_or("", |n| cx.text(n));
                let lower = method.to_ascii_lowercase();
                if lower.contains("interrupt") && !lower.ends_with("interrupted") {
                    return Handling::Restored;
                }
            }
            "throw_statement" => {
                let Some(thrown) = node.named_child(0).map(ast::unparenthesize) else {
                    continue;
                };
                // `throw e`, or a new `InterruptedException`/`InterruptedIOException`.
                let rethrows = cx.text(thrown) == name
                    || thrown.kind() == "object_creation_expression"
                        && thrown
                            .child_by_field_name("type")
                            .is_some_and(|t| simple_name(cx.text(t)).contains("Interrupted"));
                if rethrows {
                    return Handling::Restored;
                }
                result = Handling::Wrapped;
            }
            // `interrupted = true;`, and the method re-interrupts once it is done waiting.
            "assignment_expression"
                if node
                    .child_by_field_name("right")
                    .is_some_and(|r| r.kind() == "true")
                    && scope_reinterrupts(cx) =>
            {
                return Handling::Restored;
            }
            _ => {}
        }
    }
    result
}

/// Whether the method around the handler calls `interrupt()` somewhere.
fn scope_reinterrupts(cx: &Checker<'_>) -> bool {
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return false;
    };
    ast::descendants(scope).any(|n| {
        n.kind() == "method_invocation"
            && n.child_by_field_name("name")
                .is_some_and(|m| cx.text(m) == "interrupt")
    })
}

/// A call in the `try` block of this catch clause that throws `InterruptedException`,
/// when no earlier clause of the same `try` catches it.
fn interruptible_call_in_try(clause: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let try_statement = cx.ancestors().next()?;
    for sibling in ast::named_children(try_statement) {
        if sibling.id() == clause.id() {
            break;
        }
        if sibling.kind() == "catch_clause"
            && ast::descendants(sibling).any(|t| {
                t.kind() == "type_identifier" && cx.text(t) == "InterruptedException"
            })
        {
            return None;
        }
    }
    let body = try_statement.child_by_field_name("body")?;
    let mut nodes = ast::descendants(body);
    while let Some(node) = nodes.next() {
        match node.kind() {
            "lambda_expression" | "class_body" | "try_statement" | "try_with_resources_statement" => {
                nodes.skip_children()
            }
            "method_invocation" => {
                if let Some(call) = is_interruptible_call(node, cx) {
                    return Some(call);
                }
            }
            _ => {}
        }
    }
    None
}
