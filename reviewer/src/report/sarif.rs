//! SARIF 2.1.0, as GitHub code scanning reads it: rule metadata with help text, tags,
//! CWE ids, precision and `security-severity`; results with repo-relative locations and
//! partial fingerprints; problems as tool execution notifications.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use argus_rules::{RuleMeta, Severity};
use serde::Serialize;

use super::Reporter;
use crate::Diagnostic;
use crate::Review;

/// Writes a SARIF 2.1.0 log with one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct SarifReporter;

/// The key under which fingerprints are written; versioned so that a change of the
/// algorithm never silently matches old alerts.
pub const FINGERPRINT_KEY: &str = "argusFingerprint/v1";

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult<'a>>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    /// Data-flow findings: one thread flow from the source to the sink.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    thread_flows: [ThreadFlow; 1],
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: FlowLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FlowLocation {
    physical_location: FlowPhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FlowPhysicalLocation {
    artifact_location: ArtifactLocation,
    region: FlowRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FlowRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    descriptor: NotificationDescriptor,
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: &'static str,
}

/// The finding's path as one SARIF code flow, when it has one.
fn code_flows(d: &Diagnostic) -> Vec<CodeFlow> {
    if d.flow.is_empty() {
        return Vec::new();
    }
    let locations = d
        .flow
        .iter()
        .map(|note| ThreadFlowLocation {
            location: FlowLocation {
                physical_location: FlowPhysicalLocation {
                    artifact_location: artifact(&d.uri),
                    region: FlowRegion {
                        start_line: note.span.start.line,
                        start_column: note.span.start.column,
                        end_line: note.span.end.line,
                        end_column: note.span.end.column,
                    },
                },
                message: Text {
                    text: note.message.clone(),
                },
            },
        })
        .collect();
    vec![CodeFlow {
        thread_flows: [ThreadFlow { locations }],
    }]
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(meta: &'static RuleMeta) -> ReportingDescriptor<'static> {
    let doc = meta.doc();
    // The category of security rules is itself the `security` tag GitHub looks for.
    let mut tags = vec![
        meta.category.name().to_string(),
        meta.scope.name().to_string(),
    ];
    tags.extend(meta.cwe.iter().map(|cwe| format!("external/cwe/cwe-{cwe}")));
    ReportingDescriptor {
        id: meta.id,
        name: meta.type_name,
        short_description: Text {
            text: meta.title.to_string(),
        },
        full_description: Text {
            text: meta.summary(),
        },
        help: Help {
            text: doc.clone(),
            markdown: doc,
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags,
            precision: meta.precision.name(),
            problem_severity: match meta.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
            security_severity: meta.security_severity().map(|s| format!("{s:.1}")),
        },
    }
}

impl Reporter for SarifReporter {
    fn write(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        let mut rules: Vec<&'static RuleMeta> = review.rules.rules().map(|r| r.meta()).collect();
        // A finding's rule is always listed, even if configuration changed in between.
        for d in &review.diagnostics {
            if !rules.iter().any(|m| m.id == d.rule.id) {
                rules.push(d.rule);
            }
        }
        let index: HashMap<&str, usize> =
            rules.iter().enumerate().map(|(i, m)| (m.id, i)).collect();

        let results = review
            .diagnostics
            .iter()
            .map(|d| SarifResult {
                rule_id: d.rule.id,
                rule_index: index.get(d.rule.id).copied().unwrap_or_default(),
                level: level(d.severity),
                message: Text {
                    text: format!("{}\nHelp: {}", d.message, d.help),
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&d.uri),
                        region: Some(Region {
                            start_line: d.span.start.line,
                            start_column: d.span.start.column,
                            end_line: d.span.end.line,
                            end_column: d.span.end.column,
                            snippet: Text {
                                text: d.snippet.clone(),
                            },
                        }),
                    },
                }],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, d.fingerprint.as_str())]),
                code_flows: code_flows(d),
            })
            .collect();

        let notifications = review
            .problems
            .iter()
            .map(|p| Notification {
                level: "error",
                message: Text {
                    text: format!("{}: {}", crate::review::display_path(&p.path), p.message),
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&crate::review::uri_for(&p.path, &review.root)),
                        region: None,
                    },
                }],
                descriptor: NotificationDescriptor { id: p.kind.name() },
            })
            .collect();

        let root_uri = format!(
            "file://{}/",
            percent_encode(crate::review::display_path(&review.root).trim_end_matches('/'))
        );
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "argus",
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        rules: rules.into_iter().map(descriptor).collect(),
                    },
                },
                original_uri_base_ids: BTreeMap::from([(
                    SRCROOT,
                    ArtifactLocation {
                        uri: root_uri,
                        uri_base_id: None,
                    },
                )]),
                results,
                invocations: [Invocation {
                    execution_successful: review.problems.is_empty(),
                    tool_execution_notifications: notifications,
                }],
                column_kind: "unicodeCodePoints",
            }],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        out.write_all(b"\n")
    }
}

/// A location relative to `%SRCROOT%`, or absolute when outside the project.
fn artifact(uri: &str) -> ArtifactLocation {
    match uri.strip_prefix("file://") {
        Some(path) => ArtifactLocation {
            uri: format!("file://{}", percent_encode(path)),
            uri_base_id: None,
        },
        None => ArtifactLocation {
            uri: percent_encode(uri),
            uri_base_id: Some(SRCROOT),
        },
    }
}

/// Percent-encodes a path for a URI reference, keeping `/` and unreserved characters.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
