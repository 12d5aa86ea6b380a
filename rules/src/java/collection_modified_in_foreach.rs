use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for a collection changed while a `for (T x : collection)` loop iterates
    /// over it: `list.remove(x)`, `list.add(..)`, `set.clear()`, or `map.remove(k)` in
    /// a loop over `map.keySet()`, `values()` or `entrySet()` (`map.put` is not
    /// reported: it may only replace the value of a key the map has). The
    /// collection must be declared as a `List`, `Set` or `Map` type from `java.util`
    /// and not be initialised to a concurrent one (`CopyOnWriteArrayList`,
    /// `ConcurrentHashMap`), and the block that makes the change must not end in
    /// `break`, `return` or `throw`, which leave the loop before the next step.
    ///
    /// ## Why is this bad?
    /// The iterator of `ArrayList`, `HashMap` and the other `java.util` collections
    /// checks that the collection was not changed behind its back, and the next step
    /// of the loop throws `ConcurrentModificationException`. When the change happens to
    /// be on the second-to-last element the loop ends silently instead, and skips an
    /// element: the bug hides in tests and fails on other data.
    ///
    /// ## Example
    /// ```java
    /// for (Session session : sessions) {
    ///     if (session.isExpired()) {
    ///         sessions.remove(session);
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// sessions.removeIf(Session::isExpired);
    /// ```
    pub CollectionModifiedInForeach {
        id: "java-collection-modified-in-foreach",
        title: "Collection changed while a for-each loop iterates over it",
        language: Java,
        category: Correctness,
        severity: Error,
        cwe: [],
        precision: High,
        kinds: ["enhanced_for_statement"],
        fix: "Use `removeIf`, an explicit `Iterator` and its `remove()`, or collect the changes and apply them after the loop",
    }
}

/// `java.util` collections whose iterators fail fast.
const COLLECTION_TYPES: &[&str] = &[
    "List", "ArrayList", "LinkedList", "Set", "HashSet", "LinkedHashSet", "TreeSet",
    "Collection", "SortedSet", "NavigableSet", "Map", "HashMap", "LinkedHashMap", "TreeMap",
    "SortedMap", "NavigableMap", "Deque", "ArrayDeque",
];

/// Methods that change a collection's structure.
const STRUCTURAL: &[&str] = &[
    "add", "addAll", "remove", "removeAll", "retainAll", "clear", "put", "putAll",
    "addFirst", "addLast", "removeFirst", "removeLast", "push", "pop", "poll",
];

/// Views of a map that iterate over it.
const MAP_VIEWS: &[&str] = &["keySet", "values", "entrySet"];

impl Rule for CollectionModifiedInForeach {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (Some(value), Some(body)) = (
            node.child_by_field_name("value").map(ast::unparenthesize),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        // `for (x : items)` or `for (k : map.keySet())`.
        let collection = match Call::of(value, cx) {
            Some(view) if MAP_VIEWS.contains(&view.name) && view.args.is_empty() => {
                match view.object {
                    Some(object) => object,
                    None => return,
                }
            }
            Some(_) => return,
            None => value,
        };
        if !matches!(collection.kind(), "identifier" | "field_access") {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let Some(binding) = unit.resolve(&locals, collection) else {
            return;
        };
        if !binding
            .type_name(cx.source())
            .is_some_and(|t| COLLECTION_TYPES.contains(&t))
        {
            return;
        }
        // `List<T> listeners = new CopyOnWriteArrayList<>()`: safe to change.
        let concurrent = binding
            .value()
            .and_then(|v| calls::created_type(v, cx))
            .is_some_and(|t| t.starts_with("Concurrent") || t.starts_with("CopyOnWrite"));
        if concurrent {
            return;
        }
        // Setting the value of a key a map already has is not a structural change.
        let is_map = ty_is_map(&binding, cx);
        let same = |object: Node<'t>| {
            unit.resolve(&locals, object)
                .is_some_and(|b| binding_name(&b).id() == binding_name(&binding).id())
        };
        let Some(change) = calls::calls_in(body, cx).into_iter().find(|call| {
            STRUCTURAL.contains(&call.name)
                && !(is_map && matches!(call.name, "put" | "putAll"))
                && call.object.is_some_and(same)
                && !in_lambda(call.node, body)
                && !leaves_loop_after(call.node, body)
        }) else {
            return;
        };
        let name = cx.text(binding_name(&binding));
        cx.report(
            change.node,
            format!(
                "`{name}` is changed while the loop iterates over it: the next step throws `ConcurrentModificationException`"
            ),
        );
    }
}

/// The declared name of a local or field, which identifies it.
fn binding_name<'t>(binding: &Binding<'_, 't>) -> Node<'t> {
    match binding {
        Binding::Local(decl) => decl.name,
        Binding::Field(field) => field.name,
    }
}

fn ty_is_map(binding: &Binding<'_, '_>, cx: &Checker<'_>) -> bool {
    binding
        .type_name(cx.source())
        .is_some_and(|t| t.ends_with("Map"))
}

/// Whether `node` is in a lambda or class inside `body`: it runs later, if at all.
fn in_lambda(node: Node<'_>, body: Node<'_>) -> bool {
    ast::ancestors(node)
        .take_while(|a| a.id() != body.id())
        .any(|a| matches!(a.kind(), "lambda_expression" | "class_body"))
}

/// Whether the block that makes the change leaves the loop after it:
/// `list.remove(x); break;`, `return list.remove(x);`.
fn leaves_loop_after(change: Node<'_>, body: Node<'_>) -> bool {
    let mut statement = change;
    for ancestor in ast::ancestors(change) {
        if matches!(ancestor.kind(), "return_statement" | "throw_statement") {
            return true;
        }
        if matches!(ancestor.kind(), "block" | "switch_block_statement_group") {
            let jumps = semantic::statements(ancestor).into_iter().any(|s| {
                s.start_byte() > statement.end_byte()
                    && matches!(s.kind(), "break_statement" | "return_statement" | "throw_statement")
            });
            if jumps {
                return true;
            }
        }
        if ancestor.id() == body.id() {
            break;
        }
        statement = ancestor;
    }
    false
}
