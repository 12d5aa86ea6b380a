use tree_sitter::Node;

use crate::python::place;
use crate::{Checker, Rule, Span, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for exception handlers that hide errors:
    /// - a bare `except:`, unless the handler ends up re-raising with `raise`;
    /// - `except Exception:` or `except BaseException:` (alone or in a tuple) whose body
    ///   does nothing but `pass`, `...` or `continue`.
    ///
    /// ## Why is this bad?
    /// A bare `except:` catches everything, including `KeyboardInterrupt` and
    /// `SystemExit`: Ctrl-C and `sys.exit()` stop working inside the `try`. A handler that
    /// catches every exception and does nothing throws away the only evidence of a bug, a
    /// failed write or a lost connection; the program carries on with bad state and fails
    /// later, somewhere unrelated.
    ///
    /// ## Example
    /// ```python
    /// def load_settings(path):
    ///     try:
    ///         with open(path) as f:
    ///             return json.load(f)
    ///     except:
    ///         pass
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def load_settings(path):
    ///     try:
    ///         with open(path) as f:
    ///             return json.load(f)
    ///     except FileNotFoundError:
    ///         return {}
    ///     except json.JSONDecodeError:
    ///         logger.exception("invalid settings in %s", path)
    ///         raise
    /// ```
    pub SwallowedException {
        id: "py-swallowed-exception",
        title: "Exception swallowed",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [396, 703, 390],
        precision: High,
        kinds: ["except_clause"],
        fix: "Catch the specific exceptions you expect, and log or re-raise the rest",
    }
}

impl Rule for SwallowedException {
    fn check<'t>(&self, clause: Node<'t>, cx: &Checker<'t>) {
        let Some(body) = ast::named_children(clause)
            .into_iter()
            .find(|c| c.kind() == "block")
        else {
            return;
        };
        let header = header_span(clause, cx);
        let does_nothing = does_nothing(body);
        match clause.child_by_field_name("value") {
            None => {
                if reraises(body) {
                    return;
                }
                let message = if does_nothing {
                    "bare `except:` silently swallows every exception, including `KeyboardInterrupt` and `SystemExit`"
                } else {
                    "bare `except:` also catches `KeyboardInterrupt` and `SystemExit`"
                };
                cx.report_span(header, message).help(
                    "Catch the exceptions you expect (`except ValueError:`), or `except Exception:` and log it",
                );
            }
            Some(value) if does_nothing => {
                let caught = match value.kind() {
                    "as_pattern" => value.named_child(0).unwrap_or(value),
                    _ => value,
                };
                let Some(broad) = place::broad_exception(caught, cx) else {
                    return;
                };
                cx.report_span(
                    header,
                    format!("`except {broad}` discards every error without a trace"),
                )
                .help("Catch only the exceptions you expect here, or log the error (`logger.exception(...)`)");
            }
            Some(_) => {}
        }
    }
}

/// `except ...:`, the part a reader needs to see.
pub(super) fn header_span(clause: Node<'_>, cx: &Checker<'_>) -> Span {
    let mut cursor = clause.walk();
    let end = clause
        .children(&mut cursor)
        .find(|c| c.kind() == ":")
        .map_or(clause.end_byte(), |colon| colon.end_byte());
    Span::from_bytes(cx.source(), clause.start_byte(), end)
}

/// Whether a handler body is only `pass`, `...` and `continue`.
fn does_nothing(body: Node<'_>) -> bool {
    ast::named_children(body)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .all(|statement| match statement.kind() {
            "pass_statement" | "continue_statement" => true,
            "expression_statement" => ast::named_children(statement)
                .iter()
                .all(|e| e.kind() == "ellipsis"),
            _ => false,
        })
}

/// Whether the handler contains a bare `raise` (outside nested functions and classes).
fn reraises(body: Node<'_>) -> bool {
    let mut nodes = ast::descendants(body);
    while let Some(node) = nodes.next() {
        match node.kind() {
            "function_definition" | "class_definition" | "lambda" => nodes.skip_children(),
            "raise_statement"
                if ast::named_children(node)
                    .iter()
                    .all(|c| c.kind() == "comment") =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

