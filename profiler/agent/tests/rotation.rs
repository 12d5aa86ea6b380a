//! Rotation while the agent runs: only the newest `keep` profiles of the service stay.
//! A binary of its own, since `SIGPROF` profiling is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::Duration;

use argus_agent::{Agent, MIN_INTERVAL};
use common::{profile_files, wait_for};

#[test]
fn rotation_keeps_the_newest_profiles_of_the_service() {
    let _lock = common::one_agent_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    // A file of an earlier run of the service, one of another service, and a stray file.
    let earlier_run = dir.path().join("rotating-19700101T000000.000Z-1.pb.gz");
    let other_service = dir.path().join("billing-19700101T000000.000Z-1.pb.gz");
    let stray = dir.path().join("notes.txt");
    for path in [&earlier_run, &other_service, &stray] {
        std::fs::write(path, b"x").unwrap();
    }

    let agent = Agent::builder()
        .directory(dir.path())
        .service_name("rotating")
        .interval(MIN_INTERVAL)
        .keep(2)
        .start()
        .unwrap();
    assert!(wait_for(Duration::from_secs(20), || agent
        .profiles_written()
        >= 5));
    let last = agent.stop().unwrap();

    assert!(no_temporary_file_left(&dir));
    let ours: Vec<_> = profile_files(dir.path())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("rotating-")
        })
        .collect();
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours.last(), Some(&last), "the newest one is kept");
    assert!(!earlier_run.exists());
    assert!(other_service.exists() && stray.exists());
}

/// No temporary file is left behind.
fn no_temporary_file_left(dir: &tempfile::TempDir) -> bool {
    std::fs::read_dir(dir.path())
        .unwrap()
        .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
}
