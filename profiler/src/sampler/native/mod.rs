//! The native sampler: C, C++, Rust and Go processes, read from the outside with no
//! help from the target.
//!
//! Two modes, one pipeline. A mode captures a thread's registers and the top of its
//! stack; the pipeline unwinds that copy with DWARF CFI (framehop, modules from
//! `/proc/PID/maps`), names the addresses (blazesym) and sends [`RawSample`]s.
//!
//! - **CPU** (`cpu.rs`): perf `cpu-clock` events sample each thread after every
//!   (jittered) period of its CPU time, with user registers and a 32 KiB stack copy,
//!   plus kernel frames where the kernel allows. A sample weighs the CPU time since the
//!   previous one. The target is never stopped.
//! - **Wall** (`wall.rs`): every round, every thread, running or blocked, is stopped for
//!   a moment with ptrace and read; its state (running, lock, I/O, sleeping, idle)
//!   comes from `/proc`. A sample weighs the round's interval, and as much CPU when
//!   running. This is how a blocked thread's stack can be read at all, so it happens
//!   whatever [`SamplerOptions::blocking`] says.
//!
//! DWARF unwinding recovers frames that a frame-pointer walk loses in code built without
//! frame pointers (what GCC and Clang do when optimising); [`StackWalk::FramePointers`]
//! keeps the kernel's frame-pointer walk, for comparison or for binaries without CFI.
//!
//! Stripped binaries still unwind (their CFI is in `.eh_frame`, which `strip` keeps);
//! their functions are named `[binary+0xOFFSET]` and [`NativeSampler::warnings`] says so
//! once.
//!
//! **Cost**, measured on a loaded 2-core VM with a release build: in CPU mode the
//! sampler thread spends about 50–60 µs per sample (unwinding, naming, re-arming), about
//! 2 % of a core for one busy thread at 100 Hz; the target pays two IPIs per sample for
//! the re-arm. In wall mode it spends about 115 µs per thread sample, and each thread is
//! stopped for about 40 µs (median; a few ms when it must first wait for a CPU).

mod cpu;
mod procfs;
mod symbols;
mod sys;
mod unwind;
mod wall;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use crate::access::{self, Environment, Need};
use crate::model::{Frame, FrameKind, RawSample, Runtime, ThreadState, Weight};
use crate::sampler::{Batch, Control, Sampler, SamplerError, SamplerOptions};

use self::symbols::Symbols;
use self::unwind::{Regs, Unwinding};

/// How often CPU samples are sent to the recorder.
const BATCH_EVERY: Duration = Duration::from_millis(100);
/// How often CPU mode looks for new threads and checks that the target lives; a thread
/// that lives shorter than this is not sampled.
const RESCAN_EVERY: Duration = Duration::from_millis(10);

/// How CPU samples find their callers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StackWalk {
    /// Copy the top of the user stack and unwind it with DWARF CFI, falling back to
    /// frame pointers in modules without CFI. Exact in code without frame pointers.
    #[default]
    Dwarf,
    /// Take the kernel's frame-pointer walk of the user stack: cheaper, but a function
    /// that does not keep a frame pointer hides its caller or ends the stack. Wall mode
    /// always unwinds with DWARF.
    FramePointers,
}

/// A thread's state at one sample, before unwinding.
struct Capture {
    pid: u32,
    tid: u32,
    state: ThreadState,
    cpu_ns: u64,
    wall_ns: u64,
    user: UserStack,
    /// Kernel addresses, leaf first.
    kernel: Vec<u64>,
}

/// What a capture holds of the user stack.
enum UserStack {
    /// Registers and a copy of the stack from the stack pointer up.
    Regs { regs: Regs, stack: Vec<u8> },
    /// Lookup addresses already walked (leaf first).
    Addresses(Vec<u64>),
    /// Nothing could be read.
    None,
}

/// A capture after unwinding: addresses, not yet names.
struct Unwound {
    pid: u32,
    tid: u32,
    thread_name: Option<String>,
    state: ThreadState,
    cpu_ns: u64,
    wall_ns: u64,
    user: Vec<u64>,
    kernel: Vec<u64>,
}

/// The sampling side of one recording.
enum Engine {
    Cpu(Box<cpu::CpuSampler>),
    Wall(wall::WallSampler),
}

/// Samples a native process. See the module documentation.
pub struct NativeSampler {
    pid: u32,
    options: SamplerOptions,
    engine: Engine,
    unwinding: Unwinding,
    warnings: Vec<String>,
}

impl NativeSampler {
    /// Prepares to sample `pid` with DWARF unwinding. In CPU mode the perf events are
    /// opened (and start counting) here, so permission problems show now.
    pub fn attach(pid: u32, options: &SamplerOptions) -> Result<NativeSampler, SamplerError> {
        Self::attach_with(pid, options, StackWalk::Dwarf)
    }

