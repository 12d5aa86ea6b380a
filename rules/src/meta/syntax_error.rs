use tree_sitter::Node;

use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports the first syntax error in a file: a token the parser did not expect or a
    /// token that is missing.
    ///
    /// ## Why is this bad?
    /// Code that does not parse does not run. Argus recovers from the error and still
    /// reviews the parts of the file that parse, but findings near the error may be
    /// missing or misplaced until it is fixed.
    ///
    /// ## Example
    /// ```python
    /// def greet(name:
    ///     print("hello", name)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def greet(name):
    ///     print("hello", name)
    /// ```
    pub SyntaxError {
        id: "syntax-error",
        title: "Syntax error",
        language: Any,
        category: Correctness,
        severity: Error,
        cwe: [],
        precision: VeryHigh,
        kinds: [],
        fix: "Fix the syntax error; the rest of the file was still reviewed",
    }
}

impl Rule for SyntaxError {
    fn check<'t>(&self, _node: Node<'t>, _cx: &Checker<'t>) {
        // Reported by the engine, which sees the first error node during its walk.
    }
}
