//! Configuration: `argus.toml`, or `[tool.argus]` in `pyproject.toml`, found by walking
//! up from each reviewed file (the nearest wins), with command-line flags on top.
//!
//! Every key and every rule id is checked; a typo is an error that names the file, the
//! key and the closest valid spelling, never a silently ignored setting.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use argus_rules::{Category, Language, Scope, Severity, catalogue};
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::rule_set::RuleSet;
use crate::suggest::closest;

/// The default limit above which a file is skipped: generated code, not source.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// The keys a configuration table may hold.
const KEYS: &[&str] = &[
    "select",
    "ignore",
    "exclude",
    "per-file-ignores",
    "fail-on",
    "severity",
    "max-file-size",
];

/// Where a setting came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Flag(flag) => write!(f, "command line `{flag}`"),
        }
    }
}

/// A configuration problem. The run stops with exit status 2: reviewing with a setting
/// the user did not mean would give a misleading result.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the configuration: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: invalid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("{origin}: unknown key `{key}`{hint}; valid keys are {valid}")]
    UnknownKey {
        origin: Origin,
        key: String,
        hint: Hint,
        valid: String,
    },
    #[error(
        "{origin}: `{key}` has unknown rule id, category or language `{value}`{hint}; \
         run `argus rules` to list them"
    )]
    UnknownSelector {
        origin: Origin,
        key: String,
        value: String,
        hint: Hint,
    },
    #[error("{origin}: `{key}` must be {expected}")]
    WrongType {
        origin: Origin,
        key: String,
        expected: &'static str,
    },
    #[error("{origin}: `{key}` has an invalid glob `{glob}`: {message}")]
    Glob {
        origin: Origin,
        key: String,
        glob: String,
        message: String,
    },
}

/// A "did you mean" suffix, empty when nothing is close.
#[derive(Debug, Default)]
pub struct Hint(Option<String>);

impl Hint {
    fn for_input<'a>(input: &str, options: impl IntoIterator<Item = &'a str>) -> Hint {
        Hint(closest(input, options).map(str::to_string))
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(s) => write!(f, " (did you mean `{s}`?)"),
            None => Ok(()),
        }
    }
}

/// What `select`, `ignore` and per-file ignores accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector {
    All,
    Rule(&'static str),
    Category(Category),
    Language(Language),
}

impl Selector {
    /// Parses a rule id, a category (`security`), a language (`java`) or `all`.
    pub fn parse(value: &str) -> Option<Selector> {
        if value == "all" {
            return Some(Selector::All);
        }
        if let Some(rule) = argus_rules::find(value) {
            return Some(Selector::Rule(rule.meta().id));
        }
        if let Some(category) = Category::ALL.into_iter().find(|c| c.name() == value) {
            return Some(Selector::Category(category));
        }
        Language::ALL
            .into_iter()
            .find(|l| l.name() == value)
            .map(Selector::Language)
    }

    fn matches(self, rule: &'static dyn argus_rules::Rule) -> bool {
        let meta = rule.meta();
        match self {
            Selector::All => true,
            Selector::Rule(id) => meta.id == id,
            Selector::Category(c) => meta.category == c,
            Selector::Language(l) => meta.scope == Scope::Language(l),
        }
    }

    fn all_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = catalogue().iter().map(|r| r.meta().id).collect();
        names.extend(Category::ALL.iter().map(|c| c.name()));
        names.extend(Language::ALL.iter().map(|l| l.name()));
        names.push("all");
        names
    }

    /// Parses each value, failing on the first unknown one.
    pub fn parse_list(
        origin: &Origin,
        key: &str,
        values: &[String],
    ) -> Result<Vec<Selector>, ConfigError> {
        values
            .iter()
            .map(|v| {
                Selector::parse(v).ok_or_else(|| ConfigError::UnknownSelector {
                    origin: origin.clone(),
                    key: key.to_string(),
                    value: v.clone(),
                    hint: Hint::for_input(v, Selector::all_names()),
                })
            })
            .collect()
    }
}

