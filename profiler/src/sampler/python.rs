//! Python stacks read from outside the process by py-spy, used as a library.
//!
//! py-spy's sampler follows subprocesses and jitters its timer (exponentially
//! distributed intervals, so sampling cannot alias with periodic work). Each round
//! stands for one mean interval of wall time. CPU time is measured, not guessed: each
//! thread sample carries the on-CPU time the kernel counted for that thread since its
//! previous sample (`schedstat`), so a thread that was runnable but waiting for a core
//! gets little; a thread found idle gets none (its CPU went to an earlier stack). The state of an idle thread comes from the kernel too: its wait
//! channel tells a lock from I/O from a sleep.

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use py_spy::config::LockingStrategy;

use super::{Batch, Control, Sampler, SamplerError, SamplerOptions};
use crate::access::{self, Environment, Need};
use crate::model::{Frame, FrameKind, RawSample, Runtime, ThreadState, Weight};

/// How long a process that was just started may take to become readable.
const STARTUP_GRACE: Duration = Duration::from_secs(5);

/// Samples a CPython process (3.9–3.13) with py-spy.
pub struct PythonSampler {
    pid: u32,
    options: SamplerOptions,
    /// What `sampler` was made with; a change of rate makes a new one from it.
    config: py_spy::Config,
    sampler: py_spy::sampler::Sampler,
}

impl PythonSampler {
    /// Attaches to `pid`. A process started a moment ago is retried for a few seconds,
    /// until its interpreter is up.
    pub fn attach(pid: u32, options: &SamplerOptions) -> Result<PythonSampler, SamplerError> {
        if !access::process_exists(pid) {
            return Err(SamplerError::NoProcess { pid });
        }
        if let Some(reason) = Environment::current().blocker(pid, Need::Ptrace) {
            return Err(SamplerError::Permission { pid, reason });
        }
        let config = py_spy::Config {
            blocking: if options.blocking {
                LockingStrategy::Lock
            } else {
                LockingStrategy::NonBlocking
            },
            sampling_rate: u64::from(options.rate_hz.max(1)),
            subprocesses: options.subprocesses,
            include_idle: true,
            native: false,
            ..py_spy::Config::default()
        };
        let started = Instant::now();
        let sampler = loop {
            match py_spy::sampler::Sampler::new(pid as py_spy::Pid, &config) {
                Ok(sampler) => break sampler,
                Err(error) => {
                    if !access::process_exists(pid) {
                        return Err(SamplerError::NoProcess { pid });
                    }
                    if started.elapsed() < STARTUP_GRACE && is_young(pid) {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    return Err(explain(pid, &error));
                }
            }
        };
        Ok(PythonSampler {
            pid,
            options: options.clone(),
            config,
            sampler,
        })
    }
}

/// Whether the process started less than the grace period ago.
fn is_young(pid: u32) -> bool {
    std::fs::metadata(format!("/proc/{pid}"))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < STARTUP_GRACE)
}

/// Turns py-spy's error into one that says what is wrong and what still works.
fn explain(pid: u32, error: &impl std::fmt::Display) -> SamplerError {
    let text = format!("{error:#}");
    if text.contains("Unsupported version of Python") {
        SamplerError::Unsupported {
            pid,
            message: format!(
                "{text}; Argus reads CPython 3.9 to 3.13 (py-spy 0.4). Native sampling still \
                 works: `argus profile --pid {pid} --runtime native`"
            ),
        }
    } else if text.contains("Permission denied") || text.contains("Operation not permitted") {
        SamplerError::Permission {
            pid,
            reason: format!("{text}; run `argus profile doctor --pid {pid}` to see what blocks it"),
        }
    } else if text.contains("Failed to find python") || text.contains("python version") {
        SamplerError::Unsupported {
            pid,
            message: format!(
                "this does not look like a CPython process ({text}); for other programs use \
                 `--runtime native`"
            ),
        }
    } else {
        SamplerError::Failed {
            pid,
            message: format!("py-spy could not read the interpreter: {text}"),
        }
    }
}

/// A thread's total on-CPU time in nanoseconds, from `/proc/PID/task/TID/schedstat`.
pub fn thread_cpu_ns(pid: u32, tid: u64) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Turns cumulative per-thread CPU counters into per-sample CPU deltas.
#[derive(Default)]
pub struct CpuClock {
    last: HashMap<(u32, u64), u64>,
}

impl CpuClock {
    /// The CPU time `tid` used since its previous sample, capped at `max_ns`; a thread
    /// seen for the first time, or whose counter cannot be read, gets `fallback_ns`.
    pub fn delta(&mut self, pid: u32, tid: u64, max_ns: u64, fallback_ns: u64) -> u64 {
        match thread_cpu_ns(pid, tid) {
            Some(now) => match self.last.insert((pid, tid), now) {
                Some(before) => now.saturating_sub(before).min(max_ns),
                None => fallback_ns,
            },
            None => fallback_ns,
        }
    }
}

