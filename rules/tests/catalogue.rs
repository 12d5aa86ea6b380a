//! The catalogue is well formed: unique ids, real node kinds, complete docs, and a
//! `bad` and a `good` fixture for every rule.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly on broken fixtures"
)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use argus_rules::{Category, Language, Scope, catalogue};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/rules")
}

fn fixture_dir_and_ext(scope: Scope) -> (&'static str, &'static str) {
    match scope {
        Scope::Language(Language::Java) => ("java", "java"),
        Scope::Language(Language::Python) => ("python", "py"),
        Scope::Any => ("meta", "py"),
    }
}

#[test]
fn rule_ids_are_unique_kebab_case_and_language_prefixed() {
    let mut seen = HashSet::new();
    for rule in catalogue() {
        let meta = rule.meta();
        assert!(seen.insert(meta.id), "duplicate rule id `{}`", meta.id);
        assert!(
            meta.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{}` is not kebab-case",
            meta.id
        );
        let prefix = match meta.scope {
            Scope::Language(Language::Java) => Some("java-"),
            Scope::Language(Language::Python) => Some("py-"),
            Scope::Any => None,
        };
        if let Some(prefix) = prefix {
            assert!(
                meta.id.starts_with(prefix),
                "`{}` should start with `{prefix}`",
                meta.id
            );
        }
    }
}

#[test]
fn every_declared_node_kind_exists_in_the_grammar() {
    for rule in catalogue() {
        let meta = rule.meta();
        let languages: Vec<Language> = match meta.scope {
            Scope::Language(l) => vec![l],
            Scope::Any => Language::ALL.to_vec(),
        };
        for kind in meta.kinds {
            for language in &languages {
                let grammar = language.grammar();
                let exists = (0..grammar.node_kind_count()).any(|id| {
                    let id = u16::try_from(id).unwrap();
                    grammar.node_kind_is_named(id) && grammar.node_kind_for_id(id) == Some(*kind)
                });
                assert!(
                    exists,
                    "`{}` declares kind `{kind}`, unknown to the {language} grammar",
                    meta.id
                );
            }
        }
        if meta.scope != Scope::Any {
            assert!(
                !meta.kinds.is_empty(),
                "`{}` declares no node kinds",
                meta.id
            );
        }
    }
}

#[test]
fn every_doc_has_the_three_headings_and_an_example() {
    for rule in catalogue() {
        let meta = rule.meta();
        let doc = meta.doc();
        let what = doc.find("## What it does");
        let why = doc.find("## Why is this bad?");
        let example = doc.find("## Example");
        assert!(
            matches!((what, why, example), (Some(a), Some(b), Some(c)) if a < b && b < c),
            "`{}`: the doc needs `## What it does`, `## Why is this bad?` and `## Example`, in order",
            meta.id
        );
        assert!(
            doc.contains("```"),
            "`{}`: the example has no code block",
            meta.id
        );
        assert!(!meta.summary().is_empty(), "`{}`: empty summary", meta.id);
        assert!(
            !meta.title.is_empty() && !meta.fix.is_empty(),
            "`{}`: title and fix hint are required",
            meta.id
        );
        if meta.category == Category::Security {
            assert!(
                !meta.cwe.is_empty(),
                "`{}`: security rules name their CWE",
                meta.id
            );
        }
    }
}

#[test]
fn every_rule_has_a_bad_and_a_good_fixture() {
    for rule in catalogue() {
        let meta = rule.meta();
        let (dir, ext) = fixture_dir_and_ext(meta.scope);
        for kind in ["bad", "good"] {
            let path = fixtures_dir()
                .join(dir)
                .join(format!("{}.{kind}.{ext}", meta.id));
            assert!(
                path.is_file(),
                "`{}` has no {kind} fixture at {}",
                meta.id,
                path.display()
            );
        }
    }
}

#[test]
fn every_fixture_belongs_to_a_rule_and_parses_cleanly() {
    for dir in ["java", "python", "meta"] {
        let Ok(entries) = std::fs::read_dir(fixtures_dir().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let id = name.split('.').next().unwrap();
            assert!(argus_rules::find(id).is_some(), "{name}: no rule `{id}`");
            if id == "syntax-error" && name.contains(".bad.") {
                continue;
            }
            let ext = path.extension().unwrap().to_str().unwrap();
            let language = Language::from_extension(ext).unwrap();
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language.grammar()).unwrap();
            let source = std::fs::read_to_string(&path).unwrap();
            let tree = parser.parse(&source, None).unwrap();
            assert!(
                !tree.root_node().has_error(),
                "{name} does not parse cleanly"
            );
        }
    }
}