/// Settings as written in one place (a file, or the command line), before merging.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub select: Option<Vec<Selector>>,
    pub ignore: Vec<Selector>,
    pub exclude: Vec<String>,
    pub per_file_ignores: Vec<(String, Vec<Selector>)>,
    pub fail_on: Option<Severity>,
    pub severity: Vec<(&'static str, Severity)>,
    pub max_file_size: Option<u64>,
}

impl Options {
    /// Parses a configuration table (the whole `argus.toml`, or `[tool.argus]`).
    pub fn from_table(table: &toml::Table, origin: &Origin) -> Result<Options, ConfigError> {
        let mut options = Options::default();
        for (key, value) in table {
            let wrong = |expected| ConfigError::WrongType {
                origin: origin.clone(),
                key: key.clone(),
                expected,
            };
            match key.as_str() {
                "select" => {
                    let list = string_list(value).ok_or_else(|| wrong("a list of strings"))?;
                    options.select = Some(Selector::parse_list(origin, key, &list)?);
                }
                "ignore" => {
                    let list = string_list(value).ok_or_else(|| wrong("a list of strings"))?;
                    options.ignore = Selector::parse_list(origin, key, &list)?;
                }
                "exclude" => {
                    options.exclude = string_list(value).ok_or_else(|| wrong("a list of globs"))?;
                    for glob in &options.exclude {
                        compile_glob(glob, origin, key)?;
                    }
                }
                "per-file-ignores" => {
                    let table = value
                        .as_table()
                        .ok_or_else(|| wrong("a table of glob = [rule ids]"))?;
                    for (glob, ids) in table {
                        let ids = string_list(ids)
                            .ok_or_else(|| wrong("a table of glob = [rule ids]"))?;
                        compile_glob(glob, origin, key)?;
                        let selectors = Selector::parse_list(origin, key, &ids)?;
                        options.per_file_ignores.push((glob.clone(), selectors));
                    }
                }
                "fail-on" => {
                    let s = value
                        .as_str()
                        .ok_or_else(|| wrong("\"info\", \"warning\" or \"error\""))?;
                    options.fail_on = Some(
                        Severity::parse(s)
                            .ok_or_else(|| wrong("\"info\", \"warning\" or \"error\""))?,
                    );
                }
                "severity" => {
                    let table = value.as_table().ok_or_else(|| {
                        wrong("a table of rule-id = \"info\" | \"warning\" | \"error\"")
                    })?;
                    for (id, level) in table {
                        let Some(rule) = argus_rules::find(id) else {
                            return Err(ConfigError::UnknownSelector {
                                origin: origin.clone(),
                                key: key.clone(),
                                value: id.clone(),
                                hint: Hint::for_input(id, catalogue().iter().map(|r| r.meta().id)),
                            });
                        };
                        let level = level.as_str().and_then(Severity::parse).ok_or_else(|| {
                            wrong("a table of rule-id = \"info\" | \"warning\" | \"error\"")
                        })?;
                        options.severity.push((rule.meta().id, level));
                    }
                }
                "max-file-size" => {
                    let bytes = match value {
                        toml::Value::Integer(n) => u64::try_from(*n).ok(),
                        toml::Value::String(s) => parse_size(s),
                        _ => None,
                    };
                    options.max_file_size = Some(
                        bytes.ok_or_else(|| wrong("a size in bytes, or a string like \"5MB\""))?,
                    );
                }
                other => {
                    return Err(ConfigError::UnknownKey {
                        origin: origin.clone(),
                        key: other.to_string(),
                        hint: Hint::for_input(other, KEYS.iter().copied()),
                        valid: KEYS
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        Ok(options)
    }

    /// Reads `argus.toml`, or the `[tool.argus]` table of a `pyproject.toml`.
    /// `Ok(None)` for a `pyproject.toml` without that table.
    pub fn from_file(path: &Path) -> Result<Option<Options>, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Toml {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
        let origin = Origin::File(path.to_path_buf());
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            let Some(argus) = table
                .get("tool")
                .and_then(|t| t.as_table())
                .and_then(|t| t.get("argus"))
            else {
                return Ok(None);
            };
            let argus = argus.as_table().ok_or_else(|| ConfigError::WrongType {
                origin: origin.clone(),
                key: "tool.argus".to_string(),
                expected: "a table",
            })?;
            return Options::from_table(argus, &origin).map(Some);
        }
        Options::from_table(&table, &origin).map(Some)
    }
}

fn string_list(value: &toml::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Parses `5MB`, `512 KB`, `1GiB` or a plain number of bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0).then_some(bytes as u64)
}

/// How a glob in `exclude` or `per-file-ignores` matches: a pattern without `/` matches
/// any file or directory name; one with `/` matches the path from the configuration's
/// directory. A directory pattern also matches everything under it.
fn compile_glob(pattern: &str, origin: &Origin, key: &str) -> Result<Vec<Glob>, ConfigError> {
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    let mut patterns = Vec::new();
    if trimmed.contains('/') {
        patterns.push(trimmed.to_string());
    } else {
        patterns.push(format!("**/{trimmed}"));
    }
    let base = patterns[0].clone();
    patterns.push(format!("{base}/**"));
    patterns
        .iter()
        .map(|p| {
            Glob::new(p).map_err(|e| ConfigError::Glob {
                origin: origin.clone(),
                key: key.to_string(),
                glob: pattern.to_string(),
                message: e.kind().to_string(),
            })
        })
        .collect()
}

pub(crate) fn glob_set(
    patterns: &[String],
    origin: &Origin,
    key: &str,
) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        for glob in compile_glob(pattern, origin, key)? {
            builder.add(glob);
        }
    }
    builder.build().map_err(|e| ConfigError::Glob {
        origin: origin.clone(),
        key: key.to_string(),
        glob: patterns.join(", "),
        message: e.to_string(),
    })
}

/// The effective settings for the files under one configuration file (or none).
#[derive(Debug)]
pub struct Settings {
    /// The directory globs are relative to.
    pub dir: PathBuf,
    pub rules: RuleSet,
    excludes: GlobSet,
    per_file_ignores: Vec<(GlobSet, RuleSet)>,
    severity: HashMap<&'static str, Severity>,
    pub fail_on: Severity,
    pub max_file_size: u64,
}

impl Settings {
    /// Merges a configuration file's options (if any) with the command line's.
    pub fn new(
        dir: PathBuf,
        file: Option<(&Options, &Origin)>,
        cli: &Options,
    ) -> Result<Settings, ConfigError> {
        let default = Options::default();
        let (file, origin) = file.unwrap_or((&default, &Origin::Flag("defaults")));
        let select = cli.select.as_ref().or(file.select.as_ref());
        let mut rules = match select {
            Some(selectors) => RuleSet::from_predicate(|r| selectors.iter().any(|s| s.matches(r))),
            None => RuleSet::all(),
        };
        // Engine rules are always on unless ignored by name: a syntax error or a broken
        // suppression is never silently dropped because a category was selected.
        rules.insert_where(|r| r.meta().scope == Scope::Any);
        for selector in file.ignore.iter().chain(&cli.ignore) {
            rules.remove_where(|r| selector.matches(r));
        }
        let mut per_file_ignores = Vec::new();
        for (pattern, selectors) in &file.per_file_ignores {
            let set = glob_set(std::slice::from_ref(pattern), origin, "per-file-ignores")?;
            let removed = RuleSet::from_predicate(|r| selectors.iter().any(|s| s.matches(r)));
            per_file_ignores.push((set, removed));
        }
        let severity = file.severity.iter().chain(&cli.severity).copied().collect();
        Ok(Settings {
            dir,
            rules,
            excludes: glob_set(&file.exclude, origin, "exclude")?,
            per_file_ignores,
            severity,
            fail_on: cli.fail_on.or(file.fail_on).unwrap_or(Severity::Warning),
            max_file_size: cli
                .max_file_size
                .or(file.max_file_size)
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        })
    }

    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(&self.dir).unwrap_or(path)
    }

