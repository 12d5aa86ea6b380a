//! Helpers for the viewer's tests: the fixture profiles, a served viewer, and what a
//! page embeds.

#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common::profiling::Guard;
use crate::common::{argus, repo};

/// A real recording of fixtures/profiles/python/redact_service.py.
pub fn redact_service() -> PathBuf {
    repo().join("fixtures/profiles/python/redact_service.pb.gz")
}

/// The same service recorded again, for comparisons.
pub fn redact_service_again() -> PathBuf {
    repo().join("fixtures/profiles/python/redact_service-2.pb.gz")
}

/// The JSON view model embedded in a page.
pub fn embedded_view(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script type="application/json" id="view-data">"#)
        .expect("the page has a view-data element");
    let rest = &html[start..];
    let open = rest.find('>').expect("element opens") + 1;
    let close = rest.find("</script>").expect("element closes");
    serde_json::from_str(&rest[open..close].replace("<\\/", "</")).expect("the view is JSON")
}

/// Sends one GET over HTTP/1.1 and returns the status code and body.
pub fn get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect to the viewer");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send a request");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read the reply");
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Starts `argus view ARGS` serving on loopback and returns it with the address it
/// printed.
pub fn serve(args: &[&Path]) -> (Guard, String) {
    let mut command = argus(&repo());
    command.args(["view", "--no-open"]).args(args);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("argus view starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("argus view prints its URL");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in `{line}`"))
        .to_string();
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    (guard, address)
}
