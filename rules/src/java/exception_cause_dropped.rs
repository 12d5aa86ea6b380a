use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::java::text::quote;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `throw new X(..)` inside a `catch (E e)` block whose arguments do not
    /// pass `e` on as the cause. Passing only `e.getMessage()` or `e.toString()` still
    /// drops the cause. A `catch` that hands `e` to a call before the `throw`
    /// (`initCause(e)`, `addSuppressed(e)`, `log.warn("..", e)`) is not reported, nor
    /// is a parameter named `ignored` or `expected`.
    ///
    /// ## Why is this bad?
    /// The new exception's stack trace starts at the `throw`, so the trace of the original
    /// failure (which line failed, in which library, and why) is lost. Whoever reads the
    /// log sees where the error was translated, not where it happened, and must guess the
    /// rest.
    ///
    /// ## Example
    /// ```java
    /// try {
    ///     return mapper.readValue(body, Order.class);
    /// } catch (IOException e) {
    ///     throw new BadRequestException("invalid order: " + e.getMessage());
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try {
    ///     return mapper.readValue(body, Order.class);
    /// } catch (IOException e) {
    ///     throw new BadRequestException("invalid order", e);
    /// }
    /// ```
    pub ExceptionCauseDropped {
        id: "java-exception-cause-dropped",
        title: "Exception rethrown without its cause",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [755],
        precision: High,
        kinds: ["throw_statement"],
        fix: "Pass the caught exception as the cause of the new one",
    }
}

/// Catch parameter names that say the exception is dropped on purpose.
const INTENTIONAL_NAMES: &[&str] = &["ignored", "ignore", "expected", "unused"];

/// Methods of an exception that give only its text, not its trace.
const TEXT_ONLY: &[&str] = &["getMessage", "getLocalizedMessage", "toString"];

impl Rule for ExceptionCauseDropped {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(created) = ast::named_children(node)
            .into_iter()
            .find(|c| !c.kind().ends_with("comment"))
            .map(ast::unparenthesize)
        else {
            return;
        };
        let Some(ty) = calls::created_type(created, cx) else {
            return;
        };
        let Some(catch) = enclosing_catch(cx) else {
            return;
        };
        let Some(name) = semantic::catch_parameter(catch)
            .and_then(|p| p.child_by_field_name("name"))
            .map(|n| cx.text(n))
        else {
            return;
        };
        if name == "_" || INTENTIONAL_NAMES.contains(&name) {
            return;
        }
        if passes_on(created, name, cx) {
            return;
        }
        let Some(body) = catch.child_by_field_name("body") else {
            return;
        };
        // `initCause(e)`, `addSuppressed(e)` or `log.warn(.., e)` before the throw: the
        // trace is kept or recorded.
        let handed_off = calls::calls_in(body, cx).into_iter().any(|call| {
            call.node.start_byte() < node.start_byte()
                && (0..call.args.len()).any(|i| call.arg(i).is_some_and(|a| cx.text(a) == name))
        });
        if handed_off {
            return;
        }
        cx.report(
            created,
            format!(
                "`{}` is thrown while handling `{name}` without `{name}` as its cause: the original stack trace is lost",
                quote(ty)
            ),
        )
        .help(format!("Pass `{name}` to the constructor, e.g. `new {ty}(message, {name})`"));
    }
}

/// The `catch` clause whose block runs the node being checked; lambdas, classes and
/// methods end the search, and so does a `finally` or the `try` block itself.
fn enclosing_catch<'t>(cx: &Checker<'t>) -> Option<Node<'t>> {
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "catch_clause" => return Some(ancestor),
            "lambda_expression"
            | "class_body"
            | "method_declaration"
            | "constructor_declaration"
            | "finally_clause"
            | "try_statement"
            | "try_with_resources_statement" => return None,
            _ => {}
        }
    }
    None
}

/// Whether the creation hands `name` on in a way that keeps its trace: as an argument,
/// or through anything but its message text (`e.getCause()`, `wrap(e)`).
fn passes_on<'t>(created: Node<'t>, name: &str, cx: &Checker<'t>) -> bool {
    let Some(args) = created.child_by_field_name("arguments") else {
        return false;
    };
    ast::descendants(args).any(|n| {
        if n.kind() != "identifier" || cx.text(n) != name {
            return false;
        }
        let Some(parent) = n.parent() else {
            return true;
        };
        let text_only = Call::of(parent, cx).is_some_and(|call| {
            call.object.is_some_and(|o| o.id() == n.id())
                && TEXT_ONLY.contains(&call.name)
                && call.args.is_empty()
        });
        !text_only
    })
}
