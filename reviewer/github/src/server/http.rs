//! The HTTP side of the server: `POST /webhook` and `GET /healthz`.
//!
//! A delivery is checked in this order, and nothing of it is believed before step 3:
//! 1. a declared size over the limit: 413;
//! 2. no or malformed `X-Hub-Signature-256`: 401;
//! 3. the body, read up to the limit (413 past it), and its HMAC: 401 when it differs;
//! 4. the delivery id and the event.
//!
//! Answers are JSON with a `status` or an `error` that GitHub shows in the App's
//! "Recent Deliveries", so whoever looks there sees why.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use super::queue::Offer;
use super::{Core, ReviewJob, SIGNATURE_HEADER, Signature, log};
use crate::event::{PullRequestEvent, kind};
use crate::pr::PullRequestRef;

const DELIVERY_HEADER: &str = "x-github-delivery";
const EVENT_HEADER: &str = "x-github-event";

/// How long GitHub (or whoever redelivers) is told to wait when the queue is full.
const RETRY_AFTER_SECONDS: &str = "60";

/// The longest a body may take to arrive. GitHub gives up on a delivery after 10 s;
/// a client slower than this only holds a connection open.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/webhook", post(webhook))
        .route("/healthz", get(healthz))
        .with_state(core)
}

async fn healthz(State(core): State<Arc<Core>>) -> Response {
    let stats = core.stats();
    reply(
        StatusCode::OK,
        serde_json::to_value(&stats).unwrap_or_default(),
    )
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// A header's value made safe to log: printable ASCII, at most 100 characters. It may
/// come from anyone until the signature is checked.
fn printable(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?;
    Some(
        value
            .as_bytes()
            .iter()
            .take(100)
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
            .collect(),
    )
}

/// One delivery, for its log lines.
struct Delivery {
    id: String,
    peer: String,
}

impl Delivery {
    fn refuse(&self, status: StatusCode, why: &str) -> Response {
        log(format_args!(
            "delivery {} from {}: refused with {status}: {why}",
            self.id, self.peer
        ));
        reply(status, json!({ "error": why }))
    }

    fn answer(&self, status: StatusCode, state: &str, what: &str) -> Response {
        log(format_args!("delivery {}: {what}", self.id));
        reply(status, json!({ "status": state, "detail": what }))
    }
}

async fn webhook(
    State(core): State<Arc<Core>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut delivery = Delivery {
        id: printable(&headers, DELIVERY_HEADER).unwrap_or_else(|| "(no id)".to_string()),
        peer: match printable(&headers, "x-forwarded-for") {
            Some(forwarded) => format!("{remote} (forwarded for {forwarded})"),
            None => remote.to_string(),
        },
    };
    let limit = core.config.body_limit;
    let too_large = || {
        format!(
            "the body is larger than the limit of {limit} bytes (GitHub sends at most 25 MiB; the limit is --max-body)"
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return delivery.refuse(StatusCode::PAYLOAD_TOO_LARGE, &too_large());
    }
    let signature = match Signature::parse(headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes())) {
        Ok(signature) => signature,
        Err(e) => return delivery.refuse(StatusCode::UNAUTHORIZED, &e.to_string()),
    };
    let read = tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await;
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return delivery.refuse(StatusCode::PAYLOAD_TOO_LARGE, &too_large());
        }
        Err(_) => {
            return delivery.refuse(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the body did not arrive within {BODY_TIMEOUT:?}"),
            );
        }
        Ok(Err(e)) => {
            return delivery.refuse(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {e}"),
            );
        }
    };
    if let Err(e) = core.secret.verify(&signature, &body) {
        return delivery.refuse(StatusCode::UNAUTHORIZED, &e.to_string());
    }

    // Signed by GitHub from here on.
    match headers.get(DELIVERY_HEADER).and_then(|v| v.to_str().ok()) {
        Some(id) if !id.is_empty() && id.len() <= 100 => delivery.id = id.to_string(),
        _ => {
            return delivery.refuse(
                StatusCode::BAD_REQUEST,
                "no usable X-GitHub-Delivery header (GitHub sends a GUID)",
            );
        }
    }
    let Some(event) = printable(&headers, EVENT_HEADER) else {
        return delivery.refuse(StatusCode::BAD_REQUEST, "no X-GitHub-Event header");
    };
    let form = headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if form {
        return delivery.refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the delivery is form-encoded; set the webhook's content type to application/json",
        );
    }
    match event.as_str() {
        kind::PING => {
            core.lock().queue.counts.ignored += 1;
            delivery.answer(StatusCode::OK, "pong", "ping: the webhook reaches argus")
        }
        kind::PULL_REQUEST => pull_request(&core, &delivery, &body).await,
        other => {
            core.lock().queue.counts.ignored += 1;
            delivery.answer(
                StatusCode::ACCEPTED,
                "ignored",
                &format!(
                    "ignored: argus reviews on pull_request events, not {other}; the App need not subscribe to it"
                ),
            )
        }
    }
}

