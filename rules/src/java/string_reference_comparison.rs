use tree_sitter::Node;

use crate::java::semantic::{self, Binding};
use crate::java::text::quote;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for strings compared with `==` or `!=`: one side is a string literal, a
    /// variable, parameter or field declared as `String`, or a call that returns a new
    /// string (`toString()`, `substring(..)`, `trim()`, `String.format(..)`).
    /// Comparisons with `null` are fine and not reported, and so are comparisons of two
    /// non-literal strings where one is a named constant (`key == FIRST_ROW`) or the file
    /// interns its strings (`intern()`, a `SymbolTable`): there identity is the intent.
    ///
    /// ## Why is this bad?
    /// `==` asks whether both sides are the same object, not whether they hold the same
    /// characters. Literals are interned, so `role == "admin"` may pass in a unit test and
    /// then fail in production, where `role` was read from a request, a file or a
    /// database and is a different object with the same text. The bug depends on where
    /// the string came from, which makes it hard to reproduce.
    ///
    /// ## Example
    /// ```java
    /// if (user.getRole() == "admin") {
    ///     grantAll(user);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// if ("admin".equals(user.getRole())) {
    ///     grantAll(user);
    /// }
    /// ```
    ///
    /// `Objects.equals(a, b)` compares two strings that may both be `null`.
    pub StringReferenceComparison {
        id: "java-string-reference-comparison",
        title: "Strings compared with `==`",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [597],
        precision: High,
        kinds: ["binary_expression"],
        fix: "Compare string contents with `equals`, or `Objects.equals(a, b)`",
    }
}

/// Methods that return a string, usually a new object.
const STRING_METHODS: &[&str] = &[
    "toString",
    "substring",
    "trim",
    "strip",
    "stripLeading",
    "stripTrailing",
    "toLowerCase",
    "toUpperCase",
    "concat",
    "replace",
    "replaceAll",
    "replaceFirst",
    "formatted",
    "repeat",
];

/// Static `String` methods that return a new string.
const STRING_FACTORIES: &[&str] = &["valueOf", "format", "join", "copyValueOf"];

/// What a side of the comparison is known to be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Literal,
    String,
    Unknown,
}

impl Rule for StringReferenceComparison {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(op) = node.child_by_field_name("operator") else {
            return;
        };
        let op = cx.text(op);
        if op != "==" && op != "!=" {
            return;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left").map(ast::unparenthesize),
            node.child_by_field_name("right").map(ast::unparenthesize),
        ) else {
            return;
        };
        if [left, right].iter().any(|n| {
            matches!(
                n.kind(),
                "null_literal" | "this" | "character_literal" | "decimal_integer_literal"
            ) || is_intern(*n, cx)
        }) {
            return;
        }
        let (l, r) = (side(left, cx), side(right, cx));
        if l == Side::Unknown && r == Side::Unknown || l == Side::Literal && r == Side::Literal {
            return;
        }
        if is_identity_shortcut(node, left, right, cx) || [left, right].iter().any(|n| is_sentinel(*n, cx)) {
            return;
        }
        // Neither side a literal nor a freshly computed string: code that compares a
        // stored key with a named constant (`key == FIRST_ROW`) or that interns its
        // strings (`intern()`, a `SymbolTable`) compares references on purpose.
        let stored = |n: Node<'_>| matches!(n.kind(), "identifier" | "field_access" | "array_access");
        if stored(left)
            && stored(right)
            && ([left, right].iter().any(|n| is_constant_name(*n, cx)) || interns_strings(cx))
        {
            return;
        }
        let negate = if op == "!=" { "!" } else { "" };
        let (a, b) = (cx.text(left), cx.text(right));
        if l == Side::Literal || r == Side::Literal {
            let (literal, other) = if l == Side::Literal { (a, b) } else { (b, a) };
            let replacement = format!("{negate}{literal}.equals({other})");
            let hint = format!("Use `{negate}{}.equals({})`", quote(literal), quote(other));
            cx.report(
                node,
                format!(
                    "`{}` compared to a string with `{op}`: this compares references, not contents",
                    quote(other)
                ),
            )
            .help(hint)
            .fix(node, replacement);
        } else {
            cx.report(
                node,
                format!(
                    "strings `{}` and `{}` compared with `{op}`: this compares references, not contents",
                    quote(a),
                    quote(b)
                ),
            )
            .help(format!("Use `{negate}Objects.equals({}, {})`", quote(a), quote(b)));
        }
    }
}

