//! An in-process CPU profiling agent for Rust services: the service profiles itself with
//! [pprof-rs](https://docs.rs/pprof) and writes one pprof file per interval to a
//! directory, where `argus flamegraph`, `argus diff` and `argus report` read them.
//!
//! ```
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let profiles = dir.path();
//! let agent = argus_agent::Agent::builder()
//!     .directory(profiles) // e.g. "/var/lib/order-api/profiles"
//!     .service_name("order-api")
//!     .interval(Duration::from_secs(60))
//!     .keep(60)
//!     .on_error(|e| eprintln!("profiling: {e}"))
//!     .start()?;
//!
//! // ... the service runs; every minute a file such as
//! // order-api-20260514T093012.345Z-4242.pb.gz appears ...
//!
//! // At shutdown (or when `agent` is dropped) the interval in progress is written too.
//! let last = agent.stop()?;
//! assert!(last.to_string_lossy().ends_with(".pb.gz"));
//! # Ok(())
//! # }
//! ```
//!
//! # The files
//!
//! `<directory>/<service>-<UTC start>-<pid>.pb.gz`: a gzip-compressed pprof `Profile`,
//! renamed into place when complete. Each holds:
//!
//! - sample types `samples`/`count` and `cpu`/`nanoseconds` (the default); one sample
//!   stands for `period` nanoseconds of CPU time, the `ITIMER_PROF` interval
//!   (10 101 000 ns at 99 Hz);
//! - labels `thread` (the thread's name, when it has one), `thread_id` (numeric, the
//!   `pthread_t`), `thread_state` (always `running`) and `pid` (numeric);
//! - `time_nanos` and `duration_nanos` of the interval; stacks leaf first, one location
//!   per (inlined) function and line.
//!
//! # Limits
//!
//! - CPU time only. pprof-rs samples on `SIGPROF`, which fires as the process uses CPU,
//!   so threads that wait (locks, I/O, sleep) are never seen and there is no `wall`
//!   weight: for latency, sample the process from outside.
//! - One agent per process, and none alongside another pprof-rs profiler: the signal
//!   handler and the timer are process-wide ([`Error::AlreadyRunning`]).
//! - Samples taken while a thread runs inside the C library, `libgcc_s` or the vDSO are
//!   dropped, because unwinding from there is unsafe in a signal handler. Time in
//!   `memcpy` or `malloc`, and in system calls (entered through the C library), is
//!   therefore under-counted: compare with a sampler from outside (`perf`) when the
//!   service is syscall-heavy.
//! - The agent's own thread (symbolizing and writing, named [`AGENT_THREAD`]) is left
//!   out of the profiles.
//! - Between two intervals pprof-rs drops and reallocates its sample table while
//!   `SIGPROF` is ignored: tens of milliseconds without samples per interval (5 to
//!   80 ms measured here, over 200 ms on a loaded machine), well under 1 % of the
//!   default 60 s. A profile's `duration_nanos` is the time it really sampled.
//! - Memory: pprof-rs preallocates room for 16 384 stacks (about 70 MB with the default
//!   DWARF unwinding), and symbolizing keeps the binary's parsed debug info. On this
//!   project's test binaries the resident size grew by 180 to 200 MB.
//! - Frequencies above the kernel's tick rate are not reached; see
//!   [`AgentBuilder::frequency`].

//! # Features
//!
//! `agent` (on by default) is the profiler itself. Without it the crate is only
//! [`layout`], the file names of a profile directory, for programs that read or write
//! such directories without profiling themselves.

#[cfg(feature = "agent")]
mod agent;
#[cfg(feature = "agent")]
mod encode;
#[cfg(feature = "agent")]
mod error;
pub mod layout;
#[cfg(feature = "agent")]
mod store;

#[cfg(feature = "agent")]
pub use agent::{AGENT_THREAD, Agent, AgentBuilder, MAX_FREQUENCY, MIN_INTERVAL};
#[cfg(feature = "agent")]
pub use error::Error;
