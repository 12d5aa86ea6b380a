//! What a rule is: its metadata, written once, and its check over syntax nodes.
//!
//! The metadata and the documentation come from one `declare_rule!` block, so the
//! same text serves `argus rules explain`, the SARIF `help` field and PR comments.

use std::fmt;

use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use crate::Checker;

/// A source language Argus reviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Java,
    Python,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Java, Language::Python];

    pub fn name(self) -> &'static str {
        match self {
            Language::Java => "java",
            Language::Python => "python",
        }
    }

    /// The language a file belongs to, judged by its extension.
    pub fn from_extension(ext: &str) -> Option<Language> {
        match ext {
            "java" => Some(Language::Java),
            "py" | "pyi" => Some(Language::Python),
            _ => None,
        }
    }

    /// The tree-sitter grammar for the language.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }

    /// Node kinds that hold comments, where suppressions live.
    pub fn comment_kinds(self) -> &'static [&'static str] {
        match self {
            Language::Java => &["line_comment", "block_comment"],
            Language::Python => &["comment"],
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|sev| sev.name() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The family a rule belongs to; also a selector in `select`/`ignore`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Security,
    Correctness,
    ResourceLeak,
    Concurrency,
    Performance,
    Maintainability,
    AwsBestPractice,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Security,
        Category::Correctness,
        Category::ResourceLeak,
        Category::Concurrency,
        Category::Performance,
        Category::Maintainability,
        Category::AwsBestPractice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Correctness => "correctness",
            Category::ResourceLeak => "resource-leak",
            Category::Concurrency => "concurrency",
            Category::Performance => "performance",
            Category::Maintainability => "maintainability",
            Category::AwsBestPractice => "aws-best-practice",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How often a finding of the rule is a true positive; SARIF `precision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::Low => "low",
            Precision::Medium => "medium",
            Precision::High => "high",
            Precision::VeryHigh => "very-high",
        }
    }
}

/// Which files a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Files of one language.
    Language(Language),
    /// Every reviewed file. Used by the engine's own rules (syntax errors, suppressions).
    Any,
}

impl Scope {
    pub fn includes(self, language: Language) -> bool {
        match self {
            Scope::Language(l) => l == language,
            Scope::Any => true,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Language(l) => l.name(),
            Scope::Any => "any",
        }
    }
}

/// Everything about a rule except its check. Declared with [`declare_rule!`].
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case, unique in the catalogue and stable forever.
    pub id: &'static str,
    /// The Rust type name; SARIF `rule.name`.
    pub type_name: &'static str,
    /// A short human title; SARIF `shortDescription`.
    pub title: &'static str,
    pub scope: Scope,
    pub category: Category,
    pub severity: Severity,
    pub cwe: &'static [u32],
    pub precision: Precision,
    /// Node kinds the engine dispatches to this rule.
    pub kinds: &'static [&'static str],
    /// The default one-line fix hint, used when a finding gives none of its own.
    pub fix: &'static str,
    /// The doc comment, as raw attribute strings (each line keeps rustdoc's leading space).
    pub raw_doc: &'static str,
    /// Whether the rule stays silent in test code ([`is_test_path`]): set for rules whose
    /// findings are about deployed configuration and secrets, which tests fake on purpose.
    pub skip_tests: bool,
}

/// The first paragraph of Markdown text, its lines joined.
fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl RuleMeta {
    /// The rule's documentation in Markdown: *What it does*, *Why is this bad?*, *Example*.
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.raw_doc.len());
        for line in self.raw_doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The first paragraph under *What it does*; SARIF `fullDescription`.
    pub fn summary(&self) -> String {
        self.first_paragraph("## What it does")
            .unwrap_or_else(|| first_paragraph(&self.doc()))
    }

    /// The first paragraph under *Why is this bad?*, on one line.
    pub fn why(&self) -> String {
        self.first_paragraph("## Why is this bad?")
            .unwrap_or_default()
    }

    /// The first paragraph under `heading`, on one line; `None` without the heading.
    fn first_paragraph(&self, heading: &str) -> Option<String> {
        let doc = self.doc();
        let (_, rest) = doc.split_once(heading)?;
        Some(first_paragraph(rest.split("\n## ").next().unwrap_or(rest)))
    }

    pub fn is_security(&self) -> bool {
        self.category == Category::Security
    }

    /// GitHub's `security-severity` score for security rules (0.0–10.0).
    pub fn security_severity(&self) -> Option<f32> {
        self.is_security().then_some(match self.severity {
            Severity::Error => 8.0,
            Severity::Warning => 5.5,
            Severity::Info => 2.0,
        })
    }
}

/// Gives a rule its metadata; implemented by [`declare_rule!`].
pub trait Describe {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule: metadata plus a check run on every node of the declared kinds.
pub trait Rule: Describe + Send + Sync + 'static {
    /// Inspect `node` (one of `meta().kinds`) and report findings through `cx`.
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>);
}

/// Declares a rule type and its metadata from one block whose doc comment is the user
/// documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub WeakHash {
///         id: "java-weak-hash",
///         title: "Weak hash algorithm",
///         language: Java,
///         category: Security,
///         severity: Warning,
///         cwe: [328],
///         precision: High,
///         kinds: ["method_invocation"],
///         fix: "Use SHA-256 or stronger",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        $vis:vis $name:ident {
            id: $id:literal,
            title: $title:literal,
            language: $lang:ident,
            category: $cat:ident,
            severity: $sev:ident,
            cwe: [$($cwe:literal),* $(,)?],
            precision: $prec:ident,
            kinds: [$($kind:literal),* $(,)?],
            fix: $fix:literal
            $(, skip_tests: $skip:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                type_name: stringify!($name),
                title: $title,
                scope: $crate::declare_rule!(@scope $lang),
                category: $crate::Category::$cat,
                severity: $crate::Severity::$sev,
                cwe: &[$($cwe),*],
                precision: $crate::Precision::$prec,
                kinds: &[$($kind),*],
                fix: $fix,
                raw_doc: concat!($($doc, "\n"),*),
                skip_tests: $crate::declare_rule!(@skip $($skip)?),
            };
        }

        impl $crate::Describe for $name {
            fn meta(&self) -> &'static $crate::RuleMeta {
                static META: $crate::RuleMeta = $name::META;
                &META
            }
        }
    };
    (@skip) => { false };
    (@skip $skip:literal) => { $skip };
    (@scope Any) => { $crate::Scope::Any };
    (@scope $lang:ident) => { $crate::Scope::Language($crate::Language::$lang) };
}

/// Registers rule modules: one line per rule, `module::Type`.
#[macro_export]
macro_rules! register_rules {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(mod $module;)*
        $(pub use $module::$rule;)*

        /// The rules of this module, in registration order.
        pub(crate) static RULES: &[&dyn $crate::Rule] = &[$(&$module::$rule),*];
    };
}

/// Whether a path (relative to the reviewed root) is test code by the conventions of
/// pytest, unittest, Maven and Gradle: a `test`, `tests` or `testing` folder, Maven's
/// `src/test`, `test_*.py`, `*_test.py`, Django's `tests.py`, `conftest.py`, or a Java class named `*Test`,
/// `*Tests` or `*IT`.
pub fn is_test_path(path: &std::path::Path) -> bool {
    let in_test_folder = path.parent().is_some_and(|dir| {
        dir.components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("test" | "tests" | "testing")))
    });
    if in_test_folder {
        return true;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if let Some(stem) = name.strip_suffix(".py") {
        return stem.starts_with("test_")
            || stem.ends_with("_test")
            || matches!(stem, "conftest" | "tests");
    }
    if let Some(stem) = name.strip_suffix(".java") {
        return stem.len() > 4 && (stem.ends_with("Test") || stem.ends_with("Tests"))
            || stem.len() > 2 && stem.ends_with("IT");
    }
    false
}

#[cfg(test)]
mod test_path_tests {
    use super::is_test_path;
    use std::path::Path;

    #[test]
    fn test_folders_and_test_file_names_are_test_code() {
        for path in [
            "tests/auth/test_views.py",
            "pkg/tests/helpers.py",
            "src/test/java/com/acme/UserDao.java",
            "test_app.py",
            "app/models_test.py",
            "conftest.py",
            "polls/tests.py",
            "src/main/java/UserServiceTest.java",
            "UserServiceTests.java",
            "OrderRepositoryIT.java",
        ] {
            assert!(is_test_path(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn application_code_and_benchmark_cases_are_not_test_code() {
        for path in [
            "app/views.py",
            "contest.py",
            "attestation/tests.md",
            "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00001.java",
            "Test.java",
            "latest/IT.java",
            "protests/views.py",
        ] {
            assert!(!is_test_path(Path::new(path)), "{path}");
        }
    }
}
