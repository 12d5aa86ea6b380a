use tree_sitter::Node;

use crate::python::place;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `raise Exception(...)` and `raise BaseException(...)` (or the bare
    /// classes), the two built-in exceptions that say nothing about what went wrong.
    /// Test code (files under `tests/`, `test_*.py`, `test*` functions, `Test*` classes,
    /// modules importing `unittest` or `pytest`) is skipped: tests raise them on purpose.
    ///
    /// ## Why is this bad?
    /// A caller that wants to handle this one failure has to write `except Exception`,
    /// which also catches every bug (`KeyError`, `TypeError`, `AttributeError`) raised
    /// by the same code, and then has to tell them apart by parsing the message. A
    /// specific built-in (`ValueError`, `RuntimeError`, `LookupError`) or an exception
    /// class of your own lets callers catch exactly what they can handle.
    ///
    /// ## Example
    /// ```python
    /// def load_config(path):
    ///     if not path.exists():
    ///         raise Exception(f"no configuration at {path}")
    ///     return path.read_text()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// class ConfigError(Exception):
    ///     pass
    ///
    /// def load_config(path):
    ///     if not path.exists():
    ///         raise ConfigError(f"no configuration at {path}")
    ///     return path.read_text()
    /// ```
    pub GenericExceptionRaised {
        id: "py-generic-exception-raised",
        title: "Generic `Exception` raised",
        language: Python,
        category: Maintainability,
        severity: Warning,
        cwe: [397],
        precision: High,
        kinds: ["raise_statement"],
        fix: "Raise a specific built-in exception or a class of your own",
        skip_tests: true,
    }
}

impl Rule for GenericExceptionRaised {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(raised) = node.named_child(0).filter(|c| c.kind() != "comment") else {
            return;
        };
        let raised = ast::unparenthesize(raised);
        let class = match raised.kind() {
            "call" => raised.child_by_field_name("function"),
            "identifier" => Some(raised),
            _ => None,
        };
        let Some(class) = class.filter(|c| matches!(cx.text(*c), "Exception" | "BaseException"))
        else {
            return;
        };
        let Some(name) = cx.python().resolve(class) else {
            return;
        };
        let Some(builtin) = name.strip_prefix("builtins.") else {
            return;
        };
        // Tests raise a bare `Exception` on purpose, to exercise error handling.
        if place::in_test_code(cx) {
            return;
        }
        cx.report(
            class,
            format!("raising `{builtin}` forces callers to catch every exception to handle this one"),
        )
        .help("Raise a specific exception (`ValueError`, `RuntimeError`, ...) or define one for this failure");
    }
}
