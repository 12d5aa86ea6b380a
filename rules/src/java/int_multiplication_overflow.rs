use tree_sitter::Node;

use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a product of `int` values stored in a `long`:
    /// `long millis = seconds * 1000;`, `long bytes = megabytes * 1024 * 1024;`. The
    /// operands must be `int` literals and locals, parameters or fields declared `int`,
    /// at least one not a constant, and the constant factors together at least 1,000.
    ///
    /// ## Why is this bad?
    /// Java multiplies two `int`s as an `int` and widens the result to `long` only
    /// afterwards, so a product past 2,147,483,647 has already wrapped around, often to
    /// a negative number. `seconds * 1000` overflows past 24 days and
    /// `megabytes * 1024 * 1024` past 2 GiB: a timeout that fires at once, a size check
    /// that passes, data cut short.
    ///
    /// ## Example
    /// ```java
    /// long timeoutMillis = timeoutSeconds * 1000;
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// long timeoutMillis = timeoutSeconds * 1000L;
    /// ```
    pub IntMultiplicationOverflow {
        id: "java-int-multiplication-overflow",
        title: "`int` product overflows before it is widened to `long`",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [190],
        precision: High,
        kinds: ["binary_expression"],
        fix: "Make one factor a `long` (`1000L`, or `(long) x`) so the product is computed in `long`",
    }
}

/// Products of constant factors below this are too small to matter in practice.
const LARGE_FACTOR: u64 = 1000;

/// How many factors of a product are looked at.
const MAX_FACTORS: usize = 16;

impl Rule for IntMultiplicationOverflow {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !is_product(node, cx) {
            return;
        }
        // Only the whole product: `a * b * c` is `(a * b) * c`.
        let mut ancestors = cx.ancestors();
        let parent = ancestors.next();
        if parent.is_some_and(|p| is_product(p, cx)) {
            return;
        }
        if !stored_in_long(node, parent, ancestors.next(), cx) {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let mut factors = vec![node];
        let mut constant: u64 = 1;
        let mut variables = 0;
        let mut seen = 0;
        while let Some(factor) = factors.pop() {
            seen += 1;
            if seen > MAX_FACTORS {
                return;
            }
            let factor = ast::unparenthesize(factor);
            if is_product(factor, cx) {
                factors.extend(["left", "right"].iter().filter_map(|f| factor.child_by_field_name(f)));
                continue;
            }
            match factor.kind() {
                "decimal_integer_literal" => {
                    let text = cx.text(factor);
                    if text.ends_with(['l', 'L']) {
                        return;
                    }
                    let Ok(value) = text.replace('_', "").parse::<u64>() else {
                        return;
                    };
                    constant = constant.saturating_mul(value);
                }
                "identifier" | "field_access" => {
                    let Some(binding) = unit.resolve(&locals, factor) else {
                        return;
                    };
                    if binding.type_name(cx.source()) != Some("int") {
                        return;
                    }
                    match binding {
                        Binding::Field(field) if field.is_final => {
                            match field.value.and_then(|v| unit.constant_int(v)) {
                                Some(value) => constant = constant.saturating_mul(value),
                                None => variables += 1,
                            }
                        }
                        _ => variables += 1,
                    }
                }
                _ => return,
            }
        }
        if variables == 0 || constant < LARGE_FACTOR {
            return;
        }
        cx.report(
            node,
            "this product is computed in `int` and wraps around past 2,147,483,647 before it is widened to `long`",
        )
        .help("Make one factor a `long`: a `L` suffix on the constant, or `(long)` on the first operand");
    }
}

fn is_product(node: Node<'_>, cx: &Checker<'_>) -> bool {
    node.kind() == "binary_expression"
        && node
            .child_by_field_name("operator")
            .is_some_and(|o| cx.text(o) == "*")
}

/// Whether the product is the value of a `long` variable or field, assigned to one,
/// or returned from a method that returns `long`.
fn stored_in_long<'t>(
    product: Node<'t>,
    parent: Option<Node<'t>>,
    grandparent: Option<Node<'t>>,
    cx: &Checker<'t>,
) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    let is_long = |ty: Option<Node<'_>>| {
        ty.and_then(|t| semantic::simple_type_name(t, cx.source())) == Some("long")
    };
    match parent.kind() {
        "variable_declarator" => grandparent.is_some_and(|d| {
            matches!(d.kind(), "local_variable_declaration" | "field_declaration")
                && is_long(d.child_by_field_name("type"))
        }),
        "assignment_expression" => {
            let is_value = parent
                .child_by_field_name("right")
                .is_some_and(|r| r.id() == product.id());
            let is_plain = parent
                .child_by_field_name("operator")
                .is_some_and(|o| cx.text(o) == "=");
            if !(is_value && is_plain) {
                return false;
            }
            let Some(left) = parent.child_by_field_name("left") else {
                return false;
            };
            let Some(scope) = semantic::scope_of(cx.ancestors()) else {
                return false;
            };
            let unit = cx.java();
            let locals = unit.locals(scope);
            unit.type_of(&locals, left) == Some("long")
        }
        "return_statement" => cx
            .ancestors()
            .find(|a| matches!(a.kind(), "method_declaration" | "lambda_expression" | "class_body"))
            .is_some_and(|m| m.kind() == "method_declaration" && is_long(m.child_by_field_name("type"))),
        _ => false,
    }
}
