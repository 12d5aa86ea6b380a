//! Samplers: one per runtime, each reading a live process from the outside and sending
//! batches of [`RawSample`]s over a channel to the recorder, which builds the profile.
//!
//! A sampler runs on its own thread until [`Control::should_stop`] says so or its target
//! exits. It must never lose what it already sent: the recorder writes whatever arrived.

pub mod governor;
pub mod java;
pub mod native;
pub mod python;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use crate::model::{RawSample, Runtime, Weight};

/// A batch of samples, usually one sampling round over every thread.
pub type Batch = Vec<RawSample>;

/// How to sample.
#[derive(Clone, Debug)]
pub struct SamplerOptions {
    /// Samples per second, per thread.
    pub rate_hz: u32,
    /// `Cpu` keeps on-CPU samples only; `Wall` keeps every thread with its state.
    pub mode: Weight,
    /// Stop the target while reading it (exact stacks, at a cost).
    pub blocking: bool,
    /// Also sample the target's child processes.
    pub subprocesses: bool,
    /// How long the recording will run, when bounded; samplers that record in bulk
    /// (JFR) use it to size their buffers.
    pub duration: Option<Duration>,
}

impl Default for SamplerOptions {
    fn default() -> SamplerOptions {
        SamplerOptions {
            rate_hz: 100,
            mode: Weight::Cpu,
            blocking: false,
            subprocesses: false,
            duration: None,
        }
    }
}

impl SamplerOptions {
    /// The nominal time between samples.
    pub fn interval(&self) -> Duration {
        interval_of(self.rate_hz)
    }
}

/// The nominal time between samples at `hz`.
pub fn interval_of(hz: u32) -> Duration {
    Duration::from_nanos(1_000_000_000 / u64::from(hz.max(1)))
}

/// Shared between the recorder, the sampler thread and whoever watches the target.
#[derive(Clone, Debug, Default)]
pub struct Control {
    stop: Arc<AtomicBool>,
    exited: Arc<AtomicBool>,
    /// A sampling rate set while recording (by the overhead governor); 0 when none was.
    rate_hz: Arc<AtomicU32>,
    pub stats: Arc<Stats>,
}

/// Counters shown while a recording runs.
#[derive(Debug, Default)]
pub struct Stats {
    /// Sampling rounds completed.
    pub rounds: AtomicU64,
    /// Thread samples taken.
    pub samples: AtomicU64,
    /// Rounds that started later than planned.
    pub late: AtomicU64,
    /// Rounds or threads that could not be read.
    pub failed: AtomicU64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            rounds: self.rounds.load(Ordering::Relaxed),
            samples: self.samples.load(Ordering::Relaxed),
            late: self.late.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// A copy of [`Stats`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub rounds: u64,
    pub samples: u64,
    pub late: u64,
    pub failed: u64,
}

impl Control {
    /// Asks the sampler to finish (duration reached, Ctrl-C).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Records that the target process has exited.
    pub fn target_exited(&self) {
        self.exited.store(true, Ordering::SeqCst);
    }

    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::SeqCst)
    }

    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Asks the sampler to sample at `hz` from now on instead of
    /// [`SamplerOptions::rate_hz`]. The Python and native samplers follow within a
    /// sampling round; the Java sampler cannot change the rate of a running JFR recording
    /// and keeps its own.
    pub fn set_rate(&self, hz: u32) {
        self.rate_hz.store(hz.max(1), Ordering::SeqCst);
    }

    /// The rate set with [`Control::set_rate`], if any.
    pub fn rate_hz(&self) -> Option<u32> {
        match self.rate_hz.load(Ordering::SeqCst) {
            0 => None,
            hz => Some(hz),
        }
    }

    /// The rate to sample at now: the one set while recording, else the option's.
    pub fn current_rate(&self, options: &SamplerOptions) -> u32 {
        self.rate_hz().unwrap_or(options.rate_hz).max(1)
    }

    /// Whether the sampler should finish now.
    pub fn should_stop(&self) -> bool {
        self.stop_requested() || self.has_exited()
    }
}

/// Why sampling could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SamplerError {
    #[error("no process with PID {pid}; check the PID with `ps -p {pid}`")]
    NoProcess { pid: u32 },
    #[error("cannot read process {pid}: {reason}")]
    Permission { pid: u32, reason: String },
    #[error("process {pid}: {message}")]
    Unsupported { pid: u32, message: String },
    #[error("process {pid}: {message}")]
    Failed { pid: u32, message: String },
}

/// A sampler for one runtime.
pub trait Sampler: Send {
    fn runtime(&self) -> Runtime;

    /// What will be missing from the profile, found while attaching (a stripped binary,
    /// say); shown once before the recording starts.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// Samples until `control.should_stop()` or the target exits, sending batches on
    /// `tx`. Returns once everything it collected has been sent.
    fn run(self: Box<Self>, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError>;
}

/// The runtime of a live process, judged by its executable and mapped libraries.
///
/// Launchers (pyenv shims, `env`, shell wrappers) exec the real program a moment after
/// they start, so a young process that is still a shell is given two seconds to become it.
pub fn detect_runtime(pid: u32) -> Result<Runtime, SamplerError> {
    let started = std::time::Instant::now();
    loop {
        let runtime = detect_runtime_now(pid)?;
        let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let launcher = matches!(exe.as_str(), "sh" | "bash" | "dash" | "zsh" | "env");
        if runtime != Runtime::Native
            || !launcher
            || !is_young(pid)
            || started.elapsed() > Duration::from_secs(2)
        {
            return Ok(runtime);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the process started in the last few seconds.
fn is_young(pid: u32) -> bool {
    std::fs::metadata(format!("/proc/{pid}"))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(5))
}

fn detect_runtime_now(pid: u32) -> Result<Runtime, SamplerError> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"));
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"));
    if exe.is_err() && maps.is_err() {
        if !crate::access::process_exists(pid) {
            return Err(SamplerError::NoProcess { pid });
        }
        let reason = crate::access::Environment::current()
            .blocker(pid, crate::access::Need::Ptrace)
            .unwrap_or_else(|| {
                format!("/proc/{pid}/exe and /proc/{pid}/maps are not readable; run `argus profile doctor --pid {pid}`")
            });
        return Err(SamplerError::Permission { pid, reason });
    }
    let exe_name = exe
        .as_ref()
        .ok()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let maps = maps.unwrap_or_default();
    if maps.contains("/libjvm.so") || exe_name == "java" {
        Ok(Runtime::Java)
    } else if exe_name.starts_with("python")
        || exe_name.starts_with("pypy")
        || maps.contains("/libpython3")
    {
        Ok(Runtime::Python)
    } else {
        Ok(Runtime::Native)
    }
}

/// A sampler for `runtime`, attached to `pid`.
pub fn attach(
    runtime: Runtime,
    pid: u32,
    options: &SamplerOptions,
) -> Result<Box<dyn Sampler>, SamplerError> {
    match runtime {
        Runtime::Python => Ok(Box::new(python::PythonSampler::attach(pid, options)?)),
        Runtime::Java => Ok(Box::new(java::JavaSampler::attach(pid, options)?)),
        Runtime::Native | Runtime::Unknown => {
            Ok(Box::new(native::NativeSampler::attach(pid, options)?))
        }
    }
}
