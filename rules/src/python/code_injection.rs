//! `py-code-injection`: request data reaching the sink is found by the taint analysis; values
//! it leaves open (parameters of functions not called in the file, opaque values) by the
//! older non-constant check.

use tree_sitter::Node;

use crate::python::{call, flows, quote};
use crate::taint::SinkKind;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for the builtins `eval` and `exec` called with a value that is not a
    /// constant of the file: a parameter, user input, or a string built from either.
    /// Methods that happen to be called `eval` (`model.eval()`) and `ast.literal_eval` are
    /// not affected, nor is code the program builds itself from its own fields or from
    /// `compile()` of files it loads (module loaders, REPLs).
    ///
    /// ## Why is this bad?
    /// `eval` and `exec` run their argument as Python code with the full rights of the
    /// process. If any part of that string comes from a request, a file or a message, an
    /// attacker can read secrets, run shell commands or change data. Escaping cannot make
    /// it safe: the language is too rich to filter.
    ///
    /// ## Example
    /// ```python
    /// def calculate(request):
    ///     expression = request.GET["expr"]
    ///     return eval(expression)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import ast
    ///
    /// def parse_literal(request):
    ///     # Only Python literals: numbers, strings, lists, dicts, ...
    ///     return ast.literal_eval(request.GET["value"])
    ///
    /// OPERATIONS = {"sum": sum, "max": max}
    ///
    /// def apply(request, values):
    ///     # Dispatch on a name instead of building code.
    ///     return OPERATIONS[request.GET["op"]](values)
    /// ```
    pub CodeInjection {
        id: "py-code-injection",
        title: "Code built at run time passed to eval or exec",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [94, 95],
        precision: Low,
        kinds: ["call"],
        fix: "Do not run code built from data: parse literals with `ast.literal_eval` and dispatch through a dict",
    }
}

impl Rule for CodeInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        // Request data reaching the sink is reported with its path; a sink only constants
        // reach is not reported. The non-constant check below covers what the taint
        // analysis leaves to the caller: parameters and values it cannot see into.
        if flows::check(node, cx, SinkKind::Code) != flows::Outcome::Unknown {
            return;
        }
        if !matches!(call::callee_name(node, cx.source()), Some("eval" | "exec"))
            || flows::only_internal_values_reach(node, cx, SinkKind::Code)
        {
            return;
        }
        let name = match cx.python().resolve_call(node).as_deref() {
            Some("builtins.eval") => "eval",
            Some("builtins.exec") => "exec",
            _ => return,
        };
        let Some(mut code) = call::argument(node, 0, "source", cx.source()) else {
            return;
        };
        // `exec(compile(source, filename, mode))` runs `source`.
        if ast::unparenthesize(code).kind() == "call"
            && call::callee_name(ast::unparenthesize(code), cx.source()) == Some("compile")
            && cx
                .python()
                .resolve_call(ast::unparenthesize(code))
                .as_deref()
                == Some("builtins.compile")
            && let Some(source) =
                call::argument(ast::unparenthesize(code), 0, "source", cx.source())
        {
            code = source;
        }
        if !cx.python().is_dynamic(code) {
            return;
        }
        let help = if name == "eval" {
            "Parse data with `ast.literal_eval` or `json.loads`; map names to functions with a dict instead of evaluating them"
        } else {
            "Do not build code from data: call the functions directly, or dispatch through a dict of allowed operations"
        };
        cx.report(
            node,
            format!(
                "`{name}` runs its argument as Python code, and `{}` is not a constant",
                quote::short(cx.text(code))
            ),
        )
        .help(help);
    }
}
