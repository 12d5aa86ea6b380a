use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for loops over a map's `keySet()` that look each key up again with
    /// `get(key)` on the same map. Only maps whose declared type is known to be a `Map`
    /// (a local, parameter or field of a `*Map`, `Hashtable` or `Properties` type) are
    /// reported.
    ///
    /// ## Why is this bad?
    /// Every `get` hashes the key and searches the table again, although the iteration
    /// already visits each entry. `entrySet()` hands out the key and the value together;
    /// for a `TreeMap` each `get` even costs a logarithmic search.
    ///
    /// ## Example
    /// ```java
    /// for (String name : prices.keySet()) {
    ///     total += prices.get(name);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// for (Map.Entry<String, Integer> entry : prices.entrySet()) {
    ///     total += entry.getValue();
    /// }
    /// ```
    pub KeysetIterationWithGet {
        id: "java-keyset-iteration-with-get",
        title: "Map iterated by keySet() and looked up with get()",
        language: Java,
        category: Performance,
        severity: Info,
        cwe: [1176],
        precision: High,
        kinds: ["enhanced_for_statement"],
        fix: "Iterate over `entrySet()` and use `getKey()` and `getValue()`",
    }
}

impl Rule for KeysetIterationWithGet {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(value), Some(key), Some(body)) = (
            node.child_by_field_name("value"),
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let Some(key_set) = Call::of(ast::unparenthesize(value), cx) else {
            return;
        };
        let Some(map) = key_set.object else {
            return;
        };
        if key_set.name != "keySet"
            || !key_set.args.is_empty()
            || !matches!(map.kind(), "identifier" | "field_access")
        {
            return;
        }
        let is_map = calls::receiver_type(map, cx)
            .is_some_and(|ty| ty.ends_with("Map") || matches!(ty, "Hashtable" | "Properties"));
        if !is_map {
            return;
        }
        let (map_text, key_text) = (cx.text(map), cx.text(key));
        let lookup = calls::calls_in(body, cx).into_iter().find(|call| {
            call.name == "get"
                && call.object.is_some_and(|o| cx.text(o) == map_text)
                && matches!(call.args.as_slice(), [a] if cx.text(*a) == key_text)
        });
        let Some(lookup) = lookup else {
            return;
        };
        cx.report(
            lookup.node,
            format!(
                "`{map_text}.get({key_text})` looks up every key of `{map_text}.keySet()` again"
            ),
        )
        .help(format!(
            "Iterate over `{map_text}.entrySet()` and use `getKey()` and `getValue()`"
        ));
    }
}