fn side<'t>(expr: Node<'t>, cx: &Checker<'t>) -> Side {
    match expr.kind() {
        "string_literal" => Side::Literal,
        "method_invocation" => {
            let name = expr.child_by_field_name("name").map_or("", |n| cx.text(n));
            let object = expr.child_by_field_name("object").map(|o| cx.text(o));
            let is_string_class = object.is_some_and(|o| o == "String" || o == "java.lang.String");
            // `Character.toLowerCase(c)` is a `char`: only instance calls are known here.
            let is_other_class = !is_string_class
                && object.is_some_and(|o| o.starts_with(|c: char| c.is_ascii_uppercase()));
            let is_string = STRING_METHODS.contains(&name) && !is_other_class
                || is_string_class && STRING_FACTORIES.contains(&name);
            if is_string { Side::String } else { Side::Unknown }
        }
        "object_creation_expression" => {
            let ty = expr.child_by_field_name("type").map_or("", |t| cx.text(t));
            if ty == "String" { Side::String } else { Side::Unknown }
        }
        "binary_expression" => {
            let is_concat = expr
                .child_by_field_name("operator")
                .is_some_and(|op| cx.text(op) == "+");
            let has_literal = ["left", "right"].iter().any(|f| {
                expr.child_by_field_name(f)
                    .is_some_and(|s| ast::unparenthesize(s).kind() == "string_literal")
            });
            if is_concat && has_literal { Side::String } else { Side::Unknown }
        }
        "identifier" | "field_access" => {
            let Some(scope) = semantic::scope_of(cx.ancestors()) else {
                return Side::Unknown;
            };
            let unit = cx.java();
            let locals = unit.locals(scope);
            match unit.type_of(&locals, expr) {
                Some("String") => Side::String,
                _ => Side::Unknown,
            }
        }
        _ => Side::Unknown,
    }
}

/// `s.intern() == "x"`: interned strings are meant to be compared by reference.
fn is_intern(expr: Node<'_>, cx: &Checker<'_>) -> bool {
    expr.kind() == "method_invocation"
        && expr
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n) == "intern")
}

/// A reference test used as a fast path in front of the real comparison:
/// `a == b || a.equals(b)`, `(a == b && ..) || (a != null && a.equals(b))`, and
/// `if (a == b) return true;` at the top of an `equals` method.
fn is_identity_shortcut<'t>(
    node: Node<'t>,
    left: Node<'t>,
    right: Node<'t>,
    cx: &Checker<'t>,
) -> bool {
    let mentions_equals = |code: &str| {
        code.contains(".equals(") && code.contains(cx.text(left)) && code.contains(cx.text(right))
    };
    let mut child = node;
    for parent in cx.ancestors().take(MAX_SHORTCUT_DEPTH) {
        match parent.kind() {
            "parenthesized_expression" => {}
            "binary_expression" => {
                let op = parent
                    .child_by_field_name("operator")
                    .map_or("", |op| cx.text(op));
                let from_left = parent
                    .child_by_field_name("left")
                    .is_some_and(|l| l.id() == child.id());
                if op == "||"
                    && from_left
                    && parent
                        .child_by_field_name("right")
                        .is_some_and(|r| mentions_equals(cx.text(r)))
                {
                    return true;
                }
                if op != "&&" && op != "||" {
                    return false;
                }
            }
            "if_statement" => {
                let returns_true = parent.child_by_field_name("consequence").is_some_and(|c| {
                    let code: String = cx.text(c).split_whitespace().collect();
                    code == "returntrue;" || code == "{returntrue;}"
                });
                // Only between two variables: `if (role == "admin") return true;` is the bug.
                let is_eq = node
                    .child_by_field_name("operator")
                    .is_some_and(|op| cx.text(op) == "==");
                let no_literal = [left, right].iter().all(|n| n.kind() != "string_literal");
                return is_eq && no_literal && returns_true;
            }
            _ => return false,
        }
        child = parent;
    }
    false
}

/// How many enclosing `&&`/`||`/parentheses the fast-path test looks through.
const MAX_SHORTCUT_DEPTH: usize = 8;

/// A field initialised with `new String(..)`: a sentinel compared by identity on purpose.
fn is_sentinel<'t>(expr: Node<'t>, cx: &Checker<'t>) -> bool {
    if !matches!(expr.kind(), "identifier" | "field_access") {
        return false;
    }
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return false;
    };
    let unit = cx.java();
    let locals = unit.locals(scope);
    let Some(Binding::Field(field)) = unit.resolve(&locals, expr) else {
        return false;
    };
    field.value.is_some_and(|v| {
        v.kind() == "object_creation_expression"
            && v.child_by_field_name("type")
                .is_some_and(|t| cx.text(t) == "String")
    })
}

/// `FIRST_ROW` or `JOptionPane.OPTIONS_PROPERTY`: a constant, by Java's naming convention.
fn is_constant_name(expr: Node<'_>, cx: &Checker<'_>) -> bool {
    let name = match expr.kind() {
        "identifier" => expr,
        "field_access" => match expr.child_by_field_name("field") {
            Some(field) => field,
            None => return false,
        },
        _ => return false,
    };
    let name = cx.text(name);
    name.len() > 1
        && name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether the file interns the strings it compares: it calls `intern()` or keeps a
/// symbol table, as XML parsers do.
fn interns_strings(cx: &Checker<'_>) -> bool {
    cx.java().interns_strings()
}
