//! Finding the files to review: walks the given paths with the `ignore` crate
//! (`.gitignore`, hidden files, vendored folders, `exclude` globs) and gives each Java or
//! Python file its settings. Paths that cannot be walked become problems; the walk goes on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use argus_rules::Language;
use globset::GlobSet;
use ignore::WalkBuilder;

use crate::config::{ConfigError, Resolver, Settings};
use crate::source::io_problem;
use crate::{Problem, ProblemKind};

/// Folder names that hold other people's code or build output, skipped while walking.
/// A path given explicitly on the command line is still reviewed.
pub const VENDORED_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "third_party",
    "site-packages",
    "__pypackages__",
    "venv",
    "_build",
    "buck-out",
    "dist",
    "target",
];

/// A file to review, with the settings that apply to it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as walked from the root the user gave.
    pub path: PathBuf,
    pub language: Language,
    pub settings: Arc<Settings>,
}

/// Files found under the given paths, and the paths that could not be walked.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<SourceFile>,
    pub problems: Vec<Problem>,
}

/// The language of a path, by extension.
pub fn language_of(path: &Path) -> Option<Language> {
    Language::from_extension(path.extension()?.to_str()?)
}

/// Walks `roots`. `cli_excludes` are `--exclude` globs.
/// `base` is the folder relative paths and `--exclude` globs are taken from.
pub fn discover(
    roots: &[PathBuf],
    cli_excludes: &GlobSet,
    resolver: &mut Resolver,
    base: &Path,
) -> Result<Discovered, ConfigError> {
    let mut found = Discovered::default();
    let mut seen = HashSet::new();
    let cwd = base.to_path_buf();
    for root in roots {
        if std::fs::metadata(root).is_err() {
            // Report why: missing, a broken link, a loop or no permission.
            if let Err(e) = std::fs::metadata(root) {
                found.problems.push(io_problem(root, &e));
            }
            continue;
        }
        if !root.is_dir() {
            match language_of(root) {
                Some(language) => {
                    let settings = resolver.settings_for(root)?;
                    push_unique(&mut found, &mut seen, root.clone(), language, settings);
                }
                None => found.problems.push(Problem {
                    path: root.clone(),
                    kind: ProblemKind::NoSources,
                    message: "is not a Java or Python file (.java, .py, .pyi)".to_string(),
                }),
            }
            continue;
        }

        let root_settings = resolver.settings_for(root)?;
        let excludes = cli_excludes.clone();
        let cwd_for_filter = cwd.clone();
        let walk = WalkBuilder::new(root)
            .follow_links(true)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .add_custom_ignore_filename(".argusignore")
            .filter_entry(move |entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if is_dir
                    && entry
                        .file_name()
                        .to_str()
                        .is_some_and(|name| VENDORED_DIRS.contains(&name))
                {
                    return false;
                }
                let absolute = cwd_for_filter.join(entry.path());
                let relative = absolute.strip_prefix(&cwd_for_filter).unwrap_or(&absolute);
                !excludes.is_match(relative) && !root_settings.is_excluded(&absolute)
            })
            .build();

        let before = found.files.len();
        for entry in walk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    found.problems.push(walk_problem(error, root));
                    continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_dir()) {
                continue;
            }
            let path = entry.into_path();
            let Some(language) = language_of(&path) else {
                continue;
            };
            let settings = resolver.settings_for(&path)?;
            if settings.is_excluded(&cwd.join(&path)) {
                continue;
            }
            push_unique(&mut found, &mut seen, path, language, settings);
        }
        if found.files.len() == before {
            found.problems.push(Problem {
                path: root.clone(),
                kind: ProblemKind::NoSources,
                message: "contains no Java or Python files to review (.java, .py, .pyi) \
                          outside ignored, hidden and vendored folders"
                    .to_string(),
            });
        }
    }
    Ok(found)
}

fn push_unique(
    found: &mut Discovered,
    seen: &mut HashSet<PathBuf>,
    path: PathBuf,
    language: Language,
    settings: Arc<Settings>,
) {
    let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    if seen.insert(key) {
        found.files.push(SourceFile {
            path: clean(path),
            language,
            settings,
        });
    }
}

/// `./src/a.py` → `src/a.py`.
fn clean(path: PathBuf) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => path,
    }
}

fn walk_problem(error: ignore::Error, root: &Path) -> Problem {
    if let ignore::Error::Loop { ancestor, child } = innermost(&error) {
        return Problem {
            message: format!(
                "is a symbolic link loop back to {}; it was not followed",
                clean(ancestor.clone()).display()
            ),
            path: clean(child.clone()),
            kind: ProblemKind::SymlinkLoop,
        };
    }
    let path = clean(error_path(&error).unwrap_or(root).to_path_buf());
    match error.io_error() {
        Some(io) => io_problem(&path, io),
        None => Problem {
            path,
            kind: ProblemKind::Unreadable,
            message: format!("cannot be walked: {error}"),
        },
    }
}

/// The error inside the path, depth and line-number wrappers.
fn innermost(error: &ignore::Error) -> &ignore::Error {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => innermost(err),
        other => other,
    }
}

/// The innermost path an `ignore` error names.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, err } => error_path(err).or(Some(path)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errors) => errors.first().and_then(error_path),
        _ => None,
    }
}
