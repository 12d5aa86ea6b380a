//! The HTTP side: one axum fallback handler is the gateway every request passes through.
//!
//! The gateway does, in order: read the body; rewrite `/repositories/{id}/…` (the form
//! GitHub's `Link` headers use) to `/repos/{owner}/{name}/…`; identify the caller; count
//! the request against its rate limit; answer with an injected fault if one matches;
//! refuse what the caller may not do; route; add the headers every GitHub answer carries;
//! record the request. Routing is a `match` over path segments, so every handler is a
//! plain function over the locked state.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth::{self, Caller};
use crate::fault::{BAD_GATEWAY_HTML, Fault};
use crate::model::{Access, RecordedRequest, is_write};
use crate::reply::{DOCS, Reply};
use crate::routes;
use crate::state::{Budget, State, TokenKind, epoch_now};

pub(crate) type Shared = Arc<Mutex<State>>;

/// The state, also after a handler panicked while holding it: every handler leaves the
/// state consistent before it can panic, so the data is still good.
pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The largest request body the fake reads.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// One request, as the handlers see it.
pub(crate) struct Call {
    pub(crate) method: Method,
    /// Percent-decoded segments of the path, `/repositories/{id}` already rewritten.
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) caller: Caller,
    /// Seconds since the epoch when the request arrived.
    pub(crate) now: u64,
}

impl Call {
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON; `{}` when empty. GitHub's 400 when it is not JSON.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(
        &self,
        documentation_url: &str,
    ) -> Result<T, Reply> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.body
        };
        let value: Value =
            serde_json::from_slice(body).map_err(|_| Reply::bad_json(documentation_url))?;
        serde_json::from_value(value)
            .map_err(|e| Reply::invalid_request(&e.to_string(), documentation_url))
    }
}

/// What the first look at a request decided.
enum Step {
    Answer(Reply),
    Wait(Duration),
    Handle,
}

/// Everything about a request that the answer's headers and the record need.
struct Seen {
    request_id: String,
    path: String,
    segments: Vec<String>,
    caller: Result<Caller, Reply>,
    budget: Budget,
    fault: Option<Fault>,
}

pub(crate) async fn gateway(Extract(shared): Extract<Shared>, request: Request) -> Response {
    let at = SystemTime::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let now = epoch_now();

    let (mut seen, step, since_start) = {
        let mut state = lock(&shared);
        let since_start = state.started.elapsed();
        let (seen, step) = first_look(
            &mut state,
            &parts.method,
            parts.uri.path(),
            &parts.headers,
            now,
        );
        (seen, step, since_start)
    };
    let step = match step {
        Step::Wait(delay) => {
            tokio::time::sleep(delay).await;
            Step::Handle
        }
        other => other,
    };

    let mut state = lock(&shared);
    let faulted = matches!(step, Step::Answer(_));
    let call = Call {
        method: parts.method,
        segments: std::mem::take(&mut seen.segments),
        query,
        headers: parts.headers,
        body,
        caller: seen.caller.clone().unwrap_or(Caller::Anonymous),
        now,
    };
    let reply = match (step, &seen.caller) {
        (Step::Answer(reply), _) => reply,
        (_, Err(refusal)) => refusal.clone(),
        (_, Ok(caller)) if seen.budget.used > seen.budget.limit => {
            primary_limit(caller, StatusCode::FORBIDDEN)
        }
        (_, Ok(_)) => dispatch(&mut state, &call),
    };
    let response = finish(reply, &seen, now);
    state.log.push(RecordedRequest {
        token: call
            .header("authorization")
            .and_then(auth::bearer)
            .map(str::to_owned),
        headers: header_map(&call.headers),
        body: serde_json::from_slice(&call.body).ok(),
        method: call.method,
        path: seen.path,
        uri,
        query: call.query,
        status: response.status().as_u16(),
        faulted,
        at,
        since_start,
    });
    response
}

fn header_map(headers: &HeaderMap) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    map
}

/// Identifies the request and its caller, counts it, and picks a fault for it.
fn first_look(
    state: &mut State,
    method: &Method,
    raw_path: &str,
    headers: &HeaderMap,
    now: u64,
) -> (Seen, Step) {
    state.requests_seen += 1;
    let request_id = format!(
        "{:04X}:{:04X}:{:06X}:{:06X}:{:08X}",
        (state.requests_seen * 7919) % 0xFFFF,
        (state.requests_seen * 104_729) % 0xFFFF,
        state.requests_seen * 4099,
        state.requests_seen * 6151,
        now
    );
    let segments = canonical_segments(state, raw_path);
    let path = format!("/{}", segments.join("/"));
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    let caller = auth::authenticate(state, authorization, now);
    let (key, limit) = match &caller {
        Ok(caller) => caller.budget(state),
        Err(_) => Caller::Anonymous.budget(state),
    };
    let budget = state.budgets.entry(key).or_insert(Budget {
        limit,
        used: 0,
        window_start: now,
    });
    if now >= budget.reset() {
        budget.used = 0;
        budget.window_start = now;
    }
    budget.used += 1;
    let budget = *budget;

    let fault = state
        .faults
        .iter_mut()
        .find(|rule| rule.matches(method, &path))
        .map(|rule| {
            rule.remaining -= 1;
            rule.fault.clone()
        });
    let step = match &fault {
        None => Step::Handle,
        Some(Fault::Delay(delay)) => Step::Wait(*delay),
        Some(fault) => Step::Answer(fault_reply(fault, &caller, &request_id)),
    };
    let seen = Seen {
        request_id,
        path,
        segments,
        caller,
        budget,
        fault,
    };
    (seen, step)
}

