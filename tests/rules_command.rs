//! `argus rules` and `argus rules explain`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{repo, run};

#[test]
fn rules_lists_every_rule_with_language_category_severity_and_cwe() {
    let out = run(&repo(), &["rules"]);
    assert_eq!(out.code, 0);
    let header = out.stdout.lines().next().unwrap();
    assert!(
        header.starts_with("ID")
            && header.contains("LANGUAGE")
            && header.contains("CATEGORY")
            && header.contains("SEVERITY")
            && header.contains("CWE")
    );
    let listed = run(&repo(), &["rules", "--format", "json"]).json();
    let listed = listed.as_array().unwrap();
    for rule in listed {
        let id = rule["id"].as_str().unwrap();
        let line = out
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            line.contains(rule["language"].as_str().unwrap())
                && line.contains(rule["severity"].as_str().unwrap()),
            "{line}"
        );
    }
    assert!(out.stdout.contains(&format!("{} rules.", listed.len())));
    let py = out
        .stdout
        .lines()
        .find(|l| l.starts_with("py-weak-hash "))
        .unwrap();
    assert!(
        py.contains("python")
            && py.contains("security")
            && py.contains("warning")
            && py.contains("CWE-328"),
        "{py}"
    );
}

#[test]
fn explain_prints_the_rule_documentation() {
    let out = run(&repo(), &["rules", "explain", "java-weak-hash"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .starts_with("java-weak-hash: Weak hash algorithm\n")
    );
    for heading in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "```java",
    ] {
        assert!(out.stdout.contains(heading), "{heading}");
    }
}

#[test]
fn explain_of_an_unknown_rule_suggests_the_closest() {
    let out = run(&repo(), &["rules", "explain", "java-weak-hsh"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("no rule with id `java-weak-hsh` (did you mean `java-weak-hash`?)"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_rules_reference_in_docs_is_up_to_date() {
    let out = run(&repo(), &["rules", "--format", "markdown"]);
    let committed = std::fs::read_to_string(repo().join("docs/rules.md")).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "docs/rules.md is stale; regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}
