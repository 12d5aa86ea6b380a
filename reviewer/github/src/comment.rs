//! What the bot writes on a pull request: inline comments that read like a reviewer's,
//! the summary comment, and the hidden markers that let a later run recognise its own
//! comments (`<!-- argus:fp=… -->`, `<!-- argus:summary -->`).

use std::collections::BTreeMap;

use argus_reviewer::Diagnostic;
use argus_rules::{RuleMeta, Severity};

/// Marks the summary comment, so later runs edit it instead of adding another.
pub const SUMMARY_MARKER: &str = "<!-- argus:summary -->";

const FINGERPRINT_PREFIX: &str = "<!-- argus:fp=";

/// The fingerprint an Argus comment carries, and whether it was already marked fixed.
pub fn parse_marker(body: &str) -> Option<(String, bool)> {
    let start = body.find(FINGERPRINT_PREFIX)? + FINGERPRINT_PREFIX.len();
    let rest = &body[start..];
    let end = rest.find("-->")?;
    let mut words = rest[..end].split_whitespace();
    let fingerprint = words.next()?.to_string();
    let fixed = words.any(|w| w == "fixed");
    Some((fingerprint, fixed))
}

fn marker(d: &Diagnostic, fixed: bool) -> String {
    format!(
        "{FINGERPRINT_PREFIX}{} rule={}{} -->",
        d.fingerprint,
        d.rule.id,
        if fixed { " fixed" } else { "" }
    )
}

fn badge(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "🔴 **error**",
        Severity::Warning => "🟠 **warning**",
        Severity::Info => "🔵 **info**",
    }
}

fn comment_prefix(rule: &RuleMeta) -> &'static str {
    match rule.scope {
        argus_rules::Scope::Language(argus_rules::Language::Java) => "//",
        _ => "#",
    }
}

/// The replacement text of the finding's line when the rule has a safe fix on one line:
/// what a GitHub ```` ```suggestion ```` block proposes.
pub fn suggestion(d: &Diagnostic) -> Option<String> {
    let fix = d.fix.as_ref()?;
    let line = d.first_line();
    if d.span.start.line != d.span.end.line {
        return None;
    }
    let line_start = d.snippet_offset;
    let start = fix.start_byte.checked_sub(line_start)?;
    let end = fix.end_byte.checked_sub(line_start)?;
    if end > line.len()
        || start > end
        || !line.is_char_boundary(start)
        || !line.is_char_boundary(end)
    {
        return None;
    }
    Some(format!(
        "{}{}{}",
        &line[..start],
        fix.replacement,
        &line[end..]
    ))
}

/// An inline review comment for one finding.
pub fn inline(d: &Diagnostic, docs_url: Option<&str>) -> String {
    let mut body = format!(
        "{} · `{}` · {}\n\n**{}**\n\n{}\n\n**How to fix:** {}\n",
        badge(d.severity),
        d.rule.id,
        d.rule.title,
        d.message,
        d.rule.why(),
        d.help
    );
    if let Some(replacement) = suggestion(d) {
        body.push_str(&format!("\n```suggestion\n{replacement}\n```\n"));
    }
    body.push_str(&format!(
        "\n<details><summary>Rule documentation</summary>\n\n{}\n\n</details>\n",
        d.rule.doc()
    ));
    let mut footer = Vec::new();
    if let Some(url) = docs_url {
        footer.push(format!(
            "[`{}` in the rule reference]({url}#{})",
            d.rule.id, d.rule.id
        ));
    }
    footer.push(format!(
        "Not a problem here? Add `{} argus: ignore[{}]` on this line or the line above.",
        comment_prefix(d.rule),
        d.rule.id
    ));
    body.push_str(&format!(
        "\n<sub>{}</sub>\n{}",
        footer.join(" · "),
        marker(d, false)
    ));
    body
}

/// An earlier comment, marked fixed: its finding is gone at `head_sha`. The original
/// text stays, folded, and the marker records that it is fixed.
pub fn mark_fixed(body: &str, head_sha: &str) -> String {
    let short = &head_sha[..head_sha.len().min(7)];
    let mut out = format!(
        "✅ **Fixed** in {short}: Argus no longer finds this.\n\n<details><summary>The original comment</summary>\n\n{}\n\n</details>\n",
        strip_marker(body)
    );
    if let Some((fingerprint, _)) = parse_marker(body) {
        out.push_str(&format!("{FINGERPRINT_PREFIX}{fingerprint} fixed -->"));
    }
    out
}

fn strip_marker(body: &str) -> String {
    match body.find(FINGERPRINT_PREFIX) {
        Some(start) => {
            let end = body[start..]
                .find("-->")
                .map_or(body.len(), |e| start + e + 3);
            format!("{}{}", &body[..start], &body[end..])
                .trim_end()
                .to_string()
        }
        None => body.to_string(),
    }
}

