//! The values a test hands to the fake and reads back from it: pull requests to serve,
//! token access levels, and what clients wrote (reviews, comments, statuses, requests).
//!
//! These are plain data, copied out of the fake's state, so a test can hold them while the
//! server goes on answering.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use axum::http::Method;

use crate::diff::Side;
use crate::git::Files;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write: a pull request's own `GITHUB_TOKEN`, an installation token.
    Write,
    /// Read only: the `GITHUB_TOKEN` of a pull request from a fork. Every write answers 403
    /// `Resource not accessible by integration`.
    ReadOnly,
}

/// Whether an account is a person, a bot (apps, `github-actions[bot]`) or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    User,
    Bot,
    Organization,
}

impl AccountKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "User",
            AccountKind::Bot => "Bot",
            AccountKind::Organization => "Organization",
        }
    }
}

/// A GitHub account as the fake shows it in `user` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub id: u64,
    pub kind: AccountKind,
}

impl Account {
    /// The account GitHub Actions' `GITHUB_TOKEN` acts as.
    pub fn github_actions() -> Account {
        Account {
            login: "github-actions[bot]".to_owned(),
            id: 41_898_282,
            kind: AccountKind::Bot,
        }
    }

    /// A person, with an id derived from the login so it is the same on every run.
    pub fn user(login: &str) -> Account {
        Account {
            login: login.to_owned(),
            id: stable_id(login),
            kind: AccountKind::User,
        }
    }
}

/// A number in `1..=99_999_999` derived from `text`, the same on every run.
pub(crate) fn stable_id(text: &str) -> u64 {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(text.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes) % 99_999_999 + 1
}

/// A pull request to set up with [`crate::FakeGithub::add_pull_request`].
#[derive(Debug, Clone)]
pub struct NewPullRequest {
    /// The base repository, `owner/name`; created when missing.
    pub repo: String,
    /// The PR number; the repository's next free number when `None`.
    pub number: Option<u64>,
    pub title: String,
    pub body: String,
    /// The login that opened the PR.
    pub author: String,
    pub base_ref: String,
    pub head_ref: String,
    /// The repository the head branch lives in (`owner/name`) when it is a fork.
    pub head_repo: Option<String>,
    pub draft: bool,
    pub closed: bool,
    /// The files of the base commit.
    pub base: Files,
    /// The files of the head commit.
    pub head: Files,
    /// `(old path, new path)` pairs to list as renames. A removed file whose exact
    /// contents reappear under an added path is listed as a rename without being named.
    pub renames: Vec<(String, String)>,
}

impl NewPullRequest {
    /// An open pull request on `repo` (`owner/name`) from `feature` into `main`.
    pub fn new(repo: &str, base: Files, head: Files) -> NewPullRequest {
        NewPullRequest {
            repo: repo.to_owned(),
            number: None,
            title: "Change things".to_owned(),
            body: String::new(),
            author: "octocat".to_owned(),
            base_ref: "main".to_owned(),
            head_ref: "feature".to_owned(),
            head_repo: None,
            draft: false,
            closed: false,
            base,
            head,
            renames: Vec::new(),
        }
    }

    pub fn number(mut self, number: u64) -> NewPullRequest {
        self.number = Some(number);
        self
    }

    pub fn rename(mut self, from: &str, to: &str) -> NewPullRequest {
        self.renames.push((from.to_owned(), to.to_owned()));
        self
    }

    /// The head branch lives in `head_repo` (`owner/name`), a fork.
    pub fn from_fork(mut self, head_repo: &str) -> NewPullRequest {
        self.head_repo = Some(head_repo.to_owned());
        self
    }

    pub fn author(mut self, login: &str) -> NewPullRequest {
        self.author = login.to_owned();
        self
    }

    pub fn title(mut self, title: &str) -> NewPullRequest {
        self.title = title.to_owned();
        self
    }

    pub fn draft(mut self) -> NewPullRequest {
        self.draft = true;
        self
    }