    /// Whether the configuration's `exclude` covers this path.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.excludes.is_match(self.relative(path))
    }

    /// The rules enabled for this file, after per-file ignores; rules marked
    /// `skip_tests` are off in test code.
    pub fn rules_for(&self, path: &Path) -> RuleSet {
        let relative = self.relative(path);
        let mut rules = self.rules.clone();
        if argus_rules::is_test_path(relative) {
            rules.remove_where(|r| r.meta().skip_tests);
        }
        for (globs, removed) in &self.per_file_ignores {
            if globs.is_match(relative) {
                rules = rules.difference(removed);
            }
        }
        rules
    }

    /// The severity of a rule's findings after overrides.
    pub fn severity(&self, rule: &argus_rules::RuleMeta) -> Severity {
        self.severity.get(rule.id).copied().unwrap_or(rule.severity)
    }
}

/// Finds and caches the settings for each directory.
pub struct Resolver {
    cli: Options,
    /// `--config FILE`: one file for everything, no discovery.
    explicit: Option<Arc<Settings>>,
    by_dir: HashMap<PathBuf, Arc<Settings>>,
    defaults: Option<Arc<Settings>>,
    /// The folder defaults are relative to when no configuration file is found.
    base: PathBuf,
}

/// The configuration file names, in priority order within one directory.
const FILE_NAMES: &[&str] = &["argus.toml", "pyproject.toml"];

