//! How the agent fails: configuration and directory errors at start, write failures
//! while running. A binary of its own, since `SIGPROF` profiling is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argus_agent::{Agent, Error, MAX_FREQUENCY, MIN_INTERVAL};
use common::wait_for;

#[test]
fn a_directory_below_a_file_is_reported_as_not_writable() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let dir = file.join("profiles");

    let error = Agent::builder().directory(&dir).start().unwrap_err();
    match &error {
        Error::DirectoryNotWritable { dir: named, .. } => assert_eq!(named, &dir),
        other => panic!("expected DirectoryNotWritable, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("write permission"), "{message}");
}

#[test]
fn a_read_only_directory_is_reported_as_not_writable() {
    let _lock = common::one_agent_at_a_time();
    if std::fs::metadata("/proc/self").unwrap().uid() == 0 {
        // Root writes through permission bits; the test above covers the error path.
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let error = Agent::builder().directory(tmp.path()).start().unwrap_err();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        matches!(error, Error::DirectoryNotWritable { .. }),
        "{error:?}"
    );
}

#[test]
fn settings_that_cannot_work_are_refused_before_profiling_starts() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let builder = || Agent::builder().directory(tmp.path());
    assert!(matches!(Agent::builder().start(), Err(Error::NoDirectory)));
    assert!(matches!(
        builder().frequency(0).start(),
        Err(Error::InvalidFrequency { hz: 0 })
    ));
    assert!(matches!(
        builder().frequency(MAX_FREQUENCY + 1).start(),
        Err(Error::InvalidFrequency { .. })
    ));
    assert!(matches!(
        builder().interval(Duration::from_millis(10)).start(),
        Err(Error::IntervalTooShort { .. })
    ));
    assert!(matches!(builder().keep(0).start(), Err(Error::KeepZero)));
    assert!(matches!(
        builder().service_name("a/b").start(),
        Err(Error::InvalidServiceName { .. })
    ));
    assert!(common::profile_files(tmp.path()).is_empty());
}

#[test]
fn a_second_agent_is_refused_while_one_runs() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let first = Agent::builder().directory(tmp.path()).start().unwrap();
    let second = Agent::builder().directory(tmp.path()).start();
    assert!(matches!(second, Err(Error::AlreadyRunning)), "{second:?}");
    drop(first);
    let third = Agent::builder().directory(tmp.path()).start().unwrap();
    third.stop().unwrap();
}

#[test]
fn an_agent_is_refused_while_the_service_runs_its_own_pprof_profiler() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let guard = pprof::ProfilerGuard::new(99).unwrap();
    let agent = Agent::builder().directory(tmp.path()).start();
    assert!(matches!(agent, Err(Error::AlreadyRunning)), "{agent:?}");
    drop(guard);
    Agent::builder()
        .directory(tmp.path())
        .start()
        .unwrap()
        .stop()
        .unwrap();
}

#[test]
fn dropping_the_agent_writes_the_interval_in_progress() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let agent = Agent::builder()
        .directory(tmp.path())
        .interval(Duration::from_secs(3600))
        .start()
        .unwrap();
    drop(agent);
    assert_eq!(common::profile_files(tmp.path()).len(), 1);
}

#[test]
fn a_failed_write_is_reported_and_the_agent_goes_on() {
    let _lock = common::one_agent_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("profiles");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&seen);
    let agent = Agent::builder()
        .directory(&dir)
        .interval(MIN_INTERVAL)
        .on_error(move |e| log.lock().unwrap().push(e.to_string()))
        .start()
        .unwrap();
    assert!(wait_for(Duration::from_secs(10), || agent
        .profiles_written()
        >= 1));

    // The directory disappears under the running agent.
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(wait_for(Duration::from_secs(10), || agent
        .last_error()
        .is_some()));
    let error = agent.last_error().unwrap();
    assert!(matches!(*error, Error::Write { .. }), "{error:?}");
    assert!(!seen.lock().unwrap().is_empty());

    // It comes back, and so do the profiles.
    std::fs::create_dir(&dir).unwrap();
    let written = agent.profiles_written();
    assert!(wait_for(Duration::from_secs(10), || agent
        .profiles_written()
        > written));
    agent.stop().unwrap();
    assert!(!common::profile_files(&dir).is_empty());
}
