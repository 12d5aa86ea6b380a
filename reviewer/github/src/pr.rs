//! One pull request, one review: fetch what the PR changed, review it with the same
//! engine, configuration and suppressions as `argus review`, and write the result back
//! as inline comments on the changed lines, one summary comment and a commit status.
//!
//! Re-runs are idempotent: comments carry the finding's fingerprint, so a finding that
//! is already on the PR is not posted again (also after a force-push), and a comment
//! whose finding is gone is marked fixed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use argus_reviewer::report::{GithubReporter, Reporter};
use argus_reviewer::review::{self, NoProgress, ReviewOptions};
use argus_reviewer::{Diagnostic, Review};
use argus_rules::Severity;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Github};
use crate::comment::{self, SummaryInput, Unplaced};
use crate::diff::{ChangedLines, PatchError};

/// Which findings of the changed files are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Filter {
    /// Only findings on added or modified lines.
    #[default]
    Added,
    /// Findings anywhere inside the diff's hunks, context lines included.
    DiffContext,
    /// Findings anywhere in a changed file.
    File,
    /// Every finding of the changed files, whatever the diff.
    NoFilter,
}

impl Filter {
    pub fn parse(text: &str) -> Option<Filter> {
        match text {
            "added" => Some(Filter::Added),
            "diff_context" | "diff-context" => Some(Filter::DiffContext),
            "file" => Some(Filter::File),
            "nofilter" | "no-filter" => Some(Filter::NoFilter),
            _ => None,
        }
    }
}

/// How to review a pull request.
#[derive(Clone, Debug)]
pub struct PrOptions {
    pub filter: Filter,
    /// The most inline comments in one review; the rest go to the summary.
    pub max_comments: usize,
    /// Request changes (instead of commenting) when a finding is at least this severe.
    pub request_changes_on: Option<Severity>,
    /// A finding at least this severe fails the commit status and the exit status.
    pub fail_on: Severity,
    /// Print what would be posted; make no write calls.
    pub dry_run: bool,
    /// Where rule documentation lives, for links in comments.
    pub docs_url: Option<String>,
    /// The commit status context.
    pub status_context: String,
    /// How many findings the summary lists.
    pub summary_limit: usize,
}

impl Default for PrOptions {
    fn default() -> PrOptions {
        PrOptions {
            filter: Filter::Added,
            max_comments: 25,
            request_changes_on: None,
            fail_on: Severity::Warning,
            dry_run: false,
            docs_url: None,
            status_context: "argus".to_string(),
            summary_limit: 20,
        }
    }
}

/// The pull request to review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestRef {
    pub owner: String,
    pub repo: String,
    pub number: u64,
}

impl PullRequestRef {
    /// Parses `owner/name` and a number.
    pub fn new(repository: &str, number: u64) -> Option<PullRequestRef> {
        let (owner, repo) = repository.split_once('/')?;
        (!owner.is_empty() && !repo.is_empty() && !repo.contains('/')).then(|| PullRequestRef {
            owner: owner.to_string(),
            repo: repo.to_string(),
            number,
        })
    }

    fn repo_route(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.repo)
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub head_sha: String,
    pub files_reviewed: usize,
    /// Findings reported after the filter.
    pub findings: usize,
    /// Whether a reported finding is at or above `fail_on`.
    pub failing: bool,
    pub inline_posted: usize,
    pub already_posted: usize,
    pub unplaced: usize,
    pub refused_by_github: usize,
    pub marked_fixed: usize,
    pub review_url: Option<String>,
    /// Set when the token could not write and findings went to workflow annotations.
    pub annotations: Option<String>,
    /// The plan, when `dry_run` is set.
    pub plan: Option<serde_json::Value>,
    /// Warnings worth showing (no permission for the commit status, say).
    pub warnings: Vec<String>,
}

