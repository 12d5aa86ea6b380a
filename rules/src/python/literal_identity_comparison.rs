use tree_sitter::Node;

use crate::python::quote;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `is` and `is not` comparisons against a literal: a string, bytes,
    /// number, tuple, list, dict or set. Comparisons with the singletons `None`, `True`,
    /// `False` and `...` are fine.
    ///
    /// ## Why is this bad?
    /// `is` asks whether two names refer to the same object, not whether two values are
    /// equal. Whether `name is "admin"` or `count is 1000` holds depends on when CPython
    /// happens to reuse an object (small integers, interned strings), so the check passes
    /// in a test and fails in production, or changes between Python versions. A list,
    /// dict or set literal is a new object every time, so `x is []` is always false.
    /// Python 3.8+ warns about this with a `SyntaxWarning`.
    ///
    /// ## Example
    /// ```python
    /// def is_admin(user):
    ///     return user.role is "admin"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def is_admin(user):
    ///     return user.role == "admin"
    /// ```
    pub LiteralIdentityComparison {
        id: "py-literal-identity-comparison",
        title: "Identity comparison with a literal",
        language: Python,
        category: Correctness,
        severity: Error,
        cwe: [597],
        precision: VeryHigh,
        kinds: ["comparison_operator"],
        fix: "Compare values with `==` or `!=`",
    }
}

impl Rule for LiteralIdentityComparison {
    fn check<'t>(&self, comparison: Node<'t>, cx: &Checker<'t>) {
        let (operands, operators) = crate::python::call::comparison_parts(comparison);
        let chained = operators.len() > 1;
        for (i, operator) in operators.into_iter().enumerate() {
            let negated = match operator.kind() {
                "is" => false,
                "is not" => true,
                _ => continue,
            };
            let (Some(&left), Some(&right)) = (operands.get(i), operands.get(i + 1)) else {
                continue;
            };
            let Some((literal, kind)) = [right, left]
                .into_iter()
                .find_map(|side| literal_kind(side, cx).map(|kind| (side, kind)))
            else {
                continue;
            };
            let (is, equals) = if negated {
                ("is not", "!=")
            } else {
                ("is", "==")
            };
            let literal_text = cx.text(literal);
            let report = match kind {
                Literal::Value(what) => {
                    let report = cx.report(
                        comparison,
                        format!(
                            "`{is}` compares identity, not value: whether it holds for the {what} `{}` depends on CPython's object caching",
                            quote::short(literal_text)
                        ),
                    );
                    if chained {
                        report
                    } else {
                        report.fix(operator, equals)
                    }
                }
                Literal::Fresh(what) => cx.report(
                    comparison,
                    format!(
                        "a {what} literal is a new object, so `{is} {}` is always {}",
                        quote::short(literal_text),
                        if negated { "true" } else { "false" }
                    ),
                ),
            };
            report.help(format!("Use `{equals}` to compare values"));
        }
    }
}

enum Literal {
    /// An immutable value CPython may or may not share between uses.
    Value(&'static str),
    /// A container display, a new object on every evaluation.
    Fresh(&'static str),
}

fn literal_kind(node: Node<'_>, cx: &Checker<'_>) -> Option<Literal> {
    let node = ast::unparenthesize(node);
    Some(match node.kind() {
        "string" | "concatenated_string" => {
            let prefix = cx.text(node).split(['"', '\'']).next().unwrap_or_default();
            if prefix.contains(['b', 'B']) {
                Literal::Value("bytes")
            } else {
                Literal::Value("string")
            }
        }
        "integer" | "float" => Literal::Value("number"),
        "unary_operator" => {
            let operand = ast::unparenthesize(node.child_by_field_name("argument")?);
            match operand.kind() {
                "integer" | "float" => Literal::Value("number"),
                _ => return None,
            }
        }
        "tuple" => Literal::Value("tuple"),
        "list" | "list_comprehension" => Literal::Fresh("list"),
        "dictionary" | "dictionary_comprehension" => Literal::Fresh("dict"),
        "set" | "set_comprehension" => Literal::Fresh("set"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Describe, Language};

    fn fixes(source: &str) -> Vec<Option<String>> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(source, None).unwrap();
        let cx = Checker::new(Language::Python, source, tree.root_node());
        cx.set_rule(LiteralIdentityComparison.meta());
        for node in ast::descendants(tree.root_node()) {
            if node.kind() == "comparison_operator" {
                LiteralIdentityComparison.check(node, &cx);
            }
        }
        cx.into_findings()
            .into_iter()
            .map(|f| {
                f.fix.map(|edit| {
                    let mut fixed = source.to_string();
                    fixed.replace_range(edit.start_byte..edit.end_byte, &edit.replacement);
                    fixed
                })
            })
            .collect()
    }

    #[test]
    fn scalar_literals_get_an_equality_fix() {
        assert_eq!(fixes("x is 'a'\n"), [Some("x == 'a'\n".to_string())]);
        assert_eq!(fixes("x is not 404\n"), [Some("x != 404\n".to_string())]);
    }

    #[test]
    fn containers_and_chains_get_no_fix() {
        assert_eq!(fixes("x is []\n"), [None]);
        assert_eq!(fixes("0 <= x is 0\n"), [None]);
        assert!(fixes("x is None or x is True or x is ...\n").is_empty());
    }
}
