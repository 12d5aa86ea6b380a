use tree_sitter::Node;

use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for classes and records that override `equals(Object)` without overriding
    /// `hashCode()`, or `hashCode()` without `equals(Object)`.
    ///
    /// An `equals` that only delegates to `super.equals(..)`, narrows it
    /// (`super.equals(o) && ..`) or always throws is not reported: the inherited hash
    /// code still agrees with it. Neither are subclasses of `AbstractSet`, `AbstractList`
    /// and `AbstractMap`, whose `hashCode` follows the collection contracts, nor a
    /// `hashCode` alone in a class with a superclass, which usually caches or speeds up
    /// the inherited one.
    ///
    /// ## Why is this bad?
    /// `HashMap`, `HashSet` and every other hash-based collection first compare hash
    /// codes and only then call `equals`. Two objects that are equal but inherit
    /// `Object.hashCode()` (an identity hash) almost always land in different buckets:
    /// `set.contains(copy)` returns `false` and a map holds two entries for one key. The
    /// `Object` contract requires equal objects to have equal hash codes.
    ///
    /// Overriding only `hashCode()` is harmless to collections but is usually a sign
    /// that `equals` was forgotten or deleted.
    ///
    /// ## Example
    /// ```java
    /// final class Money {
    ///     private final long cents;
    ///     private final String currency;
    ///
    ///     @Override
    ///     public boolean equals(Object o) {
    ///         return o instanceof Money m && cents == m.cents && currency.equals(m.currency);
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// final class Money {
    ///     private final long cents;
    ///     private final String currency;
    ///
    ///     @Override
    ///     public boolean equals(Object o) {
    ///         return o instanceof Money m && cents == m.cents && currency.equals(m.currency);
    ///     }
    ///
    ///     @Override
    ///     public int hashCode() {
    ///         return Objects.hash(cents, currency);
    ///     }
    /// }
    /// ```
    pub EqualsWithoutHashcode {
        id: "java-equals-without-hashcode",
        title: "`equals` overridden without `hashCode`",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [581],
        precision: VeryHigh,
        kinds: ["class_declaration", "record_declaration"],
        fix: "Override `equals(Object)` and `hashCode()` together, over the same fields",
    }
}

impl Rule for EqualsWithoutHashcode {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(name), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let mut equals = None;
        let mut hash_code = None;
        for method in ast::named_children(body) {
            if method.kind() != "method_declaration"
                || semantic::has_modifier(method, "static", cx.source())
            {
                continue;
            }
            let (Some(method_name), Some(params)) = (
                method.child_by_field_name("name"),
                method.child_by_field_name("parameters"),
            ) else {
                continue;
            };
            let params = ast::named_children(params);
            match cx.text(method_name) {
                "equals" if is_object_parameter(&params, cx) => equals = Some(method),
                "hashCode" if params.is_empty() => hash_code = Some(method),
                _ => {}
            }
        }
        let class = cx.text(name);
        let superclass = node
            .child_by_field_name("superclass")
            .and_then(|s| s.named_child(0))
            .and_then(|t| semantic::simple_type_name(t, cx.source()));
        // `AbstractSet`, `AbstractList`, .. define `hashCode` from the elements, which
        // agrees with any `equals` that honours the collection contract.
        if superclass.is_some_and(|s| COLLECTION_BASES.contains(&s)) {
            return;
        }
        match (equals, hash_code) {
            (Some(equals), None) if changes_equality(equals, cx) => {
                let at = equals.child_by_field_name("name").unwrap_or(equals);
                cx.report(
                    at,
                    format!(
                        "`{class}` overrides `equals(Object)` but not `hashCode()`: equal objects get different hash codes"
                    ),
                )
                .help("Override `hashCode()` over the fields `equals` compares, e.g. `return Objects.hash(..);`");
            }
            // With a superclass, a `hashCode` alone usually caches or speeds up the
            // inherited one; only a class whose equality is identity is suspicious.
            (None, Some(hash_code)) if superclass.is_none() && node.kind() == "class_declaration" => {
                let at = hash_code.child_by_field_name("name").unwrap_or(hash_code);
                cx.report(
                    at,
                    format!(
                        "`{class}` overrides `hashCode()` but not `equals(Object)`: the custom hash has no matching equality"
                    ),
                )
                .help("Override `equals(Object)` over the same fields, or remove `hashCode()`");
            }
            _ => {}
        }
    }
}

/// `(Object o)`, `(final Object other)`, `(@Nullable java.lang.Object o)`.
fn is_object_parameter(params: &[Node<'_>], cx: &Checker<'_>) -> bool {
    let [param] = params else {
        return false;
    };
    param.kind() == "formal_parameter"
        && param
            .child_by_field_name("type")
            .and_then(|t| semantic::simple_type_name(t, cx.source()))
            .is_some_and(|t| t == "Object")
}

/// Abstract collections whose `hashCode` follows the `Set`/`List`/`Map` contracts.
const COLLECTION_BASES: &[&str] = &[
    "AbstractSet",
    "AbstractList",
    "AbstractSequentialList",
    "AbstractMap",
    "AbstractCollection",
    "AbstractQueue",
];

/// Whether an `equals` makes more objects equal than its superclass does: not when it
/// only delegates (`return super.equals(o);`), narrows (`super.equals(o) && ..`), keeps
/// identity (`return this == o;`), or always throws.
fn changes_equality(equals: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(body) = equals.child_by_field_name("body") else {
        // Abstract: subclasses must implement it.
        return false;
    };
    match semantic::statements(body).as_slice() {
        [only] if only.kind() == "throw_statement" => false,
        [only] if only.kind() == "return_statement" => !only
            .named_child(0)
            .is_some_and(|value| requires_super_equals(value, cx) || is_identity(value, cx)),
        _ => true,
    }
}

/// `this == o`: the identity `Object.equals` already has, which the identity hash matches.
fn is_identity(value: Node<'_>, cx: &Checker<'_>) -> bool {
    let value = ast::unparenthesize(value);
    value.kind() == "binary_expression"
        && value
            .child_by_field_name("operator")
            .is_some_and(|o| cx.text(o) == "==")
        && [value.child_by_field_name("left"), value.child_by_field_name("right")]
            .iter()
            .any(|side| side.is_some_and(|s| ast::unparenthesize(s).kind() == "this"))
}

/// `super.equals(o)`, or an `&&` chain with `super.equals(o)` as one of its operands.
fn requires_super_equals(value: Node<'_>, cx: &Checker<'_>) -> bool {
    let mut pending = vec![value];
    let mut budget = MAX_OPERANDS;
    while let Some(node) = pending.pop() {
        budget = match budget.checked_sub(1) {
            Some(b) => b,
            None => return false,
        };
        let node = ast::unparenthesize(node);
        match node.kind() {
            "method_invocation" => {
                let is_super_equals = node
                    .child_by_field_name("object")
                    .is_some_and(|o| o.kind() == "super")
                    && node
                        .child_by_field_name("name")
                        .is_some_and(|n| cx.text(n) == "equals");
                if is_super_equals {
                    return true;
                }
            }
            "binary_expression"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|op| cx.text(op) == "&&") =>
            {
                pending.extend(node.child_by_field_name("left"));
                pending.extend(node.child_by_field_name("right"));
            }
            _ => {}
        }
    }
    false
}

/// How many operands of an `&&` chain are looked at.
const MAX_OPERANDS: usize = 64;
