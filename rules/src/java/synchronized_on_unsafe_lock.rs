use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `synchronized` blocks whose lock can be shared with unrelated code or
    /// can change:
    /// - a string literal, or a string from `intern()`;
    /// - a field of a boxed type (`Integer`, `Long`, `Boolean`, ..), or a `String` field
    ///   initialised to a constant;
    /// - a field that is not `final` and is assigned after construction (assignments in
    ///   constructors, initializers, `readObject`, `readResolve`, `clone` and
    ///   `init`/`initialize` methods happen before the object is shared).
    ///
    /// ## Why is this bad?
    /// String literals and interned strings are shared by the whole JVM, and small boxed
    /// values and `Boolean.TRUE`/`FALSE` are cached: a library that happens to lock the
    /// same value blocks your code, or deadlocks with it. A lock field that is
    /// reassigned protects nothing: threads that read it before and after the
    /// assignment hold different monitors and run the critical section at the same time.
    ///
    /// ## Example
    /// ```java
    /// private Integer count = 0;
    ///
    /// void increment() {
    ///     synchronized (count) {
    ///         count++;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// private final Object lock = new Object();
    /// private int count;
    ///
    /// void increment() {
    ///     synchronized (lock) {
    ///         count++;
    ///     }
    /// }
    /// ```
    pub SynchronizedOnUnsafeLock {
        id: "java-synchronized-on-unsafe-lock",
        title: "`synchronized` on a shared or changing object",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [412, 667],
        precision: High,
        kinds: ["synchronized_statement"],
        fix: "Lock on a dedicated `private final Object lock = new Object()`",
    }
}

const BOXED: &[&str] = &[
    "Integer", "Long", "Short", "Byte", "Character", "Boolean", "Double", "Float",
];

impl Rule for SynchronizedOnUnsafeLock {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(lock) = ast::named_children(node)
            .into_iter()
            .find(|c| c.kind() == "parenthesized_expression")
            .and_then(|p| p.named_child(0))
            .map(ast::unparenthesize)
        else {
            return;
        };
        let why = match lock.kind() {
            "string_literal" => Some("a string literal is interned and shared by the whole JVM".to_string()),
            "method_invocation" => Call::of(lock, cx)
                .filter(|c| c.name == "intern" && c.args.is_empty())
                .map(|_| "an interned string is shared by the whole JVM".to_string()),
            "identifier" | "field_access" => field_problem(lock, cx),
            _ => None,
        };
        if let Some(why) = why {
            cx.report(lock, format!("`synchronized` on `{}`: {why}", cx.text(lock)));
        }
    }
}

fn field_problem<'t>(lock: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let scope = semantic::scope_of(cx.ancestors())?;
    let unit = cx.java();
    let locals = unit.locals(scope);
    let Binding::Field(field) = unit.resolve(&locals, lock)? else {
        return None;
    };
    let ty = semantic::simple_type_name(field.ty, cx.source())?;
    if BOXED.contains(&ty) {
        return Some(format!("boxed `{ty}` values are cached and shared, and change on every update"));
    }
    if ty == "String"
        && field
            .value
            .is_some_and(|v| unit.constant_str(v, cx.source()).is_some())
    {
        return Some("a string constant is interned and shared by the whole JVM".to_string());
    }
    let name = cx.text(field.name);
    if !field.is_final && unit.is_assigned_after_construction(name) && !calls::is_lock(lock, scope, cx) {
        return Some(format!("`{name}` is reassigned, so threads can hold different locks"));
    }
    None
}
