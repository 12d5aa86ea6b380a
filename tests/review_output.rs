//! `argus review` output formats, ordering and exit codes, on real files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{CLEAN_PY, Project, WEAK_JAVA, WEAK_PY, repo, run};
use serde_json::Value;

#[test]
fn text_output_shows_location_rule_severity_snippet_hint_and_summary() {
    let out = run(
        &repo(),
        &["review", "fixtures/rules/python/py-weak-hash.bad.py"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let first = out.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "warning[py-weak-hash]: MD5 is a weak hash: collisions can be forged"
    );
    assert!(
        out.stdout
            .contains("--> fixtures/rules/python/py-weak-hash.bad.py:11:12")
    );
    assert!(
        out.stdout
            .contains("11 |     return hashlib.md5(password).hexdigest()")
    );
    assert!(
        out.stdout
            .contains("   |            ^^^^^^^^^^^^^^^^^^^^^\n")
    );
    assert!(out.stdout.contains("= help: Use `hashlib.sha256`"));
    let summary = out.stdout.lines().last().unwrap();
    assert!(
        summary.starts_with("Found 8 findings (8 warnings) in 1 file ("),
        "{summary}"
    );
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no colour when stdout is a pipe"
    );
    assert!(
        out.stderr.is_empty(),
        "no progress bar or noise on stderr: {}",
        out.stderr
    );
}

#[test]
fn colour_is_used_only_when_asked_for_off_a_terminal() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    let forced = p.run(&["review", "--color", "always"]);
    assert!(forced.stdout.contains('\u{1b}'));
    let never = p.run(&["review", "--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'));
}

#[test]
fn clean_code_exits_zero_with_a_summary() {
    let p = Project::new();
    p.file("app/clean.py", CLEAN_PY);
    let out = p.run(&["review"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with("No findings in 1 file ("),
        "{}",
        out.stdout
    );
}

#[test]
fn exit_status_follows_fail_on_and_exit_zero() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    assert_eq!(p.run(&["review"]).code, 1);
    assert_eq!(
        p.run(&["review", "--fail-on", "error"]).code,
        0,
        "a warning is below `error`"
    );
    assert_eq!(p.run(&["review", "--fail-on", "info"]).code, 1);
    assert_eq!(p.run(&["review", "--exit-zero"]).code, 0);
}

#[test]
fn usage_errors_exit_two() {
    let p = Project::new();
    let out = p.run(&["review", "--format", "xml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid value 'xml'"), "{}", out.stderr);
    let out = p.run(&["review", "--select", "py-weak-hsh", "."]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `py-weak-hash`?"),
        "{}",
        out.stderr
    );
    let out = p.run(&["review", "--max-file-size", "lots"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--max-file-size"), "{}", out.stderr);
}

#[test]
fn findings_are_sorted_by_path_line_column_then_rule() {
    let p = Project::new();
    p.file("b.py", WEAK_PY);
    p.file("a/z.py", format!("{WEAK_PY}{WEAK_PY}"));
    p.file("A.java", WEAK_JAVA);
    let out = p.run(&["review", "--format", "json"]);
    let findings = out.json()["findings"].as_array().unwrap().clone();
    let keys: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.first().unwrap().0, "A.java");
    assert_eq!(keys.len(), 4);
}

#[test]
fn one_worker_and_many_workers_give_identical_reports() {
    let one = run(
        &repo(),
        &["review", "fixtures", "--format", "json", "--jobs", "1"],
    );
    let many = run(
        &repo(),
        &["review", "fixtures", "--format", "json", "--jobs", "4"],
    );
    let strip = |mut v: Value| {
        v["summary"]["elapsed_ms"] = Value::Null;
        v
    };
    assert_eq!(strip(one.json()), strip(many.json()));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = run(
        &repo(),
        &[
            "review",
            "fixtures/rules/java/java-weak-hash.bad.java",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 1);
    let doc = out.json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "argus");
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["findings"], 6);
    assert_eq!(doc["summary"]["warnings"], 6);
    assert_eq!(doc["summary"]["problems"], 0);
    assert!(doc["problems"].as_array().unwrap().is_empty());
    let first = &doc["findings"][0];
    assert_eq!(first["rule"], "java-weak-hash");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["category"], "security");
    assert_eq!(first["cwe"], serde_json::json!([328, 327]));
    assert_eq!(first["path"], "fixtures/rules/java/java-weak-hash.bad.java");
    assert_eq!(first["uri"], "fixtures/rules/java/java-weak-hash.bad.java");
    assert_eq!(
        first["start"],
        serde_json::json!({"line": 10, "column": 28})
    );
    assert_eq!(first["end"], serde_json::json!({"line": 10, "column": 60}));
    assert_eq!(
        first["message"],
        "MD5 is a weak hash: collisions can be forged"
    );
    assert!(first["help"].as_str().unwrap().contains("SHA-256"));
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 32);
    assert!(first["fix"].is_null());
    // Every documented key is present on every finding.
    let documented = std::fs::read_to_string(repo().join("docs/json-format.md")).unwrap();
    for key in first.as_object().unwrap().keys() {
        assert!(
            documented.contains(&format!("`{key}`")),
            "docs/json-format.md does not document `{key}`"
        );
    }
}

#[test]
fn github_format_writes_escaped_workflow_annotations() {
    let p = Project::new();
    p.file("src/a.py", WEAK_PY);
    let out = p.run(&["review", "--format", "github"]);
    assert_eq!(out.code, 1);
    let line = out.stdout.lines().next().unwrap();
    assert!(
        line.starts_with(
            "::warning file=src/a.py,line=5,col=12,endLine=5,endColumn=29,\
             title=py-weak-hash (Weak hash algorithm)::MD5 is a weak hash: collisions can be forged%0Ahelp: "
        ),
        "{line}"
    );
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn output_flag_writes_the_report_to_a_file_and_the_summary_to_stderr() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    let out = p.run(&["review", "--format", "sarif", "--output", "report.sarif"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("Found 1 finding (1 warning) in 1 file"),
        "{}",
        out.stderr
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("report.sarif")).unwrap())
            .unwrap();
    assert_eq!(report["version"], "2.1.0");
    let out = p.run(&["review", "--output", "missing-dir/report.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("missing-dir/report.txt: cannot create the output file"),
        "{}",
        out.stderr
    );
}
