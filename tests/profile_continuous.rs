//! `argus profile --continuous` on real Python processes: one profile file per interval
//! from one attached sampler, the interval in progress written on exit and on Ctrl-C,
//! clear errors for bad settings, and `--push` to a Pyroscope-style HTTP endpoint on
//! loopback, including one that is down for a while.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argus_profiler::format;
use argus_profiler::model::{Profile, Weight};
use argus_profiler::store;
use common::profiling::{Guard, top_self};
use common::{Run, repo, run};

fn workload(name: &str) -> String {
    repo()
        .join("fixtures/workloads/python")
        .join(name)
        .display()
        .to_string()
}

/// `argus profile --continuous --interval 1s --out-dir DIR ARGS -- python3 hot_functions.py SECONDS`.
fn continuous(dir: &Path, out: &Path, args: &[&str], seconds: &str) -> Run {
    let out = out.display().to_string();
    let workload = workload("hot_functions.py");
    let mut all = vec![
        "profile",
        "--continuous",
        "--interval",
        "1s",
        "--out-dir",
        &out,
    ];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--", "python3", &workload, seconds]);
    run(dir, &all)
}

fn announced(stderr: &str) -> usize {
    stderr.lines().filter(|l| l.starts_with("Wrote ")).count()
}

#[test]
fn one_profile_per_interval_is_written_until_the_program_exits() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profiles");
    let run = continuous(dir.path(), &out, &[], "3.5");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ended because the program exited with status 0"),
        "{}",
        run.stderr
    );
    let listing = store::list(&out).unwrap();
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    let intervals = &listing.intervals;
    // Three full seconds and the partial one in progress at exit.
    assert!(
        (3..=5).contains(&intervals.len()),
        "{} intervals:\n{}",
        intervals.len(),
        run.stderr
    );
    assert_eq!(announced(&run.stderr), intervals.len(), "{}", run.stderr);
    for interval in intervals {
        let name = interval.path.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with("python3-") && name.ends_with(".pb.gz"),
            "{name}"
        );
    }
    // One sampler cut in time: each interval starts where the one before ended.
    for pair in intervals.windows(2) {
        let gap = pair[1].start_unix_ns.abs_diff(pair[0].end_unix_ns());
        assert!(gap < 20_000_000, "a gap of {gap} ns between intervals");
        assert!(pair[0].duration_ns >= 1_000_000_000);
    }
    let loaded = store::load(&out, None).unwrap();
    assert!(
        top_self(&loaded.profile, Weight::Cpu).starts_with("hot_a ("),
        "{:?}",
        loaded.profile.hot_functions(Weight::Cpu).first()
    );
    // Each full interval has samples of its own.
    for interval in &intervals[..intervals.len() - 1] {
        let profile = format::read(&interval.path).unwrap();
        assert!(profile.sample_count() > 20, "{}", interval.path.display());
    }
}

