//! Inline suppressions: `# argus: ignore[rule-id]`, `// argus: ignore[rule-id]` and
//! `@SuppressWarnings("argus:rule-id")`.
//!
//! A comment alone on its line covers the next line of code; a comment after code covers
//! its own line. An annotation covers the declaration it annotates. Suppressions are read
//! during the engine's walk and applied once the file's findings are in.

use argus_rules::{Checker, Describe, Finding, Language, RuleMeta, Span, catalogue, meta};
use tree_sitter::Node;

use crate::rule_set::RuleSet;
use crate::suggest::closest;

/// Where a suppression applies.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Findings that start on this 1-based line.
    Line(usize),
    /// Findings inside this byte range (an annotated declaration).
    Bytes(usize, usize),
}

#[derive(Debug)]
struct Entry {
    target: Target,
    /// Where the suppression is written, for reporting it.
    span: Span,
    ids: Vec<String>,
    used: Vec<bool>,
}

/// Every suppression of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    entries: Vec<Entry>,
    /// Suppressions that are themselves problems: no id, or an unknown id.
    invalid: Vec<(Span, String)>,
}

impl Suppressions {
    /// Reads a comment node; records it when it is an `argus: ignore` comment.
    pub fn read_comment(&mut self, comment: Node<'_>, cx: &Checker<'_>) {
        let text = cx.text(comment);
        let Some(ids) = parse_comment(text) else {
            return;
        };
        let span = Span::of(comment, cx.source());
        let source = cx.source();
        let line_start = source[..comment.start_byte()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let alone = source[line_start..comment.start_byte()].trim().is_empty();
        let target = if alone {
            next_code_line(source, comment.end_byte(), span.end.line, cx.language())
        } else {
            span.start.line
        };
        self.add(Target::Line(target), span, ids, text);
    }

    /// Reads a Java annotation; records it when it is `@SuppressWarnings("argus:...")`.
    pub fn read_annotation(&mut self, annotation: Node<'_>, cx: &Checker<'_>) {
        let Some(name) = annotation.child_by_field_name("name") else {
            return;
        };
        let name = cx.text(name);
        if name != "SuppressWarnings" && name != "java.lang.SuppressWarnings" {
            return;
        }
        let Some(arguments) = annotation.child_by_field_name("arguments") else {
            return;
        };
        // The annotation sits in `modifiers`, whose parent is the annotated declaration.
        let Some(declaration) = cx.ancestors().nth(1) else {
            return;
        };
        let target = Target::Bytes(declaration.start_byte(), declaration.end_byte());
        for literal in argus_rules::ast::descendants(arguments) {
            if literal.kind() != "string_literal" {
                continue;
            }
            let value =
                argus_rules::java::semantic::string_value(literal, cx.source()).unwrap_or_default();
            if let Some(id) = value.strip_prefix("argus:") {
                let ids = split_ids(id);
                self.add(target, Span::of(literal, cx.source()), ids, value);
            }
        }
    }

    fn add(&mut self, target: Target, span: Span, ids: Vec<String>, written: &str) {
        if ids.is_empty() {
            self.invalid.push((
                span,
                format!(
                    "`{}` names no rule, so it suppresses nothing",
                    written.trim()
                ),
            ));
            return;
        }
        let mut valid = Vec::new();
        for id in ids {
            if argus_rules::find(&id).is_some() {
                valid.push(id);
                continue;
            }
            let hint = closest(&id, catalogue().iter().map(|r| r.meta().id))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            self.invalid
                .push((span, format!("unknown rule id `{id}` in suppression{hint}")));
        }
        if !valid.is_empty() {
            self.entries.push(Entry {
                target,
                span,
                used: vec![false; valid.len()],
                ids: valid,
            });
        }
    }
}

/// The ids in `argus: ignore[a, b]`, or `None` when the comment is no suppression.
/// `argus: ignore` without brackets gives `Some([])`: a suppression that names nothing.
fn parse_comment(text: &str) -> Option<Vec<String>> {
    let at = text.find("argus:")?;
    let rest = text[at + "argus:".len()..].trim_start();
    let rest = rest.strip_prefix("ignore")?;
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
        return None;
    }
    let Some(list) = rest.strip_prefix('[') else {
        return Some(Vec::new());
    };
    let list = list.split_once(']').map_or(list, |(inside, _)| inside);
    Some(split_ids(list))
}

fn split_ids(list: &str) -> Vec<String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first line after `after_byte` that holds code, not a blank line or a comment.
fn next_code_line(
    source: &str,
    after_byte: usize,
    comment_line: usize,
    language: Language,
) -> usize {
    let rest = source.get(after_byte..).unwrap_or_default();
    let mut line = comment_line;
    for text in rest.split('\n').skip(1) {
        line += 1;
        let text = text.trim();
        let is_comment = match language {
            Language::Python => text.starts_with('#'),
            Language::Java => {
                text.starts_with("//") || text.starts_with("/*") || text.starts_with('*')
            }
        };
        if !text.is_empty() && !is_comment {
            return line;
        }
    }
    comment_line + 1
}

/// Drops suppressed findings and adds findings about the suppressions themselves.
pub fn apply(
    findings: Vec<Finding>,
    mut suppressions: Suppressions,
    enabled: &RuleSet,
    warn_unused: bool,
) -> Vec<Finding> {
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings {
        let mut suppressed = false;
        for entry in &mut suppressions.entries {
            let applies = match entry.target {
                Target::Line(line) => finding.span.start.line == line,
                Target::Bytes(start, end) => {
                    start <= finding.span.start_byte && finding.span.start_byte < end
                }
            };
            if !applies {
                continue;
            }
            if let Some(i) = entry.ids.iter().position(|id| id == finding.rule.id) {
                entry.used[i] = true;
                suppressed = true;
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }

    let invalid_rule: &'static RuleMeta = meta::InvalidSuppression.meta();
    if enabled.contains(invalid_rule.id) {
        for (span, message) in suppressions.invalid {
            kept.push(Finding::new(invalid_rule, span, message));
        }
    }
    let unused_rule: &'static RuleMeta = meta::UnusedSuppression.meta();
    if warn_unused && enabled.contains(unused_rule.id) {
        for entry in suppressions.entries {
            for (id, used) in entry.ids.iter().zip(&entry.used) {
                // A rule that is not enabled for this file could not have fired here.
                if !used && enabled.contains(id) {
                    kept.push(Finding::new(
                        unused_rule,
                        entry.span,
                        format!("suppression of `{id}` matches no finding"),
                    ));
                }
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_blanket_forms() {
        assert_eq!(
            parse_comment("# argus: ignore[py-weak-hash, py-sql-injection]"),
            Some(vec![
                "py-weak-hash".to_string(),
                "py-sql-injection".to_string()
            ])
        );
        assert_eq!(parse_comment("// argus: ignore"), Some(vec![]));
        assert_eq!(parse_comment("# argus: ignore[]"), Some(vec![]));
        assert_eq!(parse_comment("# argus: ignored stuff"), None);
        assert_eq!(parse_comment("# noqa: E501"), None);
    }
}
