//! Helpers for the profiler's end-to-end tests: child processes killed on drop, shares
//! of a profile, and the round trip of every output format.

use std::path::Path;
use std::process::Child;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use argus_profiler::format::{self, folded};
use argus_profiler::model::{Profile, Weight};

use super::{Run, run};

/// Tests in one binary run in parallel on a 2-core CI machine. A test that asserts CPU
/// shares holds the machine alone, so that no other workload in its binary competes with
/// its target for the cores; every other profiling test holds it shared.
static MACHINE: RwLock<()> = RwLock::new(());

/// Held by a test whose assertions depend on its target having the cores to itself.
pub fn machine_alone() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().unwrap_or_else(PoisonError::into_inner)
}

/// Held by every other profiling test.
pub fn machine_shared() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Kills the process when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a flamegraph label is the function `name`: `hot_a (app.py)` in Python,
/// `HotFunctions.hot_a` in Java, `hot_a` in native code.
pub fn is_function(label: &str, name: &str) -> bool {
    label == name || label.starts_with(&format!("{name} (")) || label.ends_with(&format!(".{name}"))
}

/// Percentage of `weight` whose leaf frame is `function`, among stacks that contain
/// `within` (or all stacks).
pub fn share(profile: &Profile, weight: Weight, function: &str, within: Option<&str>) -> f64 {
    let (mut part, mut total) = (0u64, 0u64);
    for (stack, w) in profile.folded(weight) {
        if within.is_some_and(|w| !stack.contains(w)) {
            continue;
        }
        total += w;
        if is_function(stack.rsplit(';').next().unwrap_or(""), function) {
            part += w;
        }
    }
    if total == 0 {
        0.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// The label with the most self weight.
pub fn top_self(profile: &Profile, weight: Weight) -> String {
    profile
        .hot_functions(weight)
        .first()
        .map(|h| h.label.clone())
        .unwrap_or_default()
}

/// Checks that the `.pb.gz`, `.folded` and `.json` written by one recording hold the same
/// flamegraph, that pprof survives another write and read with both weights, that the
/// `.svg` names `expect`, and that `argus flamegraph` and `argus diff` read each format.
pub fn assert_formats_round_trip(dir: &Path, stem: &str, weight: Weight, expect: &str) {
    let path = |ext: &str| dir.join(format!("{stem}.{ext}"));
    let pprof = format::read(&path("pb.gz")).unwrap();
    let expected = folded::lines(&pprof, weight);
    assert!(!expected.is_empty(), "the recording is empty");
    for ext in ["folded", "json"] {
        let back = format::read(&path(ext)).unwrap();
        assert_eq!(folded::lines(&back, weight), expected, "{stem}.{ext}");
    }
    let again = dir.join(format!("{stem}-again.pb.gz"));
    format::write(
        &pprof,
        &again,
        format::Format::Pprof,
        &format::WriteOptions::for_profile(&pprof),
    )
    .unwrap();
    let reread = format::read(&again).unwrap();
    for w in [Weight::Cpu, Weight::Wall] {
        assert_eq!(reread.folded(w), pprof.folded(w));
    }
    let svg = std::fs::read_to_string(path("svg")).unwrap();
    assert!(
        svg.contains(expect) && svg.contains("function search("),
        "{stem}.svg lacks {expect}"
    );
    for ext in ["pb.gz", "folded", "json"] {
        let out_svg = dir.join(format!("{stem}-from-{ext}.svg"));
        let out = run(
            dir,
            &[
                "flamegraph",
                path(ext).to_str().unwrap(),
                "-o",
                out_svg.to_str().unwrap(),
                "--icicle",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(std::fs::read_to_string(&out_svg).unwrap().contains(expect));
    }
    let diff = dir.join(format!("{stem}-diff.svg"));
    let out = run(
        dir,
        &[
            "diff",
            path("pb.gz").to_str().unwrap(),
            path("folded").to_str().unwrap(),
            "-o",
            diff.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        std::fs::read_to_string(&diff)
            .unwrap()
            .contains("red is more")
    );
}

/// `-o DIR/STEM.pb.gz -o DIR/STEM.folded -o DIR/STEM.json -o DIR/STEM.svg`.
pub fn all_outputs(dir: &Path, stem: &str) -> Vec<String> {
    ["pb.gz", "folded", "json", "svg"]
        .iter()
        .flat_map(|ext| {
            [
                "-o".to_string(),
                dir.join(format!("{stem}.{ext}")).display().to_string(),
            ]
        })
        .collect()
}

/// `argus profile --runtime RUNTIME` pointed at a `sleep` process, which is neither
/// Python nor Java.
pub fn profile_a_sleeper_as(runtime: &str) -> Run {
    let sleeper = Guard(
        std::process::Command::new("sleep")
            .arg("20")
            .spawn()
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let pid = sleeper.0.id().to_string();
    run(
        dir.path(),
        &["profile", "--runtime", runtime, "--pid", &pid, "-d", "1s"],
    )
}