    /// Like [`attach`](Self::attach), choosing how CPU samples are walked.
    pub fn attach_with(
        pid: u32,
        options: &SamplerOptions,
        walk: StackWalk,
    ) -> Result<NativeSampler, SamplerError> {
        if !access::process_exists(pid) {
            return Err(SamplerError::NoProcess { pid });
        }
        let env = Environment::current();
        let mut warnings = Vec::new();
        let engine = match options.mode {
            Weight::Cpu => {
                if let Some(reason) = env.blocker(pid, Need::PerfEvents) {
                    return Err(SamplerError::Permission { pid, reason });
                }
                let cpu = cpu::CpuSampler::open(pid, options, walk)?;
                if !cpu.records_kernel() {
                    warnings.push(
                        "kernel frames are not recorded (they need root or CAP_PERFMON); \
                         time in system calls shows in the user code that made them"
                            .to_string(),
                    );
                }
                Engine::Cpu(Box::new(cpu))
            }
            Weight::Wall => {
                if let Some(reason) = env.blocker(pid, Need::Ptrace) {
                    return Err(SamplerError::Permission { pid, reason });
                }
                Engine::Wall(wall::WallSampler::new(pid, options.subprocesses))
            }
        };
        let mut unwinding = Unwinding::new();
        unwinding.process(pid);
        for path in unwinding.stripped_executables() {
            warnings.push(stripped_warning(path));
        }
        Ok(NativeSampler {
            pid,
            options: options.clone(),
            engine,
            unwinding,
            warnings,
        })
    }

