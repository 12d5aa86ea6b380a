//! The seam between the webhook server and the code that reviews one pull request: the
//! server decides *what* to review and *when*; a [`ReviewRunner`] does the review.

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One review to do: one head of one pull request, as a webhook event asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewJob {
    /// The App installation to authenticate as.
    pub installation_id: u64,
    /// `owner/name`.
    pub repository: String,
    /// The pull request's number.
    pub number: u64,
    /// The commit to review.
    pub head_sha: String,
    /// The pull request's `updated_at` in the event: it orders heads when GitHub delivers
    /// events out of order.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The `X-GitHub-Delivery` id of the event that asked for this head.
    pub delivery: String,
}

impl ReviewJob {
    /// The pull request this job reviews.
    pub fn pull_request(&self) -> PullRequestKey {
        PullRequestKey {
            repository: self.repository.clone(),
            number: self.number,
        }
    }

    /// The head's first seven hex digits, as GitHub shows it.
    pub fn short_sha(&self) -> &str {
        self.head_sha.get(..7).unwrap_or(&self.head_sha)
    }

    /// Whether this job asks for an older state of the pull request than `other`. Jobs
    /// without a time, or with the same time, are not older: the later arrival wins.
    pub fn is_older_than(&self, other: Option<DateTime<Utc>>) -> bool {
        matches!((self.updated_at, other), (Some(mine), Some(theirs)) if mine < theirs)
    }
}

impl fmt::Display for ReviewJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{} at {}",
            self.repository,
            self.number,
            self.short_sha()
        )
    }
}

/// A pull request as the queue knows it: at most one review per key runs at a time, and
/// only its newest head waits. The installation is not part of it: an App installed
/// again gets a new installation id for the same pull requests.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PullRequestKey {
    /// `owner/name`.
    pub repository: String,
    /// The pull request's number.
    pub number: u64,
}

impl fmt::Display for PullRequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.repository, self.number)
    }
}

/// Reviews one pull request.
///
/// The server calls it from its workers, never twice at once for the same pull request.
/// A review can run again for the same head (after a crash, or when in-flight reviews
/// outlast the shutdown grace period), so it must be safe to repeat; `review_pull_request`
/// is. The future may be dropped mid-way when the grace period ends.
pub trait ReviewRunner: Send + Sync + 'static {
    /// Why a review failed. The server logs it with its sources; it does not retry.
    type Error: std::error::Error + Send + 'static;

    /// Reviews `job`, and returns one line for the log on success.
    fn review(&self, job: &ReviewJob) -> impl Future<Output = Result<String, Self::Error>> + Send;
}