impl Outcome {
    /// What the run found and wrote, in one line for a log or a terminal.
    pub fn counts(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "{} finding{} on the changed lines, {} inline comment{} {}, {} already posted, {} in the summary, {} marked fixed",
            self.findings,
            plural(self.findings),
            self.inline_posted,
            plural(self.inline_posted),
            if self.plan.is_some() {
                "planned (dry run)"
            } else {
                "posted"
            },
            self.already_posted,
            self.unplaced,
            self.marked_fixed,
        )
    }
}

/// Reviewing a pull request failed.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("pull request {pr}: {path}: {source}")]
    Patch {
        pr: String,
        path: String,
        source: PatchError,
    },
    #[error("pull request {pr}: cannot prepare the files for review: {message}")]
    Workspace { pr: String, message: String },
    #[error("pull request {pr}: {source}")]
    Review {
        pr: String,
        source: review::ReviewError,
    },
}

#[derive(Deserialize)]
struct PullRequest {
    state: String,
    head: Head,
    base: Head,
    #[serde(default)]
    changed_files: Option<u64>,
}

#[derive(Deserialize)]
struct Head {
    sha: String,
}

#[derive(Deserialize)]
struct PrFile {
    filename: String,
    status: String,
    #[serde(default)]
    patch: Option<String>,
    #[serde(default)]
    previous_filename: Option<String>,
}

#[derive(Deserialize)]
struct Tree {
    tree: Vec<TreeEntry>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Deserialize)]
struct TreeEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct ExistingComment {
    id: u64,
    #[serde(default)]
    body: String,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: u64,
    #[serde(default)]
    html_url: Option<String>,
}

/// One inline comment of a review, as GitHub's API takes it.
#[derive(Clone, Debug, Serialize)]
struct InlineComment {
    path: String,
    line: u32,
    side: &'static str,
    body: String,
    #[serde(skip)]
    fingerprint: String,
}

#[derive(Serialize)]
struct NewReview<'a> {
    commit_id: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'static str>,
    comments: &'a [InlineComment],
}

/// Path characters that must be escaped in a URL path (slashes stay).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

const CONFIG_FILES: &[&str] = &["argus.toml", "pyproject.toml"];

