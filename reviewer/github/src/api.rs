//! The GitHub REST API as the bot uses it: octocrab for transport and authentication,
//! and one place that decides what to do with each answer.
//!
//! - 403/429 with `Retry-After` or an exhausted rate limit: wait it out and retry,
//!   within a total waiting budget (octocrab's own retry, which does not cover GitHub's
//!   secondary rate limit, is left out of the build).
//! - 5xx: retry with exponential backoff, a few times.
//! - Writes are paced to stay under the secondary rate limit (about 80 a minute).
//! - Every error names the call, the status and GitHub's own message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How hard to try before giving up.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// The most time spent waiting for rate limits in one call.
    pub max_rate_limit_wait: Duration,
    /// How many times a 5xx answer is retried.
    pub server_error_retries: u32,
    /// The first backoff after a 5xx; it doubles each time.
    pub first_backoff: Duration,
    /// The least time between two writes: 60 s / 80 writes.
    pub write_interval: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_rate_limit_wait: Duration::from_secs(15 * 60),
            server_error_retries: 4,
            first_backoff: Duration::from_millis(500),
            write_interval: Duration::from_millis(750),
        }
    }
}

/// A GitHub API call that failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("GitHub API {method} {route} failed with {status}: {message}")]
    Status {
        method: Method,
        route: String,
        status: u16,
        message: String,
    },
    #[error("GitHub API {method} {route}: still rate limited after waiting {waited:?}: {message}")]
    RateLimited {
        method: Method,
        route: String,
        waited: Duration,
        message: String,
    },
    #[error("GitHub API {method} {route} failed: {message}")]
    Transport {
        method: Method,
        route: String,
        message: String,
    },
    #[error("GitHub API {method} {route}: unexpected answer: {message}")]
    Decode {
        method: Method,
        route: String,
        message: String,
    },
    #[error("cannot set up the GitHub client for {api_url}: {message}")]
    Setup { api_url: String, message: String },
}

impl ApiError {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A 403 or 404 on a write: the token may not write here (a fork's read-only token).
    pub fn is_forbidden(&self) -> bool {
        matches!(self.status(), Some(403 | 404))
    }
}

/// A response's status, headers and body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The GitHub client the bot uses.
pub struct Github {
    octocrab: Octocrab,
    policy: RetryPolicy,
    last_write: tokio::sync::Mutex<Option<Instant>>,
    writes: AtomicU64,
    /// The path of the API's base URL (`/api/v3` on GitHub Enterprise, empty on
    /// github.com). octocrab puts it in front of every route it is given.
    base_path: String,
}

const RAW: &str = "application/vnd.github.raw+json";

impl Github {
    /// A client authenticated with a token (`GITHUB_TOKEN`, a personal token, or an
    /// installation token).
    pub fn with_token(api_url: &str, token: String) -> Result<Github, ApiError> {
        let setup = |message: String| ApiError::Setup {
            api_url: api_url.to_string(),
            message,
        };
        let octocrab = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| setup(e.to_string()))?
            .personal_token(token)
            .build()
            .map_err(|e| setup(e.to_string()))?;
        Ok(Github::from_octocrab(octocrab, RetryPolicy::default()).at_api_url(api_url))
    }

    /// Wraps an already authenticated octocrab (a GitHub App installation).
    pub fn from_octocrab(octocrab: Octocrab, policy: RetryPolicy) -> Github {
        Github {
            octocrab,
            policy,
            last_write: tokio::sync::Mutex::new(None),
            writes: AtomicU64::new(0),
            base_path: String::new(),
        }
    }

