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

/// The JSON text of the view model embedded in a page.
/// Runs `argus view --export DIR/NAME INPUTS...` in `dir` and returns the page's path;
/// fails the test when the command fails.
pub fn export(dir: &Path, name: &str, inputs: &[&Path]) -> PathBuf {
    let out = dir.join(name);
    let mut command = argus(dir);
    command.arg("view").arg("--export").arg(&out).args(inputs);
    let result = command.output().expect("argus runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

pub fn embedded_view(html: &str) -> String {
    let start = html
        .find(r#"<script type="application/json" id="view-data">"#)
        .expect("the page has a view-data element");
    let rest = &html[start..];
    let open = rest.find('>').expect("element opens") + 1;
    let close = rest.find("</script>").expect("element closes");
    rest[open..close].replace("<\\/", "</")
}

/// The view model without its call trees, which nest deeper than serde_json's recursion
/// limit, and the trees' JSON text.
pub fn parse_view(json: &str) -> (serde_json::Value, String) {
    let start = json.find(r#""flame":"#).expect("a flame key");
    let end = json.find(r#","pruning":"#).expect("a pruning key");
    let flame = json[start + r#""flame":"#.len()..end].to_string();
    let rest = format!("{}\"flame\":null{}", &json[..start], &json[end..]);
    (
        serde_json::from_str(&rest).expect("the view is JSON"),
        flame,
    )
}

/// The value and change of a tree's root, read from the trees' JSON text.
pub fn root(flame: &str, weight: &str) -> (i64, Option<i64>) {
    let key = format!(r#""{weight}":{{"n":"all","v":"#);
    let at = flame.find(&key).expect("the tree's root") + key.len();
    let number = |text: &str| -> i64 {
        let end = text
            .find(|c: char| c != '-' && !c.is_ascii_digit())
            .unwrap_or(text.len());
        text[..end].parse().expect("a number")
    };
    let value = number(&flame[at..]);
    let after = &flame[at..];
    let change = after
        .find(r#""d":"#)
        .filter(|&d| !after[..d].contains('{'))
        .map(|d| number(&after[d + 4..]));
    (value, change)
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
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("argus view prints its URL");
    // Keep reading, so the server's later output never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
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