/// Reviews one pull request and writes the result to it (or, with `dry_run`, only
/// plans the writes).
pub async fn review_pull_request(
    github: &Github,
    pr: &PullRequestRef,
    options: &PrOptions,
) -> Result<Outcome, BotError> {
    let name = format!("{}/{}#{}", pr.owner, pr.repo, pr.number);
    let repo = pr.repo_route();
    let pull: PullRequest = github
        .get_json(&format!("{repo}/pulls/{}", pr.number))
        .await?;
    let head = pull.head.sha.clone();
    let mut warnings = Vec::new();
    let files: Vec<PrFile> = github
        .get_all(&format!("{repo}/pulls/{}/files", pr.number))
        .await?;

    if let Some(total) = pull.changed_files
        && total > files.len() as u64
    {
        warnings.push(format!(
            "GitHub lists only the first {} of the {total} files {name} changes; the rest were not reviewed",
            files.len()
        ));
    }

    // Files to review, with the lines the PR changed.
    let mut changed: BTreeMap<String, Option<ChangedLines>> = BTreeMap::new();
    // Files GitHub gives no patch for (too large): where the head's version came from.
    let mut without_patch: Vec<(&str, Option<&str>)> = Vec::new();
    let mut in_pr: HashSet<String> = HashSet::new();
    for file in &files {
        in_pr.insert(file.filename.clone());
        if file.status == "removed"
            || argus_reviewer::discover::language_of(Path::new(&file.filename)).is_none()
        {
            continue;
        }
        let lines = match &file.patch {
            Some(patch) => Some(
                ChangedLines::parse(patch).map_err(|source| BotError::Patch {
                    pr: name.clone(),
                    path: file.filename.clone(),
                    source,
                })?,
            ),
            // GitHub leaves the patch out of binary and very large diffs.
            None => {
                let old = match file.status.as_str() {
                    "added" => None,
                    _ => Some(file.previous_filename.as_deref().unwrap_or(&file.filename)),
                };
                without_patch.push((&file.filename, old));
                None
            }
        };
        changed.insert(file.filename.clone(), lines);
    }

    let workspace = tempfile::tempdir().map_err(|e| BotError::Workspace {
        pr: name.clone(),
        message: e.to_string(),
    })?;
    let configs = config_files(github, &repo, &head, changed.keys()).await?;
    let wanted: Vec<&String> = changed.keys().chain(configs.iter()).collect();
    for chunk in wanted.chunks(8) {
        let fetched = futures_util::future::join_all(chunk.iter().map(|path| {
            let route = format!("{repo}/contents/{}?ref={head}", encode_path(path));
            async move { (path, github.get_raw(&route).await) }
        }))
        .await;
        for (path, bytes) in fetched {
            let Some(bytes) = bytes? else { continue };
            write_file(workspace.path(), path, &bytes).map_err(|e| BotError::Workspace {
                pr: name.clone(),
                message: format!("{path}: {e}"),
            })?;
        }
    }

    // The added lines of a file without a patch come from diffing it against the base.
    let mut diffed_locally: HashMap<String, ChangedLines> = HashMap::new();
    for (path, old) in without_patch {
        let Ok(new) = std::fs::read_to_string(workspace.path().join(path)) else {
            continue;
        };
        let old = match old {
            Some(old) => github
                .get_raw(&format!(
                    "{repo}/contents/{}?ref={}",
                    encode_path(old),
                    pull.base.sha
                ))
                .await?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default(),
            None => String::new(),
        };
        diffed_locally.insert(path.to_string(), ChangedLines::between(&old, &new));
    }

    let base = workspace.path().to_path_buf();
    let paths: Vec<PathBuf> = changed
        .keys()
        .filter(|p| base.join(p).exists())
        .map(PathBuf::from)
        .collect();
    let review = if paths.is_empty() {
        Review::default()
    } else {
        tokio::task::spawn_blocking(move || {
            review::run(ReviewOptions {
                paths,
                cli: Default::default(),
                config_file: None,
                excludes: Vec::new(),
                jobs: None,
                base_dir: Some(base),
                warn_unused_suppressions: false,
                baseline: None,
                progress: &NoProgress,
            })
        })
        .await
        .map_err(|e| BotError::Workspace {
            pr: name.clone(),
            message: format!("the review stopped unexpectedly: {e}"),
        })?
        .map_err(|source| BotError::Review {
            pr: name.clone(),
            source,
        })?
        .review
    };

    // Which findings are reported, and which of those can sit on a diff line.
    let mut reported: Vec<&Diagnostic> = Vec::new();
    let mut placeable: Vec<&Diagnostic> = Vec::new();
    let mut unplaced: Vec<Unplaced<'_>> = Vec::new();
    for d in &review.diagnostics {
        let Some(lines) = changed.get(&d.uri) else {
            continue;
        };
        let line = u32::try_from(d.span.start.line).unwrap_or(u32::MAX);
        let in_scope = match (options.filter, lines) {
            (Filter::File | Filter::NoFilter, _) => true,
            (_, None) => diffed_locally
                .get(&d.uri)
                .is_none_or(|l| l.added.contains(&line)),
            (Filter::Added, Some(l)) => l.added.contains(&line),
            (Filter::DiffContext, Some(l)) => l.in_hunks.contains(&line),
        };
        if !in_scope {
            continue;
        }
        reported.push(d);
        match lines {
            Some(l) if l.in_hunks.contains(&line) => placeable.push(d),
            Some(_) => unplaced.push(Unplaced {
                diagnostic: d,
                reason: "outside the diff",
            }),
            None => unplaced.push(Unplaced {
                diagnostic: d,
                reason: "GitHub shows no diff for this file",
            }),
        }
    }

    // What earlier runs left on the PR.
    let review_comments: Vec<ExistingComment> = github
        .get_all(&format!("{repo}/pulls/{}/comments", pr.number))
        .await?;
    let mut posted: HashMap<String, (u64, bool, Option<String>, String)> = HashMap::new();
    for c in review_comments {
        if let Some((fingerprint, fixed)) = comment::parse_marker(&c.body) {
            let open = posted.get(&fingerprint).is_some_and(|p| !p.1);
            if !open {
                posted.insert(fingerprint, (c.id, fixed, c.path, c.body));
            }
        }
    }
    let issue_comments: Vec<ExistingComment> = github
        .get_all(&format!("{repo}/issues/{}/comments", pr.number))
        .await?;
    let summary_comment = issue_comments
        .iter()
        .find(|c| c.body.contains(comment::SUMMARY_MARKER))
        .map(|c| (c.id, c.body.clone()));

    placeable.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.uri.cmp(&b.uri))
            .then(a.span.start.cmp(&b.span.start))
    });
    let mut inline = Vec::new();
    let mut already_posted = 0;
    for d in placeable {
        if posted.get(&d.fingerprint).is_some_and(|p| !p.1) {
            already_posted += 1;
        } else if inline.len() < options.max_comments {
            inline.push(InlineComment {
                path: d.uri.clone(),
                line: u32::try_from(d.span.start.line).unwrap_or(u32::MAX),
                side: "RIGHT",
                body: comment::inline(d, options.docs_url.as_deref()),
                fingerprint: d.fingerprint.clone(),
            });
        } else {
            unplaced.push(Unplaced {
                diagnostic: d,
                reason: "over the inline comment limit",
            });
        }
    }

    // Earlier comments whose finding is gone: the file was reviewed and no longer has
    // it, or the PR no longer touches the file.
    let present: HashSet<&str> = review
        .diagnostics
        .iter()
        .map(|d| d.fingerprint.as_str())
        .collect();
    let fixed: Vec<(u64, String)> = posted
        .iter()
        .filter(|(fingerprint, (_, already_fixed, path, _))| {
            !already_fixed
                && !present.contains(fingerprint.as_str())
                && path
                    .as_ref()
                    .is_none_or(|p| changed.contains_key(p) || !in_pr.contains(p))
        })
        .map(|(_, (id, _, _, body))| (*id, comment::mark_fixed(body, &head)))
        .collect();

    let fixed_earlier = posted.values().filter(|p| p.1).count();

    let event = match options.request_changes_on {
        Some(threshold) if reported.iter().any(|d| d.severity >= threshold) => "REQUEST_CHANGES",
        _ => "COMMENT",
    };
    let failing = reported.iter().any(|d| d.severity >= options.fail_on);
    let problems: Vec<String> = review
        .problems
        .iter()
        .map(|p| {
            let shown = p.path.strip_prefix(workspace.path()).unwrap_or(&p.path);
            format!("`{}`: {}", shown.display(), p.message)
        })
        .collect();
    let review_body = format!(
        "Argus found {} new finding{} on the lines this pull request changes. The summary comment has the full picture.",
        inline.len(),
        if inline.len() == 1 { "" } else { "s" }
    );
    let mut outcome = Outcome {
        warnings,
        head_sha: head.clone(),
        files_reviewed: review.files,
        findings: reported.len(),
        failing,
        already_posted,
        ..Outcome::default()
    };

    let summary_for = |new_inline: usize, unplaced: &[Unplaced<'_>]| {
        comment::summary(&SummaryInput {
            head_sha: &head,
            files_reviewed: review.files,
            findings: &reported,
            new_inline,
            already_posted,
            unplaced,
            fixed: fixed.len() + fixed_earlier,
            problems: &problems,
            max_listed: options.summary_limit,
        })
    };
    let status = serde_json::json!({
        "state": if failing { "failure" } else { "success" },
        "context": options.status_context,
        "description": status_description(&reported, options.fail_on),
    });

    if options.dry_run {
        outcome.inline_posted = inline.len();
        outcome.unplaced = unplaced.len();
        outcome.marked_fixed = fixed.len();
        outcome.plan = Some(serde_json::json!({
            "pull_request": name,
            "head_sha": head,
            "review": (!inline.is_empty()).then(|| serde_json::json!({
                "commit_id": head,
                "event": event,
                "body": review_body,
                "comments": inline,
            })),
            "summary": {
                "comment_id": summary_comment.as_ref().map(|c| c.0),
                "body": summary_for(inline.len(), &unplaced),
            },
            "mark_fixed": fixed.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "status": status,
        }));
        return Ok(outcome);
    }

    // The first write tells whether the token may write at all.
    let mut refused = Vec::new();
    if !inline.is_empty() {
        match post_review(github, &repo, pr.number, &head, &review_body, event, inline).await {
            Ok((created, kept, rejected)) => {
                outcome.review_url = created.and_then(|c| c.html_url);
                outcome.inline_posted = kept;
                refused = rejected;
            }
            Err(e) if e.is_forbidden() => {
                outcome.annotations = Some(annotations(&review, &reported));
                outcome.warnings.push(format!(
                    "the token cannot write to {name} ({e}); this is normal for pull requests from forks, whose token is read-only. The findings are printed as workflow annotations instead."
                ));
                return Ok(outcome);
            }
            Err(e) => return Err(e.into()),
        }
    }
    for fingerprint in &refused {
        if let Some(d) = reported.iter().find(|d| &d.fingerprint == fingerprint) {
            unplaced.push(Unplaced {
                diagnostic: d,
                reason: "GitHub refused the position",
            });
        }
    }
    outcome.refused_by_github = refused.len();
    outcome.unplaced = unplaced.len();

    for (id, body) in &fixed {
        github
            .patch_json::<serde_json::Value, _>(
                &format!("{repo}/pulls/comments/{id}"),
                &serde_json::json!({ "body": body }),
            )
            .await?;
        outcome.marked_fixed += 1;
    }

    let summary = summary_for(outcome.inline_posted, &unplaced);
    let written = match &summary_comment {
        Some((_, existing)) if existing == &summary => Ok(()),
        Some((id, _)) => github
            .patch_json::<serde_json::Value, _>(
                &format!("{repo}/issues/comments/{id}"),
                &serde_json::json!({ "body": summary }),
            )
            .await
            .map(|_| ()),
        None => github
            .post_json::<Created, _>(
                &format!("{repo}/issues/{}/comments", pr.number),
                &serde_json::json!({ "body": summary }),
            )
            .await
            .map(|_| ()),
    };
    match written {
        Ok(()) => {}
        Err(e) if e.is_forbidden() => {
            outcome.annotations = Some(annotations(&review, &reported));
            outcome.warnings.push(format!(
                "the token cannot write to {name} ({e}); the findings are printed as workflow annotations instead"
            ));
            return Ok(outcome);
        }
        Err(e) => return Err(e.into()),
    }

    if let Err(e) = github
        .post_json::<serde_json::Value, _>(&format!("{repo}/statuses/{head}"), &status)
        .await
    {
        if e.is_forbidden() {
            outcome.warnings.push(format!(
                "no commit status was set ({e}); give the token `statuses: write` to let branch protection require it, or require this job's own status"
            ));
        } else {
            return Err(e.into());
        }
    }
    if pull.state != "open" {
        outcome
            .warnings
            .push(format!("{name} is {}; it was reviewed anyway", pull.state));
    }
    Ok(outcome)
}

