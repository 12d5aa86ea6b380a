//! What can go wrong when the agent starts, writes a profile or stops, worded so that the
//! operator of the service knows what to change.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// An error of the profiling agent.
///
/// [`AgentBuilder::start`](crate::AgentBuilder::start) returns the errors of the configuration
/// and of the profile directory. Once the agent runs, a failure to write a profile never
/// stops it nor the service: it is kept for [`Agent::last_error`](crate::Agent::last_error)
/// and the agent tries again at the next interval.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "no profile directory was given: call Agent::builder().directory(\"/var/lib/<service>/profiles\")"
    )]
    NoDirectory,

    #[error(
        "the profile directory {} is not writable ({source}): create it, give this process write permission on it, or choose another directory",
        dir.display()
    )]
    DirectoryNotWritable { dir: PathBuf, source: io::Error },

    #[error(
        "the service name {name:?} cannot be part of a file name: use letters, digits, '.', '_' and '-' only"
    )]
    InvalidServiceName { name: String },

    #[error(
        "the sampling frequency {hz} Hz is out of range: use 1 to {max} Hz (99, the default, suits every kernel)",
        max = crate::agent::MAX_FREQUENCY
    )]
    InvalidFrequency { hz: u32 },

    #[error(
        "the profile interval {interval:?} is shorter than {minimum:?}: each interval writes one file, so use a longer one"
    )]
    IntervalTooShort {
        interval: Duration,
        minimum: Duration,
    },

    #[error("keep(0) would delete every profile as soon as it is written: keep at least 1")]
    KeepZero,

    #[error(
        "a CPU profiler is already running in this process: SIGPROF profiling is process-wide, so stop the other agent (or pprof::ProfilerGuard) first"
    )]
    AlreadyRunning,

    #[error("pprof-rs could not start the CPU profiler: {0}")]
    Profiler(#[from] pprof::Error),

    #[error("could not start the agent thread: {0}")]
    Spawn(#[source] io::Error),

    #[error(
        "could not write the profile {} ({source}): check the free space and permissions of its directory",
        path.display()
    )]
    Write { path: PathBuf, source: io::Error },

    #[error(
        "could not list the profile directory {} to delete old profiles ({source})",
        dir.display()
    )]
    List { dir: PathBuf, source: io::Error },

    #[error("could not delete the old profile {} ({source})", path.display())]
    Rotate { path: PathBuf, source: io::Error },

    #[error(
        "the profiler was not running at the end of the interval (it could not be restarted: see the error before this one), so there was no profile to write"
    )]
    NotProfiling,

    #[error("the agent thread panicked; the profile of its last interval is lost")]
    ThreadPanicked,
}