    /// Tells the client the base URL its octocrab was built with, so that the absolute
    /// links GitHub pages with are followed as routes: octocrab sends an installation
    /// token only with relative routes.
    pub fn at_api_url(mut self, api_url: &str) -> Github {
        self.base_path = api_url
            .parse::<http::Uri>()
            .map(|uri| uri.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        self
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Github {
        self.policy = policy;
        self
    }

    /// Write calls made so far.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    async fn pace_write(&self) {
        let mut last = self.last_write.lock().await;
        if let Some(at) = *last {
            let since = at.elapsed();
            if since < self.policy.write_interval {
                tokio::time::sleep(self.policy.write_interval - since).await;
            }
        }
        *last = Some(Instant::now());
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// Sends one call, retrying rate limits and server errors as the policy allows.
    async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> Result<Answer, ApiError> {
        let mut waited = Duration::ZERO;
        let mut server_errors = 0;
        loop {
            if method != Method::GET {
                self.pace_write().await;
            }
            let answer = self.send_once(&method, route, body, accept).await?;
            let status = answer.status;
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok(answer);
            }
            let message = github_message(&answer.body, status);
            if let Some(wait) = rate_limit_wait(status, &answer.headers, &message) {
                if waited + wait > self.policy.max_rate_limit_wait {
                    return Err(ApiError::RateLimited {
                        method,
                        route: route.to_string(),
                        waited,
                        message,
                    });
                }
                tokio::time::sleep(wait).await;
                waited += wait;
                continue;
            }
            if status.is_server_error() && server_errors < self.policy.server_error_retries {
                let backoff = self.policy.first_backoff * 2u32.saturating_pow(server_errors);
                server_errors += 1;
                tokio::time::sleep(backoff).await;
                continue;
            }
            return Err(ApiError::Status {
                method,
                route: route.to_string(),
                status: status.as_u16(),
                message,
            });
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        route: &str,
        body: Option<&serde_json::Value>,
        accept: Option<&'static str>,
    ) -> Result<Answer, ApiError> {
        let transport = |message: String| ApiError::Transport {
            method: method.clone(),
            route: route.to_string(),
            message,
        };
        let response = match *method {
            Method::GET => {
                let mut headers = HeaderMap::new();
                if let Some(accept) = accept {
                    headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept));
                }
                self.octocrab._get_with_headers(route, Some(headers)).await
            }
            Method::POST => self.octocrab._post(route, body).await,
            Method::PATCH => self.octocrab._patch(route, body).await,
            Method::DELETE => self.octocrab._delete(route, body).await,
            _ => {
                return Err(transport(format!(
                    "the {method} method is not used by Argus"
                )));
            }
        }
        .map_err(|e| transport(e.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| transport(format!("reading the answer: {e}")))?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn decode<T: DeserializeOwned>(
        method: Method,
        route: &str,
        body: &[u8],
    ) -> Result<T, ApiError> {
        serde_json::from_slice(body).map_err(|e| ApiError::Decode {
            method,
            route: route.to_string(),
            message: e.to_string(),
        })
    }

    /// `GET route` as JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, route: &str) -> Result<T, ApiError> {
        let answer = self.send(Method::GET, route, None, None).await?;
        Self::decode(Method::GET, route, &answer.body)
    }

    /// The raw bytes at `route` (file contents); `None` when GitHub answers 404.
    pub async fn get_raw(&self, route: &str) -> Result<Option<Vec<u8>>, ApiError> {
        match self.send(Method::GET, route, None, Some(RAW)).await {
            Ok(answer) => Ok(Some(answer.body)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every item of a paginated list, 100 per page, following `Link: rel="next"`. Each
    /// page is retried on its own.
    pub async fn get_all<T: DeserializeOwned>(&self, route: &str) -> Result<Vec<T>, ApiError> {
        let separator = if route.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{route}{separator}per_page=100"));
        let mut items = Vec::new();
        while let Some(page) = next {
            let answer = self.send(Method::GET, &page, None, None).await?;
            let mut batch: Vec<T> = Self::decode(Method::GET, &page, &answer.body)?;
            items.append(&mut batch);
            next = next_link(&answer.headers).map(|link| route_of(&link, &self.base_path));
        }
        Ok(items)
    }

    /// `POST route` with a JSON body; the answer as JSON.
    pub async fn post_json<T: DeserializeOwned, B: Serialize>(
        &self,
        route: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_value(body).map_err(|e| ApiError::Decode {
            method: Method::POST,
            route: route.to_string(),
            message: e.to_string(),
        })?;
        let answer = self.send(Method::POST, route, Some(&body), None).await?;
        Self::decode(Method::POST, route, &answer.body)
    }

    /// `PATCH route` with a JSON body; the answer as JSON.
    pub async fn patch_json<T: DeserializeOwned, B: Serialize>(
        &self,
        route: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_value(body).map_err(|e| ApiError::Decode {
            method: Method::PATCH,
            route: route.to_string(),
            message: e.to_string(),
        })?;
        let answer = self.send(Method::PATCH, route, Some(&body), None).await?;
        Self::decode(Method::PATCH, route, &answer.body)
    }

    /// `DELETE route`.
    pub async fn delete(&self, route: &str) -> Result<(), ApiError> {
        self.send(Method::DELETE, route, None, None)
            .await
            .map(|_| ())
    }
}

/// GitHub's `message`, plus its `errors` details when it gives them.
fn github_message(body: &[u8], status: StatusCode) -> String {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            text.chars().take(300).collect()
        };
    };
    let mut message = json
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or(status.canonical_reason().unwrap_or("no message"))
        .to_string();
    if let Some(errors) = json.get("errors").and_then(|e| e.as_array()) {
        let details: Vec<String> = errors
            .iter()
            .map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                other => other
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map_or_else(|| other.to_string(), str::to_string),
            })
            .collect();
        if !details.is_empty() {
            message.push_str(&format!(" ({})", details.join("; ")));
        }
    }
    message
}

