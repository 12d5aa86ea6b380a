use tree_sitter::Node;

use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports suppression comments that name no rule, or name a rule that does not
    /// exist: `# argus: ignore`, `// argus: ignore[]`, `# argus: ignore[py-weak-hsh]`.
    ///
    /// ## Why is this bad?
    /// A suppression without a rule id would hide every current and future finding on the
    /// line, including serious ones nobody has looked at. A misspelled id suppresses
    /// nothing while looking as if it did. Argus therefore ignores both and reports them.
    ///
    /// ## Example
    /// ```python
    /// digest = hashlib.md5(data)  # argus: ignore
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// digest = hashlib.md5(data)  # argus: ignore[py-weak-hash]
    /// ```
    pub InvalidSuppression {
        id: "invalid-suppression",
        title: "Suppression without a valid rule id",
        language: Any,
        category: Maintainability,
        severity: Warning,
        cwe: [],
        precision: VeryHigh,
        kinds: [],
        fix: "Name the rule ids to suppress, e.g. `argus: ignore[py-weak-hash]`",
    }
}

impl Rule for InvalidSuppression {
    fn check<'t>(&self, _node: Node<'t>, _cx: &Checker<'t>) {
        // Reported by the engine while it reads suppression comments.
    }
}
