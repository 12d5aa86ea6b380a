//! The Argus review machinery: discovery, parsing, the parallel engine, configuration,
//! suppression, baselines and reporters.
//!
//! ```
//! use argus_reviewer::{Engine, RuleSet, check_source};
//! use argus_rules::Language;
//!
//! let engine = Engine::new(RuleSet::all(), false);
//! let found = check_source(&engine, Language::Python, "app.py", "import hashlib\nhashlib.md5(b'x')\n");
//! assert_eq!(found[0].rule.id, "py-weak-hash");
//! assert_eq!(found[0].span.start.line, 2);
//! ```

pub mod baseline;
pub mod config;
mod diagnostic;
pub mod discover;
mod engine;
pub mod report;
pub mod review;
mod rule_set;
mod source;
mod suggest;
mod suppress;

use std::path::PathBuf;
use std::time::Duration;

pub use diagnostic::{Diagnostic, Problem, ProblemKind, assign_fingerprints};
pub use engine::{Engine, FileFindings, ParseError, parse};
pub use rule_set::RuleSet;
pub use source::load as load_source;
pub use suggest::closest;

use argus_rules::Language;

/// A finished review: what reporters receive.
#[derive(Debug, Default)]
pub struct Review {
    /// Findings, sorted by path, line, column, then rule id.
    pub diagnostics: Vec<Diagnostic>,
    /// Paths that could not be reviewed, sorted by path.
    pub problems: Vec<Problem>,
    /// Files reviewed.
    pub files: usize,
    /// Findings left out because the baseline has them.
    pub baselined: usize,
    pub elapsed: Duration,
    /// Rules enabled for at least one file.
    pub rules: RuleSet,
    /// The project root that SARIF URIs are relative to.
    pub root: PathBuf,
}

impl Review {
    /// How many findings have this severity.
    pub fn count(&self, severity: argus_rules::Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Checks one in-memory source with `engine` and returns its diagnostics, sorted and
/// fingerprinted, with the rules' default severities. A file that cannot be parsed at all
/// gives no diagnostics.
pub fn check_source(
    engine: &Engine,
    language: Language,
    path: &str,
    source: &str,
) -> Vec<Diagnostic> {
    let Ok(found) = engine.check(language, source) else {
        return Vec::new();
    };
    let mut diagnostics: Vec<Diagnostic> = found
        .findings
        .into_iter()
        .map(|f| {
            let severity = f.rule.severity;
            Diagnostic::new(f, severity, path.to_string(), path.to_string(), source)
        })
        .collect();
    sort(&mut diagnostics);
    assign_fingerprints(&mut diagnostics);
    diagnostics
}

/// The stable report order: path, line, column, rule id, then message.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.path.as_str(), a.span.start, a.rule.id, a.message.as_str()).cmp(&(
            b.path.as_str(),
            b.span.start,
            b.rule.id,
            b.message.as_str(),
        ))
    });
}
