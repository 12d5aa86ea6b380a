//! `argus profile` on real JVMs (workloads compiled by the test with javac): the known hot
//! method is on top in CPU and wall modes, waiting shows only in wall mode, every output
//! format round-trips, and JFR files are read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use argus_profiler::format;
use argus_profiler::model::Weight;
use common::profiling::{
    Guard, all_outputs, assert_formats_round_trip, profile_a_sleeper_as, share, top_self,
};
use common::{repo, run};

/// The workloads, compiled once per test run.
fn classes() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let sources = repo().join("fixtures/workloads/java");
        let status = Command::new("javac")
            .arg("-d")
            .arg(dir.path())
            .arg(sources.join("HotFunctions.java"))
            .arg(sources.join("HalfWaiting.java"))
            .status()
            .expect("javac runs (`.ci/run` installs a JDK)");
        assert!(status.success());
        dir
    })
    .path()
}

fn profile_java(dir: &Path, mode: &str, class: &str, seconds: &str) -> PathBuf {
    let mut args = vec!["profile".to_string(), "--mode".into(), mode.into()];
    args.extend(all_outputs(dir, "j"));
    args.extend(
        [
            "--",
            "java",
            "-Xmx64m",
            "-cp",
            classes().to_str().unwrap(),
            class,
            seconds,
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(dir, &refs);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Recording java"), "{}", out.stderr);
    dir.join("j.pb.gz")
}

#[test]
fn cpu_mode_puts_the_hot_method_on_top_and_every_format_round_trips() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let path = profile_java(dir.path(), "cpu", "HotFunctions", "5");
    let profile = format::read(&path).unwrap();
    assert_eq!(
        top_self(&profile, Weight::Cpu),
        "HotFunctions.hot_a",
        "{:?}",
        &profile.hot_functions(Weight::Cpu)[..3]
    );
    let (a, b, c) = (
        share(&profile, Weight::Cpu, "hot_a", None),
        share(&profile, Weight::Cpu, "warm_b", None),
        share(&profile, Weight::Cpu, "cool_c", None),
    );
    assert!(
        a > b && b > c && (a - 60.0).abs() < 10.0,
        "{a:.1}/{b:.1}/{c:.1}"
    );
    assert_formats_round_trip(dir.path(), "j", Weight::Cpu, "HotFunctions.hot_a");
}

#[test]
fn wall_mode_shows_the_waiting_half_and_cpu_mode_none_of_it() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let wall = format::read(&profile_java(dir.path(), "wall", "HalfWaiting", "5")).unwrap();
    let worker = Some("HalfWaiting.lambda$main$");
    let waiting =
        share(&wall, Weight::Wall, "sleep", worker) + share(&wall, Weight::Wall, "park", worker);
    assert!(
        (35.0..65.0).contains(&waiting),
        "waiting share of the worker: {waiting:.1}%"
    );
    assert!(share(&wall, Weight::Wall, "compute", worker) > 30.0);
    // The lambda's hidden-class suffix is normalized away.
    assert!(
        wall.folded(Weight::Wall)
            .iter()
            .any(|(s, _)| s.contains("HalfWaiting$$Lambda.run;"))
    );

    let dir = tempfile::tempdir().unwrap();
    let cpu = format::read(&profile_java(dir.path(), "cpu", "HalfWaiting", "4")).unwrap();
    assert_eq!(top_self(&cpu, Weight::Cpu), "HalfWaiting.compute");
    let waiting = share(&cpu, Weight::Cpu, "sleep", None) + share(&cpu, Weight::Cpu, "park", None);
    assert!(waiting < 2.0, "cpu mode: {waiting:.1}%");
}

#[test]
fn wall_mode_also_puts_the_hot_method_on_top() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let profile = format::read(&profile_java(dir.path(), "wall", "HotFunctions", "4")).unwrap();
    let main = Some("HotFunctions.main");
    assert!(
        share(&profile, Weight::Wall, "hot_a", main)
            > share(&profile, Weight::Wall, "warm_b", main)
    );
    assert!(share(&profile, Weight::Wall, "hot_a", main) > 40.0);
}

#[test]
fn attaching_to_a_running_jvm_by_pid_leaves_it_running() {
    let _machine = common::profiling::machine_shared();
    let mut jvm = Guard(
        Command::new("java")
            .args([
                "-Xmx64m",
                "-cp",
                classes().to_str().unwrap(),
                "HotFunctions",
                "30",
            ])
            .spawn()
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "profile",
            "--pid",
            &jvm.0.id().to_string(),
            "-d",
            "3s",
            "-o",
            "p.pb.gz",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        jvm.0.try_wait().unwrap().is_none(),
        "the JVM must keep running"
    );
    let profile = format::read(&dir.path().join("p.pb.gz")).unwrap();
    assert_eq!(top_self(&profile, Weight::Cpu), "HotFunctions.hot_a");
}

#[test]
fn jfr_recordings_are_read_and_damaged_ones_name_the_byte() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let recording = repo().join("fixtures/profiles/java/waiter-jdk17.jfr");
    let out = run(
        dir.path(),
        &[
            "flamegraph",
            recording.to_str().unwrap(),
            "-o",
            "w.svg",
            "--weight",
            "wall",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        std::fs::read_to_string(dir.path().join("w.svg"))
            .unwrap()
            .contains("Waiter.")
    );
    let bytes = std::fs::read(&recording).unwrap();
    std::fs::write(dir.path().join("cut.jfr"), &bytes[..bytes.len() / 2]).unwrap();
    let out = run(dir.path(), &["flamegraph", "cut.jfr", "-o", "x.svg"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cut.jfr") && out.stderr.contains("byte"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_process_that_is_not_a_jvm_is_named_as_such() {
    let _machine = common::profiling::machine_shared();
    let out = profile_a_sleeper_as("java");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a Java virtual machine"),
        "{}",
        out.stderr
    );
}
