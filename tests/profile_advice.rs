//! Recommendations on real processes: workloads with a planted anti-pattern get the
//! matching recommendation from `argus profile` and `argus report`, pointing at the
//! workload's own function, and a workload without it does not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, repo, run};

fn python_workload(dir: &Path, script: &str, seconds: &str) -> Run {
    let script = repo().join("fixtures/workloads/python").join(script);
    run(
        dir,
        &[
            "profile",
            "-o",
            "out.pb.gz",
            "--",
            "python3",
            script.to_str().unwrap(),
            seconds,
        ],
    )
}

/// Compiles `source` (relative to the repository) and records `java -Xmx64m FLAGS -cp
/// CLASSES CLASS SECONDS` into `out.pb.gz` in `dir`.
fn java_workload(dir: &Path, source: &str, flags: &[&str], class: &str, seconds: &str) -> Run {
    let classes = dir.join("classes");
    let status = Command::new("javac")
        .arg("-d")
        .arg(&classes)
        .arg(repo().join(source))
        .status()
        .expect("javac runs (`.ci/run` installs a JDK)");
    assert!(status.success());
    let mut args = vec!["profile", "-o", "out.pb.gz", "--", "java", "-Xmx64m"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["-cp", classes.to_str().unwrap(), class, seconds]);
    run(dir, &args)
}

/// The recommendation `id` in `argus report out.pb.gz --format json`, with its share.
fn reported(dir: &Path, id: &str) -> Option<serde_json::Value> {
    let out = run(dir, &["report", "out.pb.gz", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    json["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
}

#[test]
fn a_python_loop_compiling_regexes_gets_the_regex_recommendation() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let out = python_workload(dir.path(), "regex_in_loop.py", "5");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Regex compiled on a hot path [py-regex-compile-hot]"),
        "{}",
        out.stderr
    );
    let advice = reported(dir.path(), "py-regex-compile-hot").expect("fires in the report");
    let share = advice["share"].as_f64().unwrap();
    eprintln!("py-regex-compile-hot: {:.1}% of CPU", share * 100.0);
    assert!(share > 0.2, "{advice:#}");
    let site = advice["call_sites"][0]["location"].as_str().unwrap();
    assert!(site.contains("regex_in_loop.py:"), "{advice:#}");
}

#[test]
fn a_python_service_parsing_json_on_every_read_gets_the_json_recommendation() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let out = python_workload(dir.path(), "json_hot.py", "5");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("[py-json-hot]"), "{}", out.stderr);
    let advice = reported(dir.path(), "py-json-hot").expect("fires in the report");
    let share = advice["share"].as_f64().unwrap();
    eprintln!("py-json-hot: {:.1}% of CPU", share * 100.0);
    assert!(share > 0.2, "{advice:#}");
    let site = advice["call_sites"][0]["location"].as_str().unwrap();
    assert!(site.contains("json_hot.py:"), "{advice:#}");
}

#[test]
fn a_python_workload_without_regexes_gets_no_regex_recommendation() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let out = python_workload(dir.path(), "hot_functions.py", "3");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains("py-regex-compile-hot"),
        "{}",
        out.stderr
    );
    assert!(reported(dir.path(), "py-regex-compile-hot").is_none());
}

#[test]
fn a_java_loop_compiling_patterns_gets_the_pattern_recommendation() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let out = java_workload(
        dir.path(),
        "fixtures/workloads/java/RegexInLoop.java",
        &[],
        "RegexInLoop",
        "6",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Pattern.compile on a hot path [java-pattern-compile-hot]"),
        "{}",
        out.stderr
    );
    let advice = reported(dir.path(), "java-pattern-compile-hot").expect("fires in the report");
    let share = advice["share"].as_f64().unwrap();
    eprintln!("java-pattern-compile-hot: {:.1}% of CPU", share * 100.0);
    assert!(share > 0.1, "{advice:#}");
    let site = advice["call_sites"][0]["location"].as_str().unwrap();
    assert!(site.starts_with("RegexInLoop."), "{advice:#}");
}

#[test]
fn a_jvm_recording_counts_its_garbage_collection_pauses() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let out = java_workload(
        dir.path(),
        "fixtures/profiles/java/GcHeavy.java",
        &["-XX:+UseG1GC"],
        "GcHeavy",
        // Long enough for collections after Flight Recorder starts on a loaded machine.
        "8",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(dir.path(), &["report", "out.pb.gz", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let gc = json["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["thread"].as_str().unwrap().starts_with("[GC]"))
        .unwrap_or_else(|| panic!("no [GC] thread: {:#}", json["threads"]));
    let pauses = gc["wall_ns"].as_u64().unwrap();
    eprintln!("GC pauses: {:.1} ms", pauses as f64 / 1e6);
    assert!(pauses > 0, "{gc:#}");
}
