//! `argus view` end to end without a browser: the exported page, the loopback server and
//! its view-model endpoint, and the errors bad inputs get.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;
mod viewing;

use std::path::PathBuf;
use std::time::Duration;

use common::{Project, repo, run};
use viewing::{
    embedded_view, export, get, parse_view, redact_service, redact_service_again, root, serve,
};

#[test]
fn export_writes_one_self_contained_page_with_the_view_model() {
    let project = Project::new();
    let out = export(project.path(), "report.html", &[&redact_service()]);
    let html = std::fs::read_to_string(&out).expect("the page was written");
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(external), "the page loads {external}");
    }
    assert!(html.contains("const ARGUS_LIVE = false;"));
    let (view, flame) = parse_view(&embedded_view(&html));
    assert_eq!(view["meta"]["runtime"], "python");
    assert!(view["meta"]["samples"].as_u64().unwrap_or(0) > 100);
    let hot = view["hot"]["cpu"]
        .as_array()
        .expect("a hot-functions table");
    assert!(
        hot.iter().any(|h| h["label"]
            .as_str()
            .unwrap_or("")
            .starts_with("parse_line (")),
        "parse_line is among the hot functions: {hot:?}"
    );
    assert!(
        flame.contains(r#""n":"main (python/redact_service.py)""#),
        "the call tree names the workload's frames"
    );
}

#[test]
fn comparison_page_carries_before_and_the_change_of_each_frame() {
    let project = Project::new();
    let out = export(
        project.path(),
        "diff.html",
        &[&redact_service(), &redact_service_again()],
    );
    let (view, flame) = parse_view(&embedded_view(
        &std::fs::read_to_string(&out).expect("written"),
    ));
    assert_eq!(view["before"]["source"], "redact_service.pb.gz");
    assert_eq!(view["meta"]["source"], "redact_service-2.pb.gz");
    // Before is scaled to after's total, so the root's change is rounding only.
    let (total, change) = root(&flame, "cpu");
    let change = change.expect("the root has a change value");
    assert!(
        change.abs() * 1000 < total,
        "root change {change} of {total}"
    );
    assert!(
        view["hot"]["cpu"][0]["before_self_ns"].is_u64(),
        "the hot functions show before"
    );
}

#[test]
fn serves_the_page_and_the_view_model_on_loopback() {
    let (_server, address) = serve(&[&redact_service()]);
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    let (status, page) = get(&address, "/");
    assert_eq!(status, 200);
    assert!(page.contains("const ARGUS_LIVE = true;"));
    let (status, body) = get(&address, "/api/view");
    assert_eq!(status, 200);
    let (view, _) = parse_view(&body);
    assert_eq!(view["meta"]["source"], "redact_service.pb.gz");
    assert_eq!(body, embedded_view(&page), "the page embeds the same view");
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
            redact_service().to_str().expect("utf-8 path"),
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

/// A directory of three one-minute intervals, each a copy of the fixture recording;
/// returns it with the intervals' starts.
fn interval_directory(project: &Project) -> (PathBuf, Vec<u64>) {
    use argus_profiler::store::{Rotation, Writer};
    let dir = project.path().join("profiles");
    let recording = argus_profiler::format::read(&redact_service()).expect("the fixture reads");
    let mut writer = Writer::open(
        &dir,
        "redact-service",
        4242,
        Rotation {
            keep_for: Duration::from_secs(3600),
            max_size: u64::MAX,
        },
    )
    .expect("a writable directory");
    let now = argus_profiler::store::unix_ns(std::time::SystemTime::now());
    let minute = 60_000_000_000;
    let starts: Vec<u64> = (0..3).map(|i| now - (3 - i) * minute).collect();
    for start in &starts {
        let mut interval = recording.clone();
        interval.meta.start_unix_ns = Some(*start);
        interval.meta.duration = Some(Duration::from_secs(60));
        writer.write(&interval).expect("an interval is written");
    }
    (dir, starts)
}

#[test]
fn a_directory_is_exported_whole_with_its_intervals() {
    let project = Project::new();
    let (dir, starts) = interval_directory(&project);
    let out = export(project.path(), "dir.html", &[&dir]);
    let (view, _) = parse_view(&embedded_view(
        &std::fs::read_to_string(&out).expect("written"),
    ));
    let one = argus_profiler::format::read(&redact_service())
        .expect("the fixture reads")
        .sample_count();
    assert_eq!(view["meta"]["samples"].as_u64(), Some(3 * one));
    let listed: Vec<u64> =
        serde_json::from_value(view["intervals"]["starts_unix_ns"].clone()).expect("starts");
    // Names keep milliseconds; the profile's own time_nanos keeps the rest.
    assert_eq!(listed, starts);
    assert_eq!(view["intervals"]["from_unix_ns"].as_u64(), Some(starts[0]));
}

#[test]
fn a_served_directory_answers_for_a_chosen_time_range() {
    let project = Project::new();
    let (dir, starts) = interval_directory(&project);
    let (_server, address) = serve(&[&dir]);
    let one = argus_profiler::format::read(&redact_service())
        .expect("the fixture reads")
        .sample_count();
    let minute = 60_000_000_000;
    let (status, body) = get(
        &address,
        &format!("/api/view?from={}&until={}", starts[1], starts[1] + minute),
    );
    assert_eq!(status, 200, "{body}");
    let (view, _) = parse_view(&body);
    assert_eq!(view["meta"]["samples"].as_u64(), Some(one), "one interval");
    assert_eq!(view["intervals"]["from_unix_ns"].as_u64(), Some(starts[1]));
    let (status, body) = get(
        &address,
        &format!("/api/view?from={}&until={}", starts[0], starts[0] + 1),
    );
    assert_eq!(status, 400);
    assert!(body.contains("no interval"), "{body}");
    let (status, _) = get(&address, "/api/view?from=5&until=1");
    assert_eq!(status, 400, "a backwards range is refused");
}

#[test]
fn an_empty_directory_is_named() {
    let project = Project::new();
    std::fs::create_dir(project.path().join("empty")).expect("a folder");
    let result = run(project.path(), &["view", "--no-open", "empty"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("empty holds no profile files"),
        "{}",
        result.stderr
    );
}