impl Resolver {
    pub fn new(
        cli: Options,
        explicit: Option<&Path>,
        base: PathBuf,
    ) -> Result<Resolver, ConfigError> {
        let explicit = match explicit {
            Some(path) => {
                let options = Options::from_file(path)?.unwrap_or_default();
                let dir = std::path::absolute(path)
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .unwrap_or_default();
                let origin = Origin::File(path.to_path_buf());
                Some(Arc::new(Settings::new(
                    dir,
                    Some((&options, &origin)),
                    &cli,
                )?))
            }
            None => None,
        };
        Ok(Resolver {
            cli,
            explicit,
            by_dir: HashMap::new(),
            defaults: None,
            base,
        })
    }

    /// The settings that apply to `path` (a file or a directory).
    pub fn settings_for(&mut self, path: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base.join(path)
        };
        let start = if absolute.is_dir() {
            absolute.as_path()
        } else {
            absolute.parent().unwrap_or(&absolute)
        };
        let mut visited = Vec::new();
        let mut found = None;
        for dir in start.ancestors() {
            if let Some(settings) = self.by_dir.get(dir) {
                found = Some(settings.clone());
                break;
            }
            visited.push(dir.to_path_buf());
            if let Some(settings) = self.load_dir(dir)? {
                found = Some(settings);
                break;
            }
        }
        let settings = match found {
            Some(settings) => settings,
            None => self.defaults()?,
        };
        for dir in visited {
            self.by_dir.insert(dir, settings.clone());
        }
        Ok(settings)
    }

    fn load_dir(&self, dir: &Path) -> Result<Option<Arc<Settings>>, ConfigError> {
        for name in FILE_NAMES {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            if let Some(options) = Options::from_file(&candidate)? {
                let origin = Origin::File(candidate);
                return Ok(Some(Arc::new(Settings::new(
                    dir.to_path_buf(),
                    Some((&options, &origin)),
                    &self.cli,
                )?)));
            }
        }
        Ok(None)
    }

    fn defaults(&mut self) -> Result<Arc<Settings>, ConfigError> {
        if let Some(defaults) = &self.defaults {
            return Ok(defaults.clone());
        }
        let defaults = Arc::new(Settings::new(self.base.clone(), None, &self.cli)?);
        self.defaults = Some(defaults.clone());
        Ok(defaults)
    }
}
