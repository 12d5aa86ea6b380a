//! Injected faults as they look on the wire, the request log, and running the fake from
//! plain synchronous tests.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use argus_fake_github::{FakeGithub, Fault, Method};
use common::{TOKEN, client, fake_with_pr, get, post};
use serde_json::json;

#[tokio::test]
async fn a_secondary_rate_limit_answers_403_with_retry_after_then_clears() {
    let (github, _) = fake_with_pr();
    github.fail(
        "POST",
        "/repos/acme/shop/issues/*/comments",
        1,
        Fault::SecondaryRateLimit {
            retry_after_secs: 7,
        },
    );
    let octo = client(&github, TOKEN);
    let body = json!({ "body": "summary" });
    let limited = post(&octo, "/repos/acme/shop/issues/7/comments", &body).await;
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("retry-after"), "7");
    assert_ne!(limited.header("x-ratelimit-remaining"), "0");
    let message = limited.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
        "{message}"
    );
    assert!(message.contains(limited.header("x-github-request-id")));
    assert_eq!(
        limited.json()["documentation_url"],
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
    );
    assert!(github.issue_comments("acme/shop", 7).is_empty());

    let retried = post(&octo, "/repos/acme/shop/issues/7/comments", &body).await;
    assert_eq!(retried.status, 201);
    assert_eq!(github.issue_comments("acme/shop", 7).len(), 1);
}

#[tokio::test]
async fn an_exhausted_primary_rate_limit_answers_with_no_budget_and_a_reset() {
    let (github, _) = fake_with_pr();
    for status in [403, 429] {
        github.fail(
            "GET",
            "/repos/acme/shop/pulls/7",
            1,
            Fault::RateLimitExhausted {
                status,
                reset_in_secs: 30,
            },
        );
    }
    let octo = client(&github, TOKEN);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for status in [403, 429] {
        let limited = get(&octo, "/repos/acme/shop/pulls/7").await;
        assert_eq!(limited.status, status);
        assert_eq!(limited.header("x-ratelimit-remaining"), "0");
        assert_eq!(limited.header("x-ratelimit-used"), "1000");
        let reset: u64 = limited.header("x-ratelimit-reset").parse().unwrap();
        assert!((now + 29..=now + 31).contains(&reset), "{reset} vs {now}");
        assert_eq!(
            limited.json()["message"],
            "API rate limit exceeded for user ID 41898282."
        );
    }
    assert_eq!(get(&octo, "/repos/acme/shop/pulls/7").await.status, 200);
}

#[tokio::test]
async fn a_bad_gateway_answers_the_load_balancers_html() {
    let (github, _) = fake_with_pr();
    github.fail("*", "/repos/acme/shop/**", 2, Fault::BadGateway);
    let octo = client(&github, TOKEN);
    for path in ["/repos/acme/shop/pulls/7", "/repos/acme/shop/pulls/7/files"] {
        let failed = get(&octo, path).await;
        assert_eq!(failed.status, 502);
        assert_eq!(failed.header("content-type"), "text/html");
        assert_eq!(
            failed.body,
            "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n"
        );
    }
    assert_eq!(get(&octo, "/repos/acme/shop/pulls/7").await.status, 200);
}

#[tokio::test]
async fn a_status_fault_answers_any_status_and_json_and_only_its_method() {
    let (github, pr) = fake_with_pr();
    let body = json!({ "message": "Server Error" });
    github.fail(
        "POST",
        "/repos/acme/shop/statuses/*",
        1,
        Fault::Status {
            status: 500,
            body: body.clone(),
        },
    );
    let octo = client(&github, TOKEN);
    let path = format!("/repos/acme/shop/statuses/{}", pr.head_sha);
    let read = get(
        &octo,
        &format!("/repos/acme/shop/commits/{}/statuses", pr.head_sha),
    )
    .await;
    assert_eq!(read.status, 200);
    let failed = post(&octo, &path, &json!({ "state": "success" })).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.json(), body);
    assert_eq!(
        post(&octo, &path, &json!({ "state": "success" }))
            .await
            .status,
        201
    );
    let faulted: Vec<bool> = github.requests().iter().map(|r| r.faulted).collect();
    assert_eq!(faulted, [false, true, false]);
}

#[tokio::test]
async fn a_delay_holds_the_answer_then_answers_normally() {
    let (github, _) = fake_with_pr();
    github.fail(
        "GET",
        "/repos/acme/shop/pulls/7",
        1,
        Fault::Delay(Duration::from_millis(300)),
    );
    let octo = client(&github, TOKEN);
    let started = Instant::now();
    assert_eq!(get(&octo, "/repos/acme/shop/pulls/7").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    get(&octo, "/repos/acme/shop/pulls/7").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn requests_are_recorded_with_what_the_client_sent_and_got() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    get(&octo, "/repos/acme/shop/pulls/7/files?per_page=100&page=1").await;
    post(
        &octo,
        &format!("/repos/acme/shop/statuses/{}", pr.head_sha),
        &json!({ "state": "pending", "context": "argus" }),
    )
    .await;
    let repo_id = github.add_repo("acme/shop").unwrap();
    get(
        &octo,
        &format!("/repositories/{repo_id}/pulls/7/files?page=2"),
    )
    .await;

    let log = github.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, Method::GET);
    assert_eq!(log[0].path, "/repos/acme/shop/pulls/7/files");
    assert_eq!(
        log[0].uri,
        "/repos/acme/shop/pulls/7/files?per_page=100&page=1"
    );
    assert_eq!(log[0].query_param("per_page"), Some("100"));
    assert_eq!(log[0].token.as_deref(), Some(TOKEN));
    assert_eq!(log[0].status, 200);
    assert!(log[0].headers.contains_key("user-agent"));
    assert_eq!(log[1].method, Method::POST);
    assert_eq!(
        log[1].body,
        Some(json!({ "state": "pending", "context": "argus" }))
    );
    assert_eq!(log[1].status, 201);
    assert!(log[1].is_write());
    assert_eq!(log[2].path, "/repos/acme/shop/pulls/7/files");
    assert!(log[2].since_start >= log[1].since_start);
    assert_eq!(github.writes(), 1);
    github.clear_requests();
    assert!(github.requests().is_empty());
}

/// One HTTP/1.1 request over a plain socket: status line, headers and body as text.
fn raw_request(url: &str, request: &str) -> std::io::Result<String> {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn the_fake_starts_and_stops_from_synchronous_code() {
    let github = FakeGithub::start().unwrap();
    let url = github.url().to_owned();
    let answer = raw_request(
        &url,
        "GET /repos/acme/none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    assert!(answer.contains("x-ratelimit-limit: 60\r\n"), "{answer}");
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(body).unwrap(),
        json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404" })
    );
    drop(github);
    assert!(raw_request(&url, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").is_err());
}
