use tree_sitter::Node;

use crate::java::semantic::{self, Decl, DeclKind, Locals};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a local variable or parameter that is used as an object right where
    /// it is known to be `null`:
    ///
    /// - `x == null && x.size() > 0`, `x != null || x.isEmpty()`;
    /// - `if (x == null) { throw new IllegalArgumentException("bad " + x.getName()); }`,
    ///   and the `else` of `if (x != null)`;
    /// - `if (x == null) { log.warn(..); } x.close();`: the `if` only logs, so the code
    ///   after it runs with `x` still `null`.
    ///
    /// Only straight-line uses are reported: a method call, field or array access on
    /// `x`, or a `for` loop over it, before anything assigns `x` or tests it again.
    ///
    /// ## Why is this bad?
    /// The use throws `NullPointerException` every time the check is true, so the code
    /// meant to handle the missing value crashes instead. The condition is usually
    /// inverted (`==` for `!=`, `&&` for `||`), or the `if` forgot to return.
    ///
    /// ## Example
    /// ```java
    /// if (user == null) {
    ///     throw new NotFoundException("no user " + user.getId());
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// if (user == null) {
    ///     throw new NotFoundException("no user " + id);
    /// }
    /// ```
    pub NullDereferenceAfterCheck {
        id: "java-null-dereference-after-check",
        title: "Variable dereferenced where it is known to be null",
        language: Java,
        category: Correctness,
        severity: Error,
        cwe: [476],
        precision: High,
        kinds: ["binary_expression", "if_statement"],
        fix: "Fix the condition, or return before using the variable",
    }
}

/// Methods through which the body of `if (x == null)` may only log before going on.
const LOGGING_METHODS: &[&str] = &[
    "trace", "debug", "info", "warn", "warning", "error", "fine", "finer", "finest", "severe",
    "config", "log", "print", "println", "printf",
];

impl Rule for NullDereferenceAfterCheck {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        // Cheap syntactic tests first: most binary expressions and `if`s test no null.
        let candidate = if node.kind() == "binary_expression" {
            node.child_by_field_name("operator")
                .is_some_and(|o| matches!(cx.text(o), "&&" | "||"))
                && node
                    .child_by_field_name("left")
                    .is_some_and(|l| cx.text(l).contains("null"))
        } else {
            node.child_by_field_name("condition")
                .is_some_and(|c| cx.text(c).contains("null"))
        };
        if !candidate {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        if node.kind() == "binary_expression" {
            check_short_circuit(node, &locals, cx);
        } else {
            check_if(node, &locals, cx);
        }
    }
}