/// The state of a thread that py-spy saw idle, from `/proc/PID/task/TID/wchan`.
fn idle_state(pid: u32, tid: u64) -> ThreadState {
    let wchan =
        std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/wchan")).unwrap_or_default();
    classify_wait(&wchan)
}

/// Maps a kernel wait channel to a thread state.
pub fn classify_wait(wchan: &str) -> ThreadState {
    let w = wchan.trim();
    if w.contains("futex") || w.contains("rwsem") || w.contains("mutex") || w.contains("sem_") {
        ThreadState::Lock
    } else if w.contains("nanosleep")
        || w.contains("hrtimer")
        || w.contains("schedule_timeout") && w.contains("sleep")
    {
        ThreadState::Sleeping
    } else if w.contains("poll")
        || w.contains("select")
        || w.contains("pipe")
        || w.contains("sk_wait")
        || w.contains("tcp")
        || w.contains("unix_stream")
        || w.contains("inet_csk_accept")
        || w.contains("wait_woken")
        || w.contains("io_schedule")
        || w.contains("folio")
        || w.contains("read")
    {
        ThreadState::Io
    } else {
        ThreadState::Idle
    }
}

impl Sampler for PythonSampler {
    fn runtime(&self) -> Runtime {
        Runtime::Python
    }

    fn run(self: Box<Self>, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError> {
        let PythonSampler {
            pid,
            options,
            mut config,
            mut sampler,
        } = *self;
        let interval_of = |hz: u64| 1_000_000_000 / hz.max(1);
        let mut interval = interval_of(config.sampling_rate);
        // The last rate asked for through `control`, tried once even if it failed.
        let mut asked: Option<u32> = None;
        let stats = &control.stats;
        let mut clock = CpuClock::default();
        let mut last_round = Instant::now();
        loop {
            // py-spy's sampler runs at a fixed rate on a thread of its own: a new rate
            // takes a new sampler (reading the interpreter again, a few milliseconds).
            // The old one is dropped after the new one works, so no round is missed.
            if let Some(wanted) = control.rate_hz()
                && asked != Some(wanted)
            {
                asked = Some(wanted);
                let changed = py_spy::Config {
                    sampling_rate: u64::from(wanted),
                    ..config.clone()
                };
                if let Ok(new) = py_spy::sampler::Sampler::new(pid as py_spy::Pid, &changed) {
                    sampler = new;
                    config = changed;
                    interval = interval_of(config.sampling_rate);
                }
            }
            let Some(sample) = sampler.next() else {
                break;
            };
            // A round after a stall stands for the stall too, but never for over a second.
            let round_ns = u64::try_from(last_round.elapsed().as_nanos())
                .unwrap_or(u64::MAX)
                .clamp(interval / 4, 1_000_000_000);
            last_round = Instant::now();
            if control.should_stop() {
                break;
            }
            stats
                .rounds
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if sample.late.is_some() {
                stats
                    .late
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if let Some(errors) = &sample.sampling_errors {
                stats
                    .failed
                    .fetch_add(errors.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
            let mut batch = Vec::with_capacity(sample.traces.len());
            for trace in &sample.traces {
                let state = if trace.active {
                    ThreadState::Running
                } else {
                    match trace.os_thread_id {
                        Some(tid) => idle_state(trace.pid as u32, tid),
                        None => ThreadState::Idle,
                    }
                };
                // CPU used by a thread that is idle now was spent on an earlier stack, not
                // on the wait it is in: only a running thread's delta is attributed.
                let cpu_ns = match (trace.os_thread_id, state) {
                    (Some(tid), ThreadState::Running) => {
                        clock.delta(trace.pid as u32, tid, round_ns, interval)
                    }
                    (Some(tid), _) => {
                        clock.delta(trace.pid as u32, tid, round_ns, 0);
                        0
                    }
                    (None, ThreadState::Running) => interval,
                    (None, _) => 0,
                };
                if options.mode == Weight::Cpu && cpu_ns == 0 {
                    continue;
                }
                let frames = trace
                    .frames
                    .iter()
                    .rev()
                    .map(|f| Frame {
                        name: f.name.clone(),
                        file: Some(f.filename.clone()),
                        line: u32::try_from(f.line).ok().filter(|l| *l > 0),
                        kind: FrameKind::Python,
                    })
                    .collect();
                batch.push(RawSample {
                    pid: trace.pid as u32,
                    tid: trace.os_thread_id.unwrap_or(trace.thread_id),
                    thread_name: trace.thread_name.clone(),
                    state,
                    frames,
                    cpu_ns,
                    wall_ns: interval,
                });
            }
            stats
                .samples
                .fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if !batch.is_empty() && tx.send(batch).is_err() {
                break;
            }
        }
        if !access::process_exists(pid) {
            control.target_exited();
        }
        Ok(())
    }
}
