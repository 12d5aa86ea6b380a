use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding, DeclKind};
use crate::java::text::quote;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `list.contains(x)`, and `list.indexOf(x)` compared with `-1` or `0`,
    /// inside the body of a loop, where `list` is a local variable declared before the
    /// loop as a `List`, `ArrayList`, `LinkedList` or `Vector`, that the loop does not
    /// change or hand to other methods. Small fixed lists (`List.of(a, b, c)`,
    /// `Arrays.asList(..)` of a few elements), fields and parameters (often small
    /// tables) and `assert` statements are not reported.
    ///
    /// ## Why is this bad?
    /// `contains` and `indexOf` on a list compare against every element in turn, so the
    /// loop costs the product of both lengths: a million comparisons for two lists of a
    /// thousand. A `HashSet` answers in constant time, and since the list does not
    /// change in the loop, building the set once costs one pass.
    ///
    /// ## Example
    /// ```java
    /// List<String> known = repository.ids();
    /// for (String id : incoming) {
    ///     if (!known.contains(id)) {
    ///         missing.add(id);
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Set<String> known = new HashSet<>(repository.ids());
    /// for (String id : incoming) {
    ///     if (!known.contains(id)) {
    ///         missing.add(id);
    ///     }
    /// }
    /// ```
    pub ListContainsInLoop {
        id: "java-list-contains-in-loop",
        title: "Membership test against a list inside a loop",
        language: Java,
        category: Performance,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Build a `HashSet` once, before the loop, and test membership in it",
    }
}

const LIST_TYPES: &[&str] = &["List", "ArrayList", "LinkedList", "Vector"];

/// Methods that change a list in place.
const MUTATORS: &[&str] = &[
    "add", "addAll", "addFirst", "addLast", "addElement", "remove", "removeAll", "removeIf",
    "retainAll", "removeFirst", "removeLast", "set", "clear", "sort", "replaceAll", "push",
    "pop", "poll", "offer", "insertElementAt", "removeElement", "setElementAt",
];

/// Factories of fixed lists; a handful of elements is scanned faster than hashed.
const FIXED_LISTS: &[&str] = &["of", "asList", "singletonList", "emptyList"];

/// Fixed lists up to this many elements are not reported.
const SMALL_LIST: usize = 8;

impl Rule for ListContainsInLoop {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(object) = call.object else {
            return;
        };
        if call.args.len() != 1 {
            return;
        }
        match call.name {
            "contains" => {}
            "indexOf" | "lastIndexOf" if is_membership_test(node, cx) => {}
            _ => return,
        }
        if !matches!(object.kind(), "identifier" | "field_access") {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let Some(binding) = unit.resolve(&locals, object) else {
            return;
        };
        if !binding
            .type_name(cx.source())
            .is_some_and(|t| LIST_TYPES.contains(&t))
        {
            return;
        }
        if binding.value().is_some_and(|v| is_small_fixed_list(v, cx)) {
            return;
        }
        let Some(inner_loop) = calls::enclosing_loop(node, cx) else {
            return;
        };
        // The list must hold still across every loop around the test, or a set built
        // once would go stale.
        let loop_node = cx
            .ancestors()
            .skip_while(|a| a.id() != inner_loop.id())
            .take_while(|a| !matches!(a.kind(), "lambda_expression" | "class_body" | "method_declaration" | "constructor_declaration"))
            .filter(|a| matches!(a.kind(), "for_statement" | "while_statement" | "do_statement" | "enhanced_for_statement"))
            .last()
            .unwrap_or(inner_loop);
        // Assertions are off in production.
        if cx
            .ancestors()
            .take_while(|a| a.id() != loop_node.id())
            .any(|a| a.kind() == "assert_statement")
        {
            return;
        }
        // Fields and parameters are often small, fixed tables; a list the method builds
        // holds data.
        let Binding::Local(decl) = binding else {
            return;
        };
        // Declared in the loop: a new list on every iteration.
        if decl.kind != DeclKind::Local || decl.name.start_byte() > loop_node.start_byte() {
            return;
        }
        let name = cx.text(decl.name);
        if changed_in(loop_node, name, cx) {
            return;
        }
        let shown = quote(cx.text(object));
        cx.report(
            node,
            format!(
                "`{shown}` is a list, so each `{}` in this loop scans it from the start",
                call.name
            ),
        )
        .help(format!(
            "Copy `{shown}` into a `HashSet` before the loop and test membership in the set"
        ));
    }
}

/// `list.indexOf(x) >= 0`, `!= -1`, `< 0`, `== -1`, either way round.
fn is_membership_test(call: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(parent) = cx.ancestors().next() else {
        return false;
    };
    if parent.kind() != "binary_expression" {
        return false;
    }
    let (Some(left), Some(right), Some(op)) = (
        parent.child_by_field_name("left"),
        parent.child_by_field_name("right"),
        parent.child_by_field_name("operator"),
    ) else {
        return false;
    };
    let constant = |n: Node<'_>| cx.text(ast::unparenthesize(n)).replace(' ', "");
    let (op, bound) = if left.id() == call.id() {
        (cx.text(op), constant(right))
    } else {
        // `-1 != i` is `i != -1`; `0 <= i` is `i >= 0`.
        let flipped = match cx.text(op) {
            "<" => ">",
            ">" => "<",
            "<=" => ">=",
            ">=" => "<=",
            other => other,
        };
        (flipped, constant(left))
    };
    matches!(
        (op, bound.as_str()),
        ("==" | "!=" | ">" | "<=", "-1") | (">=" | "<", "0")
    )
}

/// `List.of(a, b)`, `Arrays.asList(a, b, c)`: a few elements.
fn is_small_fixed_list<'t>(value: Node<'t>, cx: &Checker<'t>) -> bool {
    Call::of(ast::unparenthesize(value), cx)
        .is_some_and(|c| FIXED_LISTS.contains(&c.name) && c.args.len() <= SMALL_LIST)
}

/// Whether the loop assigns `name`, changes the list it names, or hands it to a method
/// that may change it.
fn changed_in(loop_node: Node<'_>, name: &str, cx: &Checker<'_>) -> bool {
    let is_name = |n: Node<'_>| {
        let n = ast::unparenthesize(n);
        match n.kind() {
            "identifier" => cx.text(n) == name,
            "field_access" => n.child_by_field_name("field").is_some_and(|f| cx.text(f) == name),
            _ => false,
        }
    };
    ast::descendants(loop_node).any(|n| match n.kind() {
        "assignment_expression" => n.child_by_field_name("left").is_some_and(is_name),
        "method_invocation" => {
            n.child_by_field_name("name")
                .is_some_and(|m| MUTATORS.contains(&cx.text(m)))
                && n.child_by_field_name("object").is_some_and(is_name)
        }
        "argument_list" => ast::named_children(n).into_iter().any(is_name),
        _ => false,
    })
}
