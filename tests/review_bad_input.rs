//! Bad input never crashes, hangs or goes unmentioned: each gets a one-line diagnostic
//! naming the path, the rest of the run goes on, and the exit status says so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Project, Run, WEAK_PY};

/// A project with one good file whose finding must survive whatever else is broken.
fn project_with_good_file() -> Project {
    let p = Project::new();
    p.file("good.py", WEAK_PY);
    p
}

/// Asserts the run went on: the good file's finding is reported, the problem is one
/// stderr line naming `path`, and the exit status is 2.
fn assert_reported(out: &Run, path: &str, words: &str) {
    assert_eq!(
        out.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("good.py:5:12"),
        "the good file was still reviewed:\n{}",
        out.stdout
    );
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.contains(path)).collect();
    assert_eq!(
        lines.len(),
        1,
        "one diagnostic line for {path}:\n{}",
        out.stderr
    );
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(
        lines[0].contains(words),
        "expected `{words}` in: {}",
        lines[0]
    );
    assert!(
        out.stdout.contains("could not be reviewed"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_syntax_error_is_reported_at_its_line_and_the_rest_of_the_file_is_reviewed() {
    let p = Project::new();
    p.file(
        "broken.py",
        "import hashlib\n\ndef f(:\n    pass\n\ndef g(data):\n    return hashlib.md5(data)\n",
    );
    p.file(
        "Broken.java",
        "class Broken {\n    void f() {\n        int x = ;\n    }\n}\n",
    );
    let out = p.run(&["review", "--format", "json"]);
    assert_eq!(
        out.code, 1,
        "a syntax error is a finding, not a crash: {}",
        out.stderr
    );
    let findings = out.json()["findings"].as_array().unwrap().clone();
    let summary: Vec<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["rule"].as_str().unwrap().into(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        summary.contains(&("broken.py".into(), "syntax-error".into(), 3)),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("broken.py".into(), "py-weak-hash".into(), 7)),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("Broken.java".into(), "syntax-error".into(), 3)),
        "{summary:?}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_the_bad_byte() {
    let p = project_with_good_file();
    p.file("latin1.py", b"# caf\xe9\nx = 1\n");
    let out = p.run(&["review"]);
    assert_reported(
        &out,
        "latin1.py",
        "is not valid UTF-8 (first bad byte 0xe9 at line 1",
    );
}

#[test]
fn a_binary_file_with_a_python_name_is_skipped() {
    let p = project_with_good_file();
    p.file("blob.py", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00binary");
    let out = p.run(&["review"]);
    assert_reported(&out, "blob.py", "is a binary file");
}

#[test]
fn a_50_mb_generated_file_is_skipped_above_the_size_limit() {
    let p = project_with_good_file();
    let line = "VALUE_0123456789 = 'generated generated generated generated'\n";
    let big = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    p.file("generated.py", &big);
    let started = Instant::now();
    let out = p.run(&["review"]);
    assert_reported(
        &out,
        "generated.py",
        "skipped: 50.0 MB is over the 5.0 MB limit",
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "skipping must not read the file"
    );
    // The limit is configurable; a tiny one skips the good file too.
    let out = p.run(&["review", "--max-file-size", "10"]);
    assert!(out.stderr.contains("good.py: skipped"), "{}", out.stderr);
}

#[test]
fn code_nested_ten_thousand_levels_deep_does_not_overflow_the_stack() {
    let p = project_with_good_file();
    let n = 10_000;
    p.file(
        "deep.py",
        format!("x = {}eval(y){}\n", "(".repeat(n), ")".repeat(n)),
    );
    p.file(
        "deep_list.py",
        format!("x = {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    p.file(
        "Deep.java",
        format!(
            "class Deep {{ void f() {{ int x = {}1{}; {}{} }} }}\n",
            "(".repeat(n),
            ")".repeat(n),
            "{".repeat(n),
            "}".repeat(n)
        ),
    );
    let out = p.run(&["review"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert!(out.stdout.contains("good.py:5:12"), "{}", out.stdout);
    assert!(out.stdout.contains("in 4 files"), "{}", out.stdout);
}

#[test]
fn an_unreadable_file_is_named() {
    let p = project_with_good_file();
    p.file("secret.py", "x = 1\n");
    let path = p.path().join("secret.py");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Root reads anything; use a file that fails on read for everyone instead.
        std::fs::remove_file(&path).unwrap();
        symlink("/proc/self/mem", &path).unwrap();
    }
    let out = p.run(&["review"]);
    assert_reported(&out, "secret.py", "cannot be read");
}

#[test]
fn symlink_loops_are_named_and_not_followed_forever() {
    let p = project_with_good_file();
    std::fs::create_dir(p.path().join("pkg")).unwrap();
    symlink("..", p.path().join("pkg/parent")).unwrap();
    symlink("b.py", p.path().join("a.py")).unwrap();
    symlink("a.py", p.path().join("b.py")).unwrap();
    let out = p.run(&["review"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.contains("good.py:5:12"));
    for name in ["pkg/parent", "a.py", "b.py"] {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("symbolic link loop")),
            "{name}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_broken_symlink_is_named() {
    let p = project_with_good_file();
    symlink("gone.py", p.path().join("dangling.py")).unwrap();
    let out = p.run(&["review"]);
    assert_reported(&out, "dangling.py", "broken symbolic link");
}

#[test]
fn a_fifo_with_a_python_name_does_not_hang_the_review() {
    let p = project_with_good_file();
    let fifo = p.path().join("pipe.py");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = p.run(&["review"]);
    assert_reported(&out, "pipe.py", "is not a regular file");
}

#[test]
fn an_empty_directory_is_reported() {
    let p = Project::new();
    std::fs::create_dir(p.path().join("empty")).unwrap();
    let out = p.run(&["review", "empty"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: empty: contains no Java or Python files to review (.java, .py, .pyi) outside ignored, hidden and vendored folders"
    );
    assert!(
        out.stdout.contains("No findings in 0 files"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_path_that_does_not_exist_is_reported_and_the_others_are_reviewed() {
    let p = project_with_good_file();
    let out = p.run(&["review", "good.py", "missing/dir", "README.md"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("good.py:5:12"));
    assert!(
        out.stderr
            .contains("error: missing/dir: no such file or directory; check the path"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error: README.md: no such file or directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_non_source_file_named_explicitly_is_reported() {
    let p = project_with_good_file();
    p.file("notes.txt", "hello");
    let out = p.run(&["review", "good.py", "notes.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: notes.txt: is not a Java or Python file"),
        "{}",
        out.stderr
    );
}

#[test]
fn problems_appear_in_json_reports_too() {
    let p = project_with_good_file();
    p.file("blob.py", b"\x00\x01");
    let out = p.run(&["review", "--format", "json"]);
    assert_eq!(out.code, 2);
    let doc = out.json();
    assert_eq!(doc["summary"]["problems"], 1);
    assert_eq!(doc["problems"][0]["path"], "blob.py");
    assert_eq!(doc["problems"][0]["kind"], "binary");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}
