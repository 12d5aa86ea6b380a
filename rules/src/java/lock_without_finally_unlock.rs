use tree_sitter::Node;

use crate::java::calls;
use crate::java::semantic;
use crate::java::text::quote;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `lock()` and `lockInterruptibly()` on a `java.util.concurrent.locks`
    /// lock (`Lock`, `ReentrantLock`, the read or write lock of a `ReadWriteLock`) that is
    /// not followed by a `try` whose `finally` block calls `unlock()` on the same lock.
    ///
    /// The receiver's declared type is resolved (locals, parameters, fields), so
    /// `FileChannel.lock()` and other methods that happen to be called `lock` are not
    /// reported. Not reported either: a method that only acquires a lock and whose name
    /// says so (`acquire()`, `lockAll()`), which hands the lock to its caller; a method
    /// that unlocks first and locks again (it releases a lock its caller holds); and
    /// `lock(); state = x; unlock();`, where nothing in between can throw.
    ///
    /// ## Why is this bad?
    /// Unlike `synchronized`, an explicit lock is not released when an exception leaves
    /// the block. If anything between `lock()` and `unlock()` throws, the lock stays held
    /// forever and every other thread that needs it blocks: the service hangs instead of
    /// failing one request.
    ///
    /// ## Example
    /// ```java
    /// lock.lock();
    /// balance -= amount;
    /// ledger.record(amount);
    /// lock.unlock();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// lock.lock();
    /// try {
    ///     balance -= amount;
    ///     ledger.record(amount);
    /// } finally {
    ///     lock.unlock();
    /// }
    /// ```
    pub LockWithoutFinallyUnlock {
        id: "java-lock-without-finally-unlock",
        title: "Lock not released in `finally`",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [667, 772],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Call `unlock()` in the `finally` block of a `try` that starts right after `lock()`",
    }
}

/// Words in a method name that say the method acquires a lock for its caller.
const ACQUIRING_WORDS: &[&str] = &["lock", "acquire", "enter", "begin", "start", "obtain", "grab"];

impl Rule for LockWithoutFinallyUnlock {
    fn check<'t>(&self, call: Node<'t>, cx: &Checker<'t>) {
        let Some(name) = call.child_by_field_name("name") else {
            return;
        };
        let method = cx.text(name);
        if method != "lock" && method != "lockInterruptibly" {
            return;
        }
        let Some(receiver) = call.child_by_field_name("object").map(ast::unparenthesize) else {
            return;
        };
        if call
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() > 0)
        {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        if !calls::is_lock(receiver, scope, cx) {
            return;
        }
        let lock = normalize(cx.text(receiver));

        // `try { lock.lock(); .. } finally { lock.unlock(); }`: acceptable.
        let mut child = call;
        for ancestor in cx.ancestors() {
            if ancestor.id() == scope.id() {
                break;
            }
            if matches!(ancestor.kind(), "try_statement" | "try_with_resources_statement")
                && ancestor
                    .child_by_field_name("body")
                    .is_some_and(|b| b.id() == child.id())
                && finally_unlocks(ancestor, &lock, cx)
            {
                return;
            }
            child = ancestor;
        }

        // `lock.lock(); [..] try { .. } finally { lock.unlock(); }`, where the `try` may
        // follow the block the lock was taken in (`if (..) { lock.lock(); } try ..`).
        let mut statement = call;
        let mut first_block = true;
        for ancestor in cx.ancestors() {
            if ancestor.id() == scope.id() {
                break;
            }
            if matches!(
                ancestor.kind(),
                "block" | "switch_block_statement_group" | "constructor_body"
            ) {
                let after: Vec<Node<'t>> = ast::named_children(ancestor)
                    .into_iter()
                    .filter(|s| {
                        s.start_byte() > statement.start_byte() && !s.kind().ends_with("comment")
                    })
                    .collect();
                if first_block && is_barrier(&after, &lock, cx) {
                    return;
                }
                first_block = false;
                let followed_by_try = after.iter().any(|s| {
                    ast::descendants(*s).any(|t| {
                        matches!(t.kind(), "try_statement" | "try_with_resources_statement")
                            && finally_unlocks(t, &lock, cx)
                    })
                });
                if followed_by_try {
                    return;
                }
            }
            statement = ancestor;
        }

        // `lock.unlock(); ..; lock.lock();`: the method lets go of a lock its caller holds,
        // and takes it back before returning.
        if ast::descendants(scope)
            .any(|n| n.end_byte() <= call.start_byte() && is_unlock(n, &lock, cx))
        {
            return;
        }
        let unlocks_somewhere = ast::descendants(scope).any(|n| is_unlock(n, &lock, cx));
        let scope_name = scope
            .child_by_field_name("name")
            .map_or("", |n| cx.text(n));
        if !unlocks_somewhere
            && ast::identifier_words(scope_name)
                .iter()
                .any(|w| ACQUIRING_WORDS.contains(&w.as_str()))
        {
            return;
        }
        let shown = quote(cx.text(receiver));
        let message = if unlocks_somewhere {
            format!(
                "`{shown}.{method}()` is released outside a `finally` block: an exception before `unlock()` leaves the lock held"
            )
        } else {
            format!(
                "`{shown}.{method}()` is never released in this method: the lock stays held after it returns or throws"
            )
        };
        cx.report(call, message).help(format!(
            "Follow `{shown}.{method}()` with `try {{ .. }} finally {{ {shown}.unlock(); }}`"
        ));
    }
}

/// `this.lock` and `lock` name the same lock; whitespace does not matter.
fn normalize(receiver: &str) -> String {
    let compact: String = receiver.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .strip_prefix("this.")
        .map_or(compact.clone(), str::to_string)
}

fn is_unlock(node: Node<'_>, lock: &str, cx: &Checker<'_>) -> bool {
    node.kind() == "method_invocation"
        && node
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n) == "unlock")
        && node
            .child_by_field_name("object")
            .is_some_and(|o| normalize(cx.text(o)) == lock)
}

fn finally_unlocks(try_statement: Node<'_>, lock: &str, cx: &Checker<'_>) -> bool {
    ast::named_children(try_statement)
        .into_iter()
        .filter(|c| c.kind() == "finally_clause")
        .any(|f| ast::descendants(f).any(|n| is_unlock(n, lock, cx)))
}

/// `lock.lock(); state = CLOSED; lock.unlock();`: only plain assignments, which cannot
/// throw, stand between the lock and the unlock.
fn is_barrier(after: &[Node<'_>], lock: &str, cx: &Checker<'_>) -> bool {
    for statement in after {
        let Some(expr) = statement
            .named_child(0)
            .filter(|_| statement.kind() == "expression_statement")
        else {
            return false;
        };
        if is_unlock(expr, lock, cx) {
            return true;
        }
        let cannot_throw = matches!(expr.kind(), "assignment_expression" | "update_expression")
            && !ast::descendants(expr).any(|n| {
                matches!(
                    n.kind(),
                    "method_invocation"
                        | "object_creation_expression"
                        | "array_creation_expression"
                        | "array_access"
                        | "cast_expression"
                        | "lambda_expression"
                ) || n.kind() == "field_access"
                    && n.child_by_field_name("object").is_none_or(|o| o.kind() != "this")
                    || n.kind() == "binary_expression"
                    && n.child_by_field_name("operator")
                        .is_some_and(|op| matches!(cx.text(op), "/" | "%"))
            });
        if !cannot_throw {
            return false;
        }
    }
    false
}
