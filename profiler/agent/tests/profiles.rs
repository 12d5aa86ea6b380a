//! The agent profiling this test process: what its files contain. A binary of its own,
//! since `SIGPROF` profiling is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::Duration;

use argus_agent::Agent;
use common::{Burner, decode, num_label, profile_files, sample_types, str_label, wait_for};

const HOT: &str = "profiles::common::argus_test_hot_loop";

#[test]
fn interval_profiles_show_the_busy_function_as_the_hottest_frame() {
    let _lock = common::one_agent_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let burner = Burner::start();
    let agent = Agent::builder()
        .directory(dir.path())
        .service_name("agent-test")
        .interval(Duration::from_millis(500))
        .frequency(99)
        .start()
        .unwrap();
    assert!(wait_for(Duration::from_secs(20), || agent
        .profiles_written()
        >= 2));
    let last = agent.stop().unwrap();
    drop(burner);

    let files = profile_files(dir.path());
    assert!(
        files.len() >= 3,
        "two intervals and the partial one: {files:?}"
    );
    assert_eq!(files.last(), Some(&last));
    let pid = std::process::id();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with("agent-test-") && name.ends_with(&format!("Z-{pid}.pb.gz")));
    }
    let profiles: Vec<_> = files.iter().map(|f| decode(f)).collect();

    let hottest = common::self_cpu_by_function(&profiles);
    assert_eq!(hottest[0].0, HOT, "self CPU by function: {hottest:?}");
    let total: i64 = hottest.iter().map(|(_, cpu)| cpu).sum();
    assert!(
        hottest[0].1 * 2 > total,
        "{HOT} has most of the CPU: {hottest:?}"
    );

    for (i, p) in profiles.iter().enumerate() {
        assert_eq!(p.string_table[0], "");
        assert_eq!(
            sample_types(p),
            [
                ("samples".into(), "count".into()),
                ("cpu".into(), "nanoseconds".into())
            ]
        );
        assert_eq!(common::string(p, p.default_sample_type), "cpu");
        let period_type = p.period_type.as_ref().unwrap();
        assert_eq!(common::string(p, period_type.ty), "cpu");
        assert_eq!(common::string(p, period_type.unit), "nanoseconds");
        assert_eq!(p.period, 10_101_000, "1/99 s in whole microseconds");
        if let Some(next) = profiles.get(i + 1) {
            // At least the interval: longer when writing the previous profile took
            // longer than an interval (symbolizing a debug build on a loaded machine
            // can). Sampling pauses between intervals while pprof-rs reallocates its
            // table, so an interval never overlaps the next.
            let ms = p.duration_nanos / 1_000_000;
            assert!(
                (495..10_000).contains(&ms),
                "a full interval lasted {ms} ms"
            );
            assert!(p.time_nanos + p.duration_nanos <= next.time_nanos);
        }
        for s in &p.sample {
            assert_eq!(s.value[1], s.value[0] * p.period);
            assert_eq!(str_label(p, s, "thread_state"), Some("running"));
            assert_eq!(num_label(p, s, "pid"), Some(i64::from(pid)));
            assert!(num_label(p, s, "thread_id").is_some());
            assert_ne!(str_label(p, s, "thread"), Some(argus_agent::AGENT_THREAD));
        }
    }

    let hot_samples: Vec<_> = profiles
        .iter()
        .flat_map(|p| p.sample.iter().map(move |s| (p, s)))
        .filter(|(p, s)| common::function_name(p, s.location_id[0]) == HOT)
        .collect();
    assert!(!hot_samples.is_empty());
    for (p, s) in hot_samples {
        assert_eq!(str_label(p, s, "thread"), Some("burner"));
    }
}

#[test]
fn stop_writes_the_interval_in_progress() {
    let _lock = common::one_agent_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let burner = Burner::start();
    let agent = Agent::builder()
        .directory(dir.path())
        .service_name("partial")
        .interval(Duration::from_secs(3600))
        .start()
        .unwrap();
    let burnt = burner.cpu();
    let enough = Duration::from_millis(400);
    assert!(wait_for(Duration::from_secs(20), || burner.cpu() >= burnt + enough));
    let path = agent.stop().unwrap();
    drop(burner);

    assert_eq!(profile_files(dir.path()), std::slice::from_ref(&path));
    let p = decode(&path);
    let ms = p.duration_nanos / 1_000_000;
    assert!(
        (390..30_000).contains(&ms),
        "the partial interval lasted {ms} ms"
    );
    let samples: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    assert!(samples > 5, "400 ms of CPU at 99 Hz: {samples} samples");
}
