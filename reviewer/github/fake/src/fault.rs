//! Injected failures: a test names a method, a path pattern and a count, and the next
//! matching requests get the answer GitHub gives when things go wrong, byte for byte where
//! it matters to a client (status, `Retry-After`, `x-ratelimit-*`, body).

use std::time::Duration;

use axum::http::Method;
use serde_json::Value;

/// An answer GitHub gives when things go wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The secondary rate limit: 403 with `Retry-After: N` and GitHub's "You have exceeded
    /// a secondary rate limit" message. The `x-ratelimit-*` headers still show budget left.
    SecondaryRateLimit { retry_after_secs: u64 },
    /// The primary rate limit is used up: `status` (403 or 429) with
    /// `x-ratelimit-remaining: 0`, `x-ratelimit-reset` `reset_in_secs` from now and
    /// "API rate limit exceeded for …".
    RateLimitExhausted { status: u16, reset_in_secs: u64 },
    /// 502 with the HTML page GitHub's load balancer returns.
    BadGateway,
    /// Any status with a JSON body.
    Status { status: u16, body: Value },
    /// Wait this long, then answer normally.
    Delay(Duration),
}

/// A fault waiting for its requests.
#[derive(Debug, Clone)]
pub(crate) struct FaultRule {
    /// `None` matches every method.
    pub(crate) method: Option<Method>,
    pub(crate) pattern: String,
    pub(crate) remaining: usize,
    pub(crate) fault: Fault,
}

impl FaultRule {
    /// Parses `method` (`"*"` or empty for any) and keeps the pattern as given.
    pub(crate) fn new(method: &str, pattern: &str, times: usize, fault: Fault) -> FaultRule {
        let method = match method.trim() {
            "" | "*" => None,
            m => Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok(),
        };
        FaultRule {
            method,
            pattern: pattern.to_owned(),
            remaining: times,
            fault,
        }
    }

    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        self.remaining > 0
            && self.method.as_ref().is_none_or(|m| m == method)
            && glob(&self.pattern, path)
    }
}

/// Whether `path` matches `pattern`: `*` stands for any run of characters within one path
/// segment, `**` for any run including `/`; a pattern ending in `/**` also matches the
/// bare prefix. Everything else must match exactly.
pub(crate) fn glob(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("/**")
        && glob(prefix, path)
    {
        return true;
    }
    glob_bytes(pattern.as_bytes(), path.as_bytes())
}

fn glob_bytes(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|skip| glob_bytes(rest, &text[skip..])),
        [b'*', rest @ ..] => {
            let segment = text.iter().position(|b| *b == b'/').unwrap_or(text.len());
            (0..=segment).any(|skip| glob_bytes(rest, &text[skip..]))
        }
        [first, rest @ ..] => text.first() == Some(first) && glob_bytes(rest, &text[1..]),
    }
}

/// The body GitHub's load balancer sends with a 502.
pub(crate) const BAD_GATEWAY_HTML: &str = "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_star_stays_within_a_segment() {
        assert!(glob("/repos/*/*/pulls/*", "/repos/o/r/pulls/1"));
        assert!(!glob("/repos/*/*/pulls/*", "/repos/o/r/pulls/1/files"));
        assert!(glob(
            "/repos/o/r/pulls/*/files",
            "/repos/o/r/pulls/12/files"
        ));
    }

    #[test]
    fn a_double_star_crosses_segments_and_matches_the_bare_prefix() {
        assert!(glob("/repos/o/r/**", "/repos/o/r/pulls/1/reviews"));
        assert!(glob("/repos/o/r/**", "/repos/o/r"));
        assert!(glob("**", "/anything/at/all"));
        assert!(!glob("/repos/o/r/**", "/repos/o/other"));
    }

    #[test]
    fn a_pattern_without_stars_matches_exactly() {
        assert!(glob("/repos/o/r/statuses/abc", "/repos/o/r/statuses/abc"));
        assert!(!glob("/repos/o/r/statuses", "/repos/o/r/statuses/abc"));
    }

    #[test]
    fn rules_match_their_method_until_used_up() {
        let mut rule = FaultRule::new("post", "/repos/**", 1, Fault::BadGateway);
        assert!(rule.matches(&Method::POST, "/repos/o/r/statuses/x"));
        assert!(!rule.matches(&Method::GET, "/repos/o/r/statuses/x"));
        rule.remaining = 0;
        assert!(!rule.matches(&Method::POST, "/repos/o/r/statuses/x"));
        let any = FaultRule::new("*", "/app", 1, Fault::BadGateway);
        assert!(any.matches(&Method::DELETE, "/app"));
    }
}
