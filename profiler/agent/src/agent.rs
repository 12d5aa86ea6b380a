//! The agent: a background thread that profiles the process one interval at a time and
//! hands each interval's profile to the store.
//!
//! pprof-rs keeps one profiler per process (one `SIGPROF` handler, one `ITIMER_PROF`
//! timer), so at most one agent runs at a time. Each interval has its own
//! `ProfilerGuard`: dropping a guard is the only way pprof-rs clears its samples. Between
//! two guards the agent only copies the raw stacks out and lets pprof-rs reallocate its
//! table (the tens of milliseconds without samples); symbolizing, encoding and writing
//! happen while the next interval is already sampling.

use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use pprof::protos::Message;
use pprof::{Frames, ProfilerGuard, ProfilerGuardBuilder, UnresolvedReport};

use crate::encode::{self, Interval};
use crate::error::Error;
use crate::layout;
use crate::store::Store;

/// The name of the agent's thread. Its samples are left out of the profiles.
pub const AGENT_THREAD: &str = "argus-agent";

/// The highest sampling rate [`AgentBuilder::frequency`] accepts: the tick rate of
/// common Linux kernels, above which samples are lost.
pub const MAX_FREQUENCY: u32 = 250;

/// The shortest interval [`AgentBuilder::interval`] accepts.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// Libraries in which an interrupted thread is not unwound; such samples are dropped.
/// The DWARF unwinder is not async-signal-safe: unwinding a thread that was stopped inside
/// the C library, the unwinder itself or the vDSO can deadlock or crash. These are
/// substrings of the loaded object's path, matched by pprof-rs.
const BLOCKLIST: [&str; 5] = ["/libc.so", "/libc-", "libgcc_s", "libpthread", "vdso"];

/// Set while an agent owns the process's profiler.
static RUNNING: AtomicBool = AtomicBool::new(false);

type ErrorCallback = Arc<dyn Fn(&Error) + Send + Sync>;

/// Builds an [`Agent`]; see [`Agent::builder`].
#[derive(Clone)]
#[must_use]
pub struct AgentBuilder {
    directory: Option<PathBuf>,
    interval: Duration,
    frequency: u32,
    keep: usize,
    service: Option<String>,
    on_error: Option<ErrorCallback>,
}

impl std::fmt::Debug for AgentBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentBuilder")
            .field("directory", &self.directory)
            .field("interval", &self.interval)
            .field("frequency", &self.frequency)
            .field("keep", &self.keep)
            .field("service", &self.service)
            .field("on_error", &self.on_error.is_some())
            .finish()
    }
}

impl Default for AgentBuilder {
    fn default() -> AgentBuilder {
        AgentBuilder {
            directory: None,
            interval: Duration::from_secs(60),
            frequency: 99,
            keep: 60,
            service: None,
            on_error: None,
        }
    }
}

impl AgentBuilder {
    /// Where profiles are written. Created if missing. Required.
    pub fn directory(mut self, directory: impl Into<PathBuf>) -> AgentBuilder {
        self.directory = Some(directory.into());
        self
    }

    /// How much time one profile file covers. Default 60 s, at least [`MIN_INTERVAL`].
    pub fn interval(mut self, interval: Duration) -> AgentBuilder {
        self.interval = interval;
        self
    }

    /// Samples per second of CPU time, 1 to [`MAX_FREQUENCY`]. Default 99, which does
    /// not run in lockstep with work scheduled every 10 ms.
    ///
    /// Linux fires the process CPU timer on scheduler ticks, so a rate above the
    /// kernel's `CONFIG_HZ` (250 on Debian and Ubuntu, 100 on some kernels) is not
    /// reached, and since each sample counts for `1/hz` seconds the CPU time would be
    /// under-counted: at 500 Hz on a 250 Hz kernel, by half.
    pub fn frequency(mut self, hz: u32) -> AgentBuilder {
        self.frequency = hz;
        self
    }

    /// How many profiles of this service to keep in the directory; older ones are
    /// deleted after each write. Default 60. Files of earlier runs (other pids) of the
    /// same service count too.
    pub fn keep(mut self, profiles: usize) -> AgentBuilder {
        self.keep = profiles;
        self
    }

