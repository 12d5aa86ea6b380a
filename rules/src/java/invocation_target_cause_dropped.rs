use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, DeclKind};
use crate::java::text::simple_name;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `e.getMessage()` or `e.getLocalizedMessage()` on a caught
    /// `InvocationTargetException` when the `catch` block never looks at
    /// `e.getCause()` or `e.getTargetException()`.
    ///
    /// ## Why is this bad?
    /// `Method.invoke` and `Constructor.newInstance` wrap whatever the called code threw
    /// in an `InvocationTargetException` that has no message of its own: its
    /// `getMessage()` is `null`. The log line or the rethrown exception reads "failed:
    /// null", and the actual failure, available from `getCause()`, is never shown.
    ///
    /// ## Example
    /// ```java
    /// try {
    ///     handler.invoke(target, event);
    /// } catch (InvocationTargetException e) {
    ///     throw new HandlerException("handler failed: " + e.getMessage());
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try {
    ///     handler.invoke(target, event);
    /// } catch (InvocationTargetException e) {
    ///     Throwable cause = e.getCause();
    ///     throw new HandlerException("handler failed: " + cause.getMessage(), cause);
    /// }
    /// ```
    pub InvocationTargetCauseDropped {
        id: "java-invocation-target-cause-dropped",
        title: "Message of `InvocationTargetException` used instead of its cause",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [755],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Unwrap the exception with `e.getCause()` and report that",
    }
}

impl Rule for InvocationTargetCauseDropped {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if !matches!(call.name, "getMessage" | "getLocalizedMessage") || !call.args.is_empty() {
            return;
        }
        let Some(object) = call.object.filter(|o| o.kind() == "identifier") else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let Some(decl) = locals
            .resolve(object, cx.source())
            .filter(|d| d.kind == DeclKind::CatchParameter)
        else {
            return;
        };
        let catches_ite = decl.ty.is_some_and(|ty| {
            cx.text(ty)
                .split('|')
                .any(|t| simple_name(t) == "InvocationTargetException")
        });
        if !catches_ite {
            return;
        }
        // catch_formal_parameter → catch_clause
        let Some(body) = locals
            .parent(decl.name)
            .and_then(|p| locals.parent(p))
            .and_then(|c| c.child_by_field_name("body"))
        else {
            return;
        };
        let name = cx.text(object);
        let unwraps = calls::calls_in(body, cx).iter().any(|c| {
            matches!(c.name, "getCause" | "getTargetException")
                && c.object.is_some_and(|o| cx.text(o) == name)
        });
        if unwraps {
            return;
        }
        cx.report(
            node,
            format!(
                "`{name}.{}()` of an `InvocationTargetException` is usually `null`: the real failure is `{name}.getCause()`",
                call.name
            ),
        );
    }
}