/// A finding that is reported but not as an inline comment, and why.
pub struct Unplaced<'a> {
    pub diagnostic: &'a Diagnostic,
    pub reason: &'static str,
}

/// What the summary comment reports.
pub struct SummaryInput<'a> {
    pub head_sha: &'a str,
    pub files_reviewed: usize,
    pub findings: &'a [&'a Diagnostic],
    pub new_inline: usize,
    pub already_posted: usize,
    pub unplaced: &'a [Unplaced<'a>],
    /// Every comment marked fixed so far, by this run or earlier ones.
    pub fixed: usize,
    pub problems: &'a [String],
    pub max_listed: usize,
}

/// The summary comment, created once and edited on later runs.
pub fn summary(input: &SummaryInput<'_>) -> String {
    let short = &input.head_sha[..input.head_sha.len().min(7)];
    let count = |s: Severity| input.findings.iter().filter(|d| d.severity == s).count();
    let mut body = format!("{SUMMARY_MARKER}\n## Argus review\n\n");
    if input.findings.is_empty() {
        body.push_str(&format!(
            "✅ No findings on the changed lines of {} file{} at {short}.\n",
            input.files_reviewed,
            if input.files_reviewed == 1 { "" } else { "s" }
        ));
    } else {
        body.push_str(&format!(
            "**{} finding{}** on the changed lines of {} file{} at {short}: {} error{}, {} warning{}, {} info.\n\n",
            input.findings.len(),
            if input.findings.len() == 1 { "" } else { "s" },
            input.files_reviewed,
            if input.files_reviewed == 1 { "" } else { "s" },
            count(Severity::Error),
            if count(Severity::Error) == 1 { "" } else { "s" },
            count(Severity::Warning),
            if count(Severity::Warning) == 1 { "" } else { "s" },
            count(Severity::Info),
        ));
        // The table describes the pull request, not the run, so a re-run that changes
        // nothing leaves the comment unchanged (and unedited).
        body.push_str(&format!(
            "| Commented inline | Listed here | Marked fixed |\n|---|---|---|\n| {} | {} | {} |\n",
            input.new_inline + input.already_posted,
            input.unplaced.len(),
            input.fixed
        ));
    }
    if !input.unplaced.is_empty() {
        body.push_str("\n### Findings not placed inline\n\n");
        let mut by_severity: Vec<&Unplaced<'_>> = input.unplaced.iter().collect();
        by_severity.sort_by(|a, b| {
            b.diagnostic
                .severity
                .cmp(&a.diagnostic.severity)
                .then(a.diagnostic.uri.cmp(&b.diagnostic.uri))
                .then(
                    a.diagnostic
                        .span
                        .start
                        .line
                        .cmp(&b.diagnostic.span.start.line),
                )
        });
        for u in by_severity.iter().take(input.max_listed) {
            let d = u.diagnostic;
            body.push_str(&format!(
                "- {} `{}:{}` `{}`: {} _({})_\n",
                badge(d.severity),
                d.uri,
                d.span.start.line,
                d.rule.id,
                d.message,
                u.reason
            ));
        }
        if by_severity.len() > input.max_listed {
            body.push_str(&format!(
                "- … and {} more; run `argus review` locally for all of them.\n",
                by_severity.len() - input.max_listed
            ));
        }
    }
    if !input.problems.is_empty() {
        body.push_str("\n### Files that could not be reviewed\n\n");
        for problem in input.problems {
            body.push_str(&format!("- {problem}\n"));
        }
    }
    let mut rules: BTreeMap<&str, &str> = BTreeMap::new();
    for d in input.findings {
        rules.insert(d.rule.id, d.rule.title);
    }
    body.push_str(
        "\n<details><summary>How to suppress a finding</summary>\n\n\
         Add `# argus: ignore[RULE-ID]` (Python) or `// argus: ignore[RULE-ID]` (Java) on the \
         line or the line above, or `@SuppressWarnings(\"argus:RULE-ID\")` on a Java method or \
         class. To turn a rule off for some files, use `per-file-ignores` in `argus.toml`. \
         `argus rules explain RULE-ID` documents each rule.\n\n</details>\n",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_record_fixed() {
        assert_eq!(
            parse_marker("text\n<!-- argus:fp=abc123 rule=py-x -->"),
            Some(("abc123".to_string(), false))
        );
        assert_eq!(
            parse_marker("<!-- argus:fp=abc123 rule=py-x fixed -->"),
            Some(("abc123".to_string(), true))
        );
        assert_eq!(parse_marker("no marker"), None);
        let fixed = mark_fixed("**msg**\n<!-- argus:fp=abc123 rule=py-x -->", "0123456789");
        assert!(fixed.starts_with("✅ **Fixed** in 0123456"));
        assert_eq!(parse_marker(&fixed), Some(("abc123".to_string(), true)));
        assert_eq!(fixed.matches("argus:fp=").count(), 1);
    }
}
