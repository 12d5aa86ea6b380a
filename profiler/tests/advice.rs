//! The recommendation catalogue against its fixtures: every recommendation fires on its
//! `bad` profile (snapshotted) and stays silent on its `good` one.

#![expect(
    clippy::panic,
    reason = "a malformed fixture fails its test with the line"
)]

use std::path::{Path, PathBuf};

use argus_profiler::advice::{self, Advice};
use argus_profiler::model::{Frame, FrameKind, Meta, Profile, RawSample, Runtime, ThreadState};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/profiles/advice")
}

/// Reads a fixture profile (format in `fixtures/profiles/advice/README.md`).
fn read_fixture(path: &Path) -> Profile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let mut runtime = Runtime::Unknown;
    let mut samples = Vec::new();
    let mut threads: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# runtime:") {
            runtime = match rest.trim() {
                "python" => Runtime::Python,
                "java" => Runtime::Java,
                "native" => Runtime::Native,
                other => panic!("{}:{}: unknown runtime {other}", path.display(), n + 1),
            };
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            panic!(
                "{}:{}: expected STATE THREAD MS STACK",
                path.display(),
                n + 1
            )
        };
        let mut parts = line.splitn(4, ' ');
        let (Some(state), Some(thread), Some(ms), Some(stack)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            bad()
        };
        let state = ThreadState::parse(state).unwrap_or_else(|| bad());
        let ms: u64 = ms.parse().unwrap_or_else(|_| bad());
        let tid = match threads.iter().position(|t| t == thread) {
            Some(i) => i,
            None => {
                threads.push(thread.to_string());
                threads.len() - 1
            }
        };
        samples.push((state, tid, ms, stack.to_string()));
    }
    let kind = match runtime {
        Runtime::Python => FrameKind::Python,
        Runtime::Java => FrameKind::Java,
        Runtime::Native => FrameKind::Native,
        Runtime::Unknown => FrameKind::Unknown,
    };
    let mut profile = Profile::new(Meta {
        runtime,
        ..Meta::default()
    });
    for (state, tid, ms, stack) in samples {
        let ns = ms * 1_000_000;
        profile.add_raw(&RawSample {
            pid: 1,
            tid: tid as u64 + 1,
            thread_name: threads.get(tid).cloned(),
            state,
            frames: stack.split(';').map(|f| frame(f.trim(), kind)).collect(),
            cpu_ns: if state == ThreadState::Running { ns } else { 0 },
            wall_ns: ns,
        });
    }
    profile
}

/// `name` or `name (path/file:LINE)`.
fn frame(text: &str, kind: FrameKind) -> Frame {
    let Some((name, rest)) = text.split_once(" (") else {
        return Frame::new(text, kind);
    };
    let location = rest.trim_end_matches(')');
    let (file, line) = match location.rsplit_once(':') {
        Some((file, line)) if line.parse::<u32>().is_ok() => (file, line.parse().ok()),
        _ => (location, None),
    };
    Frame {
        name: name.to_string(),
        file: Some(file.to_string()),
        line,
        kind,
    }
}

fn fired(path: &Path) -> Vec<Advice> {
    advice::evaluate(&read_fixture(path))
}

#[test]
fn every_recommendation_fires_on_its_bad_profile() {
    for rec in advice::catalogue() {
        let path = fixtures().join(format!("{}.bad.txt", rec.id));
        assert!(
            path.exists(),
            "{}: missing fixture {}",
            rec.id,
            path.display()
        );
        let fired = fired(&path);
        let Some(advice) = fired.iter().find(|a| a.id == rec.id) else {
            panic!("{} did not fire on {}", rec.id, path.display());
        };
        assert!(
            !advice.call_sites.is_empty() && !advice.entry_frames.is_empty(),
            "{}: no call sites",
            rec.id
        );
        insta::assert_snapshot!(rec.id, advice.to_string());
    }
}

#[test]
fn no_recommendation_fires_on_its_good_profile() {
    for rec in advice::catalogue() {
        let path = fixtures().join(format!("{}.good.txt", rec.id));
        assert!(
            path.exists(),
            "{}: missing fixture {}",
            rec.id,
            path.display()
        );
        let fired = fired(&path);
        assert!(
            fired.iter().all(|a| a.id != rec.id),
            "{} fired on {}:\n{}",
            rec.id,
            path.display(),
            fired.iter().map(Advice::to_string).collect::<String>()
        );
    }
}

#[test]
fn recommendation_ids_are_unique_and_prefixed_by_runtime() {
    let mut ids: Vec<&str> = advice::catalogue().map(|r| r.id).collect();
    for id in &ids {
        assert!(
            ["py-", "java-", "native-"]
                .iter()
                .any(|p| id.starts_with(p)),
            "{id}"
        );
    }
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate recommendation ids");
}

#[test]
fn every_fixture_belongs_to_a_recommendation() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(id) = name
            .strip_suffix(".bad.txt")
            .or_else(|| name.strip_suffix(".good.txt"))
        else {
            continue;
        };
        assert!(advice::find(id).is_some(), "{name}: no recommendation {id}");
    }
}
