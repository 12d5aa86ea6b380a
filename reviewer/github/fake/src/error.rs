//! What can go wrong when a test sets the fake up. Requests from clients never fail this
//! way: they get GitHub's own error answers.

/// A set-up call the fake cannot carry out.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(std::io::Error),
    #[error("cannot start the fake's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("`{0}` is not a repository name; write it as `owner/name`")]
    BadRepoName(String),
    #[error("no repository `{0}`; add it first (add_repo or add_pull_request)")]
    UnknownRepo(String),
    #[error("no pull request #{number} in `{repo}`")]
    UnknownPull { repo: String, number: u64 },
    #[error("pull request #{number} already exists in `{repo}`")]
    DuplicatePull { repo: String, number: u64 },
    #[error(
        "cannot rename `{from}` to `{to}`: `{from}` must be a base file and `{to}` a head file"
    )]
    BadRename { from: String, to: String },
    #[error("no GitHub App with id {0}; add it first (add_app)")]
    UnknownApp(u64),
    #[error("cannot use the app's key: {0}")]
    BadKey(String),
}
