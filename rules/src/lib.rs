//! The Argus rule API and rule catalogue.
//!
//! A rule is one file: a [`declare_rule!`] block whose doc comment is the user
//! documentation, and a [`Rule::check`] that the engine calls for every node of the kinds
//! the rule declares. The engine itself lives in `argus-reviewer`; this crate only knows
//! what a rule is and which rules exist.
//!
//! ```
//! let rule = argus_rules::find("py-weak-hash").expect("a catalogue rule");
//! assert_eq!(rule.meta().category, argus_rules::Category::Security);
//! assert!(rule.meta().doc().contains("## Why is this bad?"));
//! ```

pub mod ast;
mod checker;
pub mod common;
pub mod java;
pub mod meta;
pub mod python;
mod rule;
pub mod taint;

pub use checker::{Checker, Edit, Finding, Note, Position, Report, Span};
pub use rule::{
    Category, Describe, Language, Precision, Rule, RuleMeta, Scope, Severity, is_test_path,
};

use std::sync::OnceLock;

/// Every rule Argus knows, in a stable order: engine rules, then Java, then Python.
pub fn catalogue() -> &'static [&'static dyn Rule] {
    static ALL: OnceLock<Vec<&'static dyn Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        meta::RULES
            .iter()
            .chain(java::RULES)
            .chain(python::RULES)
            .copied()
            .collect()
    })
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    catalogue().iter().copied().find(|r| r.meta().id == id)
}
