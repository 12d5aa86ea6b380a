//! SARIF output: valid against the SARIF 2.1.0 schema, and carrying every field GitHub
//! code scanning reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{Project, WEAK_JAVA, WEAK_PY, repo, run};
use serde_json::Value;

/// The official SARIF 2.1.0 JSON schema, as shipped in the `serde-sarif` crate.
fn validate(sarif: &Value) {
    let schema_text =
        std::fs::read_to_string(repo().join("fixtures/schemas/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_for_the_fixtures_validates_against_the_schema() {
    let out = run(&repo(), &["review", "fixtures", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let sarif = out.json();
    validate(&sarif);
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn schema_check_rejects_a_broken_log() {
    // The validator must be able to fail: a result without a message is invalid SARIF.
    let out = run(
        &repo(),
        &[
            "review",
            "fixtures/rules/python/py-weak-hash.bad.py",
            "--format",
            "sarif",
        ],
    );
    let mut sarif = out.json();
    sarif["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("fixtures/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&sarif));
}

#[test]
fn sarif_rules_carry_what_github_code_scanning_reads() {
    let p = Project::new();
    p.file("src/app.py", WEAK_PY);
    let out = p.run(&["review", "--format", "sarif"]);
    let sarif = out.json();
    validate(&sarif);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let (index, rule) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| r["id"] == "py-weak-hash")
        .expect("the rule is described");
    assert_eq!(rule["name"], "WeakHash");
    assert_eq!(rule["shortDescription"]["text"], "Weak hash algorithm");
    assert!(
        rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Checks for MD4, MD5 and SHA-1")
    );
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?")
    );
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("```python")
    );
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"security"));
    assert!(tags.contains(&"external/cwe/cwe-328"));
    assert_eq!(rule["properties"]["precision"], "low");
    assert_eq!(rule["properties"]["security-severity"], "5.5");

    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "py-weak-hash");
    assert_eq!(result["ruleIndex"], index);
    assert_eq!(result["level"], "warning");
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("MD5 is a weak hash")
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/app.py");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 29,
                           "snippet": {"text": "    return hashlib.md5(data).hexdigest()"}})
    );
    assert_eq!(
        result["partialFingerprints"]["argusFingerprint/v1"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root_wherever_argus_runs() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.file("service/src/Digest.java", WEAK_JAVA);
    let from_root = common::run(p.path(), &["review", "service", "--format", "sarif"]).json();
    let from_sub = common::run(
        &p.path().join("service"),
        &["review", "src", "--format", "sarif"],
    )
    .json();
    let uri = |s: &Value| {
        s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .clone()
    };
    assert_eq!(uri(&from_root), "service/src/Digest.java");
    assert_eq!(uri(&from_sub), "service/src/Digest.java");
}

#[test]
fn fingerprints_survive_unrelated_lines_added_above_the_finding() {
    let p = Project::new();
    p.file("app.py", WEAK_PY);
    let fingerprint_and_line = |p: &Project| {
        let sarif = p.run(&["review", "--format", "sarif"]).json();
        let result = sarif["runs"][0]["results"][0].clone();
        (
            result["partialFingerprints"]["argusFingerprint/v1"].clone(),
            result["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let before = fingerprint_and_line(&p);
    p.file(
        "app.py",
        format!("\"\"\"Digests.\"\"\"\nimport os\n\nTIMEOUT = 5\n{WEAK_PY}"),
    );
    let after = fingerprint_and_line(&p);
    assert_eq!(before.0, after.0, "fingerprint changed");
    assert_ne!(before.1, after.1, "the finding moved down");

    // A second identical finding in the same file gets its own fingerprint.
    p.file("app.py", format!("{WEAK_PY}{WEAK_PY}"));
    let sarif = p.run(&["review", "--format", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_ne!(
        results[0]["partialFingerprints"],
        results[1]["partialFingerprints"]
    );
}

#[test]
fn sarif_lists_unreviewable_paths_as_notifications() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file("bad.py", b"x = '\xff\xfe'\n");
    let out = p.run(&["review", "--format", "sarif"]);
    assert_eq!(out.code, 2);
    let sarif = out.json();
    validate(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["descriptor"]["id"], "not-utf8");
    assert!(note["message"]["text"].as_str().unwrap().contains("bad.py"));
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        1,
        "the good file is still reviewed"
    );
}
