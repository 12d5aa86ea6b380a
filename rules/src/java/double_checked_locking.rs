use tree_sitter::Node;

use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for double-checked locking on a field that is not `volatile`:
    /// `if (x == null) { synchronized (..) { if (x == null) { x = ..; } } }`.
    ///
    /// ## Why is this bad?
    /// Without `volatile`, the Java memory model lets another thread see the reference
    /// assigned to `x` before the constructor's writes to the object are visible. That
    /// thread skips the lock, as `x` is not `null`, and uses a half-built object: fields
    /// still `null` or zero.
    ///
    /// ## Example
    /// ```java
    /// private Connection connection;
    ///
    /// Connection connection() {
    ///     if (connection == null) {
    ///         synchronized (this) {
    ///             if (connection == null) {
    ///                 connection = connect();
    ///             }
    ///         }
    ///     }
    ///     return connection;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// private volatile Connection connection;
    /// ```
    ///
    /// Or the holder-class idiom for a static singleton.
    pub DoubleCheckedLocking {
        id: "java-double-checked-locking",
        title: "Double-checked locking on a non-volatile field",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [609],
        precision: High,
        kinds: ["if_statement"],
        fix: "Declare the field `volatile`, or use a holder class",
    }
}

impl Rule for DoubleCheckedLocking {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(field) = null_checked(node, cx) else {
            return;
        };
        let Some(consequence) = node.child_by_field_name("consequence") else {
            return;
        };
        let Some(sync) = first_statement(consequence).filter(|s| s.kind() == "synchronized_statement") else {
            return;
        };
        let Some(inner) = sync
            .child_by_field_name("body")
            .and_then(first_statement)
            .filter(|s| s.kind() == "if_statement")
        else {
            return;
        };
        if null_checked(inner, cx).as_deref() != Some(field.as_str()) {
            return;
        }
        let assigns = inner.child_by_field_name("consequence").is_some_and(|c| {
            ast::descendants(c).any(|n| {
                n.kind() == "assignment_expression"
                    && n.child_by_field_name("left")
                        .is_some_and(|l| field_name(l, cx) == Some(field.as_str()))
            })
        });
        if !assigns {
            return;
        }
        let Some(declaration) = field_declaration(node, &field, cx) else {
            return;
        };
        if semantic::has_modifier(declaration, "volatile", cx.source()) {
            return;
        }
        cx.report(node.child_by_field_name("condition").unwrap_or(node), format!("double-checked locking on `{field}`, which is not `volatile`: other threads can see a half-built object"))
            .help(format!("Declare `{field}` `volatile`"));
    }
}

/// The statement a block starts with, or the statement itself.
fn first_statement(node: Node<'_>) -> Option<Node<'_>> {
    if node.kind() == "block" {
        semantic::statements(node).first().copied()
    } else {
        Some(node)
    }
}

/// `x` or `this.x`.
fn field_name<'t>(expr: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    let expr = ast::unparenthesize(expr);
    match expr.kind() {
        "identifier" => Some(cx.text(expr)),
        "field_access"
            if expr
                .child_by_field_name("object")
                .is_some_and(|o| o.kind() == "this") =>
        {
            Some(cx.text(expr.child_by_field_name("field")?))
        }
        _ => None,
    }
}

/// The name tested by `if (x == null)` or `if (null == x)`.
fn null_checked<'t>(if_statement: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let condition = ast::unparenthesize(if_statement.child_by_field_name("condition")?);
    if condition.kind() != "binary_expression"
        || cx.text(condition.child_by_field_name("operator")?) != "=="
    {
        return None;
    }
    let (left, right) = (
        condition.child_by_field_name("left")?,
        condition.child_by_field_name("right")?,
    );
    let named = match (left.kind(), right.kind()) {
        (_, "null_literal") => left,
        ("null_literal", _) => right,
        _ => return None,
    };
    field_name(named, cx).map(str::to_string)
}

/// The `field_declaration` of the field `name` seen from `at`, when `name` is not a
/// local there.
fn field_declaration<'t>(at: Node<'t>, name: &str, cx: &Checker<'t>) -> Option<Node<'t>> {
    let scope = semantic::scope_of(cx.ancestors())?;
    let unit = cx.java();
    let locals = unit.locals(scope);
    let condition = at.child_by_field_name("condition")?;
    let ident = ast::descendants(condition).find(|n| n.kind() == "identifier" && cx.text(*n) == name)?;
    let Binding::Field(field) = unit.resolve(&locals, ident).or_else(|| {
        unit.field(name, at).map(Binding::Field)
    })?
    else {
        return None;
    };
    // name → variable_declarator → field_declaration
    let declaration = field.name.parent()?.parent()?;
    (declaration.kind() == "field_declaration").then_some(declaration)
}
