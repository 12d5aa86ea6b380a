//! Baselines: record today's findings by fingerprint so that a legacy code base can adopt
//! Argus and see only what is new.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Diagnostic;

/// The format version written to and accepted from baseline files.
const VERSION: u32 = 1;

/// A baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "baseline {path}: cannot read: {source}; create one with `argus review --write-baseline {path}`"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline {path}: not an Argus baseline: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("baseline {path}: version {found} is not supported (expected {VERSION})")]
    Version { path: PathBuf, found: u32 },
    #[error("baseline {path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding. Only the fingerprint is matched; the rest helps people read it.
#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    line: usize,
    message: String,
}

/// The fingerprints of accepted findings.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: File = serde_json::from_str(&text).map_err(|e| BaselineError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if file.version != VERSION {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found: file.version,
            });
        }
        Ok(Baseline {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Writes every diagnostic to `path` as the new baseline.
    pub fn write(path: &Path, diagnostics: &[Diagnostic]) -> Result<(), BaselineError> {
        let file = File {
            version: VERSION,
            findings: diagnostics
                .iter()
                .map(|d| Entry {
                    fingerprint: d.fingerprint.clone(),
                    rule: d.rule.id.to_string(),
                    path: d.uri.clone(),
                    line: d.span.start.line,
                    message: d.message.clone(),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| BaselineError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn contains(&self, diagnostic: &Diagnostic) -> bool {
        self.fingerprints.contains(&diagnostic.fingerprint)
    }
}
