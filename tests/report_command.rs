//! `argus report`: the terminal and JSON summaries of real profile files, and the errors
//! for input that is not a profile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{repo, run};

#[test]
fn report_lists_hot_functions_thread_states_and_recommendations() {
    let out = run(
        &repo(),
        &["report", "fixtures/profiles/java/waiter-jdk17.jfr"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn report_json_carries_the_same_summary_as_data() {
    let out = run(
        &repo(),
        &[
            "report",
            "fixtures/profiles/java/waiter-jdk17.jfr",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["runtime"], "java");
    assert_eq!(json["ranked_by"], "cpu");
    assert_eq!(json["top_self"][0]["function"], "Waiter.compute");
    let main = json["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["thread"].as_str().unwrap().starts_with("main "))
        .expect("the main thread");
    let states: Vec<&str> = main["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["running", "lock", "io", "sleeping", "idle"]);
    let total: f64 = main["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["share"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    assert!(json["recommendations"].is_array());
}

#[test]
fn report_fires_recommendations_on_a_folded_profile() {
    let project = common::Project::new();
    project.file(
        "parser.folded",
        "main;handle (app/server.py);parse_line (app/parser.py);match (re/__init__.py);_compile (re/__init__.py);compile (re/_compiler.py) 400\n\
         main;handle (app/server.py);aggregate (app/stats.py) 600\n",
    );
    let out = run(project.path(), &["report", "parser.folded"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Regex compiled on a hot path [py-regex-compile-hot]: 40.0% of cpu"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("40.0%  parse_line (app/parser.py)"),
        "{}",
        out.stdout
    );
}

#[test]
fn report_of_a_missing_or_broken_profile_names_it() {
    let out = run(&repo(), &["report", "no/such/profile.pb.gz"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("no/such/profile.pb.gz"),
        "{}",
        out.stderr
    );

    let project = common::Project::new();
    project.file("broken.folded", "main;work three\n");
    let out = run(project.path(), &["report", "broken.folded"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("broken.folded") && out.stderr.contains("line 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn recommendations_lists_and_explains_the_catalogue() {
    let out = run(&repo(), &["recommendations"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for id in [
        "py-regex-compile-hot",
        "java-pattern-compile-hot",
        "native-malloc-hot",
    ] {
        assert!(out.stdout.contains(id), "{}", out.stdout);
    }
    let out = run(
        &repo(),
        &["recommendations", "explain", "py-regex-compile-hot"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for heading in ["## What it finds", "## Why it costs", "## How to fix"] {
        assert!(out.stdout.contains(heading), "{}", out.stdout);
    }
    let out = run(&repo(), &["recommendations", "explain", "py-regex-compile"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("did you mean `py-regex-compile-hot`"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_recommendations_reference_in_docs_is_up_to_date() {
    let out = run(&repo(), &["recommendations", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let committed = std::fs::read_to_string(repo().join("docs/recommendations.md")).unwrap();
    assert!(
        committed == out.stdout,
        "docs/recommendations.md is stale; run `cargo run -- recommendations --format markdown > docs/recommendations.md`"
    );
}
