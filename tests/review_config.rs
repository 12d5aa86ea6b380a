//! Configuration from argus.toml and pyproject.toml, with flags on top, and the errors a
//! typo gets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{Project, WEAK_JAVA, WEAK_PY};

fn rules_found(p: &Project, args: &[&str]) -> Vec<(String, String)> {
    p.findings(args)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn argus_toml_selects_and_ignores_by_rule_category_or_language() {
    let p = Project::new();
    p.file("a.py", WEAK_PY).file("A.java", WEAK_JAVA);
    p.file("argus.toml", "ignore = [\"java\"]\n");
    assert_eq!(
        rules_found(&p, &[]),
        [("a.py".into(), "py-weak-hash".into())]
    );
    p.file(
        "argus.toml",
        "select = [\"security\"]\nignore = [\"py-weak-hash\"]\n",
    );
    assert_eq!(
        rules_found(&p, &[]),
        [("A.java".into(), "java-weak-hash".into())]
    );
    p.file("argus.toml", "select = [\"correctness\"]\n");
    assert!(rules_found(&p, &[]).is_empty());
}

#[test]
fn pyproject_tool_argus_table_is_read() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file(
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.argus]\nignore = [\"py-weak-hash\"]\n",
    );
    assert!(rules_found(&p, &[]).is_empty());
    // A pyproject.toml without [tool.argus] is not a configuration.
    p.file("pyproject.toml", "[project]\nname = \"demo\"\n");
    assert_eq!(rules_found(&p, &[]).len(), 1);
}

#[test]
fn the_nearest_configuration_above_a_file_wins() {
    let p = Project::new();
    p.file("argus.toml", "ignore = [\"py-weak-hash\"]\n");
    p.file("top.py", WEAK_PY);
    p.file("service/argus.toml", "select = [\"all\"]\n");
    p.file("service/app.py", WEAK_PY);
    p.file("service/deep/er/mod.py", WEAK_PY);
    let found = rules_found(&p, &[]);
    let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["service/app.py", "service/deep/er/mod.py"]);
}

#[test]
fn flags_override_the_configuration() {
    let p = Project::new();
    p.file("a.py", WEAK_PY).file("A.java", WEAK_JAVA);
    p.file("argus.toml", "select = [\"java\"]\nfail-on = \"error\"\n");
    assert_eq!(
        rules_found(&p, &["--select", "python"]),
        [("a.py".into(), "py-weak-hash".into())]
    );
    assert_eq!(
        p.run(&["review"]).code,
        0,
        "fail-on = error from argus.toml: warnings pass"
    );
    assert_eq!(
        p.run(&["review", "--fail-on", "warning"]).code,
        1,
        "the flag wins"
    );
    assert!(rules_found(&p, &["--ignore", "java-weak-hash"]).is_empty());
    // A path after `--select` is a path, not another selector.
    assert_eq!(
        rules_found(&p, &["--select", "java,python", "a.py"]),
        [("a.py".into(), "py-weak-hash".into())]
    );
}

#[test]
fn per_file_ignores_turn_rules_off_under_a_glob() {
    let p = Project::new();
    p.file("src/app.py", WEAK_PY)
        .file("tests/test_app.py", WEAK_PY)
        .file("tests/unit/test_x.py", WEAK_PY);
    p.file(
        "argus.toml",
        "[per-file-ignores]\n\"tests/\" = [\"security\"]\n",
    );
    assert_eq!(
        rules_found(&p, &[]),
        [("src/app.py".into(), "py-weak-hash".into())]
    );
    p.file(
        "argus.toml",
        "[per-file-ignores]\n\"**/test_*.py\" = [\"py-weak-hash\"]\n",
    );
    assert_eq!(
        rules_found(&p, &[]),
        [("src/app.py".into(), "py-weak-hash".into())]
    );
}

#[test]
fn severity_overrides_change_level_and_exit_status() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file("argus.toml", "[severity]\n\"py-weak-hash\" = \"error\"\n");
    let out = p.run(&["review", "--format", "json", "--fail-on", "error"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["findings"][0]["severity"], "error");
    p.file("argus.toml", "[severity]\n\"py-weak-hash\" = \"info\"\n");
    assert_eq!(
        p.run(&["review"]).code,
        0,
        "info is below the default fail-on"
    );
}

