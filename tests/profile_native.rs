//! `argus profile` on native programs compiled by the test with gcc: the known hot
//! function is on top in CPU and wall modes, waiting shows only in wall mode, every
//! output format round-trips, and a stripped binary still profiles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use argus_profiler::format;
use argus_profiler::model::{Profile, ThreadState, Weight};
use common::profiling::{Guard, all_outputs, assert_formats_round_trip, share, top_self};
use common::{repo, run};

fn build(dir: &Path, source: &str, extra: &[&str]) -> PathBuf {
    let exe = dir.join(source.trim_end_matches(".c"));
    let status = Command::new("gcc")
        .args(["-O2", "-g", "-pthread", "-o"])
        .arg(&exe)
        .arg(repo().join("fixtures/workloads/native").join(source))
        .args(extra)
        .status()
        .expect("gcc runs (`.ci/run` installs it)");
    assert!(status.success());
    exe
}

/// Profiles `exe SECONDS` with every output format; returns the pprof profile.
fn profile(dir: &Path, mode: &str, exe: &Path, seconds: &str) -> Profile {
    let mut args = vec!["profile".to_string(), "--mode".into(), mode.into()];
    args.extend(all_outputs(dir, "n"));
    args.extend(["--".to_string(), exe.display().to_string(), seconds.into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(dir, &refs);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Recording native"), "{}", out.stderr);
    format::read(&dir.join("n.pb.gz")).unwrap()
}

#[test]
fn cpu_mode_puts_the_hot_function_on_top_and_every_format_round_trips() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path(), "hot_functions.c", &[]);
    let p = profile(dir.path(), "cpu", &exe, "3");
    assert_eq!(
        top_self(&p, Weight::Cpu),
        "hot_a",
        "{:?}",
        &p.hot_functions(Weight::Cpu)[..3]
    );
    let (a, b, c) = (
        share(&p, Weight::Cpu, "hot_a", None),
        share(&p, Weight::Cpu, "warm_b", None),
        share(&p, Weight::Cpu, "cool_c", None),
    );
    assert!(
        (a - 60.0).abs() < 8.0 && (b - 30.0).abs() < 8.0 && (c - 10.0).abs() < 6.0,
        "{a:.1}/{b:.1}/{c:.1}"
    );
    // DWARF unwinding reaches main through -O2 code.
    assert!(
        p.folded(Weight::Cpu)
            .iter()
            .any(|(s, _)| s.contains("main;hot_a"))
    );
    assert_formats_round_trip(dir.path(), "n", Weight::Cpu, "hot_a");
}

#[test]
fn wall_mode_shows_the_waiting_half_with_its_states_and_cpu_mode_none_of_it() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path(), "half_waiting.c", &[]);
    let wall = profile(dir.path(), "wall", &exe, "3");
    let worker = Some(";worker;");
    let sleeping = share(&wall, Weight::Wall, "__GI___clock_nanosleep", worker)
        + share(&wall, Weight::Wall, "clock_nanosleep", worker);
    let locked = wall
        .folded(Weight::Wall)
        .iter()
        .filter(|(s, _)| s.contains(";worker;wait_for_lock"))
        .map(|(_, w)| *w)
        .sum::<u64>() as f64;
    let worker_total = wall
        .folded(Weight::Wall)
        .iter()
        .filter(|(s, _)| s.contains(";worker;"))
        .map(|(_, w)| *w)
        .sum::<u64>() as f64;
    let waiting = sleeping + locked * 100.0 / worker_total;
    assert!(
        (35.0..65.0).contains(&waiting),
        "waiting share of the worker: {waiting:.1}%"
    );
    let states: Vec<ThreadState> = wall.samples().iter().map(|s| s.state).collect();
    assert!(
        states.contains(&ThreadState::Sleeping) && states.contains(&ThreadState::Lock),
        "{states:?}"
    );
    assert!(share(&wall, Weight::Wall, "compute", worker) > 30.0);

    let dir = tempfile::tempdir().unwrap();
    let cpu = profile(dir.path(), "cpu", &exe, "2");
    assert_eq!(top_self(&cpu, Weight::Cpu), "compute");
    let in_waits = cpu
        .folded(Weight::Cpu)
        .iter()
        .filter(|(s, _)| s.contains("nap;") || s.contains("wait_for_lock;"))
        .map(|(_, w)| *w)
        .sum::<u64>() as f64
        / cpu.total(Weight::Cpu) as f64;
    assert!(in_waits < 0.05, "cpu mode: {:.1}%", in_waits * 100.0);
}

#[test]
fn wall_mode_also_puts_the_hot_function_on_top() {
    let _machine = common::profiling::machine_alone();
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path(), "hot_functions.c", &[]);
    let p = profile(dir.path(), "wall", &exe, "2");
    assert_eq!(top_self(&p, Weight::Wall), "hot_a");
}

#[test]
fn a_stripped_binary_still_profiles_with_a_warning() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path(), "hot_functions.c", &["-s"]);
    let mut target = Guard(Command::new(&exe).arg("20").spawn().unwrap());
    let out = run(
        dir.path(),
        &[
            "profile",
            "--pid",
            &target.0.id().to_string(),
            "-d",
            "2s",
            "-o",
            "s.pb.gz",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains("strip"),
        "the missing symbols are explained: {}",
        out.stderr
    );
    assert!(
        target.0.try_wait().unwrap().is_none(),
        "the target keeps running"
    );
    let p = format::read(&dir.path().join("s.pb.gz")).unwrap();
    assert!(p.total(Weight::Cpu) > 0);
}
