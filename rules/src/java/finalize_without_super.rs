use tree_sitter::Node;

use crate::java::calls;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `finalize()` overrides in a class that extends another class and never
    /// call `super.finalize()`.
    ///
    /// ## Why is this bad?
    /// The superclass may release native memory, file handles or sockets in its own
    /// `finalize()`. Overriding it without calling `super.finalize()` skips that
    /// cleanup, and the resources leak. (Finalization is deprecated; an explicit
    /// `close()` or a `Cleaner` is better still.)
    ///
    /// ## Example
    /// ```java
    /// @Override
    /// protected void finalize() throws Throwable {
    ///     cache.clear();
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// @Override
    /// protected void finalize() throws Throwable {
    ///     try {
    ///         cache.clear();
    ///     } finally {
    ///         super.finalize();
    ///     }
    /// }
    /// ```
    pub FinalizeWithoutSuper {
        id: "java-finalize-without-super",
        title: "`finalize()` does not call `super.finalize()`",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [568],
        precision: High,
        kinds: ["method_declaration"],
        fix: "Call `super.finalize()` in a `finally` block",
    }
}

impl Rule for FinalizeWithoutSuper {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(name), Some(params), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("parameters"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        if cx.text(name) != "finalize" || params.named_child_count() > 0 {
            return;
        }
        // The method's class: class_body → class_declaration.
        let extends = cx
            .ancestors()
            .nth(1)
            .filter(|c| c.kind() == "class_declaration")
            .is_some_and(|c| c.child_by_field_name("superclass").is_some());
        if !extends {
            return;
        }
        // An empty `finalize()` switches the superclass's finalizer off on purpose.
        if body.named_child_count() == 0 {
            return;
        }
        let calls_super = calls::calls_in(body, cx).iter().any(|c| {
            c.name == "finalize" && c.object.is_some_and(|o| o.kind() == "super")
        });
        if !calls_super {
            cx.report(name, "`finalize()` overrides the superclass's without calling `super.finalize()`");
        }
    }
}
