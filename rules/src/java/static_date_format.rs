use tree_sitter::Node;

use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `static` fields of type `SimpleDateFormat` or `DateFormat`, unless
    /// every use of the field in the file is inside a `synchronized` block or method.
    ///
    /// ## Why is this bad?
    /// `SimpleDateFormat` keeps the date being formatted or parsed in an internal
    /// `Calendar`. Two threads sharing one instance overwrite each other's state: they
    /// get wrong dates, mixed-up fields, or `NumberFormatException` and
    /// `ArrayIndexOutOfBoundsException` under load, never in a single-threaded test.
    ///
    /// ## Example
    /// ```java
    /// private static final SimpleDateFormat ISO = new SimpleDateFormat("yyyy-MM-dd");
    ///
    /// String format(Date date) {
    ///     return ISO.format(date);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    ///
    /// String format(LocalDate date) {
    ///     return ISO.format(date);
    /// }
    /// ```
    pub StaticDateFormat {
        id: "java-static-simple-date-format",
        title: "`SimpleDateFormat` shared between threads",
        language: Java,
        category: Concurrency,
        severity: Warning,
        cwe: [362],
        precision: High,
        kinds: ["field_declaration"],
        fix: "Use the immutable, thread-safe `java.time.format.DateTimeFormatter`",
    }
}

impl Rule for StaticDateFormat {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !semantic::has_modifier(node, "static", cx.source()) {
            return;
        }
        let Some(ty) = node.child_by_field_name("type") else {
            return;
        };
        let Some(name) = semantic::simple_type_name(ty, cx.source()) else {
            return;
        };
        if !matches!(name, "SimpleDateFormat" | "DateFormat") {
            return;
        }
        let mut cursor = node.walk();
        for declarator in node.children_by_field_name("declarator", &mut cursor) {
            let Some(field) = declarator.child_by_field_name("name") else {
                continue;
            };
            if !only_used_synchronized(cx.text(field), field, cx) {
                cx.report(field, format!("static `{name}` `{}` is shared by every thread, and it is not thread-safe", cx.text(field)));
            }
        }
    }
}

/// Whether every use of the field is inside a `synchronized` block or method.
fn only_used_synchronized(name: &str, declaration: Node<'_>, cx: &Checker<'_>) -> bool {
    let mut used = false;
    for node in ast::descendants(cx.root()) {
        if node.kind() != "identifier" || node.id() == declaration.id() || cx.text(node) != name {
            continue;
        }
        used = true;
        let guarded = ast::ancestors(node).any(|a| {
            a.kind() == "synchronized_statement"
                || a.kind() == "method_declaration" && semantic::has_modifier(a, "synchronized", cx.source())
        });
        if !guarded {
            return false;
        }
    }
    used
}
