//! A fake GitHub REST API on loopback, for Argus's end-to-end tests of the PR bot
//! (`argus pr`) and the webhook server (`argus serve`).
//!
//! It serves GitHub.com's routes (no `/api/v3` prefix) with GitHub's response shapes,
//! headers and errors, records every request, and fails on demand. The fake runs its own
//! runtime on a background thread, so plain `#[test]`s can start it, point a child process
//! at [`FakeGithub::url`], and inspect what the child did; it stops when dropped.
//!
//! ```
//! use argus_fake_github::{Access, FakeGithub, Files, NewPullRequest};
//!
//! let github = FakeGithub::start()?;
//! let base = Files::from([("app.py".to_owned(), b"x = 1\n".to_vec())]);
//! let head = Files::from([("app.py".to_owned(), b"x = 2\n".to_vec())]);
//! let pr = github.add_pull_request(NewPullRequest::new("acme/shop", base, head).number(7))?;
//! github.add_token("t0ken", Access::Write);
//! // Run `argus pr --api-url {github.url()} …` here, then look at what it wrote:
//! assert!(github.reviews("acme/shop", 7).is_empty());
//! assert_eq!(pr.head_sha.len(), 40);
//! # Ok::<(), argus_fake_github::FakeError>(())
//! ```
//!
//! # Control API
//!
//! Set-up:
//! - [`FakeGithub::start`], [`FakeGithub::url`]; dropping the fake stops it.
//! - [`FakeGithub::add_repo`], [`FakeGithub::add_private_repo`]: repositories are public
//!   unless made private, so anonymous reads succeed as on GitHub.
//! - [`FakeGithub::add_pull_request`] from a [`NewPullRequest`] (base files, head files,
//!   optional renames, fork, draft, closed); returns the base and head shas, which are git
//!   object ids computed like git's and the same on every run.
//! - [`FakeGithub::push`] a new head with [`Push::Normal`] or [`Push::Force`]: the PR's
//!   files and patches are recomputed against the base, and earlier comments move to the
//!   new head or become outdated.
//! - [`FakeGithub::add_token`] (acts as `github-actions[bot]`) and
//!   [`FakeGithub::add_user_token`], each [`Access::Write`] or [`Access::ReadOnly`].
//! - [`FakeGithub::add_app`] (generates an RSA key pair and returns its PEMs) or
//!   [`FakeGithub::add_app_with_public_key`], then [`FakeGithub::add_installation`]. An
//!   app's JWT is accepted on `/app/…` and `GET /repos/{o}/{r}/installation`; the
//!   installation tokens it mints are write tokens limited to the installation's
//!   repositories.
//! - [`FakeGithub::fail`]`(method, path_pattern, times, `[`Fault`]`)`: the next `times`
//!   matching requests get the fault instead of their answer. Patterns match the
//!   percent-decoded path (`/repositories/{id}/…` rewritten to `/repos/{owner}/{name}/…`);
//!   `*` matches within one segment, `**` across segments.
//! - [`FakeGithub::set_max_patch_bytes`]: patches longer than this are left out of the
//!   files list (default 1,000,000 bytes), as GitHub leaves out patches it finds too large.
//! - [`FakeGithub::refuse_line`]: comments on that line get 422 although it is in a hunk.
//! - [`FakeGithub::set_tree_entry_limit`]: trees longer than this come back `truncated`.
//!
//! Inspection (copies, safe to hold while the server runs):
//! - [`FakeGithub::requests`]: every request with method, path, query, headers, token, JSON
//!   body, answer status and time; [`FakeGithub::writes`] counts the POST, PATCH, PUT and
//!   DELETE requests among them; [`FakeGithub::clear_requests`].
//! - [`FakeGithub::reviews`] (pending ones included, each with its comments),
//!   [`FakeGithub::review_comments`] (as the list endpoint shows them),
//!   [`FakeGithub::issue_comments`], [`FakeGithub::statuses`], [`FakeGithub::pull_request`].
//!
//! # Endpoints
//!
//! - `GET /repos/{o}/{r}`, `GET /repos/{o}/{r}/pulls/{n}`.
//! - `GET /repos/{o}/{r}/pulls/{n}/files`: `per_page` (default 30, at most 100), `page`,
//!   `Link` with `prev`/`next`/`last`/`first` as absolute `/repositories/{id}/…` URLs (also
//!   served), at most 3000 files. Patches are git's `-U3` hunks without file headers,
//!   left out for binary (NUL or not UTF-8) files and above the size limit.
//! - `GET /repos/{o}/{r}/contents/{path}?ref=`: raw bytes with
//!   `Accept: application/vnd.github.raw` (or `.raw+json`), else the JSON content object;
//!   directories list their entries.
//! - `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`, `GET /repos/{o}/{r}/git/blobs/{sha}`.
//! - Review comments: `GET`/`POST /repos/{o}/{r}/pulls/{n}/comments`, `GET`/`PATCH`/`DELETE
//!   /repos/{o}/{r}/pulls/comments/{id}`.
//! - Issue comments: `GET`/`POST /repos/{o}/{r}/issues/{n}/comments`, `GET`/`PATCH`
//!   (or `POST`)/`DELETE /repos/{o}/{r}/issues/comments/{id}`.
//! - Reviews: `GET`/`POST /repos/{o}/{r}/pulls/{n}/reviews`, `GET`/`DELETE …/reviews/{id}`,
//!   `POST …/reviews/{id}/events`, `GET …/reviews/{id}/comments`. Without `event` a review
//!   is `PENDING` and its comments are not listed; a comment whose path is not in the PR or
//!   whose line is not in a hunk fails the whole review with 422 (`Path could not be
//!   resolved`, `Line could not be resolved`).
//! - Statuses: `POST /repos/{o}/{r}/statuses/{sha}`, `GET /repos/{o}/{r}/commits/{ref}/statuses`,
//!   `GET /repos/{o}/{r}/commits/{ref}/status`.
//! - Apps: `GET /app`, `GET /app/installations`, `GET /app/installations/{id}`,
//!   `POST /app/installations/{id}/access_tokens`, `GET /repos/{o}/{r}/installation`.
//! - `GET /rate_limit`.
//!
//! Every answer carries `x-ratelimit-limit`/`remaining`/`reset`/`used`/`resource` (counted
//! per token: 1,000 an hour for `add_token` tokens, 5,000 for user and installation tokens,
//! 60 without a token) and `x-github-request-id`. An unknown token gets 401 `Bad
//! credentials`; a write with a read-only token gets 403 `Resource not accessible by
//! integration`.
//!
//! # Where the fake only approximates GitHub
//!
//! - Patches come from the `similar` crate's Myers diff. Where several diffs are equally
//!   short, git's heuristics may pick another one; hunk format, context and headings
//!   follow git.
//! - Renames are the ones a test names plus removed files whose exact contents reappear;
//!   git would also pair files that are only similar.
//! - After a push, a comment moves to the new head when its file did not change since the
//!   comment's commit, and is outdated (`line` and `position` null) otherwise; GitHub
//!   follows lines through the change.
//! - Some refusals use wording of the fake's own where GitHub's exact words are not known:
//!   a review on a `commit_id` that is not in the PR (`commit_id is not part of the pull
//!   request`), a multi-line comment whose start follows its end, and a JWT used on a
//!   repository route (403 `Resource not accessible by integration`).