    /// The first part of the file names. Letters, digits, `.`, `_` and `-`. Default: the
    /// executable's name.
    pub fn service_name(mut self, name: impl Into<String>) -> AgentBuilder {
        self.service = Some(name.into());
        self
    }

    /// Called on the agent's thread with every error after start (a profile that could
    /// not be written, an old one that could not be deleted), for example to log it.
    /// The agent goes on either way.
    pub fn on_error(mut self, callback: impl Fn(&Error) + Send + Sync + 'static) -> AgentBuilder {
        self.on_error = Some(Arc::new(callback));
        self
    }

    /// Checks the settings and the directory, starts profiling and returns the running
    /// agent. Errors here are about the configuration; later ones go to
    /// [`Agent::last_error`] and [`AgentBuilder::on_error`].
    pub fn start(self) -> Result<Agent, Error> {
        let directory = self.directory.clone().ok_or(Error::NoDirectory)?;
        if !(1..=MAX_FREQUENCY).contains(&self.frequency) {
            return Err(Error::InvalidFrequency { hz: self.frequency });
        }
        if self.interval < MIN_INTERVAL {
            return Err(Error::IntervalTooShort {
                interval: self.interval,
                minimum: MIN_INTERVAL,
            });
        }
        if self.keep == 0 {
            return Err(Error::KeepZero);
        }
        let service = match &self.service {
            Some(name) if layout::valid_service_name(name) => name.clone(),
            Some(name) => return Err(Error::InvalidServiceName { name: name.clone() }),
            None => default_service_name(),
        };
        let pid = std::process::id();
        let store = Store::open(&directory, &service, pid, self.keep)?;
        let claim = Claim::take()?;

        let status = Arc::new(Mutex::new(Status::default()));
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::sync_channel::<Result<(), Error>>(1);
        let worker = Worker {
            store,
            interval: self.interval,
            frequency: self.frequency,
            service,
            pid,
            status: Arc::clone(&status),
            on_error: self.on_error,
            _claim: claim,
        };
        let thread = thread::Builder::new()
            .name(AGENT_THREAD.to_string())
            .spawn(move || worker.run(&started_tx, &stop_rx))
            .map_err(Error::Spawn)?;
        match started_rx.recv() {
            Ok(Ok(())) => Ok(Agent {
                directory,
                status,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::ThreadPanicked)
            }
        }
    }
}

/// The executable's file name made fit for a file name, or `service`.
fn default_service_name() -> String {
    let name: String = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if layout::valid_service_name(&name) {
        name
    } else {
        "service".to_string()
    }
}

/// Ownership of the process's profiler, released when dropped.
struct Claim;

impl Claim {
    fn take() -> Result<Claim, Error> {
        RUNNING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Claim)
            .map_err(|_| Error::AlreadyRunning)
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::Release);
    }
}

#[derive(Default)]
struct Status {
    written: u64,
    last_profile: Option<PathBuf>,
    last_error: Option<Arc<Error>>,
}

/// A running profiling agent. Dropping it, or calling [`Agent::stop`], writes the
/// profile of the interval in progress and stops profiling.
#[must_use = "dropping the Agent stops profiling at once"]
pub struct Agent {
    directory: PathBuf,
    status: Arc<Mutex<Status>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<Result<PathBuf, Error>>>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("directory", &self.directory)
            .field("profiles_written", &self.profiles_written())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Starts configuring an agent.
    pub fn builder() -> AgentBuilder {
        AgentBuilder::default()
    }

    /// The directory profiles are written to.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// How many profiles this agent has written.
    pub fn profiles_written(&self) -> u64 {
        self.status().written
    }

    /// The newest profile this agent wrote.
    pub fn last_profile(&self) -> Option<PathBuf> {
        self.status().last_profile.clone()
    }

    /// The most recent error since start. A later successful write does not clear it;
    /// compare [`Agent::profiles_written`] to see whether the agent recovered.
    pub fn last_error(&self) -> Option<Arc<Error>> {
        self.status().last_error.clone()
    }

    /// Writes the profile of the interval in progress, however short, stops profiling
    /// and returns that profile's path.
    pub fn stop(mut self) -> Result<PathBuf, Error> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<PathBuf, Error> {
        // Dropping the sender wakes the worker even if it never reads a message.
        self.stop.take();
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| Error::ThreadPanicked)?,
            None => Err(Error::NotProfiling),
        }
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if self.thread.is_some() {
            // Errors were already recorded and passed to `on_error`.
            let _ = self.shutdown();
        }
    }
}