/// How long to wait before retrying a rate-limited call; `None` when it is not one.
fn rate_limit_wait(status: StatusCode, headers: &HeaderMap, message: &str) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(seconds) = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds.max(1)));
    }
    if header("x-ratelimit-remaining") == Some("0")
        && let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())
    {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
    }
    if status == StatusCode::TOO_MANY_REQUESTS || message.to_lowercase().contains("rate limit") {
        // GitHub's advice without headers: wait at least a minute.
        return Some(Duration::from_secs(60));
    }
    None
}

/// The `rel="next"` URL of a `Link` header.
/// The route of an absolute API URL: its path and query without the base URL's path.
fn route_of(link: &str, base_path: &str) -> String {
    let Ok(uri) = link.parse::<http::Uri>() else {
        return link.to_string();
    };
    let Some(path_and_query) = uri.path_and_query() else {
        return link.to_string();
    };
    let text = path_and_query.as_str();
    match text.strip_prefix(base_path) {
        Some(rest) if !base_path.is_empty() && rest.starts_with('/') => rest.to_string(),
        _ => text.to_string(),
    }
}

fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_become_routes_below_the_base_url() {
        assert_eq!(
            route_of(
                "https://api.github.com/repositories/9/pulls/7/files?per_page=100&page=2",
                ""
            ),
            "/repositories/9/pulls/7/files?per_page=100&page=2"
        );
        assert_eq!(
            route_of(
                "https://ghe.example/api/v3/repositories/9/pulls/7/files?page=3",
                "/api/v3"
            ),
            "/repositories/9/pulls/7/files?page=3"
        );
    }

    #[test]
    fn secondary_and_primary_rate_limits_are_recognised() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            rate_limit_wait(
                StatusCode::FORBIDDEN,
                &headers,
                "You have exceeded a secondary rate limit"
            ),
            Some(Duration::from_secs(3))
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("0"));
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &headers, "API rate limit exceeded"),
            Some(Duration::from_secs(1))
        );
        // A plain 403 is a permission problem, not a rate limit.
        assert_eq!(
            rate_limit_wait(
                StatusCode::FORBIDDEN,
                &HeaderMap::new(),
                "Resource not accessible by integration"
            ),
            None
        );
    }

    #[test]
    fn github_messages_include_their_error_details() {
        let body = br#"{"message":"Unprocessable Entity","errors":["Pull request review thread line must be part of the diff"]}"#;
        assert_eq!(
            github_message(body, StatusCode::UNPROCESSABLE_ENTITY),
            "Unprocessable Entity (Pull request review thread line must be part of the diff)"
        );
        assert_eq!(github_message(b"", StatusCode::BAD_GATEWAY), "Bad Gateway");
    }

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            HeaderValue::from_static(
                r#"<https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=4>; rel="last""#,
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2")
        );
    }
}
