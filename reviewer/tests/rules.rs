//! Every rule's `bad` fixture produces findings that match its snapshot, and its `good`
//! fixture produces none. The snapshot is the terminal output a user would see.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::Path;

use argus_reviewer::report::TextReporter;
use argus_reviewer::{Diagnostic, Engine, RuleSet, check_source};
use argus_rules::Language;

/// Runs every rule over the fixture and keeps the findings of the rule it is named after.
fn findings_for_fixture(path: &Path) -> (String, Vec<Diagnostic>) {
    let file_name = path.file_name().unwrap().to_str().unwrap();
    let (rule_id, _) = file_name
        .split_once(".bad.")
        .or_else(|| file_name.split_once(".good."))
        .unwrap_or_else(|| panic!("{file_name}: fixture names are <rule-id>.bad|good.<ext>"));
    assert!(
        argus_rules::find(rule_id).is_some(),
        "{file_name}: no rule with id `{rule_id}`"
    );
    let ext = path.extension().unwrap().to_str().unwrap();
    let language = Language::from_extension(ext).unwrap();
    let source = std::fs::read_to_string(path).unwrap();
    let lang_dir = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let display = format!("fixtures/rules/{lang_dir}/{file_name}");
    let engine = Engine::new(RuleSet::all(), true);
    let diagnostics = check_source(&engine, language, &display, &source)
        .into_iter()
        .filter(|d| d.rule.id == rule_id)
        .collect();
    (rule_id.to_string(), diagnostics)
}

#[test]
fn bad_fixtures_report_findings_that_match_their_snapshots() {
    insta::glob!("../../fixtures/rules", "*/*.bad.*", |path| {
        let (rule_id, diagnostics) = findings_for_fixture(path);
        assert!(
            !diagnostics.is_empty(),
            "{}: `{rule_id}` reported nothing on its bad fixture",
            path.display()
        );
        let reporter = TextReporter {
            color: false,
            no_summary: true,
        };
        let rendered: String = diagnostics.iter().map(|d| reporter.render(d)).collect();
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn good_fixtures_report_nothing() {
    insta::glob!("../../fixtures/rules", "*/*.good.*", |path| {
        let (rule_id, diagnostics) = findings_for_fixture(path);
        let reporter = TextReporter {
            color: false,
            no_summary: true,
        };
        let rendered: String = diagnostics.iter().map(|d| reporter.render(d)).collect();
        assert!(
            diagnostics.is_empty(),
            "{}: `{rule_id}` reported on compliant code:\n{rendered}",
            path.display()
        );
    });
}