    /// Things the user should know about this recording, each said once: stripped
    /// executables (named `[binary+0xOFFSET]`), missing kernel frames.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

fn stripped_warning(path: &str) -> String {
    format!(
        "{path} has no symbol table or debug info (stripped): its functions are shown as \
         [{}+0xOFFSET]; `addr2line -f -e UNSTRIPPED_BINARY 0xOFFSET` names them",
        path.rsplit('/').next().unwrap_or(path)
    )
}

impl Sampler for NativeSampler {
    fn runtime(&self) -> Runtime {
        Runtime::Native
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    fn run(self: Box<Self>, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError> {
        let NativeSampler {
            pid,
            options,
            engine,
            unwinding,
            warnings: _,
        } = *self;
        let mut pipeline = Pipeline {
            unwinding,
            symbols: Symbols::new(),
            names: HashMap::new(),
        };
        match engine {
            Engine::Cpu(cpu) => run_cpu(pid, *cpu, &mut pipeline, tx, control),
            Engine::Wall(wall) => run_wall(pid, &options, wall, &mut pipeline, tx, control),
        }
    }
}

fn run_cpu(
    pid: u32,
    mut cpu: cpu::CpuSampler,
    pipeline: &mut Pipeline,
    tx: &Sender<Batch>,
    control: &Control,
) -> Result<(), SamplerError> {
    let tick = cpu.tick();
    let mut unwound: Vec<Unwound> = Vec::new();
    let mut last_send = Instant::now();
    let mut last_scan = Instant::now();
    let mut rate = None;
    loop {
        std::thread::sleep(tick);
        if control.rate_hz() != rate {
            rate = control.rate_hz();
            if let Some(hz) = rate {
                cpu.set_rate(hz);
            }
        }
        let stopping = control.should_stop();
        let scan = stopping || last_scan.elapsed() >= RESCAN_EVERY;
        // Checked before the last drain: a process that is gone writes no more samples.
        let exited = scan && !procfs::alive(pid);
        for capture in cpu.drain(&control.stats) {
            unwound.push(pipeline.unwind(capture));
        }
        if stopping || exited {
            send(pipeline, &mut unwound, tx, control);
            if exited {
                control.target_exited();
            }
            return Ok(());
        }
        if scan {
            last_scan = Instant::now();
            cpu.rescan();
        }
        if last_send.elapsed() >= BATCH_EVERY && !unwound.is_empty() {
            last_send = Instant::now();
            if !send(pipeline, &mut unwound, tx, control) {
                return Ok(());
            }
        }
    }
}

fn run_wall(
    pid: u32,
    options: &SamplerOptions,
    mut wall: wall::WallSampler,
    pipeline: &mut Pipeline,
    tx: &Sender<Batch>,
    control: &Control,
) -> Result<(), SamplerError> {
    let mut rng = fastrand::Rng::new();
    let mut previous: Option<Instant> = None;
    let mut sent_any_stack = false;
    let result = loop {
        if control.should_stop() {
            break Ok(());
        }
        if !procfs::alive(pid) {
            control.target_exited();
            break Ok(());
        }
        let interval = super::interval_of(control.current_rate(options));
        let start = Instant::now();
        let elapsed = previous.map_or(interval, |p| start - p);
        previous = Some(start);
        let mut failed = 0;
        let captures = wall.round(duration_ns(elapsed), &mut failed);
        control.stats.failed.fetch_add(failed, Ordering::Relaxed);
        if !sent_any_stack {
            if captures
                .iter()
                .any(|c| matches!(c.user, UserStack::Regs { .. }))
            {
                sent_any_stack = true;
            } else if let Some(error) = wall.denied() {
                let reason = Environment::current()
                    .blocker(pid, Need::Ptrace)
                    .or_else(|| {
                        procfs::tracer(pid).map(|tracer| {
                            format!(
                                "process {tracer} already traces it (a debugger or strace?); \
                             a process has one tracer at a time, so detach it first"
                            )
                        })
                    })
                    .unwrap_or_else(|| format!("ptrace was refused ({error})"));
                break Err(SamplerError::Permission { pid, reason });
            }
        }
        let mut unwound: Vec<Unwound> = captures.into_iter().map(|c| pipeline.unwind(c)).collect();
        if !send(pipeline, &mut unwound, tx, control) {
            break Ok(());
        }
        // The next round comes 0.5–1.5 intervals after this one started, so rounds
        // cannot stay in step with a periodic workload.
        let next = start + interval.mul_f64(0.5 + rng.f64());
        match next.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            None => {
                control.stats.late.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    wall.finish();
    result
}

/// Names and sends what was unwound; `false` when the recorder has gone away.
fn send(
    pipeline: &mut Pipeline,
    unwound: &mut Vec<Unwound>,
    tx: &Sender<Batch>,
    control: &Control,
) -> bool {
    if unwound.is_empty() {
        return true;
    }
    let batch = pipeline.symbolize(std::mem::take(unwound));
    control.stats.rounds.fetch_add(1, Ordering::Relaxed);
    control
        .stats
        .samples
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    tx.send(batch).is_ok()
}

fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// How long a thread's name is trusted before `/proc` is read again (threads are often
/// named just after they start).
const NAME_TTL: Duration = Duration::from_secs(1);

/// Unwinding and naming, shared by both modes.
struct Pipeline {
    unwinding: Unwinding,
    symbols: Symbols,
    names: HashMap<(u32, u32), (Option<String>, Instant)>,
}

impl Pipeline {
    /// Unwinds a capture now, while the process's modules can still be read.
    fn unwind(&mut self, capture: Capture) -> Unwound {
        let Capture {
            pid,
            tid,
            state,
            cpu_ns,
            wall_ns,
            user,
            kernel,
        } = capture;
        let user = match user {
            UserStack::Regs { regs, stack } => self.unwinding.unwind(pid, &regs, &stack),
            UserStack::Addresses(addresses) => {
                self.unwinding.process(pid);
                addresses
            }
            UserStack::None => Vec::new(),
        };
        let thread_name = match self.names.get(&(pid, tid)) {
            Some((name, read)) if read.elapsed() < NAME_TTL => name.clone(),
            cached => {
                // A thread that has ended keeps the last name read.
                let name =
                    procfs::thread_name(pid, tid).or_else(|| cached.and_then(|c| c.0.clone()));
                self.names
                    .insert((pid, tid), (name.clone(), Instant::now()));
                name
            }
        };
        Unwound {
            pid,
            tid,
            thread_name,
            state,
            cpu_ns,
            wall_ns,
            user,
            kernel,
        }
    }

    /// Names the frames of a batch.
    fn symbolize(&mut self, batch: Vec<Unwound>) -> Vec<RawSample> {
        let mut by_pid: HashMap<u32, Vec<u64>> = HashMap::new();
        for u in &batch {
            by_pid.entry(u.pid).or_default().extend(&u.user);
        }
        for (pid, addrs) in by_pid {
            let alive = procfs::alive(pid);
            self.symbols
                .resolve(pid, &addrs, self.unwinding.loaded(pid), alive);
        }
        batch
            .into_iter()
            .map(|u| {
                let mut frames: Vec<Frame> = Vec::with_capacity(u.user.len() + u.kernel.len());
                for &addr in u.user.iter().rev() {
                    frames.extend(self.symbols.user_frames(u.pid, addr).iter().cloned());
                }
                for &addr in u.kernel.iter().rev() {
                    let frame = self.symbols.kernel_frame(addr);
                    let repeated = frames.last().is_some_and(|last| {
                        last.kind == FrameKind::Kernel && last.name == frame.name
                    });
                    if !repeated {
                        frames.push(frame);
                    }
                }
                RawSample {
                    pid: u.pid,
                    tid: u64::from(u.tid),
                    thread_name: u.thread_name,
                    state: u.state,
                    frames,
                    cpu_ns: u.cpu_ns,
                    wall_ns: u.wall_ns,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn a_function_to_find() -> u64 {
        std::hint::black_box(42)
    }

    #[test]
    fn addresses_of_a_process_that_is_gone_are_named_from_its_files() {
        let me = std::process::id();
        let mut unwinding = Unwinding::new();
        unwinding.process(me);
        let address = a_function_to_find as *const () as u64 + 1;
        let mut symbols = Symbols::new();
        // `alive: false` skips `/proc/PID` and reads the module's file, as after an exit.
        symbols.resolve(me, &[address], unwinding.loaded(me), false);
        let frames = symbols.user_frames(me, address);
        let frame = frames.last().unwrap();
        assert!(frame.name.ends_with("a_function_to_find"), "{frames:?}");
        assert!(
            frame
                .file
                .as_deref()
                .is_some_and(|f| f.contains("argus_profiler")),
            "{frame:?}"
        );
    }
}
