//! Inline suppressions, `@SuppressWarnings`, and baselines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{Project, WEAK_JAVA, WEAK_PY};

fn rules(p: &Project, args: &[&str]) -> Vec<(u64, String)> {
    p.findings(args)
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn python_comments_suppress_on_the_line_or_the_line_above() {
    let p = Project::new();
    p.file(
        "a.py",
        "import hashlib\n\
         a = hashlib.md5(b'')  # argus: ignore[py-weak-hash]\n\
         # argus: ignore[py-weak-hash]\n\
         b = hashlib.md5(b'')\n\
         # argus: ignore[py-weak-hash]\n\
         # why: the peer only speaks MD5\n\
         c = hashlib.md5(b'')\n\
         d = hashlib.md5(b'')  # argus: ignore[java-weak-hash]\n\
         e = hashlib.md5(b'')\n",
    );
    assert_eq!(
        rules(&p, &[]),
        [
            (8, "py-weak-hash".to_string()),
            (9, "py-weak-hash".to_string())
        ]
    );
}

#[test]
fn a_trailing_comment_does_not_reach_the_next_line() {
    let p = Project::new();
    p.file(
        "a.py",
        "import hashlib\nx = 1  # argus: ignore[py-weak-hash]\ny = hashlib.md5(b'')\n",
    );
    assert_eq!(rules(&p, &[]), [(3, "py-weak-hash".to_string())]);
}

#[test]
fn java_comments_and_suppress_warnings_annotations_suppress() {
    let p = Project::new();
    p.file(
        "A.java",
        r#"import java.security.MessageDigest;

class A {
    byte[] line(byte[] d) throws Exception {
        return MessageDigest.getInstance("MD5").digest(d); // argus: ignore[java-weak-hash]
    }

    byte[] above(byte[] d) throws Exception {
        // argus: ignore[java-weak-hash]
        return MessageDigest.getInstance("MD5").digest(d);
    }

    @SuppressWarnings("argus:java-weak-hash")
    byte[] method(byte[] d) throws Exception {
        return MessageDigest.getInstance("MD5").digest(d);
    }

    @SuppressWarnings({"unchecked", "argus:java-weak-hash"})
    byte[] inArray(byte[] d) throws Exception {
        return MessageDigest.getInstance("MD5").digest(d);
    }

    byte[] reported(byte[] d) throws Exception {
        return MessageDigest.getInstance("MD5").digest(d);
    }
}

@SuppressWarnings("argus:java-weak-hash")
class B {
    byte[] all(byte[] d) throws Exception {
        return MessageDigest.getInstance("SHA1").digest(d);
    }
}
"#,
    );
    assert_eq!(rules(&p, &[]), [(24, "java-weak-hash".to_string())]);
}

#[test]
fn a_suppression_without_a_rule_id_is_reported_and_suppresses_nothing() {
    let p = Project::new();
    p.file(
        "a.py",
        "import hashlib\nx = hashlib.md5(b'')  # argus: ignore\n",
    );
    p.file("B.java", format!("// argus: ignore\n{WEAK_JAVA}"));
    let found = rules(&p, &[]);
    assert!(
        found.contains(&(2, "invalid-suppression".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(2, "py-weak-hash".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(1, "invalid-suppression".to_string())),
        "{found:?}"
    );
}

#[test]
fn unused_suppressions_are_reported_only_when_asked() {
    let p = Project::new();
    p.file(
        "a.py",
        "import hashlib\nx = hashlib.sha256(b'')  # argus: ignore[py-weak-hash]\n",
    );
    assert!(rules(&p, &[]).is_empty());
    assert_eq!(
        rules(&p, &["--warn-unused-suppressions"]),
        [(2, "unused-suppression".to_string())]
    );
    // A suppression for a rule that is not enabled cannot be judged unused.
    assert!(
        rules(
            &p,
            &["--warn-unused-suppressions", "--ignore", "py-weak-hash"]
        )
        .is_empty()
    );
}

#[test]
fn a_baseline_hides_known_findings_and_shows_new_ones() {
    let p = Project::new();
    p.file("legacy.py", WEAK_PY);
    p.file("Legacy.java", WEAK_JAVA);
    let out = p.run(&["review", "--write-baseline", "argus-baseline.json"]);
    assert_eq!(
        out.code, 0,
        "writing a baseline accepts the findings: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Wrote a baseline of 2 findings to argus-baseline.json."),
        "{}",
        out.stderr
    );

    let out = p.run(&["review", "--baseline", "argus-baseline.json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("No findings in 2 files")
            && out.stdout.contains("2 findings in the baseline not shown."),
        "{}",
        out.stdout
    );

    // Edits above the old finding keep it baselined; a new finding is reported.
    p.file(
        "legacy.py",
        format!(
            "import os\n\n{WEAK_PY}\ndef more(data):\n    return hashlib.sha1(data).digest()\n"
        ),
    );
    let out = p.run(&[
        "review",
        "--baseline",
        "argus-baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1);
    let doc = out.json();
    assert_eq!(doc["summary"]["baselined"], 2);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert!(findings[0]["message"].as_str().unwrap().starts_with("SHA1"));
}

#[test]
fn a_missing_or_broken_baseline_is_an_error() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    let out = p.run(&["review", "--baseline", "nope.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("baseline nope.json: cannot read"),
        "{}",
        out.stderr
    );
    p.file("bad.json", "{\"findings\": 3}");
    let out = p.run(&["review", "--baseline", "bad.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("baseline bad.json: not an Argus baseline"),
        "{}",
        out.stderr
    );
}
