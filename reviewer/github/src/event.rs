//! The parts of GitHub's webhook payloads that Argus reads.
//!
//! GitHub sends far more than this; serde skips every field not named here, so a payload
//! GitHub grows tomorrow still parses. Only the fields that decide whether and what to
//! review are typed: the action, the PR's number, head, draft flag and `updated_at`, the
//! repository's full name and the App installation.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The `X-GitHub-Event` header's value for the events the server handles.
pub mod kind {
    /// Sent once when the webhook is created, and from the App settings' "Redeliver".
    pub const PING: &str = "ping";
    /// Every change to a pull request.
    pub const PULL_REQUEST: &str = "pull_request";
}

/// A `pull_request` webhook event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// What happened to the pull request.
    pub action: PullRequestAction,
    /// The pull request's number in its repository.
    pub number: u64,
    /// The pull request as it is after the action.
    pub pull_request: PullRequest,
    /// The repository the pull request targets.
    pub repository: Repository,
    /// The App installation the event was delivered for. Absent when the webhook was
    /// configured on a repository rather than on a GitHub App.
    #[serde(default)]
    pub installation: Option<Installation>,
}

/// The `action` of a `pull_request` event. Actions Argus does not act on parse as
/// [`PullRequestAction::Other`].
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PullRequestAction {
    /// The pull request was opened (possibly as a draft).
    Opened,
    /// New commits were pushed to the head branch.
    Synchronize,
    /// A closed pull request was reopened.
    Reopened,
    /// A draft was marked ready for review.
    ReadyForReview,
    /// Any other action: closed, labeled, edited, assigned, review_requested, ...
    #[serde(other)]
    Other,
}

impl PullRequestAction {
    /// Whether the action can change what a review would say: new code, or a pull request
    /// that starts asking for review.
    pub fn asks_for_review(self) -> bool {
        !matches!(self, PullRequestAction::Other)
    }
}

/// The `pull_request` object of a `pull_request` event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PullRequest {
    /// The head branch and the commit to review.
    pub head: GitRef,
    /// Whether the pull request is a draft. Older GitHub Enterprise versions omit it.
    #[serde(default)]
    pub draft: bool,
    /// When the pull request last changed. GitHub does not promise to deliver events in
    /// order; this orders them.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A commit a branch points at.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GitRef {
    /// The commit SHA.
    pub sha: String,
}

/// The `repository` object of an event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: String,
}

/// The `installation` object of an event delivered to a GitHub App.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub struct Installation {
    /// The installation id, which an installation access token is minted for.
    pub id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_actions_parse_as_other() {
        let action: PullRequestAction = serde_json::from_str("\"review_requested\"").unwrap();
        assert_eq!(action, PullRequestAction::Other);
        assert!(!action.asks_for_review());
        let action: PullRequestAction = serde_json::from_str("\"ready_for_review\"").unwrap();
        assert!(action.asks_for_review());
    }

    #[test]
    fn parses_the_documented_pull_request_payload() {
        let text = include_str!("../../../fixtures/github/webhooks/pull_request.opened.json");
        let event: PullRequestEvent = serde_json::from_str(text).unwrap();
        assert_eq!(event.action, PullRequestAction::Opened);
        assert_eq!(event.number, 2);
        assert_eq!(event.repository.full_name, "Codertocat/Hello-World");
        assert_eq!(event.installation, Some(Installation { id: 2311213 }));
        assert_eq!(
            event.pull_request.head.sha,
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
        );
        assert!(!event.pull_request.draft);
        assert!(event.pull_request.updated_at.is_some());
    }
}
