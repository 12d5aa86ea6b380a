//! The webhook server over real HTTP on loopback, with a runner that records the reviews
//! it is asked for instead of calling GitHub.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argus_github::server::{
    ReviewJob, ReviewRunner, STATE_FILE, Server, ServerConfig, Stats, WebhookSecret,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

const SECRET: &str = "it's a secret to everybody";

// ---------------------------------------------------------------------------------------
// A runner that records.

#[derive(Default)]
struct Inner {
    /// Finished reviews, in the order they finished.
    reviewed: Mutex<Vec<ReviewJob>>,
    /// Reviews started, in order.
    started: Mutex<Vec<ReviewJob>>,
    /// Pull requests under review right now.
    running: Mutex<HashSet<(String, u64)>>,
    /// Times a review started while one of the same pull request was running.
    overlaps: AtomicUsize,
    /// When set, each review waits for a permit (never returned).
    gate: Option<Arc<Semaphore>>,
    delay: Duration,
    /// Heads whose review fails, and heads whose review panics.
    fail: HashSet<String>,
    panic: HashSet<String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Inner>);

impl Recorder {
    fn gated() -> (Recorder, Arc<Semaphore>) {
        let gate = Arc::new(Semaphore::new(0));
        let recorder = Recorder(Arc::new(Inner {
            gate: Some(gate.clone()),
            ..Inner::default()
        }));
        (recorder, gate)
    }

    fn with(f: impl FnOnce(&mut Inner)) -> Recorder {
        let mut inner = Inner::default();
        f(&mut inner);
        Recorder(Arc::new(inner))
    }

    fn reviewed(&self) -> Vec<ReviewJob> {
        self.0.reviewed.lock().unwrap().clone()
    }

    fn started(&self) -> Vec<ReviewJob> {
        self.0.started.lock().unwrap().clone()
    }
}

impl ReviewRunner for Recorder {
    type Error = std::io::Error;