#[test]
fn exclude_globs_from_config_and_flags_skip_files() {
    let p = Project::new();
    p.file("src/app.py", WEAK_PY)
        .file("src/generated/api.py", WEAK_PY)
        .file("build_tools/gen.py", WEAK_PY);
    p.file("argus.toml", "exclude = [\"generated\"]\n");
    let found = rules_found(&p, &["--exclude", "build_tools/*.py"]);
    assert_eq!(found, [("src/app.py".into(), "py-weak-hash".into())]);
}

#[test]
fn gitignored_hidden_and_vendored_folders_are_skipped() {
    let p = Project::new();
    p.file("app.py", WEAK_PY);
    p.file(".gitignore", "ignored/\n");
    p.file("ignored/x.py", WEAK_PY);
    p.file(".hidden/x.py", WEAK_PY);
    p.file("node_modules/pkg/x.py", WEAK_PY);
    p.file("venv/lib/x.py", WEAK_PY);
    p.file("vendor/Lib.java", WEAK_JAVA);
    assert_eq!(
        rules_found(&p, &[]),
        [("app.py".into(), "py-weak-hash".into())]
    );
    // Named explicitly, a vendored file is reviewed.
    assert_eq!(rules_found(&p, &["vendor/Lib.java"]).len(), 1);
}

#[test]
fn an_explicit_config_file_applies_everywhere() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file("service/argus.toml", "select = [\"all\"]\n");
    p.file("service/b.py", WEAK_PY);
    p.file("ci/strict.toml", "ignore = [\"py-weak-hash\"]\n");
    assert!(rules_found(&p, &["--config", "ci/strict.toml"]).is_empty());
}

#[test]
fn an_unknown_key_is_an_error_naming_file_key_and_suggestion() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file("argus.toml", "selct = [\"security\"]\n");
    let out = p.run(&["review"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("argus.toml: unknown key `selct` (did you mean `select`?)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is reviewed with a broken configuration"
    );
}

#[test]
fn an_unknown_rule_id_is_an_error_with_the_closest_valid_id() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    p.file(
        "pyproject.toml",
        "[tool.argus]\nignore = [\"py-weak-hsh\"]\n",
    );
    let out = p.run(&["review"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pyproject.toml: `ignore` has unknown rule id, category or language `py-weak-hsh` (did you mean `py-weak-hash`?)"), "{}", out.stderr);
    p.file(
        "pyproject.toml",
        "[tool.argus]\n[tool.argus.per-file-ignores]\n\"tests/\" = [\"securty\"]\n",
    );
    let out = p.run(&["review"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`securty` (did you mean `security`?)"),
        "{}",
        out.stderr
    );
}

#[test]
fn invalid_values_and_toml_are_errors() {
    let p = Project::new();
    p.file("a.py", WEAK_PY);
    for (config, expected) in [
        (
            "fail-on = \"fatal\"\n",
            "`fail-on` must be \"info\", \"warning\" or \"error\"",
        ),
        (
            "select = \"security\"\n",
            "`select` must be a list of strings",
        ),
        (
            "max-file-size = \"huge\"\n",
            "`max-file-size` must be a size in bytes",
        ),
        ("select = [\n", "invalid TOML"),
        (
            "[severity]\n\"py-weak-hash\" = \"critical\"\n",
            "`severity` must be a table of rule-id",
        ),
    ] {
        p.file("argus.toml", config);
        let out = p.run(&["review"]);
        assert_eq!(out.code, 2, "{config}");
        assert!(
            out.stderr.contains("argus.toml") && out.stderr.contains(expected),
            "{config}: {}",
            out.stderr
        );
    }
}

#[test]
fn secrets_in_test_code_are_not_reported_but_the_same_secret_in_application_code_is() {
    let p = Project::new();
    let secret =
        "def connect(client):\n    client.login(user=\"admin\", password=\"hunter2-prod\")\n";
    p.file("app/db.py", secret)
        .file("tests/test_db.py", secret)
        .file("app/test_db.py", secret)
        .file(
            "src/test/java/DbTest.java",
            "class DbTest { String password = \"hunter2-prod\"; }\n",
        )
        .file(
            "src/main/java/Db.java",
            "class Db { String password = \"hunter2-prod\"; }\n",
        );
    let mut found = rules_found(&p, &[]);
    found.sort();
    assert_eq!(
        found,
        [
            ("app/db.py".into(), "py-hardcoded-secret".into()),
            (
                "src/main/java/Db.java".into(),
                "java-hardcoded-credentials".into()
            ),
        ]
    );
}