async fn pull_request(core: &Arc<Core>, delivery: &Delivery, body: &[u8]) -> Response {
    let event: PullRequestEvent = match serde_json::from_slice(body) {
        Ok(event) => event,
        Err(e) => {
            return delivery.refuse(
                StatusCode::BAD_REQUEST,
                &format!("the pull_request event does not have the documented shape: {e}"),
            );
        }
    };
    let name = format!("{}#{}", event.repository.full_name, event.number);
    let ignore = |why: String| {
        core.lock().queue.counts.ignored += 1;
        delivery.answer(StatusCode::ACCEPTED, "ignored", &why)
    };
    if !event.action.asks_for_review() {
        return ignore(format!("{name}: ignored, the action asks for no review"));
    }
    if event.pull_request.draft && !core.config.review_drafts {
        return ignore(format!(
            "{name}: ignored, it is a draft; it is reviewed when marked ready for review (or serve with --review-drafts)"
        ));
    }
    let Some(installation) = event.installation else {
        return delivery.refuse(
            StatusCode::BAD_REQUEST,
            &format!(
                "{name}: the event names no App installation; point the GitHub App's webhook here, not a repository's webhook"
            ),
        );
    };
    if PullRequestRef::new(&event.repository.full_name, event.number).is_none() {
        return delivery.refuse(
            StatusCode::BAD_REQUEST,
            &format!(
                "`{}` is not a repository name like OWNER/NAME",
                event.repository.full_name
            ),
        );
    }
    let job = ReviewJob {
        installation_id: installation.id,
        repository: event.repository.full_name,
        number: event.number,
        head_sha: event.pull_request.head.sha,
        updated_at: event.pull_request.updated_at,
        delivery: delivery.id.clone(),
    };

    let (offer, version) = {
        let mut state = core.lock();
        if state.stopping {
            drop(state);
            return delivery.refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "argus is shutting down; redeliver the event once it is back",
            );
        }
        let offer = state.queue.offer(job.clone());
        (offer, state.changed())
    };
    let status = match offer {
        Offer::Duplicate => {
            return delivery.answer(
                StatusCode::OK,
                "duplicate",
                &format!("{job}: a redelivery of an event already accepted; nothing to do"),
            );
        }
        Offer::Full => {
            let mut response = delivery.refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "the queue is full ({} pull requests wait for review); redeliver the event later, or raise --queue-capacity",
                    core.config.queue_capacity
                ),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
            return response;
        }
        Offer::Queued | Offer::Replaced(_) => "queued",
        Offer::Stale => "superseded",
    };
    // Saved in a task of its own, which finishes even if the client hangs up.
    let saving = tokio::spawn({
        let core = core.clone();
        async move { core.save(version).await }
    });
    let saved = saving.await.unwrap_or_else(|e| {
        Err(super::StoreError::Write {
            path: core.store.path().to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })
    });
    if let Err(e) = saved {
        // The job stays queued in memory. Forgetting the delivery lets GitHub's
        // redelivery be accepted once the disk is fixed; it merges with the queued job.
        core.lock().queue.forget(&job.delivery);
        return delivery.refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("{job} was queued but not saved: {e}"),
        );
    }
    let what = match offer {
        Offer::Replaced(old) => format!(
            "queued a review of {job}, replacing {} (delivery {}) that had not started",
            old.short_sha(),
            old.delivery
        ),
        Offer::Stale => format!(
            "{job}: a newer head of the pull request was already accepted; this one is not reviewed"
        ),
        _ => format!("queued a review of {job}"),
    };
    let response = delivery.answer(StatusCode::ACCEPTED, status, &what);
    // Woken after the log line, so the log tells the acceptance before the review.
    core.wake.notify_waiters();
    response
}
