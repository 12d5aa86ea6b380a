//! Everything the fake knows: repositories with their commits and pull requests, what
//! clients wrote to them, tokens, apps, pending faults and the request log.
//!
//! One `State` sits behind one mutex. Handlers run synchronously under the lock, so each
//! request sees and leaves a consistent state, and a test's inspection never sees half a
//! review.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::DecodingKey;

use crate::diff::{self, FileChange, Patch};
use crate::error::FakeError;
use crate::fault::FaultRule;
use crate::git::{Commit, Files};
use crate::model::{
    Access, Account, AccountKind, CommitStatus, IssueComment, NewPullRequest, PullRequest, Push,
    RecordedRequest, Review, stable_id,
};

/// How the fake writes URLs: API routes and web pages both live under the fake's address.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    pub(crate) base: String,
}

impl Urls {
    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page of the web interface (`html_url`): served by nobody, but shaped like GitHub's.
    pub(crate) fn web(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// GitHub's timestamp format: `2011-04-14T16:00:49Z`.
pub(crate) fn timestamp(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub(crate) fn now_timestamp() -> String {
    timestamp(SystemTime::now())
}

/// A repository: its commits by sha, its branches, and what happened on its pull requests.
#[derive(Debug)]
pub(crate) struct Repo {
    pub(crate) id: u64,
    pub(crate) owner: Account,
    pub(crate) name: String,
    pub(crate) private: bool,
    pub(crate) default_branch: String,
    pub(crate) commits: HashMap<String, Commit>,
    /// Branch name -> commit sha.
    pub(crate) branches: BTreeMap<String, String>,
    pub(crate) pulls: BTreeMap<u64, Pull>,
    pub(crate) issue_comments: Vec<IssueComment>,
    pub(crate) statuses: Vec<CommitStatus>,
    pub(crate) created_at: String,
}

impl Repo {
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.owner.login, self.name)
    }

    /// The commit a `ref` names: a full or abbreviated (7+) sha, a branch (`main`,
    /// `refs/heads/main`), `refs/pull/N/head`, or the default branch when `None`.
    pub(crate) fn resolve(&self, reference: Option<&str>) -> Option<&Commit> {
        let reference = reference.unwrap_or(&self.default_branch);
        if let Some(commit) = self.commits.get(reference) {
            return Some(commit);
        }
        let branch = reference.strip_prefix("refs/heads/").unwrap_or(reference);
        if let Some(sha) = self.branches.get(branch) {
            return self.commits.get(sha);
        }
        let pull_head = reference
            .strip_prefix("refs/")
            .unwrap_or(reference)
            .strip_prefix("pull/")
            .and_then(|rest| rest.strip_suffix("/head"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(number) = pull_head {
            return self
                .pulls
                .get(&number)
                .and_then(|p| self.commits.get(p.head()));
        }
        if reference.len() >= 7 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut found = self
                .commits
                .values()
                .filter(|c| c.sha.starts_with(reference));
            if let (Some(only), None) = (found.next(), found.next()) {
                return Some(only);
            }
        }
        None
    }
}

/// A pull request and the reviews on it.
#[derive(Debug)]
pub(crate) struct Pull {
    pub(crate) id: u64,
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) author: Account,
    pub(crate) closed: bool,
    pub(crate) draft: bool,
    pub(crate) base_ref: String,
    pub(crate) head_ref: String,
    /// `owner/name` of the fork the head lives in.
    pub(crate) head_repo: Option<String>,
    pub(crate) base_sha: String,
    /// The PR's commits, oldest first; the last is the head.
    pub(crate) commits: Vec<String>,
    /// The changed files of each of `commits` against the base.
    pub(crate) changes: HashMap<String, Arc<Vec<FileChange>>>,
    pub(crate) renames: Vec<(String, String)>,
    pub(crate) reviews: Vec<Review>,
    pub(crate) pushes: u64,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl Pull {
    pub(crate) fn head(&self) -> &str {
        self.commits
            .last()
            .map_or(self.base_sha.as_str(), String::as_str)
    }

    /// The changed files at the head.
    pub(crate) fn files(&self) -> &[FileChange] {
        self.changes
            .get(self.head())
            .map_or(&[][..], |c| c.as_slice())
    }

    pub(crate) fn review_mut(&mut self, id: u64) -> Option<&mut Review> {
        self.reviews.iter_mut().find(|r| r.id == id)
    }
}

/// The patch GitHub would serve: none when it is longer than `max_bytes`.
pub(crate) fn served_patch(change: &FileChange, max_bytes: usize) -> Option<&Patch> {
    change.patch.as_ref().filter(|p| p.text.len() <= max_bytes)
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A workflow's `GITHUB_TOKEN`: 1,000 requests an hour.
    Actions,
    /// A personal access token: 5,000 an hour.
    Personal,
    /// An installation token minted by the fake: 5,000 an hour, limited to the
    /// installation's repositories.
    Installation { app_id: u64, installation_id: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) access: Access,
    pub(crate) account: Account,
    pub(crate) kind: TokenKind,
    /// Seconds since the epoch after which the token is refused.
    pub(crate) expires_at: Option<u64>,
    /// The repositories (`owner/name`) an installation token may use; `None` for tokens
    /// that may use every repository.
    pub(crate) scope: Option<Vec<String>>,
}

impl Token {
    pub(crate) fn hourly_limit(&self) -> u64 {
        match self.kind {
            TokenKind::Actions => 1_000,
            TokenKind::Personal | TokenKind::Installation { .. } => 5_000,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) id: u64,
    pub(crate) slug: String,
    pub(crate) owner: Account,
    pub(crate) key: DecodingKey,
    pub(crate) created_at: String,
}

impl App {
    /// The account an installation token of this app acts as.
    pub(crate) fn bot(&self) -> Account {
        let login = format!("{}[bot]", self.slug);
        Account {
            id: stable_id(&login),
            login,
            kind: AccountKind::Bot,
        }
    }

    pub(crate) fn client_id(&self) -> String {
        format!("Iv1.{:016x}", stable_id(&self.slug))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Installation {
    pub(crate) id: u64,
    pub(crate) app_id: u64,
    pub(crate) account: Account,
    /// `owner/name` of each repository the installation may use.
    pub(crate) repos: Vec<String>,
    pub(crate) created_at: String,
}

/// Requests counted against one rate limit, in hourly windows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub(crate) limit: u64,
    pub(crate) used: u64,
    pub(crate) window_start: u64,
}

impl Budget {
    pub(crate) fn reset(&self) -> u64 {
        self.window_start + 3600
    }

    pub(crate) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

pub(crate) struct State {
    pub(crate) urls: Urls,
    pub(crate) started: Instant,
    next_id: u64,
    pub(crate) repos: BTreeMap<String, Repo>,
    pub(crate) tokens: HashMap<String, Token>,
    pub(crate) apps: BTreeMap<u64, App>,
    pub(crate) installations: BTreeMap<u64, Installation>,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) log: Vec<RecordedRequest>,
    pub(crate) budgets: HashMap<String, Budget>,
    pub(crate) max_patch_bytes: usize,
    pub(crate) tree_entry_limit: usize,
    /// `(repo, number, path, line)` of diff lines that refuse comments anyway, as GitHub
    /// sometimes does (a line its own diff lays out differently).
    pub(crate) refused_lines: HashSet<(String, u64, String, u64)>,
    pub(crate) requests_seen: u64,
}

/// The default size above which a file's patch is left out of the files list.
pub(crate) const DEFAULT_MAX_PATCH_BYTES: usize = 1_000_000;
/// How many entries GitHub lists in one tree before it sets `truncated`.
pub(crate) const DEFAULT_TREE_ENTRY_LIMIT: usize = 100_000;

impl State {
    pub(crate) fn new(base: String) -> State {
        State {
            urls: Urls { base },
            started: Instant::now(),
            next_id: 1_000,
            repos: BTreeMap::new(),
            tokens: HashMap::new(),
            apps: BTreeMap::new(),
            installations: BTreeMap::new(),
            faults: Vec::new(),
            log: Vec::new(),
            budgets: HashMap::new(),
            max_patch_bytes: DEFAULT_MAX_PATCH_BYTES,
            tree_entry_limit: DEFAULT_TREE_ENTRY_LIMIT,
            refused_lines: HashSet::new(),
            requests_seen: 0,
        }
    }

    /// A fresh id; ids are unique across every kind of object.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn repo_by_id(&self, id: u64) -> Option<&Repo> {
        self.repos.values().find(|r| r.id == id)
    }

    pub(crate) fn add_repo(&mut self, full_name: &str, private: bool) -> Result<u64, FakeError> {
        let (owner, name) = split_repo(full_name)?;
        if let Some(repo) = self.repos.get_mut(full_name) {
            repo.private = private;
            return Ok(repo.id);
        }
        let id = stable_id(full_name);
        self.repos.insert(
            full_name.to_owned(),
            Repo {
                id,
                owner: Account::user(owner),
                name: name.to_owned(),
                private,
                default_branch: "main".to_owned(),
                commits: HashMap::new(),
                branches: BTreeMap::new(),
                pulls: BTreeMap::new(),
                issue_comments: Vec::new(),
                statuses: Vec::new(),
                created_at: now_timestamp(),
            },
        );
        Ok(id)
    }

    pub(crate) fn add_pull(&mut self, spec: NewPullRequest) -> Result<PullRequest, FakeError> {
        if !self.repos.contains_key(&spec.repo) {
            self.add_repo(&spec.repo, false)?;
        }
        if let Some(fork) = &spec.head_repo {
            split_repo(fork)?;
        }
        for (from, to) in &spec.renames {
            if !spec.base.contains_key(from) || !spec.head.contains_key(to) {
                return Err(FakeError::BadRename {
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
        let id = self.next_id();
        let repo = self.repo_mut(&spec.repo)?;
        let number = match spec.number {
            Some(n) if repo.pulls.contains_key(&n) => {
                return Err(FakeError::DuplicatePull {
                    repo: spec.repo.clone(),
                    number: n,
                });
            }
            Some(n) => n,
            None => repo.pulls.keys().next_back().map_or(1, |n| n + 1),
        };
        let base = Commit::new(spec.base, None, &format!("Base of #{number}"));
        let head = Commit::new(
            spec.head,
            Some(&base.sha),
            &format!("Pull request #{number}, push 0"),
        );
        let changes = Arc::new(diff::changes(&base.files, &head.files, &spec.renames));
        let info = PullRequest {
            repo: spec.repo.clone(),
            number,
            base_sha: base.sha.clone(),
            head_sha: head.sha.clone(),
        };
        repo.branches
            .insert(spec.base_ref.clone(), base.sha.clone());
        if spec.head_repo.is_none() {
            repo.branches
                .insert(spec.head_ref.clone(), head.sha.clone());
        }
        let created_at = now_timestamp();
        repo.pulls.insert(
            number,
            Pull {
                id,
                number,
                title: spec.title,
                body: spec.body,
                author: Account::user(&spec.author),
                closed: spec.closed,
                draft: spec.draft,
                base_ref: spec.base_ref,
                head_ref: spec.head_ref,
                head_repo: spec.head_repo,
                base_sha: base.sha.clone(),
                commits: vec![head.sha.clone()],
                changes: HashMap::from([(head.sha.clone(), changes)]),
                renames: spec.renames,
                reviews: Vec::new(),
                pushes: 0,
                created_at: created_at.clone(),
                updated_at: created_at,
            },
        );
        repo.commits.insert(base.sha.clone(), base);
        repo.commits.insert(head.sha.clone(), head);
        Ok(info)
    }

    pub(crate) fn push(
        &mut self,
        repo_name: &str,
        number: u64,
        files: Files,
        renames: &[(String, String)],
        kind: Push,
    ) -> Result<String, FakeError> {
        let repo = self.repo_mut(repo_name)?;
        let pull = repo
            .pulls
            .get_mut(&number)
            .ok_or_else(|| FakeError::UnknownPull {
                repo: repo_name.to_owned(),
                number,
            })?;
        let base = repo
            .commits
            .get(&pull.base_sha)
            .ok_or_else(|| FakeError::UnknownPull {
                repo: repo_name.to_owned(),
                number,
            })?;
        for (from, to) in renames {
            if !base.files.contains_key(from) || !files.contains_key(to) {
                return Err(FakeError::BadRename {
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
        pull.pushes += 1;
        let parent = match kind {
            Push::Normal => pull.head().to_owned(),
            Push::Force => pull.base_sha.clone(),
        };
        let head = Commit::new(
            files,
            Some(&parent),
            &format!("Pull request #{number}, push {}", pull.pushes),
        );
        let changes = Arc::new(diff::changes(&base.files, &head.files, renames));
        let sha = head.sha.clone();
        if kind == Push::Force {
            pull.commits.clear();
            pull.changes.clear();
        }
        pull.commits.push(sha.clone());
        pull.changes.insert(sha.clone(), changes);
        pull.renames = renames.to_vec();
        pull.updated_at = now_timestamp();
        if pull.head_repo.is_none() {
            repo.branches.insert(pull.head_ref.clone(), sha.clone());
        }
        repo.commits.insert(sha.clone(), head);
        let max = self.max_patch_bytes;
        if let Some(repo) = self.repos.get_mut(repo_name) {
            refresh_positions(repo, number, max);
        }
        Ok(sha)
    }

    pub(crate) fn repo_mut(&mut self, full_name: &str) -> Result<&mut Repo, FakeError> {
        self.repos
            .get_mut(full_name)
            .ok_or_else(|| FakeError::UnknownRepo(full_name.to_owned()))
    }

    pub(crate) fn pull_mut(&mut self, repo: &str, number: u64) -> Option<&mut Pull> {
        self.repos.get_mut(repo)?.pulls.get_mut(&number)
    }

    pub(crate) fn pull(&self, repo: &str, number: u64) -> Result<&Pull, FakeError> {
        self.repos
            .get(repo)
            .ok_or_else(|| FakeError::UnknownRepo(repo.to_owned()))?
            .pulls
            .get(&number)
            .ok_or_else(|| FakeError::UnknownPull {
                repo: repo.to_owned(),
                number,
            })
    }

    pub(crate) fn add_app(
        &mut self,
        app_id: u64,
        slug: &str,
        public_key_pem: &str,
    ) -> Result<(), FakeError> {
        let key = DecodingKey::from_rsa_pem(public_key_pem.as_bytes())
            .map_err(|e| FakeError::BadKey(e.to_string()))?;
        self.apps.insert(
            app_id,
            App {
                id: app_id,
                slug: slug.to_owned(),
                owner: Account {
                    login: "argus-dev".to_owned(),
                    id: stable_id("argus-dev"),
                    kind: AccountKind::Organization,
                },
                key,
                created_at: now_timestamp(),
            },
        );
        Ok(())
    }

    pub(crate) fn add_installation(
        &mut self,
        app_id: u64,
        installation_id: u64,
        repos: &[&str],
    ) -> Result<(), FakeError> {
        if !self.apps.contains_key(&app_id) {
            return Err(FakeError::UnknownApp(app_id));
        }
        let mut names = Vec::new();
        for repo in repos {
            split_repo(repo)?;
            names.push((*repo).to_owned());
        }
        let owner = names
            .first()
            .and_then(|r| r.split_once('/'))
            .map_or("argus-dev", |(owner, _)| owner);
        self.installations.insert(
            installation_id,
            Installation {
                id: installation_id,
                app_id,
                account: Account::user(owner),
                repos: names,
                created_at: now_timestamp(),
            },
        );
        Ok(())
    }
}

pub(crate) fn split_repo(full_name: &str) -> Result<(&str, &str), FakeError> {
    match full_name.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((owner, name))
        }
        _ => Err(FakeError::BadRepoName(full_name.to_owned())),
    }
}

/// After a push, each comment that still applies moves to the new head (`commit_id`,
/// `position`); one whose file changed since its commit, or whose line left the diff,
/// becomes outdated (`line` and `position` null), as GitHub shows it.
pub(crate) fn refresh_positions(repo: &mut Repo, number: u64, max_patch_bytes: usize) {
    let Some(pull) = repo.pulls.get_mut(&number) else {
        return;
    };
    let head = pull.head().to_owned();
    let Some(changes) = pull.changes.get(&head).cloned() else {
        return;
    };
    let Some(head_commit) = repo.commits.get(&head) else {
        return;
    };
    for review in &mut pull.reviews {
        for comment in &mut review.comments {
            let Some(line) = comment.line else { continue };
            let unchanged = repo.commits.get(&comment.commit_id).is_some_and(|c| {
                c.files.get(&comment.path) == head_commit.files.get(&comment.path)
            });
            let index = changes
                .iter()
                .find(|c| c.filename == comment.path)
                .and_then(|c| served_patch(c, max_patch_bytes))
                .and_then(|p| p.find(comment.side, line));
            match index {
                Some(index) if unchanged => {
                    comment.commit_id = head.clone();
                    comment.position = Some(index as u64);
                }
                _ => {
                    comment.line = None;
                    comment.position = None;
                }
            }
        }
    }
}
