//! What reporters receive: findings placed in files, and problems that kept a file from
//! being reviewed.

use std::path::PathBuf;

use argus_rules::{Edit, Finding, Note, RuleMeta, Severity, Span};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A finding in a file, ready to report.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The path as the user gave it or as found under it; used in terminal output.
    pub path: String,
    /// The path relative to the project root with `/` separators; used in SARIF and in
    /// fingerprints, so it does not depend on the directory Argus runs from.
    pub uri: String,
    pub rule: &'static RuleMeta,
    /// The rule's severity after configuration overrides.
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub help: String,
    pub fix: Option<Edit>,
    /// The whole source lines the span covers.
    pub snippet: String,
    /// Byte offset of `snippet` in the file.
    pub snippet_offset: usize,
    /// Stable identity: survives unrelated edits above the finding.
    pub fingerprint: String,
    /// For data-flow findings: the steps from the source to the sink, sink last.
    pub flow: Vec<Note>,
}

/// Why a file or path could not be reviewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    NotFound,
    Unreadable,
    NotUtf8,
    Binary,
    TooLarge,
    NotAFile,
    SymlinkLoop,
    NoSources,
    ParseFailed,
}

impl ProblemKind {
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::NotFound => "not-found",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::NotUtf8 => "not-utf8",
            ProblemKind::Binary => "binary",
            ProblemKind::TooLarge => "too-large",
            ProblemKind::NotAFile => "not-a-file",
            ProblemKind::SymlinkLoop => "symlink-loop",
            ProblemKind::NoSources => "no-sources",
            ProblemKind::ParseFailed => "parse-failed",
        }
    }
}

/// A file or path that could not be reviewed; the run goes on without it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: PathBuf,
    pub kind: ProblemKind,
    /// One sentence on what went wrong and what to do about it.
    pub message: String,
}

impl Diagnostic {
    /// Places a rule's finding in a file. The fingerprint is filled in by
    /// [`assign_fingerprints`] once all the file's findings are known.
    pub fn new(
        finding: Finding,
        severity: Severity,
        path: String,
        uri: String,
        source: &str,
    ) -> Diagnostic {
        let span = finding.span;
        let start = source[..span.start_byte.min(source.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = source[span.end_byte.min(source.len())..]
            .find('\n')
            .map_or(source.len(), |i| span.end_byte + i);
        let help = finding.help().to_string();
        Diagnostic {
            path,
            uri,
            rule: finding.rule,
            severity,
            span,
            message: finding.message,
            help,
            fix: finding.fix,
            snippet: source.get(start..end).unwrap_or_default().to_string(),
            snippet_offset: start,
            fingerprint: String::new(),
            flow: finding.path,
        }
    }

    /// The first source line of the finding.
    pub fn first_line(&self) -> &str {
        self.snippet.lines().next().unwrap_or_default()
    }
}

/// Gives each diagnostic of one file its fingerprint: a hash of the rule, the file, the
/// whitespace-normalised text of the finding's first line and how many identical
/// (rule, text) pairs come before it in the file. Line numbers take no part, so adding
/// lines above a finding keeps its fingerprint.
pub fn assign_fingerprints(diagnostics: &mut [Diagnostic]) {
    let mut seen: std::collections::HashMap<(String, &'static str, String), usize> =
        std::collections::HashMap::new();
    for d in diagnostics.iter_mut() {
        let text: String = d
            .first_line()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let key = (d.uri.clone(), d.rule.id, text);
        let occurrence = seen.entry(key.clone()).or_insert(0);
        let mut hasher = Sha256::new();
        for part in [key.1, key.0.as_str(), key.2.as_str()] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.update(occurrence.to_le_bytes());
        *occurrence += 1;
        let digest = hasher.finalize();
        d.fingerprint = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    }
}
