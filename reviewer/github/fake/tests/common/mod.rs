//! Helpers for the fake's tests: set-ups, an octocrab client per token, and raw requests
//! that keep the status, headers and body as they came over the wire.

#![allow(dead_code, reason = "each test crate uses a different subset")]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a helper that cannot do its job fails the test that called it"
)]

use argus_fake_github::{Access, FakeGithub, Files, NewPullRequest, PullRequest};
use octocrab::Octocrab;
use octocrab::jsonwebtoken::{Algorithm, EncodingKey, Header};
use octocrab::models::AppId;
use serde_json::Value;

pub const TOKEN: &str = "ghp_write";
pub const READ_ONLY: &str = "ghp_read";

pub fn files(entries: &[(&str, &str)]) -> Files {
    entries
        .iter()
        .map(|(path, content)| ((*path).to_owned(), content.as_bytes().to_vec()))
        .collect()
}

/// Twenty numbered lines, `line 1` to `line 20`.
pub fn twenty_lines() -> String {
    (1..=20).map(|i| format!("line {i}\n")).collect()
}

/// A fake that knows both tokens.
pub fn fake() -> FakeGithub {
    let github = FakeGithub::start().unwrap();
    github.add_token(TOKEN, Access::Write);
    github.add_token(READ_ONLY, Access::ReadOnly);
    github
}

/// A fake with `acme/shop#7`: `app.py` has line 10 changed, `docs.md` is new, and both
/// tokens are registered.
pub fn fake_with_pr() -> (FakeGithub, PullRequest) {
    let github = fake();
    let base = files(&[("app.py", &twenty_lines()), ("keep.txt", "same\n")]);
    let head = files(&[
        ("app.py", &twenty_lines().replace("line 10\n", "line ten\n")),
        ("keep.txt", "same\n"),
        ("docs.md", "# Docs\n\nHello.\n"),
    ]);
    let pr = github
        .add_pull_request(NewPullRequest::new("acme/shop", base, head).number(7))
        .unwrap();
    (github, pr)
}

pub fn client(github: &FakeGithub, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(github.url())
        .unwrap()
        .personal_token(token.to_owned())
        .build()
        .unwrap()
}

pub fn anonymous(github: &FakeGithub) -> Octocrab {
    Octocrab::builder()
        .base_uri(github.url())
        .unwrap()
        .build()
        .unwrap()
}

/// An answer as it came over the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Raw {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no `{name}` header in {:?}", self.headers))
    }
}

/// Sends one request through `octo` (which adds its credentials) and keeps the answer raw.
/// `path` is a path and query relative to the fake.
pub async fn send(
    octo: &Octocrab,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Raw {
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = octo.build_request(builder, body).unwrap();
    let response = octo.execute(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = octo.body_to_string(response).await.unwrap();
    Raw {
        status,
        headers,
        body,
    }
}

pub async fn get(octo: &Octocrab, path: &str) -> Raw {
    send(octo, "GET", path, None, &[]).await
}

pub async fn post(octo: &Octocrab, path: &str, body: &Value) -> Raw {
    send(octo, "POST", path, Some(body), &[]).await
}

/// The path and query of an absolute URL the fake wrote (a `Link` target), to request it
/// with credentials: octocrab sends its token only to relative paths and api.github.com.
pub fn path_of(url: &str, github: &FakeGithub) -> String {
    url.strip_prefix(github.url())
        .unwrap_or_else(|| panic!("{url} is not on the fake ({})", github.url()))
        .to_owned()
}

/// The `rel` targets of a `Link` header, in order.
pub fn links(link: &str) -> Vec<(String, String)> {
    link.split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; ").unwrap();
            (
                rel.trim_start_matches("rel=\"")
                    .trim_end_matches('"')
                    .to_owned(),
                url.trim_start_matches('<').trim_end_matches('>').to_owned(),
            )
        })
        .collect()
}

/// A client authenticated as GitHub App `app_id` (JWTs signed with `private_key_pem`).
pub fn app_client(github: &FakeGithub, app_id: u64, private_key_pem: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(github.url())
        .unwrap()
        .app(
            AppId(app_id),
            EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).unwrap(),
        )
        .build()
        .unwrap()
}

#[derive(serde::Serialize)]
struct Claims {
    iss: u64,
    iat: u64,
    exp: u64,
}

/// A JWT for app `iss`, issued `iat` and expiring `exp` seconds from now.
pub fn jwt(private_key_pem: &str, iss: u64, iat: i64, exp: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    octocrab::jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &Claims {
            iss,
            iat: (now + iat) as u64,
            exp: (now + exp) as u64,
        },
        &EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}