/// `x == null && x.f()` and `x != null || x.f()`.
fn check_short_circuit<'t>(node: Node<'t>, locals: &Locals<'t>, cx: &Checker<'t>) {
    let Some(op) = node.child_by_field_name("operator").map(|o| cx.text(o)) else {
        return;
    };
    let null_when = match op {
        "&&" => "==",
        "||" => "!=",
        _ => return,
    };
    let (Some(mut left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    // `a && x == null && x.f()` is `(a && x == null) && x.f()`.
    while left.kind() == "binary_expression"
        && left
            .child_by_field_name("operator")
            .is_some_and(|o| cx.text(o) == op)
        && let Some(last) = left.child_by_field_name("right")
    {
        left = last;
    }
    let Some(decl) = null_test(left, null_when, locals, cx) else {
        return;
    };
    if let Some(deref) = straight_dereference(right, decl, locals, cx) {
        report(deref, decl, cx);
    }
}

fn check_if<'t>(node: Node<'t>, locals: &Locals<'t>, cx: &Checker<'t>) {
    let Some(condition) = node.child_by_field_name("condition") else {
        return;
    };
    let consequence = node.child_by_field_name("consequence");
    let alternative = node.child_by_field_name("alternative");
    if let Some(decl) = null_test(condition, "!=", locals, cx) {
        if let Some(alternative) = alternative
            && let Some(deref) = first_dereference(&branch_statements(alternative), decl, locals, cx)
        {
            report(deref, decl, cx);
        }
        return;
    }
    let Some(decl) = null_test(condition, "==", locals, cx) else {
        return;
    };
    let Some(consequence) = consequence else {
        return;
    };
    let inside = branch_statements(consequence);
    if let Some(deref) = first_dereference(&inside, decl, locals, cx) {
        report(deref, decl, cx);
        return;
    }
    if alternative.is_some() || !only_logs(&inside, decl, locals, cx) {
        return;
    }
    // The statements after the `if` in its block run with `x` still `null`.
    let Some(block) = cx.ancestors().next().filter(|b| b.kind() == "block") else {
        return;
    };
    let after: Vec<Node<'t>> = semantic::statements(block)
        .into_iter()
        .filter(|s| s.start_byte() > node.start_byte())
        .collect();
    if let Some(deref) = first_dereference(&after, decl, locals, cx) {
        report(deref, decl, cx);
    }
}

fn report(deref: Node<'_>, decl: &Decl<'_>, cx: &Checker<'_>) {
    let name = cx.text(decl.name);
    cx.report(
        deref,
        format!("`{name}` is dereferenced where it is known to be `null`: this throws `NullPointerException`"),
    )
    .help(format!("Check the condition on `{name}`, or return before using it"));
}

/// The local tested by `x == null` (or `x != null`, as `op` says), either way round.
fn null_test<'a, 't>(
    condition: Node<'t>,
    op: &str,
    locals: &'a Locals<'t>,
    cx: &Checker<'t>,
) -> Option<&'a Decl<'t>> {
    let condition = ast::unparenthesize(condition);
    if condition.kind() != "binary_expression"
        || cx.text(condition.child_by_field_name("operator")?) != op
    {
        return None;
    }
    let left = ast::unparenthesize(condition.child_by_field_name("left")?);
    let right = ast::unparenthesize(condition.child_by_field_name("right")?);
    let name = match (left.kind(), right.kind()) {
        ("identifier", "null_literal") => left,
        ("null_literal", "identifier") => right,
        _ => return None,
    };
    // A field may be set by any call in between; a local only by an assignment.
    locals.resolve(name, cx.source()).filter(|d| {
        matches!(
            d.kind,
            DeclKind::Local | DeclKind::Parameter | DeclKind::ForEach
        )
    })
}

/// The statements of a branch: those of its block, or the branch itself.
fn branch_statements(branch: Node<'_>) -> Vec<Node<'_>> {
    if branch.kind() == "block" {
        semantic::statements(branch)
    } else {
        vec![branch]
    }
}

/// The first straight-line dereference of `decl` in `statements`, stopping at the first
/// statement that mentions it any other way (assigns it, tests it, hands it on).
fn first_dereference<'t>(
    statements: &[Node<'t>],
    decl: &Decl<'t>,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
) -> Option<Node<'t>> {
    for &statement in statements {
        if let Some(deref) = straight_dereference(statement, decl, locals, cx) {
            return Some(deref);
        }
        if mentions(statement, decl, locals, cx)
            || matches!(
                statement.kind(),
                "return_statement" | "throw_statement" | "break_statement" | "continue_statement" | "yield_statement"
            )
        {
            return None;
        }
    }
    None
}

/// The first use of `decl` in `code`, if it dereferences it and runs every time `code`
/// does, with nothing before it in `code` assigning or testing `decl`.
fn straight_dereference<'t>(
    code: Node<'t>,
    decl: &Decl<'t>,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
) -> Option<Node<'t>> {
    let first = uses_in(code, decl, locals, cx).into_iter().next()?;
    let parent = locals.parent(first)?;
    let dereferenced = match parent.kind() {
        "method_invocation" | "field_access" => parent
            .child_by_field_name("object")
            .is_some_and(|o| o.id() == first.id()),
        "array_access" => parent
            .child_by_field_name("array")
            .is_some_and(|a| a.id() == first.id()),
        "enhanced_for_statement" => parent
            .child_by_field_name("value")
            .is_some_and(|v| v.id() == first.id()),
        _ => false,
    };
    if !dereferenced || !always_evaluated(first, code, locals) {
        return None;
    }
    // A `for` loop is reported on the collection, not on the whole loop.
    Some(if parent.kind() == "enhanced_for_statement" {
        first
    } else {
        parent
    })
}