#[test]
fn ctrl_c_writes_the_interval_in_progress_and_the_target_runs_on() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profiles");
    let target = Guard(
        Command::new("python3")
            .args([&workload("hot_functions.py"), "30"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = target.0.id().to_string();
    let argus = common::argus(dir.path())
        .args([
            "profile",
            "--pid",
            &pid,
            "--continuous",
            "--interval",
            "1s",
            "--out-dir",
            &out.display().to_string(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let status = Command::new("kill")
        .args(["-INT", &argus.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let run: Run = argus.wait_with_output().unwrap().into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("ended because it was stopped"),
        "{}",
        run.stderr
    );
    let intervals = store::list(&out).unwrap().intervals;
    assert_eq!(announced(&run.stderr), intervals.len(), "{}", run.stderr);
    assert!(intervals.len() >= 2, "{}", run.stderr);
    let last = intervals.last().unwrap();
    assert!(
        last.duration_ns < 1_000_000_000,
        "the last interval is the partial one: {} ns",
        last.duration_ns
    );
    assert!(argus_profiler::access::process_exists(target.0.id()));
}

#[test]
fn bad_continuous_settings_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profiles").display().to_string();
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "").unwrap();
    let under_a_file = a_file.join("profiles").display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--continuous", "--pid", "1"], "add --out-dir DIR"),
        (
            vec![
                "--continuous",
                "--out-dir",
                &out,
                "--interval",
                "0",
                "--pid",
                "1",
            ],
            "an interval must last at least 1s",
        ),
        (
            vec![
                "--continuous",
                "--out-dir",
                &out,
                "-o",
                "x.svg",
                "--pid",
                "1",
            ],
            "not to -o files",
        ),
        (
            vec!["--continuous", "--out-dir", &under_a_file, "--pid", "1"],
            "is not writable",
        ),
        (
            vec![
                "--continuous",
                "--out-dir",
                &out,
                "--max-size",
                "lots",
                "--pid",
                "1",
            ],
            "--max-size `lots` is not a size",
        ),
        (
            vec![
                "--continuous",
                "--out-dir",
                &out,
                "--push",
                "pyroscope:4040",
                "--pid",
                "1",
            ],
            "is not a server URL",
        ),
        (
            vec!["--out-dir", &out, "--pid", "1"],
            "--out-dir only applies to continuous profiling",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["profile"];
        all.extend(args.iter().copied());
        let run = run(dir.path(), &all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

/// One request as the test server saw it.
#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    query: HashMap<String, String>,
    content_type: String,
    body: Vec<u8>,
}

/// A Pyroscope-style ingest endpoint on loopback: answers 503 to the first `refuse`
/// requests, 200 after, and keeps every request it took.
struct Endpoint {
    url: String,
    taken: Arc<Mutex<Vec<Request>>>,
    refused: Arc<Mutex<usize>>,
}

impl Endpoint {
    fn start(refuse: usize) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let taken = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let (thread_taken, thread_refused) = (taken.clone(), refused.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let mut refused = thread_refused.lock().unwrap();
                let status = if *refused < refuse {
                    *refused += 1;
                    "503 Service Unavailable"
                } else {
                    thread_taken.lock().unwrap().push(request);
                    "200 OK"
                };
                drop(refused);
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Endpoint {
            url,
            taken,
            refused,
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let mut body = Vec::new();
    if let Some(length) = headers.get("content-length") {
        body.resize(length.parse().ok()?, 0);
        reader.read_exact(&mut body).ok()?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect();
    Some(Request {
        method,
        path: path.to_string(),
        query,
        content_type: headers.get("content-type").cloned().unwrap_or_default(),
        body,
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The bytes of the multipart part named `name`.
fn multipart_part(content_type: &str, body: &[u8], name: &str) -> Option<Vec<u8>> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, &delimiter) {
        parts.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    for part in parts {
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        if head.contains(&format!("name=\"{name}\"")) {
            let content = &part[split + 4..];
            return Some(content.strip_suffix(b"\r\n").unwrap_or(content).to_vec());
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Checks one request's form and returns the profile it carried.
fn check_request(request: &Request, app: &str) -> Profile {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/ingest");
    assert_eq!(request.query.get("name").map(String::as_str), Some(app));
    assert_eq!(
        request.query.get("format").map(String::as_str),
        Some("pprof")
    );
    let from: u64 = request.query["from"].parse().unwrap();
    let until: u64 = request.query["until"].parse().unwrap();
    assert!(until > from, "{from}..{until}");
    assert!(
        request
            .content_type
            .starts_with("multipart/form-data; boundary="),
        "{}",
        request.content_type
    );
    let pprof =
        multipart_part(&request.content_type, &request.body, "profile").expect("a `profile` part");
    assert!(pprof.starts_with(&[0x1f, 0x8b]), "the profile is gzipped");
    let profile = format::pprof::read(Path::new("pushed.pb.gz"), &pprof).unwrap();
    let start = profile.meta.start_unix_ns.unwrap();
    assert_eq!(from, start / 1_000_000_000);
    profile
}

#[test]
fn every_interval_is_pushed_as_pprof_to_the_ingest_endpoint() {
    let _machine = common::profiling::machine_shared();
    let endpoint = Endpoint::start(0);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profiles");
    let run = continuous(
        dir.path(),
        &out,
        &["--push", &endpoint.url, "--service", "checkout-api"],
        "3.5",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let intervals = store::list(&out).unwrap().intervals;
    let taken = endpoint.taken.lock().unwrap();
    assert_eq!(taken.len(), intervals.len(), "{}", run.stderr);
    let mut merged = Profile::default();
    for (request, interval) in taken.iter().zip(&intervals) {
        let profile = check_request(request, "checkout-api");
        assert_eq!(profile.meta.start_unix_ns, Some(interval.start_unix_ns));
        merged.merge(&profile);
    }
    assert!(
        top_self(&merged, Weight::Cpu).starts_with("hot_a ("),
        "{:?}",
        merged.hot_functions(Weight::Cpu).first()
    );
    assert!(
        std::fs::read_dir(out.join(".push-backlog"))
            .unwrap()
            .next()
            .is_none(),
        "nothing is left waiting"
    );
}

#[test]
fn intervals_wait_while_the_endpoint_is_down_and_all_arrive_in_order() {
    let _machine = common::profiling::machine_shared();
    let endpoint = Endpoint::start(4);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profiles");
    let started = Instant::now();
    let run = continuous(dir.path(), &out, &["--push", &endpoint.url], "4.5");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(*endpoint.refused.lock().unwrap(), 4);
    assert!(
        run.stderr.contains("503"),
        "the failure is reported: {}",
        run.stderr
    );
    assert!(run.stderr.contains("answers again"), "{}", run.stderr);
    let intervals = store::list(&out).unwrap().intervals;
    let taken = endpoint.taken.lock().unwrap();
    let starts: Vec<u64> = taken
        .iter()
        .map(|r| check_request(r, "python3").meta.start_unix_ns.unwrap())
        .collect();
    let expected: Vec<u64> = intervals.iter().map(|i| i.start_unix_ns).collect();
    assert_eq!(starts, expected, "{}", run.stderr);
}

/// A service whose hot function changes halfway: `before_deploy` for the first half of
/// its run, `after_deploy` for the second.
const PHASES: &str = r#"
import sys, time

def spin(deadline):
    total = 0
    while time.monotonic() < deadline:
        for i in range(2000):
            total += i * i
    return total

def before_deploy(deadline):
    return spin(deadline)

def after_deploy(deadline):
    return spin(deadline)

half = float(sys.argv[1]) / 2
start = time.monotonic()
before_deploy(start + half)
after_deploy(start + 2 * half)
"#;

#[test]
fn report_compares_two_windows_of_a_recorded_directory_and_names_what_grew() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("phases.py");
    std::fs::write(&script, PHASES).unwrap();
    let out = dir.path().join("profiles");
    let out_text = out.display().to_string();
    let recorded = run(
        dir.path(),
        &[
            "profile",
            "--continuous",
            "--interval",
            "1s",
            "--out-dir",
            &out_text,
            "--",
            "python3",
            &script.display().to_string(),
            "6",
        ],
    );
    assert_eq!(recorded.code, 0, "{}", recorded.stderr);

    let report = run(
        dir.path(),
        &["report", &out_text, "--compare", "last 3s", "previous 3s"],
    );
    assert_eq!(report.code, 0, "{}", report.stderr);
    let grew = report
        .stdout
        .split("Grew most:")
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap_or_default();
    assert!(grew.contains("after_deploy ("), "{}", report.stdout);
    let shrank = report
        .stdout
        .split("Shrank most:")
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap_or_default();
    assert!(shrank.contains("before_deploy ("), "{}", report.stdout);

    // The same in JSON, with the windows given the other way round.
    let json = run(
        dir.path(),
        &[
            "report",
            &out_text,
            "--compare",
            "previous 3s",
            "last 3s",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(json["after"]["window"], "last 3s");
    assert_eq!(json["before"]["window"], "previous 3s");
    let top = &json["grew"][0];
    assert!(
        top["label"].as_str().unwrap().starts_with("after_deploy ("),
        "{json:#}"
    );
    assert!(top["after"].as_f64().unwrap() > 0.5, "{json:#}");
    assert!(top["before"].as_f64().unwrap() < 0.3, "{json:#}");

    // --since: the last two seconds are all after the deploy.
    let since = run(
        dir.path(),
        &["report", &out_text, "--since", "2s", "--format", "json"],
    );
    assert_eq!(since.code, 0, "{}", since.stderr);
    let text = since.stdout.to_string();
    assert!(text.contains("after_deploy"), "{text}");
    assert!(!text.contains("before_deploy"), "{text}");

    let not_a_dir = run(
        dir.path(),
        &["report", &script.display().to_string(), "--since", "1h"],
    );
    assert_eq!(not_a_dir.code, 2);
    assert!(
        not_a_dir.stderr.contains("reads a profile directory"),
        "{}",
        not_a_dir.stderr
    );
    let bad_window = run(dir.path(), &["report", &out_text, "--since", "yesterday"]);
    assert_eq!(bad_window.code, 2);
    assert!(
        bad_window.stderr.contains("is not a time window"),
        "{}",
        bad_window.stderr
    );
}
