//! The settings of the webhook server, their defaults, and the checks that turn a bad value
//! into an error naming the setting before anything binds or reads the queue.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Where the server listens unless told otherwise: loopback, so that exposing it is a
/// decision (a reverse proxy or an explicit `--bind`).
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// GitHub caps webhook payloads at 25 MiB and drops larger ones, so nothing genuine is
/// larger.
pub const DEFAULT_BODY_LIMIT: usize = 25 * 1024 * 1024;

/// Everything the server needs besides the [`super::ReviewRunner`]. Build it with
/// [`ServerConfig::new`] and change the public fields.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to listen on. Default [`DEFAULT_BIND`].
    pub bind: SocketAddr,
    /// The webhook secret set in the GitHub App's settings; every delivery is signed with it.
    pub webhook_secret: String,
    /// The directory of the state file, created if missing.
    pub state_dir: PathBuf,
    /// How many reviews run at once (of different pull requests). Default 2.
    pub workers: usize,
    /// How many pull requests may wait for a review. A full queue answers 503 so that
    /// GitHub records the delivery as failed and it can be redelivered. Default 500.
    pub queue_capacity: usize,
    /// Largest accepted request body, in bytes; larger ones get 413. Default 25 MiB.
    pub body_limit: usize,
    /// How long a shutdown waits for requests and reviews in progress. Reviews still
    /// running then are stopped and stay in the state file, to run again on the next
    /// start. Default 25 s, under the 30 s Kubernetes waits after SIGTERM before it kills.
    pub grace_period: Duration,
    /// How many recent delivery ids (and pull requests' newest heads) are remembered, to
    /// recognise redeliveries and events that arrive after a newer one. Default 2 000,
    /// which keeps each save of the state file near 400 KB.
    pub memory: usize,
    /// Whether draft pull requests are reviewed. Default `false`: a draft is reviewed when
    /// it is marked ready for review.
    pub review_drafts: bool,
}

impl ServerConfig {
    /// A configuration with the given secret and state directory and every other setting
    /// at its default.
    pub fn new(webhook_secret: impl Into<String>, state_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            bind: DEFAULT_BIND,
            webhook_secret: webhook_secret.into(),
            state_dir: state_dir.into(),
            workers: 2,
            queue_capacity: 500,
            body_limit: DEFAULT_BODY_LIMIT,
            grace_period: Duration::from_secs(25),
            memory: 2_000,
            review_drafts: false,
        }
    }

    /// Checks every setting that can be checked without the file system or the network.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.webhook_secret.is_empty() {
            return Err(ConfigError::EmptyWebhookSecret);
        }
        for (setting, value) in [
            ("number of workers", self.workers),
            ("queue capacity", self.queue_capacity),
            ("body size limit", self.body_limit),
            ("delivery memory", self.memory),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero { setting });
            }
        }
        Ok(())
    }
}

// The webhook secret stays out of logs.
impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("bind", &self.bind)
            .field("webhook_secret", &"<redacted>")
            .field("state_dir", &self.state_dir)
            .field("workers", &self.workers)
            .field("queue_capacity", &self.queue_capacity)
            .field("body_limit", &self.body_limit)
            .field("grace_period", &self.grace_period)
            .field("memory", &self.memory)
            .field("review_drafts", &self.review_drafts)
            .finish()
    }
}

/// A setting of [`ServerConfig`] that cannot work, named so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "the webhook secret is empty: set it to the secret in the GitHub App's settings (unsigned deliveries are never accepted)"
    )]
    EmptyWebhookSecret,
    #[error("the {setting} is 0: it must be at least 1")]
    Zero { setting: &'static str },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_listen_on_loopback() {
        let config = ServerConfig::new("s3cret", "state");
        config.validate().unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
    }

    #[test]
    fn errors_name_the_bad_setting() {
        let mut config = ServerConfig::new("", "state");
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("webhook secret")
        );
        config.webhook_secret = "s".to_string();
        config.workers = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("workers")
        );
    }

    #[test]
    fn debug_output_hides_the_webhook_secret() {
        assert!(!format!("{:?}", ServerConfig::new("s3cret", "state")).contains("s3cret"));
    }
}
