//! The JFR reader on recordings from JDK 17 and 25, and on cut, corrupt and foreign files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};

use argus_profiler::jfr::{self, JfrError};
use argus_profiler::model::{Profile, Runtime, ThreadState, Weight};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/profiles/java")
        .join(name)
}

const RECORDINGS: [&str; 2] = ["waiter-jdk17.jfr", "waiter-jdk25.jfr"];

/// Total weight of the stacks that contain `function`, and of all stacks.
fn share(profile: &Profile, weight: Weight, function: &str) -> (u64, u64) {
    let total = profile.total(weight);
    let with = profile
        .hot_functions(weight)
        .iter()
        .find(|h| h.label == function)
        .map_or(0, |h| h.total_ns);
    (with, total)
}

#[test]
fn reads_jdk17_and_jdk25_recordings_with_their_sampling_period() {
    for name in RECORDINGS {
        let profile = jfr::read(&fixture(name), Weight::Cpu).unwrap();
        assert_eq!(profile.meta.runtime, Runtime::Java, "{name}");
        assert_eq!(profile.meta.mode, Weight::Cpu, "{name}");
        assert_eq!(
            profile.meta.rate_hz,
            Some(100),
            "{name}: the period comes from jdk.ActiveSetting"
        );
        let duration = profile.meta.duration.unwrap().as_secs_f64();
        assert!((1.5..3.5).contains(&duration), "{name}: {duration}");
        assert!(profile.meta.start_unix_ns.is_some(), "{name}");

        let hot = profile.hot_functions(Weight::Cpu);
        assert_eq!(hot[0].label, "Waiter.compute", "{name}: {hot:?}");
        assert!(
            profile
                .folded(Weight::Cpu)
                .iter()
                .any(|(stack, _)| stack == "Waiter.main;Waiter.compute"),
            "{name}: stacks are root first"
        );
        let compute = profile
            .frames()
            .iter()
            .find(|f| f.name == "Waiter.compute")
            .unwrap();
        assert_eq!(compute.file.as_deref(), Some("Waiter.java"), "{name}");
        assert!(
            compute.line.is_some_and(|l| (24..=34).contains(&l)),
            "{name}: {compute:?}"
        );
        assert!(
            profile
                .threads()
                .iter()
                .any(|t| t.name.as_deref() == Some("main") && t.tid > 0),
            "{name}: {:?}",
            profile.threads()
        );
    }
}

#[test]
fn wall_view_adds_monitor_waits_with_their_duration_and_no_cpu() {
    for name in RECORDINGS {
        let cpu = jfr::read(&fixture(name), Weight::Cpu).unwrap();
        let wall = jfr::read(&fixture(name), Weight::Wall).unwrap();
        assert_eq!(wall.meta.mode, Weight::Wall);
        assert_eq!(cpu.total(Weight::Cpu), wall.total(Weight::Cpu), "{name}");

        let (waiting, _) = share(&wall, Weight::Wall, "Waiter.awaitLock");
        let (main, _) = share(&wall, Weight::Wall, "Waiter.main");
        let (waiting_cpu, _) = share(&wall, Weight::Cpu, "Waiter.awaitLock");
        assert_eq!(waiting_cpu, 0, "{name}");
        let fraction = waiting as f64 / main as f64;
        eprintln!(
            "{name}: awaitLock has {:.1}% of main's wall time",
            fraction * 100.0
        );
        assert!(
            (0.40..0.60).contains(&fraction),
            "{name}: waiting {fraction:.2} of main's wall time"
        );
        assert!(
            wall.samples()
                .iter()
                .any(|s| s.state == ThreadState::Lock && s.cpu_ns == 0 && s.wall_ns > 0),
            "{name}"
        );
    }
}

