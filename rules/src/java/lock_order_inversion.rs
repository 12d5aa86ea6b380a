use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for two locks that the methods of one class acquire in opposite orders:
    /// one method takes `b` while it holds `a`, another takes `a` while it holds `b`.
    /// A lock is a field of the class used in `synchronized (field)`, `this`, `X.class`,
    /// the monitor of a `synchronized` method, or a `java.util.concurrent.locks.Lock`
    /// field taken with `lock()` and not yet released with `unlock()`. Locks held in
    /// locals or parameters are not followed, as two names may hold the same object.
    ///
    /// ## Why is this bad?
    /// When one thread holds `a` and waits for `b` while another holds `b` and waits for
    /// `a`, neither can go on: both threads hang forever, with every other thread that
    /// needs either lock. The hang depends on timing, so it passes tests and appears
    /// under production load.
    ///
    /// ## Example
    /// ```java
    /// void deposit(long amount) {
    ///     synchronized (accounts) {
    ///         synchronized (audit) { .. }
    ///     }
    /// }
    ///
    /// void report() {
    ///     synchronized (audit) {
    ///         synchronized (accounts) { .. }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// void report() {
    ///     synchronized (accounts) {
    ///         synchronized (audit) { .. }
    ///     }
    /// }
    /// ```
    pub LockOrderInversion {
        id: "java-lock-order-inversion",
        title: "Two locks acquired in opposite orders",
        language: Java,
        category: Concurrency,
        severity: Error,
        cwe: [833],
        precision: High,
        kinds: ["class_body"],
        fix: "Acquire the locks in the same order everywhere, or use one lock",
    }
}

/// One lock taken while another is held.
struct Nested<'t> {
    outer: String,
    inner: String,
    /// The `synchronized` statement's lock expression or the `lock()` call.
    site: Node<'t>,
    method: Node<'t>,
}

impl Rule for LockOrderInversion {
    fn check<'t>(&self, body: Node<'t>, cx: &Checker<'t>) {
        let class_name = cx
            .ancestors()
            .next()
            .and_then(|c| c.child_by_field_name("name"))
            .map_or("", |n| cx.text(n));
        let mut nested = Vec::new();
        for member in ast::named_children(body) {
            if matches!(member.kind(), "method_declaration" | "constructor_declaration") {
                nested_acquisitions(member, class_name, cx, &mut nested);
            }
        }
        let mut reported: Vec<(&str, &str)> = Vec::new();
        for later in &nested {
            let Some(earlier) = nested.iter().find(|n| {
                n.outer == later.inner
                    && n.inner == later.outer
                    && n.site.start_byte() < later.site.start_byte()
            }) else {
                continue;
            };
            let pair = (later.outer.as_str(), later.inner.as_str());
            if reported.iter().any(|&(a, b)| (a, b) == pair || (b, a) == pair) {
                continue;
            }
            reported.push(pair);
            let other = if earlier.method.id() == later.method.id() {
                "this method".to_string()
            } else {
                let name = earlier
                    .method
                    .child_by_field_name("name")
                    .map_or("", |n| cx.text(n));
                format!("`{name}()`")
            };
            cx.report(
                later.site,
                format!(
                    "`{}` is acquired while holding `{}`, but {other} (line {}) acquires them in the opposite order: two threads can deadlock",
                    later.inner,
                    later.outer,
                    earlier.site.start_position().row + 1,
                ),
            )
            .help(format!(
                "Acquire `{}` and `{}` in the same order in every method",
                later.outer, later.inner
            ));
        }
    }
}

/// Records every lock `method` acquires while it holds another.
fn nested_acquisitions<'t>(
    method: Node<'t>,
    class_name: &str,
    cx: &Checker<'t>,
    out: &mut Vec<Nested<'t>>,
) {
    let Some(body) = method.child_by_field_name("body") else {
        return;
    };
    let source = cx.source();
    let monitor = semantic::has_modifier(method, "synchronized", source).then(|| {
        if semantic::has_modifier(method, "static", source) {
            format!("{class_name}.class")
        } else {
            "this".to_string()
        }
    });
    // `Lock`s taken with `lock()` and not released since, in source order.
    let mut locked: Vec<String> = Vec::new();
    let mut walk = ast::walk(body);
    while let Some(step) = walk.next() {
        let node = step.node;
        let (name, site) = match node.kind() {
            // Code in a lambda or a nested class runs later, maybe in another thread.
            "lambda_expression" | "class_body" => {
                walk.skip_children();
                continue;
            }
            "synchronized_statement" => {
                let Some(lock) = ast::named_children(node)
                    .into_iter()
                    .find(|c| c.kind() == "parenthesized_expression")
                else {
                    continue;
                };
                match monitor_name(lock, method, cx) {
                    Some(name) => (name, lock),
                    None => continue,
                }
            }
            "method_invocation" => {
                let Some(call) = Call::of(node, cx) else {
                    continue;
                };
                let Some(object) = call.object else {
                    continue;
                };
                if !matches!(call.name, "lock" | "lockInterruptibly" | "unlock")
                    || !call.args.is_empty()
                {
                    continue;
                }
                let Some(name) = lock_name(object, method, cx) else {
                    continue;
                };
                if call.name == "unlock" {
                    locked.retain(|l| *l != name);
                    continue;
                }
                (name, node)
            }
            _ => continue,
        };
        let held_monitors: Vec<String> = walk
            .ancestors()
            .filter(|a| a.kind() == "synchronized_statement")
            .filter_map(|a| {
                let lock = ast::named_children(a)
                    .into_iter()
                    .find(|c| c.kind() == "parenthesized_expression")?;
                monitor_name(lock, method, cx)
            })
            .collect();
        for outer in monitor.iter().chain(&held_monitors).chain(&locked) {
            if *outer != name {
                out.push(Nested {
                    outer: outer.clone(),
                    inner: name.clone(),
                    site,
                    method,
                });
            }
        }
        if node.kind() == "method_invocation" && !locked.contains(&name) {
            locked.push(name);
        }
    }
}

/// The name of the monitor of `synchronized (expr)`: `this`, `X.class`, or a field of
/// the class that is not hidden by a local.
fn monitor_name<'t>(lock: Node<'t>, method: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let expr = ast::unparenthesize(lock);
    match expr.kind() {
        "this" => Some("this".to_string()),
        "class_literal" => {
            let ty = expr.named_child(0)?;
            let name = semantic::simple_type_name(ty, cx.source())?;
            Some(format!("{name}.class"))
        }
        _ => field_name(expr, method, cx),
    }
}

/// The name of a `Lock` field, or of `field.readLock()` / `field.writeLock()`.
fn lock_name<'t>(object: Node<'t>, method: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    if !calls::is_lock(object, method, cx) {
        return None;
    }
    if let Some(view) = Call::of(object, cx) {
        let field = field_name(view.object?, method, cx)?;
        return Some(format!("{field}.{}()", view.name));
    }
    field_name(object, method, cx)
}

/// `f` or `this.f`, when it names a field of this file rather than a local.
fn field_name<'t>(expr: Node<'t>, method: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let expr = ast::unparenthesize(expr);
    if !matches!(expr.kind(), "identifier" | "field_access") {
        return None;
    }
    let unit = cx.java();
    let locals = unit.locals(method);
    match unit.resolve(&locals, expr)? {
        Binding::Field(field) => Some(cx.text(field.name).to_string()),
        Binding::Local(_) => None,
    }
}
