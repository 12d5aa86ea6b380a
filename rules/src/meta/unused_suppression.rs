use tree_sitter::Node;

use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a suppression, by comment or by `@SuppressWarnings("argus:...")`, that
    /// suppressed no finding. Only reported with `--warn-unused-suppressions`.
    ///
    /// ## Why is this bad?
    /// A stale suppression outlives the code it was written for. When the code changes
    /// back, a real problem on that line will be hidden without anyone deciding so.
    ///
    /// ## Example
    /// ```python
    /// digest = hashlib.sha256(data)  # argus: ignore[py-weak-hash]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// digest = hashlib.sha256(data)
    /// ```
    pub UnusedSuppression {
        id: "unused-suppression",
        title: "Suppression that suppresses nothing",
        language: Any,
        category: Maintainability,
        severity: Warning,
        cwe: [],
        precision: VeryHigh,
        kinds: [],
        fix: "Remove the suppression",
    }
}

impl Rule for UnusedSuppression {
    fn check<'t>(&self, _node: Node<'t>, _cx: &Checker<'t>) {
        // Reported by the engine after suppressions are matched to findings.
    }
}
