//! The labelled taint suite: every file under `fixtures/taint/<lang>/` says on its first
//! line whether it is vulnerable and to which rule (`# argus-test: vulnerable
//! py-sql-injection`). The test measures, per rule, the share of vulnerable files
//! reported (TPR) and of safe files reported (FPR), prints the table, and fails when a
//! rule falls under 90% TPR or over 10% FPR.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly on broken fixtures"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argus_reviewer::{Engine, RuleSet, check_source};
use argus_rules::Language;

#[derive(Default)]
struct Counts {
    vulnerable: usize,
    found: usize,
    safe: usize,
    false_alarms: usize,
    missed: Vec<String>,
    flagged: Vec<String>,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension)
            .is_some()
        {
            out.push(path);
        }
    }
}

#[test]
fn taint_rules_find_labelled_injections_and_stay_quiet_on_safe_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/taint");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    // Files beside the language folders (the generator) are not cases.
    paths.retain(|p| p.parent() != Some(root.as_path()));
    paths.sort();
    assert!(paths.len() >= 150, "only {} labelled cases", paths.len());
    let engine = Engine::new(RuleSet::all(), false);
    let mut table: BTreeMap<String, Counts> = BTreeMap::new();
    for path in &paths {
        let source = std::fs::read_to_string(path).unwrap();
        let first = source.lines().next().unwrap_or_default();
        let label = first
            .split_once("argus-test:")
            .unwrap_or_else(|| panic!("{}: no `argus-test:` label", path.display()))
            .1;
        let mut words = label.split_whitespace();
        let (verdict, rule) = (words.next().unwrap(), words.next().unwrap());
        assert!(
            argus_rules::find(rule).is_some(),
            "{}: no rule `{rule}`",
            path.display()
        );
        let language =
            Language::from_extension(path.extension().unwrap().to_str().unwrap()).unwrap();
        let display = path.strip_prefix(&root).unwrap().display().to_string();
        let reported = check_source(&engine, language, &display, &source)
            .iter()
            .any(|d| d.rule.id == rule);
        let counts = table.entry(rule.to_string()).or_default();
        match verdict {
            "vulnerable" => {
                counts.vulnerable += 1;
                if reported {
                    counts.found += 1;
                } else {
                    counts.missed.push(display);
                }
            }
            "safe" => {
                counts.safe += 1;
                if reported {
                    counts.false_alarms += 1;
                    counts.flagged.push(display);
                }
            }
            other => panic!(
                "{}: verdict `{other}` is neither vulnerable nor safe",
                path.display()
            ),
        }
    }
    let mut failures = Vec::new();
    println!(
        "{:<32} {:>5} {:>6} {:>5} {:>6}",
        "rule", "vuln", "TPR", "safe", "FPR"
    );
    for (rule, c) in &table {
        let tpr = c.found as f64 / c.vulnerable.max(1) as f64;
        let fpr = c.false_alarms as f64 / c.safe.max(1) as f64;
        println!(
            "{rule:<32} {:>5} {:>5.0}% {:>5} {:>5.0}%",
            c.vulnerable,
            tpr * 100.0,
            c.safe,
            fpr * 100.0
        );
        for m in &c.missed {
            println!("    missed: {m}");
        }
        for f in &c.flagged {
            println!("    false alarm: {f}");
        }
        if tpr < 0.9 || fpr > 0.1 || c.vulnerable == 0 || c.safe == 0 {
            failures.push(rule.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "below 90% TPR or above 10% FPR: {failures:?}"
    );
}