    async fn review(&self, job: &ReviewJob) -> Result<String, std::io::Error> {
        let inner = &self.0;
        let key = (job.repository.clone(), job.number);
        if !inner.running.lock().unwrap().insert(key.clone()) {
            inner.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        inner.started.lock().unwrap().push(job.clone());
        if let Some(gate) = &inner.gate {
            gate.acquire().await.unwrap().forget();
        }
        tokio::time::sleep(inner.delay).await;
        inner.running.lock().unwrap().remove(&key);
        if inner.fail.contains(&job.head_sha) {
            return Err(std::io::Error::other(format!(
                "GitHub API GET /repos/{}/pulls/{} failed with 502",
                job.repository, job.number
            )));
        }
        if inner.panic.contains(&job.head_sha) {
            panic!("a runner bug");
        }
        inner.reviewed.lock().unwrap().push(job.clone());
        Ok("recorded".to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Server and HTTP helpers.

async fn start(dir: &Path, runner: Recorder, tweak: impl FnOnce(&mut ServerConfig)) -> Server {
    let mut config = ServerConfig::new(SECRET, dir);
    config.bind = "127.0.0.1:0".parse().unwrap();
    tweak(&mut config);
    Server::start(config, runner).await.unwrap()
}

/// Waits until nothing is queued or running and `done(stats)` holds.
async fn settle(server: &Server, done: impl Fn(&Stats) -> bool) -> Stats {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = server.stats();
        if stats.queued == 0 && stats.running == 0 && done(&stats) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not settle: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection. `body_length` overrides Content-Length;
/// `None` with `chunked` sends the body chunked.
async fn request(
    addr: SocketAddr,
    head: &str,
    headers: &[(&str, String)],
    body: &[u8],
    chunked: bool,
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut text = format!("{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if chunked {
        text.push_str("Transfer-Encoding: chunked\r\n\r\n");
        let mut wire = text.into_bytes();
        for chunk in body.chunks(512) {
            wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            wire.extend_from_slice(chunk);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"0\r\n\r\n");
        let _ = stream.write_all(&wire).await;
    } else {
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        text.push_str("\r\n");
        let mut wire = text.into_bytes();
        wire.extend_from_slice(body);
        let _ = stream.write_all(&wire).await;
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

fn sign(body: &[u8]) -> String {
    WebhookSecret::new(SECRET.as_bytes()).unwrap().sign(body)
}

/// Delivers `body` as GitHub would: signed, with the event and delivery headers.
async fn deliver(addr: SocketAddr, event: &str, delivery: &str, body: &[u8]) -> Answer {
    let headers = [
        ("X-GitHub-Event", event.to_string()),
        ("X-GitHub-Delivery", delivery.to_string()),
        ("X-Hub-Signature-256", sign(body)),
        ("Content-Type", "application/json".to_string()),
    ];
    request(addr, "POST /webhook", &headers, body, false).await
}

/// A `pull_request` event of `octo/repo` with the fields argus reads, updated `second`
/// seconds after a fixed time.
fn pr_event(action: &str, number: u64, head: &str, second: i64, draft: bool) -> Vec<u8> {
    let updated_at = chrono::DateTime::from_timestamp(1_714_557_600 + second, 0).unwrap();
    json!({
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "draft": draft,
            "updated_at": updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "head": { "ref": "feature", "sha": head },
            "base": { "ref": "main", "sha": "0000000" }
        },
        "repository": { "full_name": "octo/repo" },
        "installation": { "id": 42 }
    })
    .to_string()
    .into_bytes()
}

async fn opened(addr: SocketAddr, number: u64, head: &str, second: i64, delivery: &str) -> Answer {
    let body = pr_event("synchronize", number, head, second, false);
    deliver(addr, "pull_request", delivery, &body).await
}

fn heads(jobs: &[ReviewJob]) -> Vec<(u64, String)> {
    jobs.iter()
        .map(|j| (j.number, j.head_sha.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_pull_request_event_is_acknowledged_and_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let body = pr_event("opened", 7, "a1b2c3d4e5", 0, false);
    let answer = deliver(server.local_addr(), "pull_request", "d-1", &body).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    assert_eq!(answer.json()["status"], "queued");

    settle(&server, |s| s.counts.reviewed == 1).await;
    let reviewed = recorder.reviewed();
    assert_eq!(reviewed.len(), 1);
    let job = &reviewed[0];
    assert_eq!(
        (job.installation_id, job.repository.as_str(), job.number),
        (42, "octo/repo", 7)
    );
    assert_eq!(job.head_sha, "a1b2c3d4e5");
    assert_eq!(job.delivery, "d-1");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledges_before_the_review_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, gate) = Recorder::gated();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let mut latencies = Vec::new();
    for n in 0..20 {
        let started = Instant::now();
        let answer = opened(
            server.local_addr(),
            n,
            &format!("h{n}"),
            0,
            &format!("d-{n}"),
        )
        .await;
        latencies.push(started.elapsed());
        assert_eq!(answer.status, 202, "{}", answer.body);
    }
    // Two workers hold two reviews that cannot finish; every delivery was answered anyway.
    until("two reviews run", || recorder.started().len() == 2).await;
    assert_eq!(server.stats().queued, 18);
    assert!(recorder.reviewed().is_empty());
    latencies.sort();
    eprintln!(
        "acknowledgement latency over 20 deliveries (queue saved each time): median {:?}, max {:?}",
        latencies[10], latencies[19]
    );
    assert!(latencies[19] < Duration::from_secs(2), "{latencies:?}");
    gate.add_permits(100);
    settle(&server, |s| s.counts.reviewed == 20).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_wrongly_signed_deliveries_get_401_and_are_not_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let addr = server.local_addr();
    let body = pr_event("opened", 1, "abc", 0, false);
    let with = |signature: Option<String>| {
        let mut headers = vec![
            ("X-GitHub-Event", "pull_request".to_string()),
            ("X-GitHub-Delivery", "d-forged".to_string()),
        ];
        if let Some(signature) = signature {
            headers.push(("X-Hub-Signature-256", signature));
        }
        headers
    };
    let wrong_secret = WebhookSecret::new(b"not the secret").unwrap().sign(&body);
    let other_body = sign(b"{}");
    let sha1 = "sha1=0123456789abcdef0123456789abcdef01234567".to_string();
    for (case, signature) in [
        ("unsigned", None),
        ("signed with another secret", Some(wrong_secret)),
        ("signature of another body", Some(other_body)),
        ("not a sha256 signature", Some(sha1)),
    ] {
        let answer = request(addr, "POST /webhook", &with(signature), &body, false).await;
        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert!(answer.json()["error"].is_string(), "{case}");
    }
    let stats = server.stats();
    assert_eq!(stats.counts.accepted, 0);
    assert_eq!(stats.queued + stats.running, 0);
    assert!(recorder.started().is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_deliveries_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |c| c.body_limit = 1024).await;
    let addr = server.local_addr();

    // Padded with whitespace, which JSON allows: exactly at the limit is accepted.
    let mut body = pr_event("opened", 1, "abc", 0, false);
    body.resize(1024, b' ');
    let answer = deliver(addr, "pull_request", "d-fits", &body).await;
    assert_eq!(answer.status, 202, "{}", answer.body);

    body.resize(1025, b' ');
    let headers = [
        ("X-GitHub-Event", "pull_request".to_string()),
        ("X-GitHub-Delivery", "d-big".to_string()),
        ("X-Hub-Signature-256", sign(&body)),
    ];
    // Refused on the declared length, before the body is read.
    let declared = request(
        addr,
        "POST /webhook",
        &[&headers[..], &[("Content-Length", "1025".to_string())]].concat(),
        b"",
        false,
    )
    .await;
    assert_eq!(declared.status, 413, "{}", declared.body);
    // Refused while reading a body of undeclared length.
    let chunked = request(addr, "POST /webhook", &headers, &body, true).await;
    assert_eq!(chunked.status, 413, "{}", chunked.body);

    settle(&server, |s| s.counts.reviewed == 1).await;
    assert_eq!(heads(&recorder.reviewed()), [(1, "abc".to_string())]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_event_is_reviewed_once() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let addr = server.local_addr();
    let body = pr_event("opened", 3, "abc", 0, false);

    let answers = futures_join((0..5).map(|_| {
        let body = body.clone();
        async move { deliver(addr, "pull_request", "d-same", &body).await }
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 200, 200, 202]);
    settle(&server, |s| s.counts.reviewed == 1).await;

    // Redelivered again after the review: still a duplicate.
    let late = deliver(addr, "pull_request", "d-same", &body).await;
    assert_eq!(
        (late.status, late.json()["status"].clone()),
        (200, json!("duplicate"))
    );
    let stats = settle(&server, |_| true).await;
    assert_eq!(stats.counts.duplicates, 5);
    assert_eq!(recorder.reviewed().len(), 1);
    server.shutdown().await.unwrap();

    // The memory of deliveries survives a restart.
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let again = deliver(server.local_addr(), "pull_request", "d-same", &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    server.shutdown().await.unwrap();
    assert!(recorder.started().is_empty());
}

/// Runs futures concurrently on the runtime and collects their outputs in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_200_events_for_20_pull_requests_reviews_each_latest_head_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::with(|r| r.delay = Duration::from_millis(3));
    let server = start(dir.path(), recorder.clone(), |c| c.workers = 4).await;
    let addr = server.local_addr();

    // 20 pull requests, 10 heads each; head k of a PR is updated k seconds in. Sent all
    // at once in a scrambled order.
    let mut events: Vec<(u64, i64)> = (1..=20)
        .flat_map(|pr| (0..10).map(move |k| (pr, k)))
        .collect();
    let mut seed = 0x2545_f491_u64;
    for i in (1..events.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        events.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    let started = Instant::now();
    let answers = futures_join(events.iter().map(|&(pr, k)| async move {
        let sent = Instant::now();
        let answer = opened(
            addr,
            pr,
            &format!("pr{pr}-head{k}"),
            k,
            &format!("d-{pr}-{k}"),
        )
        .await;
        (
            answer.status,
            answer.json()["status"].clone(),
            sent.elapsed(),
        )
    }))
    .await;
    let sending = started.elapsed();
    for (status, state, _) in &answers {
        assert_eq!(*status, 202, "{state}");
    }
    let stats = settle(&server, |s| s.counts.reviewed + s.counts.superseded == 200).await;
    let total = started.elapsed();
    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.2).collect();
    latencies.sort();
    eprintln!(
        "burst: 200 deliveries answered in {sending:?} (latency median {:?}, max {:?}), all reviews done after {total:?}; {} reviewed, {} superseded",
        latencies[100], latencies[199], stats.counts.reviewed, stats.counts.superseded
    );

    let reviewed = recorder.reviewed();
    assert_eq!(
        recorder.0.overlaps.load(Ordering::SeqCst),
        0,
        "a PR was reviewed twice at once"
    );
    // Nothing lost: every accepted event was reviewed or superseded, once.
    assert_eq!(stats.counts.accepted, 200);
    assert_eq!(stats.counts.reviewed + stats.counts.superseded, 200);
    assert_eq!(reviewed.len() as u64, stats.counts.reviewed);
    let distinct: HashSet<(u64, String)> = heads(&reviewed).into_iter().collect();
    assert_eq!(distinct.len(), reviewed.len(), "a head was reviewed twice");
    // The last review of every PR is of its latest head.
    let mut last: HashMap<u64, String> = HashMap::new();
    for job in &reviewed {
        last.insert(job.number, job.head_sha.clone());
    }
    for pr in 1..=20 {
        assert_eq!(last.get(&pr), Some(&format!("pr{pr}-head9")), "PR {pr}");
    }
    let superseded_answers = answers.iter().filter(|a| a.1 == "superseded").count() as u64;
    assert!(superseded_answers <= stats.counts.superseded);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_reviews_resume_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, gate) = Recorder::gated();
    let server = start(dir.path(), recorder.clone(), |c| c.workers = 1).await;
    let addr = server.local_addr();
    for pr in 1..=4 {
        let answer = opened(addr, pr, &format!("head-{pr}"), 0, &format!("d-{pr}")).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
    }
    until("the first review runs", || recorder.started().len() == 1).await;
    assert_eq!(server.stats().queued, 3);

    // Shut down while PR 1 is under review: no new connections, and the review finishes.
    let stopping = tokio::spawn(server.shutdown());
    until("the listener closes", || {
        std::net::TcpStream::connect(addr).is_err()
    })
    .await;
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the review in progress"
    );
    gate.add_permits(1);
    let report = stopping.await.unwrap().unwrap();
    assert_eq!(
        (report.finished, report.interrupted, report.saved),
        (1, 0, 3)
    );
    assert_eq!(report.state_file, dir.path().join(STATE_FILE));
    assert_eq!(heads(&recorder.reviewed()), [(1, "head-1".to_string())]);
    assert_eq!(
        recorder.started().len(),
        1,
        "queued reviews do not start during shutdown"
    );

    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let stats = settle(&server, |s| s.counts.reviewed == 3).await;
    assert_eq!(stats.counts.resumed, 3);
    let mut resumed = heads(&recorder.reviewed());
    resumed.sort();
    assert_eq!(
        resumed,
        [
            (2, "head-2".to_string()),
            (3, "head-3".to_string()),
            (4, "head-4".to_string())
        ]
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_outlasting_the_grace_period_run_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, _gate) = Recorder::gated();
    let server = start(dir.path(), recorder.clone(), |c| {
        c.workers = 1;
        c.grace_period = Duration::from_millis(200);
    })
    .await;
    let addr = server.local_addr();
    opened(addr, 1, "stuck", 0, "d-1").await;
    opened(addr, 2, "waiting", 0, "d-2").await;
    until("the first review runs", || recorder.started().len() == 1).await;
    let report = server.shutdown().await.unwrap();
    assert_eq!(
        (report.finished, report.interrupted, report.saved),
        (0, 1, 2)
    );

    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    settle(&server, |s| s.counts.reviewed == 2).await;
    let mut again = heads(&recorder.reviewed());
    again.sort();
    assert_eq!(
        again,
        [(1, "stuck".to_string()), (2, "waiting".to_string())]
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_is_answered_and_other_events_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let addr = server.local_addr();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/github/webhooks");

    let ping = std::fs::read(fixtures.join("ping.json")).unwrap();
    let answer = deliver(addr, "ping", "d-ping", &ping).await;
    assert_eq!(
        (answer.status, answer.json()["status"].clone()),
        (200, json!("pong"))
    );

    let issue = std::fs::read(fixtures.join("issues.opened.json")).unwrap();
    let answer = deliver(addr, "issues", "d-issue", &issue).await;
    assert_eq!(
        (answer.status, answer.json()["status"].clone()),
        (202, json!("ignored"))
    );

    for action in ["closed", "labeled", "edited"] {
        let body = pr_event(action, 1, "abc", 0, false);
        let answer = deliver(addr, "pull_request", &format!("d-{action}"), &body).await;
        assert_eq!(answer.status, 202, "{action}");
        assert_eq!(answer.json()["status"], "ignored", "{action}");
    }

    // The documented `opened` example is queued.
    let example = std::fs::read(fixtures.join("pull_request.opened.json")).unwrap();
    let answer = deliver(addr, "pull_request", "d-example", &example).await;
    assert_eq!(
        (answer.status, answer.json()["status"].clone()),
        (202, json!("queued"))
    );

    let stats = settle(&server, |s| s.counts.reviewed == 1).await;
    assert_eq!(stats.counts.ignored, 5);
    assert_eq!(recorder.reviewed()[0].repository, "Codertocat/Hello-World");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_but_malformed_deliveries_get_400_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), Recorder::default(), |_| {}).await;
    let addr = server.local_addr();

    let answer = deliver(addr, "pull_request", "d-1", b"{\"action\": \"opened\"}").await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{}",
        answer.body
    );

    let mut no_installation: Value =
        serde_json::from_slice(&pr_event("opened", 1, "a", 0, false)).unwrap();
    no_installation
        .as_object_mut()
        .unwrap()
        .remove("installation");
    let body = no_installation.to_string().into_bytes();
    let answer = deliver(addr, "pull_request", "d-2", &body).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("installation"),
        "{}",
        answer.body
    );

    let body = pr_event("opened", 1, "a", 0, false);
    let form = [
        ("X-GitHub-Event", "pull_request".to_string()),
        ("X-GitHub-Delivery", "d-3".to_string()),
        ("X-Hub-Signature-256", sign(&body)),
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let answer = request(addr, "POST /webhook", &form, &body, false).await;
    assert_eq!(answer.status, 415);
    assert!(answer.body.contains("application/json"), "{}", answer.body);

    let no_delivery = [
        ("X-GitHub-Event", "pull_request".to_string()),
        ("X-Hub-Signature-256", sign(&body)),
    ];
    let answer = request(addr, "POST /webhook", &no_delivery, &body, false).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("X-GitHub-Delivery"), "{}", answer.body);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_are_reviewed_when_ready_unless_drafts_are_wanted() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let addr = server.local_addr();
    let draft = deliver(
        addr,
        "pull_request",
        "d-1",
        &pr_event("opened", 1, "a", 0, true),
    )
    .await;
    assert_eq!(
        (draft.status, draft.json()["status"].clone()),
        (202, json!("ignored"))
    );
    let pushed = deliver(
        addr,
        "pull_request",
        "d-2",
        &pr_event("synchronize", 1, "b", 1, true),
    )
    .await;
    assert_eq!(pushed.json()["status"], "ignored");
    let ready = deliver(
        addr,
        "pull_request",
        "d-3",
        &pr_event("ready_for_review", 1, "b", 2, false),
    )
    .await;
    assert_eq!(ready.json()["status"], "queued");
    settle(&server, |s| s.counts.reviewed == 1).await;
    assert_eq!(heads(&recorder.reviewed()), [(1, "b".to_string())]);
    server.shutdown().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |c| c.review_drafts = true).await;
    let draft = deliver(
        server.local_addr(),
        "pull_request",
        "d-1",
        &pr_event("opened", 1, "a", 0, true),
    )
    .await;
    assert_eq!(draft.json()["status"], "queued");
    settle(&server, |s| s.counts.reviewed == 1).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_and_the_redelivery_is_accepted_later() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, gate) = Recorder::gated();
    let server = start(dir.path(), recorder.clone(), |c| {
        c.workers = 1;
        c.queue_capacity = 2;
    })
    .await;
    let addr = server.local_addr();
    opened(addr, 1, "one", 0, "d-1").await;
    until("the first review runs", || recorder.started().len() == 1).await;
    assert_eq!(opened(addr, 2, "two", 0, "d-2").await.status, 202);
    assert_eq!(opened(addr, 3, "three", 0, "d-3").await.status, 202);

    let full = opened(addr, 4, "four", 0, "d-4").await;
    assert_eq!(full.status, 503, "{}", full.body);
    assert!(full.headers.contains("retry-after: 60"), "{}", full.headers);
    assert!(full.body.contains("--queue-capacity"), "{}", full.body);
    // A newer head of a waiting pull request takes no new place.
    let newer = opened(addr, 2, "two-b", 1, "d-2b").await;
    assert_eq!(
        (newer.status, newer.json()["status"].clone()),
        (202, json!("queued"))
    );

    let health = request(addr, "GET /healthz", &[], b"", false).await;
    assert_eq!(health.status, 200);
    let health = health.json();
    assert_eq!(
        (
            &health["queued"],
            &health["running"],
            &health["workers"],
            &health["queue_capacity"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(2))
    );
    assert_eq!(health["refused_queue_full"], 1);

    gate.add_permits(100);
    settle(&server, |s| s.counts.reviewed == 3).await;
    let redelivered = opened(addr, 4, "four", 0, "d-4").await;
    assert_eq!(redelivered.status, 202, "{}", redelivered.body);
    settle(&server, |s| s.counts.reviewed == 4).await;
    assert_eq!(
        heads(&recorder.reviewed()),
        [
            (1, "one".to_string()),
            (2, "two-b".to_string()),
            (3, "three".to_string()),
            (4, "four".to_string())
        ]
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_review_is_logged_and_the_worker_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::with(|r| {
        r.fail.insert("broken".to_string());
        r.panic.insert("buggy".to_string());
    });
    let server = start(dir.path(), recorder.clone(), |c| c.workers = 1).await;
    let addr = server.local_addr();
    opened(addr, 1, "broken", 0, "d-1").await;
    opened(addr, 2, "buggy", 0, "d-2").await;
    opened(addr, 3, "fine", 0, "d-3").await;
    let stats = settle(&server, |s| s.counts.reviewed + s.counts.failed == 3).await;
    assert_eq!((stats.counts.reviewed, stats.counts.failed), (1, 2));
    assert_eq!(heads(&recorder.reviewed()), [(3, "fine".to_string())]);

    // A failed review's delivery can be redelivered to try again.
    let retry = opened(addr, 1, "broken", 0, "d-1").await;
    assert_eq!(
        (retry.status, retry.json()["status"].clone()),
        (202, json!("queued"))
    );
    settle(&server, |s| s.counts.failed == 3).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_head_delivered_late_is_not_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let server = start(dir.path(), recorder.clone(), |_| {}).await;
    let addr = server.local_addr();
    assert_eq!(opened(addr, 1, "new", 5, "d-new").await.status, 202);
    settle(&server, |s| s.counts.reviewed == 1).await;
    let late = opened(addr, 1, "old", 1, "d-old").await;
    assert_eq!(
        (late.status, late.json()["status"].clone()),
        (202, json!("superseded"))
    );
    let stats = settle(&server, |_| true).await;
    assert_eq!(stats.counts.superseded, 1);
    assert_eq!(heads(&recorder.reviewed()), [(1, "new".to_string())]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_state_file_stops_the_start_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(STATE_FILE), "{ truncated").unwrap();
    let mut config = ServerConfig::new(SECRET, dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    let Err(error) = Server::start(config, Recorder::default()).await else {
        panic!("started on a corrupt state file");
    };
    let message = error.to_string();
    assert!(
        message.contains(STATE_FILE) && message.contains("move it aside"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_finishes_does_not_hold_up_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), Recorder::default(), |c| {
        c.grace_period = Duration::from_millis(300);
    })
    .await;
    let body = pr_event("opened", 1, "abc", 0, false);
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: pull_request\r\nX-GitHub-Delivery: d-slow\r\nX-Hub-Signature-256: {}\r\nContent-Length: {}\r\n\r\n",
        sign(&body),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    server.shutdown().await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    drop(stream);
}
