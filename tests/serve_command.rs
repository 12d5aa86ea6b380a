//! `argus serve` as a process: it starts with a generated App key, answers webhooks,
//! stops on SIGTERM keeping its queue, and resumes the queue on the next start.
//!
//! The API URL points at a socket that never answers (so a review stays in progress), at
//! a closed port (so a review fails at once), or at the fake GitHub, where the App's JWT
//! buys an installation token and the review is posted with it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use argus_github::server::{STATE_FILE, WebhookSecret};
use common::profiling::Guard;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};

const SECRET: &str = "serve-test-secret";

/// A fresh 2048-bit RSA key in PEM, as GitHub hands App keys out.
fn app_key(dir: &Path) -> std::path::PathBuf {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let pem = key.to_pkcs1_pem(LineEnding::LF).unwrap();
    let path = dir.join("app.private-key.pem");
    std::fs::write(&path, pem.as_bytes()).unwrap();
    path
}

/// A running `argus serve` and its log lines.
struct Serve {
    child: Guard,
    lines: Receiver<String>,
    log: Vec<String>,
    addr: SocketAddr,
}

impl Serve {
    fn start(dir: &Path, key: &Path, api_url: &str) -> Serve {
        let child = common::argus(dir)
            .args([
                "serve",
                "--app-id",
                "4242",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
            ])
            .args(["--grace-period", "500ms", "--api-url", api_url])
            .arg("--private-key")
            .arg(key)
            .arg("--state-dir")
            .arg(dir.join("state"))
            .env("ARGUS_WEBHOOK_SECRET", SECRET)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Guard(child);
        let stderr = child.0.stderr.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut serve = Serve {
            child,
            lines,
            log: Vec::new(),
            addr: "127.0.0.1:0".parse().unwrap(),
        };
        let line = serve.wait_for("listening on http://");
        let addr = line
            .split("http://")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        serve.addr = addr.parse().unwrap();
        serve
    }

    /// The first log line from now on that contains `text`.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "argus serve never logged {text:?}; its log:\n{}",
                    self.log.join("\n")
                ),
            }
        }
    }

    fn http(&self, request: &str, body: &[u8]) -> (u16, serde_json::Value) {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .write_all(
                format!(
                    "{request}\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                    self.addr,
                    body.len()
                )
                .as_bytes(),
            )
            .unwrap();
        stream.write_all(body).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap())
    }

    fn deliver(&self, event: &str, delivery: &str, body: &str) -> (u16, serde_json::Value) {
        let signature = WebhookSecret::new(SECRET.as_bytes())
            .unwrap()
            .sign(body.as_bytes());
        self.http(
            &format!(
                "POST /webhook HTTP/1.1\r\nX-GitHub-Event: {event}\r\nX-GitHub-Delivery: {delivery}\r\nX-Hub-Signature-256: {signature}"
            ),
            body.as_bytes(),
        )
    }

    fn health(&self) -> serde_json::Value {
        let (status, body) = self.http("GET /healthz HTTP/1.1", b"");
        assert_eq!(status, 200);
        body
    }

    /// Sends SIGTERM and returns the exit code.
    fn terminate(&mut self) -> Option<i32> {
        let child: &mut Child = &mut self.child.0;
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "argus serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn pull_request(number: u64, head: &str) -> String {
    serde_json::json!({
        "action": "opened",
        "number": number,
        "pull_request": { "head": { "sha": head }, "draft": false },
        "repository": { "full_name": "octo/repo" },
        "installation": { "id": 77 }
    })
    .to_string()
}

