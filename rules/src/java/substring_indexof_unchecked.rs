use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::java::text::{quote, simple_name};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `s.substring(..)` whose begin or end index is `s.indexOf(x)` or
    /// `s.lastIndexOf(x)`, or a begin index of `s.indexOf(x) + n`, when nothing in the
    /// method checks that `x` is in `s`: no `contains`, `startsWith`, `endsWith` or
    /// `matches` on `s`, no `indexOf` compared with a number, and no `catch` of
    /// `IndexOutOfBoundsException` around the call.
    ///
    /// `s.lastIndexOf(x) + 1` as the begin index is not reported: it gives the whole
    /// string when `x` is missing, which is what `path.substring(path.lastIndexOf('/') + 1)`
    /// means.
    ///
    /// ## Why is this bad?
    /// `indexOf` returns `-1` when the text is missing. As an index that throws
    /// `StringIndexOutOfBoundsException`, and `-1 + n` silently cuts the string at the
    /// wrong place. Input without the separator (an empty header, a malformed line) then
    /// crashes the request or produces garbage instead of being rejected.
    ///
    /// ## Example
    /// ```java
    /// String user = email.substring(0, email.indexOf('@'));
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// int at = email.indexOf('@');
    /// if (at < 0) {
    ///     throw new IllegalArgumentException("not an email address: " + email);
    /// }
    /// String user = email.substring(0, at);
    /// ```
    pub SubstringIndexofUnchecked {
        id: "java-substring-indexof-unchecked",
        title: "substring() at an unchecked indexOf()",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [129],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Check the index against -1 before cutting the string",
    }
}

/// Calls on the string that tell whether the text is in it.
const GUARDS: &[&str] = &["contains", "startsWith", "endsWith", "matches"];

/// Exceptions whose `catch` handles a bad index.
const CAUGHT: &[&str] = &[
    "StringIndexOutOfBoundsException",
    "IndexOutOfBoundsException",
    "RuntimeException",
    "Exception",
    "Throwable",
];

impl Rule for SubstringIndexofUnchecked {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(object) = call.object else {
            return;
        };
        if call.name != "substring" || !(1..=2).contains(&call.args.len()) {
            return;
        }
        if !matches!(object.kind(), "identifier" | "field_access") {
            return;
        }
        let text = cx.text(object);
        let Some(search) = call
            .args
            .iter()
            .enumerate()
            .find_map(|(i, arg)| unchecked_index(ast::unparenthesize(*arg), i == 0, text, cx))
        else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        if is_checked(scope, text, cx) || catches_bad_index(cx) {
            return;
        }
        cx.report(
            node,
            format!(
                "`{}` is -1 when the text is missing, and `substring` then throws or cuts at the wrong place",
                quote(cx.text(search.node))
            ),
        )
        .help("Store the index, and handle -1 before calling `substring`");
    }
}

/// The `indexOf` call in `s.indexOf(x)`, `s.lastIndexOf(x)`, or, as a begin index,
/// `s.indexOf(x) + n`.
fn unchecked_index<'t>(
    arg: Node<'t>,
    is_begin: bool,
    text: &str,
    cx: &Checker<'t>,
) -> Option<Call<'t>> {
    let index_call = |n: Node<'t>| {
        Call::of(ast::unparenthesize(n), cx).filter(|c| {
            matches!(c.name, "indexOf" | "lastIndexOf")
                && (1..=2).contains(&c.args.len())
                && c.object.is_some_and(|o| cx.text(o) == text)
        })
    };
    if let Some(call) = index_call(arg) {
        return Some(call);
    }
    if !is_begin || arg.kind() != "binary_expression" {
        return None;
    }
    let operator = cx.text(arg.child_by_field_name("operator")?);
    let right = arg.child_by_field_name("right")?;
    if operator != "+" || right.kind() != "decimal_integer_literal" {
        return None;
    }
    index_call(arg.child_by_field_name("left")?).filter(|c| c.name == "indexOf")
}

/// Whether the method tests that the text is in `text`: a `contains`-like call on it, or
/// an `indexOf` on it compared with something.
fn is_checked<'t>(scope: Node<'t>, text: &str, cx: &Checker<'t>) -> bool {
    calls::calls_in(scope, cx).into_iter().any(|call| {
        if call.object.is_none_or(|o| cx.text(o) != text) {
            return false;
        }
        if GUARDS.contains(&call.name) {
            return true;
        }
        matches!(call.name, "indexOf" | "lastIndexOf")
            && ast::ancestors(call.node)
                .find(|a| a.kind() != "parenthesized_expression")
                .is_some_and(|p| {
                    p.kind() == "binary_expression"
                        && p.child_by_field_name("operator").is_some_and(|o| {
                            matches!(cx.text(o), "<" | ">" | "<=" | ">=" | "==" | "!=")
                        })
                })
    })
}

/// Whether a `try` around the node being checked catches a bad index.
fn catches_bad_index(cx: &Checker<'_>) -> bool {
    let mut child: Option<Node<'_>> = None;
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "try_statement" | "try_with_resources_statement" => {
                let in_body = ancestor
                    .child_by_field_name("body")
                    .zip(child)
                    .is_some_and(|(b, c)| b.id() == c.id());
                let catches = ast::named_children(ancestor)
                    .into_iter()
                    .filter(|c| c.kind() == "catch_clause")
                    .any(|clause| {
                        ast::descendants(clause)
                            .filter(|n| n.kind() == "catch_type")
                            .any(|t| {
                                cx.text(t)
                                    .split('|')
                                    .any(|ty| CAUGHT.contains(&simple_name(ty.trim())))
                            })
                    });
                if in_body && catches {
                    return true;
                }
            }
            "lambda_expression" | "class_body" | "method_declaration" | "constructor_declaration" => {
                return false;
            }
            _ => {}
        }
        child = Some(ancestor);
    }
    false
}
