//! The review runner `argus serve` uses: authenticate as the GitHub App, trade a JWT for
//! an installation token for the event's installation, and review the pull request with
//! that token exactly as `argus pr` does.

use std::fmt::Write as _;

use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};

use super::job::{ReviewJob, ReviewRunner};
use crate::api::{Github, RetryPolicy};
use crate::pr::{BotError, Outcome, PrOptions, PullRequestRef, review_pull_request};

/// Setting up the App's client failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "the GitHub App's private key is not an RSA private key in PEM format ({message}); give the .pem file GitHub generated on the App's settings page"
    )]
    PrivateKey { message: String },
    #[error(
        "the API URL {api_url} is not usable: {message}; give a URL like https://api.github.com or https://HOST/api/v3"
    )]
    ApiUrl { api_url: String, message: String },
    #[error("the GitHub App client was set up outside a tokio runtime; create it inside one")]
    NoRuntime,
}

/// One review by the App failed.
#[derive(Debug, thiserror::Error)]
pub enum AppReviewError {
    #[error(
        "cannot get an access token for installation {installation} of App {app_id} (for {pull_request}): {message}; {advice}"
    )]
    Token {
        app_id: u64,
        installation: u64,
        pull_request: String,
        message: String,
        advice: &'static str,
    },
    #[error("`{repository}` is not a repository name like OWNER/NAME")]
    Repository { repository: String },
    #[error(transparent)]
    Review(#[from] BotError),
}

/// Reviews pull requests as a GitHub App installation.
pub struct AppRunner {
    app: Octocrab,
    app_id: u64,
    options: PrOptions,
}

impl AppRunner {
    /// A runner for the App `app_id` with its PEM private key, talking to `api_url`
    /// (`https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server).
    /// Call it inside a tokio runtime: octocrab starts a task for its connections.
    pub fn new(
        api_url: &str,
        app_id: u64,
        private_key_pem: &[u8],
        options: PrOptions,
    ) -> Result<AppRunner, AppError> {
        let api_error = |message: String| AppError::ApiUrl {
            api_url: api_url.to_string(),
            message,
        };
        let key = octocrab::auth::EncodingKey::from_rsa_pem(private_key_pem).map_err(|e| {
            AppError::PrivateKey {
                message: e.to_string(),
            }
        })?;
        // Reading the PEM checks only its armour; signing a JWT proves the key is one.
        octocrab::auth::create_jwt(AppId(app_id), &key).map_err(|e| AppError::PrivateKey {
            message: e.to_string(),
        })?;
        // octocrab's client would panic without a runtime.
        tokio::runtime::Handle::try_current().map_err(|_| AppError::NoRuntime)?;
        let app = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| api_error(describe(&e)))?
            .app(AppId(app_id), key)
            .build()
            .map_err(|e| api_error(describe(&e)))?;
        Ok(AppRunner {
            app,
            app_id,
            options,
        })
    }
}

impl ReviewRunner for AppRunner {
    type Error = AppReviewError;

    async fn review(&self, job: &ReviewJob) -> Result<String, AppReviewError> {
        let pr = PullRequestRef::new(&job.repository, job.number).ok_or_else(|| {
            AppReviewError::Repository {
                repository: job.repository.clone(),
            }
        })?;
        // The installation client keeps its token and renews it when it nears expiry, so
        // a long review does not outlive it.
        let (installation, _token) = self
            .app
            .installation_and_token(InstallationId(job.installation_id))
            .await
            .map_err(|e| AppReviewError::Token {
                app_id: self.app_id,
                installation: job.installation_id,
                pull_request: format!("{}#{}", job.repository, job.number),
                message: describe(&e),
                advice: token_advice(&e),
            })?;
        let github = Github::from_octocrab(installation, RetryPolicy::default());
        let outcome = review_pull_request(&github, &pr, &self.options).await?;
        Ok(summary(job, &outcome))
    }
}

/// What to check when an installation token cannot be had.
fn token_advice(error: &octocrab::Error) -> &'static str {
    match error {
        octocrab::Error::GitHub { source, .. }
            if matches!(source.status_code.as_u16(), 401 | 403 | 404) =>
        {
            "check that the App is still installed on the repository, that --app-id and the private key belong to the same App, and that this machine's clock is right"
        }
        octocrab::Error::GitHub { .. } => "GitHub may be having trouble; try again later",
        _ => "check --api-url and that this machine can reach it",
    }
}

/// One line for the log.
fn summary(job: &ReviewJob, outcome: &Outcome) -> String {
    let mut line = outcome.counts();
    if outcome.head_sha != job.head_sha {
        let _ = write!(
            line,
            "; the head had moved on to {}",
            outcome.head_sha.get(..7).unwrap_or(&outcome.head_sha)
        );
    }
    if let Some(url) = &outcome.review_url {
        let _ = write!(line, "; {url}");
    }
    for warning in &outcome.warnings {
        let _ = write!(line, "; warning: {warning}");
    }
    if let Some(plan) = &outcome.plan {
        let _ = write!(line, "; plan: {plan}");
    }
    line
}

/// What went wrong, with GitHub's own message when it answered; octocrab's `Display`
/// says little more than the variant's name.
fn describe(error: &octocrab::Error) -> String {
    match error {
        octocrab::Error::GitHub { source, .. } => {
            format!("GitHub answered {}: {}", source.status_code, source.message)
        }
        octocrab::Error::Service { source, .. } => {
            format!(
                "cannot reach GitHub: {}",
                super::error_chain(source.as_ref())
            )
        }
        octocrab::Error::Hyper { source, .. } => {
            format!("cannot reach GitHub: {}", super::error_chain(source))
        }
        octocrab::Error::Http { source, .. } => source.to_string(),
        octocrab::Error::JWT { source, .. } => format!("cannot sign the App's JWT: {source}"),
        octocrab::Error::UriParse { .. } | octocrab::Error::Uri { .. } => "not a URL".to_string(),
        other => {
            // Other variants' Display appends a backtrace; keep the first line.
            let text = other.to_string();
            text.lines().next().unwrap_or_default().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_pem_is_refused_with_what_to_do() {
        let Err(error) = AppRunner::new(
            "https://api.github.com",
            1,
            b"not a key",
            PrOptions::default(),
        ) else {
            panic!("a bad key was accepted");
        };
        assert!(error.to_string().contains("settings page"), "{error}");
    }
}