#[test]
fn serve_stops_on_sigterm_keeping_queued_reviews_and_resumes_them() {
    let dir = tempfile::tempdir().unwrap();
    let key = app_key(dir.path());
    // Accepts connections (the kernel does) and never answers: the App's token request
    // hangs, so the first review stays in progress.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());

    let mut serve = Serve::start(dir.path(), &key, &silent_url);
    assert_eq!(serve.health()["workers"], 1);
    let (status, body) =
        serve.deliver("ping", "d-ping", "{\"zen\":\"Keep it logically awesome.\"}");
    assert_eq!((status, &body["status"]), (200, &serde_json::json!("pong")));
    let (status, _) = serve.deliver("pull_request", "d-1", &pull_request(1, "1111111aaaa"));
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    while serve.health()["running"] != 1 {
        assert!(Instant::now() < deadline, "the review did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, _) = serve.deliver("pull_request", "d-2", &pull_request(2, "2222222bbbb"));
    assert_eq!(status, 202);
    assert_eq!(serve.health()["queued"], 1);

    let started = Instant::now();
    assert_eq!(serve.terminate(), Some(0));
    let stopping = started.elapsed();
    serve.wait_for("stopped: 0 reviews finished, 1 interrupted, 2 saved");
    eprintln!("argus serve stopped {stopping:?} after SIGTERM (grace period 500ms)");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("state").join(STATE_FILE)).unwrap())
            .unwrap();
    let heads: Vec<&str> = state["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["head_sha"].as_str().unwrap())
        .collect();
    assert_eq!(heads, ["1111111aaaa", "2222222bbbb"]);

    // Restarted against a closed port, both saved reviews run, and fail with an error
    // that names the installation and what to check.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut serve = Serve::start(dir.path(), &key, &closed_url);
    serve.wait_for("resuming 2 reviews");
    for number in [1, 2] {
        let line = serve.wait_for(&format!("review of octo/repo#{number} at"));
        assert!(
            line.contains("failed")
                && line.contains("installation 77 of App 4242")
                && line.contains("--api-url"),
            "{line}"
        );
    }
    assert_eq!(serve.terminate(), Some(0));
    serve.wait_for("stopped: 0 reviews finished, 0 interrupted, 0 saved");
}

#[test]
fn serve_refuses_to_start_without_a_secret_or_with_a_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(
        &key,
        "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    let args = [
        "serve",
        "--app-id",
        "1",
        "--bind",
        "127.0.0.1:0",
        "--private-key",
    ];

    let run = common::argus(dir.path())
        .args(args)
        .arg(&key)
        .env_remove("ARGUS_WEBHOOK_SECRET")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ARGUS_WEBHOOK_SECRET"), "{stderr}");

    let run = common::argus(dir.path())
        .args(args)
        .arg(&key)
        .env("ARGUS_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("key.pem") && stderr.contains("PEM"),
        "{stderr}"
    );
}

#[test]
fn serve_reviews_a_pull_request_as_the_app_installation() {
    use argus_fake_github::{FakeGithub, Files, NewPullRequest};

    let github = FakeGithub::start().unwrap();
    let app = github.add_app(4242, "argus").unwrap();
    github.add_installation(4242, 77, &["acme/shop"]).unwrap();
    let base = Files::from([("app.py".to_string(), b"import hashlib\n".to_vec())]);
    let head = Files::from([(
        "app.py".to_string(),
        b"import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"
            .to_vec(),
    )]);
    let pr = github
        .add_pull_request(NewPullRequest::new("acme/shop", base, head).number(7))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.private-key.pem");
    std::fs::write(&key, app.private_key_pem.unwrap()).unwrap();
    let mut serve = Serve::start(dir.path(), &key, github.url());
    let event = serde_json::json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": { "head": { "sha": pr.head_sha }, "draft": false },
        "repository": { "full_name": "acme/shop" },
        "installation": { "id": 77 }
    })
    .to_string();
    let (status, _) = serve.deliver("pull_request", "d-app", &event);
    assert_eq!(status, 202);
    let line = serve.wait_for("acme/shop#7 at");
    assert!(line.contains("queued a review"), "{line}");
    let line = serve.wait_for("acme/shop#7 at");
    assert!(
        line.contains("reviewed") && line.contains("1 inline comment posted"),
        "{line}"
    );

    // The review went out with an installation token that the App's JWT bought.
    let tokens = github.installation_tokens(77);
    assert_eq!(tokens.len(), 1);
    let reviews = github.reviews("acme/shop", 7);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    assert_eq!(reviews[0].comments.len(), 1);
    assert_eq!(reviews[0].comments[0].line, Some(5));
    assert!(
        github
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/repos/"))
            .all(|r| r.token.as_deref() == Some(tokens[0].as_str())),
        "every repository call carries the installation token"
    );
    assert_eq!(serve.terminate(), Some(0));
}