/// The agent's thread.
struct Worker {
    store: Store,
    interval: Duration,
    frequency: u32,
    service: String,
    pid: u32,
    status: Arc<Mutex<Status>>,
    on_error: Option<ErrorCallback>,
    _claim: Claim,
}

/// One interval being sampled.
struct Running {
    guard: ProfilerGuard<'static>,
    start: SystemTime,
    started: Instant,
}

impl Worker {
    fn run(
        mut self,
        started: &mpsc::SyncSender<Result<(), Error>>,
        stop: &mpsc::Receiver<()>,
    ) -> Result<PathBuf, Error> {
        let mut running = match self.begin() {
            Ok(running) => Some(running),
            Err(error) => {
                let _ = started.send(Err(error));
                return Err(Error::NotProfiling);
            }
        };
        let _ = started.send(Ok(()));
        // Without a running profiler (it could not be restarted), try again an
        // interval later.
        let mut retry_at = Instant::now() + self.interval;
        loop {
            // Each interval lasts `interval` from its own start: the pause between two
            // intervals shifts the next file's time a little rather than cutting an
            // interval short. A write slower than an interval makes the next one longer.
            let deadline = running
                .as_ref()
                .map_or(retry_at, |r| r.started + self.interval);
            let wait = deadline.saturating_duration_since(Instant::now());
            let stopping = match stop.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => false,
                Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            };
            retry_at = Instant::now() + self.interval;
            let finished = running.take().map(|r| self.collect(r));
            if !stopping {
                running = self.begin().map_err(|e| self.record_error(e)).ok();
            }
            let written =
                finished.map(|f| f.and_then(|(report, interval)| self.write(report, &interval)));
            if stopping {
                return match written {
                    Some(Ok(path)) => Ok(path),
                    Some(Err(error)) => {
                        self.notify(&error);
                        Err(error)
                    }
                    None => Err(Error::NotProfiling),
                };
            }
            if let Some(Err(error)) = written {
                self.record_error(error);
            }
        }
    }

    fn begin(&self) -> Result<Running, Error> {
        let frequency = c_int::try_from(self.frequency).unwrap_or(c_int::MAX);
        let guard = ProfilerGuardBuilder::default()
            .frequency(frequency)
            .blocklist(&BLOCKLIST)
            .build()
            .map_err(|e| match e {
                pprof::Error::Running => Error::AlreadyRunning,
                other => Error::Profiler(other),
            })?;
        Ok(Running {
            guard,
            start: SystemTime::now(),
            started: Instant::now(),
        })
    }

    /// Copies the raw stacks out and stops the interval's profiler.
    fn collect(&self, running: Running) -> Result<(UnresolvedReport, Interval), Error> {
        let report = running.guard.report().build_unresolved()?;
        let interval = Interval {
            start: running.start,
            duration: running.started.elapsed(),
            frequency_hz: self.frequency,
            pid: self.pid,
            service: self.service.clone(),
        };
        drop(running.guard);
        Ok((report, interval))
    }

    /// Symbolizes, encodes and writes one interval, then rotates.
    fn write(&mut self, report: UnresolvedReport, interval: &Interval) -> Result<PathBuf, Error> {
        let resolved = report
            .data
            .into_iter()
            .map(|(frames, count)| (Frames::from(frames), count));
        let profile = encode::profile(resolved, interval, AGENT_THREAD);
        let path = self.store.write(interval.start, &profile.encode_to_vec())?;
        {
            let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
            status.written += 1;
            status.last_profile = Some(path.clone());
        }
        if let Err(error) = self.store.rotate() {
            self.record_error(error);
        }
        Ok(path)
    }

    fn notify(&self, error: &Error) {
        if let Some(callback) = &self.on_error {
            callback(error);
        }
    }

    fn record_error(&self, error: Error) {
        self.notify(&error);
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        status.last_error = Some(Arc::new(error));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_can_live_in_a_static() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<Agent>();
        send_and_sync::<AgentBuilder>();
        send_and_sync::<Error>();
    }

    #[test]
    fn the_default_service_name_is_fit_for_a_file_name() {
        assert!(layout::valid_service_name(&default_service_name()));
    }
}
