//! The JSON format: stable, versioned, documented in `docs/json-format.md`.

use std::io::{self, Write};

use argus_rules::Severity;
use serde::Serialize;

use super::Reporter;
use crate::Review;

/// Writes the review as one JSON document.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonReporter;

/// Bumped only when a field changes meaning or is removed; new fields may appear.
pub const JSON_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    problems: Vec<Problem<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    problems: usize,
    baselined: usize,
    elapsed_ms: u128,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    title: &'a str,
    severity: Severity,
    category: &'a str,
    cwe: &'a [u32],
    path: &'a str,
    uri: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
    help: &'a str,
    fingerprint: &'a str,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Fix<'a> {
    start_byte: usize,
    end_byte: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct Problem<'a> {
    path: String,
    kind: &'a str,
    message: &'a str,
}

impl Reporter for JsonReporter {
    fn write(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let document = Document {
            version: JSON_FORMAT_VERSION,
            tool: Tool {
                name: "argus",
                version: env!("CARGO_PKG_VERSION"),
            },
            summary: Summary {
                files: review.files,
                findings: review.diagnostics.len(),
                errors: review.count(Severity::Error),
                warnings: review.count(Severity::Warning),
                infos: review.count(Severity::Info),
                problems: review.problems.len(),
                baselined: review.baselined,
                elapsed_ms: review.elapsed.as_millis(),
            },
            findings: review
                .diagnostics
                .iter()
                .map(|d| Finding {
                    rule: d.rule.id,
                    title: d.rule.title,
                    severity: d.severity,
                    category: d.rule.category.name(),
                    cwe: d.rule.cwe,
                    path: &d.path,
                    uri: &d.uri,
                    start: Position {
                        line: d.span.start.line,
                        column: d.span.start.column,
                    },
                    end: Position {
                        line: d.span.end.line,
                        column: d.span.end.column,
                    },
                    message: &d.message,
                    help: &d.help,
                    fingerprint: &d.fingerprint,
                    fix: d.fix.as_ref().map(|f| Fix {
                        start_byte: f.start_byte,
                        end_byte: f.end_byte,
                        replacement: &f.replacement,
                    }),
                })
                .collect(),
            problems: review
                .problems
                .iter()
                .map(|p| Problem {
                    path: crate::review::display_path(&p.path),
                    kind: p.kind.name(),
                    message: &p.message,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        out.write_all(b"\n")
    }
}