    pub fn closed(mut self) -> NewPullRequest {
        self.closed = true;
        self
    }
}

/// A pull request the fake serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub repo: String,
    pub number: u64,
    pub base_sha: String,
    pub head_sha: String,
}

/// How a push replaces a pull request's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// A new commit on top of the current head; earlier commits stay in the PR.
    Normal,
    /// History rewritten: the new head's parent is the base and earlier commits leave the
    /// PR, so reviews can no longer name them as `commit_id`.
    Force,
}

/// The credentials of a GitHub App the fake knows.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: u64,
    pub slug: String,
    /// The key the app signs its JWTs with (PKCS#1 PEM, as GitHub hands it out); `None`
    /// when the app was added with only a public key.
    pub private_key_pem: Option<String>,
    /// The key the fake verifies JWTs with (SPKI PEM).
    pub public_key_pem: String,
}

/// A review's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// Created without `event`: its comments are not listed until it is submitted.
    Pending,
    Commented,
    ChangesRequested,
    Approved,
    Dismissed,
}

impl ReviewState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "PENDING",
            ReviewState::Commented => "COMMENTED",
            ReviewState::ChangesRequested => "CHANGES_REQUESTED",
            ReviewState::Approved => "APPROVED",
            ReviewState::Dismissed => "DISMISSED",
        }
    }
}

/// A pull request review with its inline comments.
#[derive(Debug, Clone)]
pub struct Review {
    pub id: u64,
    pub user: Account,
    pub body: String,
    pub state: ReviewState,
    pub commit_id: String,
    pub submitted_at: Option<String>,
    pub comments: Vec<ReviewComment>,
}

/// An inline comment on a pull request's diff.
#[derive(Debug, Clone)]
pub struct ReviewComment {
    pub id: u64,
    pub review_id: u64,
    pub path: String,
    /// The line on the current head; `None` once a push changed the file (outdated).
    pub line: Option<u64>,
    pub original_line: u64,
    pub side: Side,
    pub start_line: Option<u64>,
    pub start_side: Option<Side>,
    /// The line's index in the patch of `commit_id`; `None` when outdated.
    pub position: Option<u64>,
    pub original_position: u64,
    pub commit_id: String,
    pub original_commit_id: String,
    pub diff_hunk: String,
    pub body: String,
    pub in_reply_to_id: Option<u64>,
    pub user: Account,
    pub created_at: String,
    pub updated_at: String,
}

/// A comment on a pull request's conversation (an issue comment).
#[derive(Debug, Clone)]
pub struct IssueComment {
    pub id: u64,
    /// The pull request (or issue) number.
    pub number: u64,
    pub body: String,
    pub user: Account,
    /// The app whose installation token posted it.
    pub via_app: Option<u64>,
    pub created_at: String,
    pub updated_at: String,
}

/// A commit status.
#[derive(Debug, Clone)]
pub struct CommitStatus {
    pub id: u64,
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub creator: Account,
    pub created_at: String,
}

/// One request the fake answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: Method,
    /// The path with `/repositories/{id}/…` rewritten to `/repos/{owner}/{name}/…`, so one
    /// pattern matches a route whichever form the client used.
    pub path: String,
    /// The path and query exactly as sent.
    pub uri: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase. A repeated header keeps its values joined by `, `.
    pub headers: BTreeMap<String, String>,
    /// The token the request carried (`Authorization: Bearer T` or `token T`).
    pub token: Option<String>,
    /// The body when it is JSON.
    pub body: Option<serde_json::Value>,
    pub status: u16,
    /// Whether an injected fault answered it.
    pub faulted: bool,
    pub at: SystemTime,
    /// When it arrived, counted from the fake's start.
    pub since_start: Duration,
}

impl RecordedRequest {
    /// Whether the method writes (POST, PATCH, PUT, DELETE).
    pub fn is_write(&self) -> bool {
        is_write(&self.method)
    }

    /// The value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}