/// The occurrences of `decl` in `code`, in source order, lambdas and classes included.
fn uses_in<'t>(code: Node<'t>, decl: &Decl<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Vec<Node<'t>> {
    let range = code.byte_range();
    let mut uses: Vec<Node<'t>> = locals
        .uses_of(decl, cx.source())
        .filter(|u| range.start <= u.start_byte() && u.end_byte() <= range.end)
        .collect();
    uses.sort_by_key(|u| u.start_byte());
    uses
}

fn mentions<'t>(code: Node<'t>, decl: &Decl<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> bool {
    !uses_in(code, decl, locals, cx).is_empty()
}

/// Whether `node` is evaluated every time `top` is: no branch, loop body, lambda or
/// right operand of `&&`/`||` between them.
fn always_evaluated<'t>(node: Node<'t>, top: Node<'t>, locals: &Locals<'t>) -> bool {
    let mut child = node;
    while child.id() != top.id() {
        let Some(parent) = locals.parent(child) else {
            return false;
        };
        let in_field = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|f| f.id() == child.id())
        };
        let ok = match parent.kind() {
            "binary_expression" => {
                let short_circuit = parent
                    .child_by_field_name("operator")
                    .is_some_and(|o| matches!(o.kind(), "&&" | "||"));
                !short_circuit || in_field("left")
            }
            "ternary_expression" | "if_statement" | "while_statement" => in_field("condition"),
            "enhanced_for_statement" => in_field("value"),
            "method_invocation"
            | "field_access"
            | "array_access"
            | "argument_list"
            | "object_creation_expression"
            | "parenthesized_expression"
            | "cast_expression"
            | "assignment_expression"
            | "variable_declarator"
            | "local_variable_declaration"
            | "expression_statement"
            | "return_statement"
            | "throw_statement"
            | "unary_expression"
            | "instanceof_expression"
            | "array_creation_expression"
            | "dimensions_expr"
            | "synchronized_statement" => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        child = parent;
    }
    true
}

/// Whether the body of `if (x == null)` only logs and goes on: no jump, no assignment,
/// no call other than to a logger or `System.out`/`System.err`, and no use of `x`.
fn only_logs<'t>(statements: &[Node<'t>], decl: &Decl<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> bool {
    statements.iter().all(|&statement| {
        if mentions(statement, decl, locals, cx) {
            return false;
        }
        ast::descendants(statement).all(|n| match n.kind() {
            "return_statement" | "throw_statement" | "break_statement" | "continue_statement"
            | "yield_statement" | "assignment_expression" | "update_expression"
            | "object_creation_expression" | "lambda_expression" => false,
            "method_invocation" => {
                let name = n.child_by_field_name("name").map_or("", |m| cx.text(m));
                let receiver = n
                    .child_by_field_name("object")
                    .map_or("", |o| cx.text(o))
                    .to_ascii_lowercase();
                LOGGING_METHODS.contains(&name)
                    && (receiver.ends_with("log")
                        || receiver.ends_with("logger")
                        || receiver == "system.out"
                        || receiver == "system.err")
                    || is_string_building(n, cx)
            }
            _ => true,
        })
    })
}

/// Calls inside a log message that only build text: `name.toString()`, `String.format`.
fn is_string_building(call: Node<'_>, cx: &Checker<'_>) -> bool {
    let name = call.child_by_field_name("name").map_or("", |m| cx.text(m));
    let receiver = call.child_by_field_name("object").map_or("", |o| cx.text(o));
    matches!(name, "toString" | "getName" | "getMessage" | "getClass" | "getSimpleName")
        || (receiver == "String" && matches!(name, "format" | "valueOf"))
}