mod auth;
mod diff;
mod error;
mod fault;
mod git;
mod model;
mod reply;
mod routes;
mod server;
mod shapes;
mod state;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use axum::http::Method;
pub use diff::Side;
pub use error::FakeError;
pub use fault::Fault;
pub use git::Files;
pub use model::{
    Access, Account, AccountKind, AppCredentials, CommitStatus, IssueComment, NewPullRequest,
    PullRequest, Push, RecordedRequest, Review, ReviewComment, ReviewState,
};

use crate::fault::FaultRule;
use crate::server::{Shared, lock};
use crate::state::{State, Token, TokenKind};

/// A running fake GitHub. Dropping it stops the server.
pub struct FakeGithub {
    shared: Shared,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGithub {
    /// Starts the fake on `127.0.0.1` with a free port, on a thread of its own.
    pub fn start() -> Result<FakeGithub, FakeError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(FakeError::Bind)?;
        listener.set_nonblocking(true).map_err(FakeError::Bind)?;
        let url = format!("http://{}", listener.local_addr().map_err(FakeError::Bind)?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(FakeError::Runtime)?;
        let shared: Shared = Arc::new(Mutex::new(State::new(url.clone())));
        let router = axum::Router::new()
            .fallback(server::gateway)
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-github".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let (quit, quitting) = oneshot::channel::<()>();
                    let server = tokio::spawn(async move {
                        axum::serve(listener, router)
                            .with_graceful_shutdown(async {
                                let _ = quitting.await;
                            })
                            .await
                    });
                    let _ = stopped.await;
                    let _ = quit.send(());
                    // A client that keeps a request open does not hold up the test.
                    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
                });
            })
            .map_err(FakeError::Runtime)?;
        Ok(FakeGithub {
            shared,
            url,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`, to use as the API URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.shared)
    }

    /// Adds a public repository (`owner/name`), or makes an existing one public; returns
    /// its id.
    pub fn add_repo(&self, full_name: &str) -> Result<u64, FakeError> {
        self.state().add_repo(full_name, false)
    }

    /// Adds a private repository, or makes an existing one private: anonymous requests
    /// and installation tokens without access get 404.
    pub fn add_private_repo(&self, full_name: &str) -> Result<u64, FakeError> {
        self.state().add_repo(full_name, true)
    }

    /// Adds a pull request (and its repository when missing).
    pub fn add_pull_request(&self, pr: NewPullRequest) -> Result<PullRequest, FakeError> {
        self.state().add_pull(pr)
    }

    /// Pushes `head` as the pull request's new head commit; returns its sha. `renames`
    /// lists `(old, new)` paths relative to the base, as for [`NewPullRequest::rename`].
    pub fn push(
        &self,
        repo: &str,
        number: u64,
        head: Files,
        renames: &[(&str, &str)],
        kind: Push,
    ) -> Result<String, FakeError> {
        let renames: Vec<(String, String)> = renames
            .iter()
            .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
            .collect();
        self.state().push(repo, number, head, &renames, kind)
    }

    /// The pull request as it is now (its head moves with pushes).
    pub fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequest, FakeError> {
        let state = self.state();
        let pull = state.pull(repo, number)?;
        Ok(PullRequest {
            repo: repo.to_owned(),
            number,
            base_sha: pull.base_sha.clone(),
            head_sha: pull.head().to_owned(),
        })
    }

    /// Accepts `token`, acting as `github-actions[bot]` like a workflow's `GITHUB_TOKEN`.
    pub fn add_token(&self, token: &str, access: Access) {
        self.insert_token(token, access, Account::github_actions(), TokenKind::Actions);
    }

    /// Accepts `token`, acting as the user `login` like a personal access token.
    pub fn add_user_token(&self, token: &str, access: Access, login: &str) {
        self.insert_token(token, access, Account::user(login), TokenKind::Personal);
    }

    fn insert_token(&self, token: &str, access: Access, account: Account, kind: TokenKind) {
        self.state().tokens.insert(
            token.to_owned(),
            Token {
                access,
                account,
                kind,
                expires_at: None,
                scope: None,
            },
        );
    }

    /// Adds a GitHub App with a freshly generated 2048-bit RSA key pair; sign its JWTs
    /// with [`AppCredentials::private_key_pem`].
    pub fn add_app(&self, app_id: u64, slug: &str) -> Result<AppCredentials, FakeError> {
        let (private_key_pem, public_key_pem) = auth::generate_key_pair()?;
        let credentials = AppCredentials {
            app_id,
            slug: slug.to_owned(),
            private_key_pem: Some(private_key_pem),
            public_key_pem,
        };
        self.state()
            .add_app(app_id, slug, &credentials.public_key_pem)?;
        Ok(credentials)
    }

    /// Adds a GitHub App whose JWTs are verified with `public_key_pem` (`BEGIN PUBLIC KEY`
    /// or `BEGIN RSA PUBLIC KEY`).
    pub fn add_app_with_public_key(
        &self,
        app_id: u64,
        slug: &str,
        public_key_pem: &str,
    ) -> Result<AppCredentials, FakeError> {
        let credentials = AppCredentials {
            app_id,
            slug: slug.to_owned(),
            private_key_pem: None,
            public_key_pem: public_key_pem.to_owned(),
        };
        self.state()
            .add_app(app_id, slug, &credentials.public_key_pem)?;
        Ok(credentials)
    }

    /// Installs app `app_id` on `repos` (`owner/name`; the first one's owner is the
    /// installation's account).
    pub fn add_installation(
        &self,
        app_id: u64,
        installation_id: u64,
        repos: &[&str],
    ) -> Result<(), FakeError> {
        self.state()
            .add_installation(app_id, installation_id, repos)
    }

    /// The tokens minted so far for an installation.
    pub fn installation_tokens(&self, installation_id: u64) -> Vec<String> {
        let state = self.state();
        let mut tokens: Vec<String> = state
            .tokens
            .iter()
            .filter(|(_, t)| {
                matches!(t.kind, TokenKind::Installation { installation_id: id, .. } if id == installation_id)
            })
            .map(|(token, _)| token.clone())
            .collect();
        tokens.sort();
        tokens
    }

    /// Answers the next `times` requests whose method is `method` (`"*"` for any) and whose
    /// path matches `path_pattern` with `fault`. Rules are tried in the order they were
    /// added.
    pub fn fail(&self, method: &str, path_pattern: &str, times: usize, fault: Fault) {
        self.state()
            .faults
            .push(FaultRule::new(method, path_pattern, times, fault));
    }

    /// Drops every fault that has not fired yet.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// Patches longer than `bytes` are left out of the files list and cannot take comments.
    pub fn set_max_patch_bytes(&self, bytes: usize) {
        self.state().max_patch_bytes = bytes;
    }

    /// Comments on `line` of `path` in pull request `number` get 422 `Line could not be
    /// resolved`, although the line is in a hunk.
    pub fn refuse_line(&self, repo: &str, number: u64, path: &str, line: u64) {
        self.state()
            .refused_lines
            .insert((repo.to_owned(), number, path.to_owned(), line));
    }

    /// Trees with more entries than `entries` are cut there and marked `truncated`.
    pub fn set_tree_entry_limit(&self, entries: usize) {
        self.state().tree_entry_limit = entries;
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().log.clone()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// How many POST, PATCH, PUT and DELETE requests were answered (whatever the answer).
    pub fn writes(&self) -> usize {
        self.state().log.iter().filter(|r| r.is_write()).count()
    }

    /// The reviews of a pull request, pending ones included, oldest first.
    pub fn reviews(&self, repo: &str, number: u64) -> Vec<Review> {
        self.state()
            .pull(repo, number)
            .map(|p| p.reviews.clone())
            .unwrap_or_default()
    }

    /// The review comments of a pull request that the list endpoint shows (those of
    /// submitted reviews), oldest first.
    pub fn review_comments(&self, repo: &str, number: u64) -> Vec<ReviewComment> {
        let mut comments: Vec<ReviewComment> = self
            .reviews(repo, number)
            .into_iter()
            .filter(|r| r.state != ReviewState::Pending)
            .flat_map(|r| r.comments)
            .collect();
        comments.sort_by_key(|c| c.id);
        comments
    }

    /// The conversation comments of a pull request, oldest first.
    pub fn issue_comments(&self, repo: &str, number: u64) -> Vec<IssueComment> {
        self.state()
            .repos
            .get(repo)
            .map(|r| {
                r.issue_comments
                    .iter()
                    .filter(|c| c.number == number)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The statuses set on a commit, oldest first.
    pub fn statuses(&self, repo: &str, sha: &str) -> Vec<CommitStatus> {
        self.state()
            .repos
            .get(repo)
            .map(|r| {
                r.statuses
                    .iter()
                    .filter(|s| s.sha == sha)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
