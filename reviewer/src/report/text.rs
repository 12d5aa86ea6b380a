//! The terminal format: rustc/ruff-like snippets with `^^^` under each span, a fix
//! hint, and a summary line.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};
use argus_rules::Severity;

use super::Reporter;
use crate::{Diagnostic, Review};

/// Renders findings for people.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextReporter {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Leave out the summary line (used for rule snapshots).
    pub no_summary: bool,
}

impl TextReporter {
    /// Renders one diagnostic, ending with a blank line.
    pub fn render(&self, d: &Diagnostic) -> String {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Info => Level::INFO,
        };
        let start = d.span.start_byte.saturating_sub(d.snippet_offset);
        let end = d
            .span
            .end_byte
            .saturating_sub(d.snippet_offset)
            .clamp(start, d.snippet.len());
        let path = d
            .flow
            .iter()
            .map(|n| format!("{} at line {}", n.message, n.span.start.line))
            .collect::<Vec<_>>()
            .join(" → ");
        let mut group = level
            .primary_title(d.message.as_str())
            .id(d.rule.id)
            .element(
                Snippet::source(d.snippet.as_str())
                    .line_start(d.span.start.line)
                    .path(d.path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
            .element(Level::HELP.message(d.help.as_str()));
        if !path.is_empty() {
            group = group.element(Level::NOTE.message(path.as_str()));
        }
        let report = &[group];
        let renderer = if self.color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        format!("{}\n\n", renderer.render(report))
    }

    /// The closing summary: counts by severity, files, problems and time.
    pub fn summary(&self, review: &Review) -> String {
        let total = review.diagnostics.len();
        let files = plural(review.files, "file", "files");
        let secs = review.elapsed.as_secs_f64();
        let mut line = if total == 0 {
            format!("No findings in {files} ({secs:.2}s).")
        } else {
            let parts: Vec<String> = Severity::ALL
                .iter()
                .rev()
                .map(|s| (*s, review.count(*s)))
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| match s {
                    Severity::Error => plural(n, "error", "errors"),
                    Severity::Warning => plural(n, "warning", "warnings"),
                    Severity::Info => plural(n, "info", "infos"),
                })
                .collect();
            format!(
                "Found {} ({}) in {files} ({secs:.2}s).",
                plural(total, "finding", "findings"),
                parts.join(", ")
            )
        };
        if !review.problems.is_empty() {
            line.push_str(&format!(
                " {} could not be reviewed; see the errors above.",
                plural(review.problems.len(), "path", "paths")
            ));
        }
        if review.baselined > 0 {
            line.push_str(&format!(
                " {} in the baseline not shown.",
                plural(review.baselined, "finding", "findings")
            ));
        }
        let style = if total == 0 && review.problems.is_empty() {
            AnsiColor::Green.on_default().effects(Effects::BOLD)
        } else {
            Style::new().effects(Effects::BOLD)
        };
        if self.color {
            format!("{style}{line}{style:#}\n")
        } else {
            format!("{line}\n")
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Reporter for TextReporter {
    fn write(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        for d in &review.diagnostics {
            out.write_all(self.render(d).as_bytes())?;
        }
        if !self.no_summary {
            out.write_all(self.summary(review).as_bytes())?;
        }
        Ok(())
    }
}
