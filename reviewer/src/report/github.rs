//! GitHub Actions workflow commands: each finding becomes an `::error`/`::warning`/
//! `::notice` annotation shown on the run and in the PR's changed files.

use std::io::{self, Write};

use argus_rules::Severity;

use super::Reporter;
use crate::Review;

/// Writes workflow-command annotations, one line per finding and per problem.
#[derive(Debug, Clone, Copy, Default)]
pub struct GithubReporter;

impl Reporter for GithubReporter {
    fn write(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        for d in &review.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                property(&d.uri),
                d.span.start.line,
                d.span.start.column,
                d.span.end.line,
                d.span.end.column,
                property(&format!("{} ({})", d.rule.id, d.rule.title)),
                data(&format!("{}\nhelp: {}", d.message, d.help)),
            )?;
        }
        for p in &review.problems {
            writeln!(
                out,
                "::error file={},title={}::{}",
                property(&crate::review::display_path(&p.path)),
                property(&format!("argus: {}", p.kind.name())),
                data(&p.message),
            )?;
        }
        Ok(())
    }
}

/// Escapes a workflow-command message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value, which also may not hold `:` or `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