fn status_description(reported: &[&Diagnostic], fail_on: Severity) -> String {
    let at_or_above = reported.iter().filter(|d| d.severity >= fail_on).count();
    match (reported.len(), at_or_above) {
        (0, _) => "No findings on the changed lines".to_string(),
        (n, 0) => format!(
            "{n} finding{} below {fail_on}",
            if n == 1 { "" } else { "s" }
        ),
        (n, m) => format!(
            "{n} finding{}, {m} at or above {fail_on}",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// The findings as GitHub workflow annotations, for a token that cannot write.
fn annotations(review: &Review, reported: &[&Diagnostic]) -> String {
    let only = Review {
        diagnostics: reported.iter().map(|d| (*d).clone()).collect(),
        files: review.files,
        ..Review::default()
    };
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = GithubReporter.write(&only, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Configuration files at `head` that can apply to the changed files: `argus.toml` or
/// `pyproject.toml` in a changed file's folder or any folder above it.
async fn config_files<'a>(
    github: &Github,
    repo: &str,
    head: &str,
    changed: impl Iterator<Item = &'a String>,
) -> Result<Vec<String>, ApiError> {
    let mut candidates: Vec<String> = Vec::new();
    for path in changed {
        let mut dir = Path::new(path).parent();
        while let Some(d) = dir {
            for name in CONFIG_FILES {
                let candidate = if d.as_os_str().is_empty() {
                    (*name).to_string()
                } else {
                    format!("{}/{name}", d.display())
                };
                if !candidates.contains(&candidate) {
                    candidates.push(candidate);
                }
            }
            dir = d.parent();
        }
    }
    let tree: Tree = github
        .get_json(&format!("{repo}/git/trees/{head}?recursive=1"))
        .await?;
    if tree.truncated {
        // Too big to list: ask for each candidate; a missing one is a 404.
        return Ok(candidates);
    }
    let present: HashSet<&str> = tree
        .tree
        .iter()
        .filter(|e| e.kind == "blob")
        .map(|e| e.path.as_str())
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|c| present.contains(c.as_str()))
        .collect())
}

fn write_file(root: &Path, path: &str, bytes: &[u8]) -> std::io::Result<()> {
    // A path from the API must stay inside the workspace.
    let relative = Path::new(path);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(std::io::Error::other("the path leaves the repository"));
    }
    let target = root.join(relative);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(target, bytes)
}

/// Posts one review. When GitHub refuses a position (422), the refused comments are
/// found with pending reviews (created and deleted, never shown) and the review is
/// posted without them. Returns the review, how many comments it holds, and the
/// fingerprints GitHub refused.
async fn post_review(
    github: &Github,
    repo: &str,
    number: u64,
    head: &str,
    body: &str,
    event: &'static str,
    comments: Vec<InlineComment>,
) -> Result<(Option<Created>, usize, Vec<String>), ApiError> {
    let route = format!("{repo}/pulls/{number}/reviews");
    let review = |comments: &[InlineComment], event: Option<&'static str>| {
        send_review(github, &route, head, body, event, comments.to_vec())
    };
    match review(&comments, Some(event)).await {
        Ok(created) => return Ok((Some(created), comments.len(), Vec::new())),
        Err(e) if e.status() == Some(422) => {}
        Err(e) => return Err(e),
    }
    let mut good = Vec::new();
    let mut refused = Vec::new();
    // Invariant: every set on the stack is known to contain a refused comment.
    let mut stack = vec![comments];
    while let Some(set) = stack.pop() {
        if set.len() == 1 {
            refused.extend(set.into_iter().map(|c| c.fingerprint));
            continue;
        }
        let mut halves = set;
        let second = halves.split_off(halves.len() / 2);
        for half in [halves, second] {
            match review(&half, None).await {
                Ok(pending) => {
                    github.delete(&format!("{route}/{}", pending.id)).await?;
                    good.extend(half);
                }
                Err(e) if e.status() == Some(422) => stack.push(half),
                Err(e) => return Err(e),
            }
        }
    }
    if good.is_empty() {
        return Ok((None, 0, refused));
    }
    let created = review(&good, Some(event)).await?;
    Ok((Some(created), good.len(), refused))
}

async fn send_review(
    github: &Github,
    route: &str,
    head: &str,
    body: &str,
    event: Option<&'static str>,
    comments: Vec<InlineComment>,
) -> Result<Created, ApiError> {
    let review = NewReview {
        commit_id: head,
        body,
        event,
        comments: &comments,
    };
    github.post_json::<Created, _>(route, &review).await
}