/// The decoded path segments, with `/repositories/{id}` replaced by `/repos/{owner}/{name}`.
fn canonical_segments(state: &State, raw_path: &str) -> Vec<String> {
    let mut segments: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    if segments.first().map(String::as_str) == Some("repositories")
        && let Some(repo) = segments
            .get(1)
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| state.repo_by_id(id))
    {
        let rest = segments.split_off(2);
        segments = vec![
            "repos".to_owned(),
            repo.owner.login.clone(),
            repo.name.clone(),
        ];
        segments.extend(rest);
    }
    segments
}

const RATE_LIMIT_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

fn primary_limit(caller: &Caller, status: StatusCode) -> Reply {
    Reply::error(
        status,
        &format!(
            "API rate limit exceeded for {}",
            caller.rate_limit_subject()
        ),
        &format!("{RATE_LIMIT_DOCS}#about-the-primary-rate-limit"),
    )
}

fn fault_reply(fault: &Fault, caller: &Result<Caller, Reply>, request_id: &str) -> Reply {
    match fault {
        Fault::SecondaryRateLimit { retry_after_secs } => Reply::error(
            StatusCode::FORBIDDEN,
            &format!(
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID {request_id}."
            ),
            &format!("{RATE_LIMIT_DOCS}#about-secondary-rate-limits"),
        )
        .with_header("retry-after", retry_after_secs.to_string()),
        Fault::RateLimitExhausted { status, .. } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN);
            primary_limit(caller.as_ref().unwrap_or(&Caller::Anonymous), status)
        }
        Fault::BadGateway => Reply {
            status: StatusCode::BAD_GATEWAY,
            content_type: "text/html",
            headers: Vec::new(),
            body: BAD_GATEWAY_HTML.as_bytes().to_vec(),
        },
        Fault::Status { status, body } => Reply::json(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        ),
        // Delays are waited out before the request is handled.
        Fault::Delay(_) => Reply::error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error", DOCS),
    }
}

/// The answer with the headers every GitHub answer carries.
fn finish(reply: Reply, seen: &Seen, now: u64) -> Response {
    let mut budget = seen.budget;
    let mut reset = budget.reset();
    if let Some(Fault::RateLimitExhausted { reset_in_secs, .. }) = &seen.fault {
        budget.used = budget.limit;
        reset = now + reset_in_secs;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    };
    if !reply.content_type.is_empty() {
        put("content-type", reply.content_type.to_owned());
    }
    put("server", "github.com".to_owned());
    put("x-github-api-version-selected", "2022-11-28".to_owned());
    put("x-github-media-type", "github.v3; format=json".to_owned());
    put("x-ratelimit-limit", budget.limit.to_string());
    put("x-ratelimit-remaining", budget.remaining().to_string());
    put("x-ratelimit-reset", reset.to_string());
    put(
        "x-ratelimit-used",
        budget.used.min(budget.limit).to_string(),
    );
    put("x-ratelimit-resource", "core".to_owned());
    put("x-github-request-id", seen.request_id.clone());
    for (name, value) in reply.headers {
        put(name, value);
    }
    response
}

/// Routes a request that passed authentication and rate limiting.
fn dispatch(state: &mut State, call: &Call) -> Reply {
    let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["rate_limit"] if call.method == Method::GET => rate_limit(state, call),
        ["app", rest @ ..] => match call.caller {
            Caller::App { app_id } => routes::apps::route(state, call, app_id, rest),
            _ => Reply::jwt_required(),
        },
        ["repos", owner, name, rest @ ..] => {
            let full_name = format!("{owner}/{name}");
            if let Some(refusal) = refuse(state, call, &full_name, rest) {
                return refusal;
            }
            routes::repo_route(state, call, &full_name, rest)
        }
        _ => Reply::not_found(DOCS),
    }
}

/// Why `call` may not touch `full_name`, if it may not: GitHub hides private repositories
/// (404), wants a JWT for the installation lookup, and refuses writes to read-only tokens
/// and to installations that do not include the repository (403).
fn refuse(state: &State, call: &Call, full_name: &str, rest: &[&str]) -> Option<Reply> {
    let Some(repo) = state.repos.get(full_name) else {
        return Some(Reply::not_found(DOCS));
    };
    let installation_lookup = rest == ["installation"];
    let write = is_write(&call.method);
    let docs = routes::docs_for(&call.method, rest);
    match &call.caller {
        Caller::App { .. } if installation_lookup => None,
        Caller::App { .. } => Some(Reply::not_accessible(docs)),
        _ if installation_lookup => Some(Reply::jwt_required()),
        Caller::Anonymous if repo.private => Some(Reply::not_found(docs)),
        Caller::Anonymous if write => Some(Reply::error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            docs,
        )),
        Caller::Anonymous => None,
        Caller::Token {
            token,
            access,
            kind,
            ..
        } => {
            let outside = matches!(kind, TokenKind::Installation { .. })
                && !state
                    .tokens
                    .get(token)
                    .and_then(|t| t.scope.as_ref())
                    .is_some_and(|scope| scope.iter().any(|r| r == full_name));
            if outside && repo.private {
                Some(Reply::not_found(docs))
            } else if write && (outside || *access == Access::ReadOnly) {
                Some(Reply::not_accessible(docs))
            } else {
                None
            }
        }
    }
}

fn rate_limit(state: &State, call: &Call) -> Reply {
    let (key, limit) = call.caller.budget(state);
    let budget = state.budgets.get(&key).copied().unwrap_or(Budget {
        limit,
        used: 0,
        window_start: call.now,
    });
    let core = json!({
        "limit": budget.limit,
        "used": budget.used,
        "remaining": budget.remaining(),
        "reset": budget.reset(),
    });
    Reply::ok(&json!({
        "resources": { "core": core.clone() },
        "rate": core,
    }))
}
