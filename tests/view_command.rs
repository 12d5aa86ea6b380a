//! `argus view` end to end without a browser: the exported page, the loopback server and
//! its view-model endpoint, and the errors bad inputs get.

mod common;
mod viewing;

use common::{Project, repo, run};
use viewing::{embedded_view, get, log_service, log_service_again, serve};

#[test]
fn export_writes_one_self_contained_page_with_the_view_model() {
    let project = Project::new();
    let out = project.path().join("report.html");
    let result = run(
        project.path(),
        &[
            "view",
            "--export",
            out.to_str().expect("utf-8 path"),
            log_service().to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let html = std::fs::read_to_string(&out).expect("the page was written");
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(external), "the page loads {external}");
    }
    assert!(html.contains("const ARGUS_LIVE = false;"));
    let view = embedded_view(&html);
    assert_eq!(view["meta"]["runtime"], "python");
    assert!(view["meta"]["samples"].as_u64().unwrap_or(0) > 100);
    let hot = view["hot"]["cpu"].as_array().expect("a hot-functions table");
    assert!(
        hot.iter()
            .any(|h| h["label"].as_str().unwrap_or("").starts_with("parse_line (")),
        "parse_line is among the hot functions: {hot:?}"
    );
    assert!(
        html.contains(r#""n":"main (python/log_service.py)""#),
        "the call tree names the workload's frames"
    );
}

#[test]
fn comparison_page_carries_before_and_the_change_of_each_frame() {
    let project = Project::new();
    let out = project.path().join("diff.html");
    let result = run(
        project.path(),
        &[
            "view",
            "--export",
            out.to_str().expect("utf-8 path"),
            log_service().to_str().expect("utf-8 path"),
            log_service_again().to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let view = embedded_view(&std::fs::read_to_string(&out).expect("written"));
    assert_eq!(view["before"]["source"], "log_service.pb.gz");
    assert_eq!(view["meta"]["source"], "log_service-2.pb.gz");
    // Before is scaled to after's total, so the root's change is rounding only.
    let root = &view["flame"]["cpu"];
    let change = root["d"].as_i64().expect("the root has a change value");
    let total = root["v"].as_i64().expect("the root has a value");
    assert!(change.abs() * 1000 < total, "root change {change} of {total}");
    assert!(
        view["hot"]["cpu"][0]["before_self_ns"].is_u64(),
        "the hot functions show before"
    );
}

#[test]
fn serves_the_page_and_the_view_model_on_loopback() {
    let (_server, address) = serve(&[&log_service()]);
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    let (status, page) = get(&address, "/");
    assert_eq!(status, 200);
    assert!(page.contains("const ARGUS_LIVE = true;"));
    let (status, body) = get(&address, "/api/view");
    assert_eq!(status, 200);
    let view: serde_json::Value = serde_json::from_str(&body).expect("the view is JSON");
    assert_eq!(view["meta"]["source"], "log_service.pb.gz");
    assert_eq!(view, embedded_view(&page), "the page embeds the same view");
    let (status, body) = get(&address, "/api/view?from=1&until=2");
    assert_eq!(status, 400, "a single profile has no time range");
    assert!(body.contains("not a directory"), "{body}");
}

#[test]
fn a_missing_profile_is_named() {
    let project = Project::new();
    let result = run(project.path(), &["view", "--no-open", "nowhere.pb.gz"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("nowhere.pb.gz: no such file"),
        "{}",
        result.stderr
    );
}

#[test]
fn an_unreadable_profile_is_named() {
    let project = Project::new();
    project.file("broken.pb.gz", b"\x1f\x8bnot gzip at all");
    let result = run(project.path(), &["view", "--no-open", "broken.pb.gz"]);
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("broken.pb.gz: cannot read the profile"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("an address").port().to_string();
    let result = run(
        &repo(),
        &[
            "view",
            "--no-open",
            "--port",
            &port,
            log_service().to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{}",
        result.stderr
    );
}
