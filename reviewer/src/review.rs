//! A whole review: configuration, discovery, the parallel check over files, and the
//! sorted, fingerprinted, baselined result that reporters receive.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use argus_rules::Severity;
use rayon::prelude::*;

use crate::baseline::Baseline;
use crate::config::{ConfigError, Options, Origin, Resolver, glob_set};
use crate::discover::{SourceFile, discover};
use crate::{
    Diagnostic, Engine, Problem, ProblemKind, Review, RuleSet, assign_fingerprints, sort, source,
};

/// Receives progress while files are reviewed; the terminal UI implements it.
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// Reports no progress.
pub struct NoProgress;

impl Progress for NoProgress {}

/// What to review and how.
pub struct ReviewOptions<'a> {
    /// Files and folders; the current folder when empty.
    pub paths: Vec<PathBuf>,
    /// Settings from the command line; they override configuration files.
    pub cli: Options,
    /// `--config FILE`: use this file for everything instead of discovering files.
    pub config_file: Option<PathBuf>,
    /// `--exclude` globs, relative to the working directory.
    pub excludes: Vec<String>,
    /// Worker threads; all cores when `None`.
    pub jobs: Option<usize>,
    /// Review as if run from this folder: relative paths, shown paths, the project root
    /// and the default configuration folder are taken from it instead of the working
    /// directory (a server reviewing many checkouts cannot change directory).
    pub base_dir: Option<PathBuf>,
    pub warn_unused_suppressions: bool,
    pub baseline: Option<&'a Baseline>,
    pub progress: &'a dyn Progress,
}

/// A review could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start {jobs} worker threads: {message}")]
    Workers { jobs: usize, message: String },
}

/// The review and the threshold that decides the exit status.
pub struct Outcome {
    pub review: Review,
    pub fail_on: Severity,
}

/// Runs a review.
pub fn run(options: ReviewOptions<'_>) -> Result<Outcome, ReviewError> {
    let started = Instant::now();
    let base = match &options.base_dir {
        Some(base) => base.clone(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    let paths: Vec<PathBuf> = match (&options.base_dir, options.paths.is_empty()) {
        (None, true) => vec![PathBuf::from(".")],
        (None, false) => options.paths.clone(),
        (Some(base), true) => vec![base.clone()],
        (Some(base), false) => options.paths.iter().map(|p| base.join(p)).collect(),
    };
    let mut resolver = Resolver::new(
        options.cli.clone(),
        options.config_file.as_deref(),
        base.clone(),
    )?;
    let fail_on = resolver.settings_for(&paths[0])?.fail_on;
    let excludes = glob_set(&options.excludes, &Origin::Flag("--exclude"), "--exclude")?;
    let discovered = discover(&paths, &excludes, &mut resolver, &base)?;

    let mut engines: HashMap<RuleSet, Arc<Engine>> = HashMap::new();
    let mut enabled = RuleSet::empty();
    let work: Vec<(SourceFile, Arc<Engine>)> = discovered
        .files
        .into_iter()
        .map(|file| {
            let rules = file.settings.rules_for(&file.path);
            enabled = enabled.union(&rules);
            let engine = engines
                .entry(rules.clone())
                .or_insert_with(|| Arc::new(Engine::new(rules, options.warn_unused_suppressions)))
                .clone();
            (file, engine)
        })
        .collect();

    let root = project_root_of(&base);
    let shown_from = options.base_dir.clone();
    let jobs = options.jobs.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| ReviewError::Workers {
            jobs,
            message: e.to_string(),
        })?;
    options.progress.start(work.len());
    let results: Vec<Result<Vec<Diagnostic>, Problem>> = pool.install(|| {
        work.par_iter()
            .map(|(file, engine)| {
                let result = review_file(file, engine, &root, shown_from.as_deref());
                options.progress.advance();
                result
            })
            .collect()
    });
    options.progress.finish();

    let mut review = Review {
        problems: discovered.problems,
        rules: enabled,
        root,
        ..Review::default()
    };
    for result in results {
        match result {
            Ok(diagnostics) => {
                review.files += 1;
                review.diagnostics.extend(diagnostics);
            }
            Err(problem) => review.problems.push(problem),
        }
    }
    if let Some(baseline) = options.baseline {
        let before = review.diagnostics.len();
        review.diagnostics.retain(|d| !baseline.contains(d));
        review.baselined = before - review.diagnostics.len();
    }
    sort(&mut review.diagnostics);
    review.problems.sort();
    review.elapsed = started.elapsed();
    Ok(Outcome { review, fail_on })
}

/// Reads, parses and checks one file. A panic in a rule becomes a problem for this file
/// instead of ending the run.
fn review_file(
    file: &SourceFile,
    engine: &Engine,
    root: &Path,
    shown_from: Option<&Path>,
) -> Result<Vec<Diagnostic>, Problem> {
    let source = source::load(&file.path, file.settings.max_file_size)?;
    let checked =
        std::panic::catch_unwind(AssertUnwindSafe(|| engine.check(file.language, &source)));
    let found = match checked {
        Ok(Ok(found)) => found,
        Ok(Err(error)) => {
            return Err(Problem {
                path: file.path.clone(),
                kind: ProblemKind::ParseFailed,
                message: format!("{error}; please report this with the file attached"),
            });
        }
        Err(_) => {
            return Err(Problem {
                path: file.path.clone(),
                kind: ProblemKind::ParseFailed,
                message: "internal error while reviewing this file; please report it with the file attached"
                    .to_string(),
            });
        }
    };
    let shown = shown_from
        .and_then(|base| file.path.strip_prefix(base).ok())
        .unwrap_or(&file.path);
    let path = display_path(shown);
    let uri = uri_for(&file.path, root);
    let mut diagnostics: Vec<Diagnostic> = found
        .findings
        .into_iter()
        .map(|finding| {
            let severity = file.settings.severity(finding.rule);
            Diagnostic::new(finding, severity, path.clone(), uri.clone(), &source)
        })
        .collect();
    sort(&mut diagnostics);
    assign_fingerprints(&mut diagnostics);
    Ok(diagnostics)
}

/// The path as the user will recognise it, with `/` separators.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The path relative to the project root, with `/` separators, for SARIF and fingerprints.
pub fn uri_for(path: &Path, root: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(root) {
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => format!("file://{}", display_path(&absolute)),
    }
}

/// The enclosing git work tree of the working directory, or the working directory.
pub fn project_root() -> PathBuf {
    project_root_of(&std::env::current_dir().unwrap_or_default())
}

/// The enclosing git work tree of `dir`, or `dir`.
pub fn project_root_of(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}
