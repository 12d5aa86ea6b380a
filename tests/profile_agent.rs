//! A Rust service profiled from the inside by `argus-agent`: every `argus` command reads
//! the files it writes. A binary of its own, since SIGPROF profiling is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use argus_profiler::format;
use argus_profiler::model::Weight;
use common::run;

#[inline(never)]
fn agent_workload_hot_loop(stop: &AtomicBool) -> u64 {
    let mut x = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for i in 0..100_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        std::hint::black_box(x);
    }
    x
}

#[test]
fn argus_reads_the_profiles_the_agent_writes() {
    let _machine = common::profiling::machine_shared();
    let dir = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let burner_stop = stop.clone();
    let burner = std::thread::Builder::new()
        .name("burner".into())
        .spawn(move || agent_workload_hot_loop(&burner_stop))
        .unwrap();
    let agent = argus_agent::Agent::builder()
        .directory(dir.path().join("profiles"))
        .service_name("it-service")
        .interval(Duration::from_millis(700))
        .start()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.profiles_written() < 2 {
        assert!(Instant::now() < deadline, "the agent wrote no profiles");
        std::thread::sleep(Duration::from_millis(50));
    }
    let last = agent.stop().unwrap();
    stop.store(true, Ordering::Relaxed);
    burner.join().unwrap();

    // One file, through the library and through the CLI.
    let profile = format::read(&last).unwrap();
    assert_eq!(profile.meta.mode, Weight::Cpu);
    let out = run(
        dir.path(),
        &["flamegraph", last.to_str().unwrap(), "-o", "one.folded"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);

    // The whole directory, merged.
    let out = run(dir.path(), &["flamegraph", "profiles", "-o", "all.pb.gz"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let merged = format::read(&dir.path().join("all.pb.gz")).unwrap();
    assert!(merged.total(Weight::Cpu) > profile.total(Weight::Cpu));
    // In a debug build the loop's inlined iterator calls are frames of their own, so
    // judge the function by its total: nearly all the CPU runs inside it.
    let hot = merged.hot_functions(Weight::Cpu);
    let workload = hot
        .iter()
        .find(|h| h.label.ends_with("agent_workload_hot_loop"))
        .unwrap();
    let share = workload.total_ns as f64 / merged.total(Weight::Cpu) as f64;
    assert!(share > 0.8, "{share:.2}: {:?}", &hot[..3]);
    assert!(
        merged
            .threads()
            .iter()
            .any(|t| t.name.as_deref() == Some("burner"))
    );
    let out = run(
        dir.path(),
        &["diff", last.to_str().unwrap(), "profiles", "-o", "d.svg"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);

    // The agent's directory is a profile directory like `argus profile --continuous`
    // writes: listed in time order with its service and pid, and read by window.
    let listing = argus_profiler::store::list(&dir.path().join("profiles")).unwrap();
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    assert!(listing.intervals.len() >= 3, "{:?}", listing.intervals);
    assert_eq!(listing.intervals.last().map(|i| &i.path), Some(&last));
    for interval in &listing.intervals {
        assert_eq!(interval.service.as_deref(), Some("it-service"));
        assert_eq!(interval.pid, Some(std::process::id()));
        assert!(interval.duration_ns > 0);
    }
    for pair in listing.intervals.windows(2) {
        assert!(pair[0].start_unix_ns < pair[1].start_unix_ns);
    }
    let out = run(dir.path(), &["report", "profiles", "--since", "1h"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("agent_workload_hot_loop"),
        "{}",
        out.stdout
    );
}
