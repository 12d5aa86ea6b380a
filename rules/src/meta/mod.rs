//! Rules the engine itself reports: syntax errors and problems with suppressions.
//!
//! They have no node kinds, so the walk never dispatches to them; the engine creates
//! their findings directly. They still live in the catalogue so that they can be
//! selected, ignored, explained and listed in SARIF like every other rule.

crate::register_rules! {
    syntax_error::SyntaxError,
    invalid_suppression::InvalidSuppression,
    unused_suppression::UnusedSuppression,
}