#[test]
fn jdk25_cpu_time_samples_carry_the_cpu_weight_when_recorded() {
    // 177 jdk.CPUTimeSample events of 10 ms each, and 202 jdk.ExecutionSample events.
    let path = fixture("cpushares-jdk25.jfr");
    let cpu = jfr::read(&path, Weight::Cpu).unwrap();
    assert_eq!(cpu.sample_count(), 177);
    assert_eq!(cpu.total(Weight::Cpu), 1_770_000_000);
    assert_eq!(cpu.hot_functions(Weight::Cpu)[0].label, "CpuShares.hot");

    let wall = jfr::read(&path, Weight::Wall).unwrap();
    assert_eq!(wall.total(Weight::Cpu), 1_770_000_000);
    assert_eq!(wall.folded(Weight::Cpu), cpu.folded(Weight::Cpu));
    let wall_s = wall.total(Weight::Wall) as f64 / 1e9;
    assert!((1.5..2.6).contains(&wall_s), "{wall_s}");
}

#[test]
fn a_truncated_recording_names_the_byte_where_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture(RECORDINGS[0])).unwrap();
    let cut = dir.path().join("cut.jfr");
    let at = bytes.len() / 2;
    std::fs::write(&cut, &bytes[..at]).unwrap();
    let err = jfr::read(&cut, Weight::Cpu).unwrap_err();
    assert!(matches!(err, JfrError::Truncated { .. }), "{err:?}");
    assert_eq!(err.offset(), Some(at as u64));
    let message = err.to_string();
    assert!(message.contains("cut.jfr"), "{message}");
    assert!(
        message.contains(&format!("truncated at byte {at}")),
        "{message}"
    );

    std::fs::write(&cut, &bytes[..40]).unwrap();
    let err = jfr::read(&cut, Weight::Cpu).unwrap_err();
    assert_eq!(err.offset(), Some(40), "{err}");

    std::fs::write(&cut, b"").unwrap();
    let err = jfr::read(&cut, Weight::Cpu).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn garbage_is_not_a_recording_and_the_error_names_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.jfr");
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &noise).unwrap();
    let err = jfr::read(&garbage, Weight::Cpu).unwrap_err();
    assert!(matches!(err, JfrError::NotJfr { offset: 0, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("garbage.jfr is not a JFR recording: byte 0"),
        "{err}"
    );

    let mut bytes = std::fs::read(fixture(RECORDINGS[1])).unwrap();
    let end = bytes.len() as u64;
    bytes.extend_from_slice(b"trailing junk");
    std::fs::write(&garbage, &bytes).unwrap();
    let err = jfr::read(&garbage, Weight::Cpu).unwrap_err();
    assert_eq!(err.offset(), Some(end), "{err}");
}

#[test]
fn a_corrupt_event_size_names_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture(RECORDINGS[0])).unwrap();
    // The first event follows the 68-byte chunk header; a size of 0 would never end.
    bytes[68] = 0;
    let corrupt = dir.path().join("corrupt.jfr");
    std::fs::write(&corrupt, &bytes).unwrap();
    let err = jfr::read(&corrupt, Weight::Wall).unwrap_err();
    assert!(
        matches!(err, JfrError::Corrupt { offset: 68, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("corrupt at byte 68"), "{err}");
}

#[test]
fn generated_class_names_lose_their_run_specific_suffixes() {
    assert_eq!(
        jfr::java_frame_name("Foo$$Lambda$123/0x0000000800c0b448", "run"),
        "Foo$$Lambda.run"
    );
    assert_eq!(
        jfr::normalize_class_name("Foo$$Lambda/0x0000000800c0b448"),
        "Foo$$Lambda"
    );
    assert_eq!(
        jfr::normalize_class_name("jdk.internal.reflect.GeneratedMethodAccessor17"),
        "jdk.internal.reflect.GeneratedMethodAccessor"
    );
    assert_eq!(
        jfr::normalize_class_name("com.sun.proxy.$Proxy12"),
        "com.sun.proxy.$Proxy"
    );
    assert_eq!(
        jfr::java_frame_name("com/acme/Service", "handle"),
        "com.acme.Service.handle"
    );
}
