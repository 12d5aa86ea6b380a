//! CPU-time sampling with perf events: each thread of the target (and of its child
//! processes with `subprocesses`) gets one `cpu-clock` event per CPU, sampling the
//! thread's user registers and the top of its user stack (plus the kernel call chain
//! when the kernel allows it) every period of CPU time.
//!
//! Records of every event on one CPU go to one ring buffer (`PERF_EVENT_IOC_SET_OUTPUT`),
//! so memory does not grow with the thread count. New threads and processes are found
//! by rescanning `/proc` every 10 ms; a thread that lives shorter than that is missed.
//! `inherit` would catch those, but an inherited event cannot be re-armed with a new
//! period (the jitter below), and a per-thread mapping of an inherited event is
//! refused by the kernel.
//!
//! **Weights.** Each sample carries the event's count (`PERF_SAMPLE_READ`): the CPU time
//! the thread spent on that CPU. A sample weighs the count since the previous sample of
//! its event, so re-arming loses no CPU time. When records were lost (the ring buffer
//! filled while the sampler was kept off CPU; the sample then comes long after its
//! timer started), the next sample weighs only its own period: the lost time is
//! dropped, not piled onto one stack, and counted in `stats.failed`.
//!
//! **Jitter.** A `cpu-clock` event fires every period of the thread's CPU time, strictly
//! periodically, so a workload that alternates with the same period would be sampled
//! in one phase only. After each sample the event is re-armed (`PERF_EVENT_IOC_PERIOD`)
//! so the next sample comes a random 0.5–1.5 periods after the previous one, counting
//! the CPU time that passed before the re-arm.

use std::collections::{HashMap, HashSet};
use std::io;
use std::time::{Duration, Instant};

use perf_event::data::Record as PerfRecord;
use perf_event::events::Software;
use perf_event::{Builder, Counter, SampleFlag};

use super::procfs;
use super::unwind::Regs;
use super::{Capture, StackWalk, UserStack};
use crate::access::{Environment, Need};
use crate::model::ThreadState;
use crate::sampler::{SamplerError, SamplerOptions, Stats};

/// Bytes of user stack copied with each sample.
const STACK_BYTES: u32 = 32 * 1024;
/// How late a timer may fire, in CPU nanoseconds, before samples count as lost.
const TIMER_SLACK_NS: u64 = 100_000;
/// Locked memory for all ring buffers together, when the kernel allows it.
const BUFFER_BUDGET: usize = 32 << 20;
/// Ring buffer sizes per CPU, from the largest that fits the budget (8 MiB, about 250
/// samples: the sampler thread may be kept off CPU for 250 ms at 1 kHz before records
/// are lost) down to what an unprivileged user may lock (about 512 KiB per CPU).
const BUFFER_BYTES: [usize; 6] = [8 << 20, 4 << 20, 2 << 20, 1 << 20, 512 << 10, 128 << 10];
/// `perf_callchain_context` markers: values above this separate kernel and user parts.
const CONTEXT_MAX: u64 = -4095i64 as u64;
const CONTEXT_KERNEL: u64 = -128i64 as u64;
const CONTEXT_USER: u64 = -512i64 as u64;

#[cfg(target_arch = "x86_64")]
mod regs {
    // perf_event_x86_regs: BP = 6, SP = 7, IP = 8; samples list them in bit order.
    pub const MASK: u64 = (1 << 6) | (1 << 7) | (1 << 8);
    pub fn decode(values: &[u64]) -> Option<super::Regs> {
        let [fp, sp, ip] = values.try_into().ok()?;
        Some(super::Regs { ip, sp, fp, lr: 0 })
    }
}

#[cfg(target_arch = "aarch64")]
mod regs {
    // perf_event_arm64_regs: X29 = 29, LR = 30, SP = 31, PC = 32.
    pub const MASK: u64 = (1 << 29) | (1 << 30) | (1 << 31) | (1 << 32);
    pub fn decode(values: &[u64]) -> Option<super::Regs> {
        let [fp, lr, sp, ip] = values.try_into().ok()?;
        Some(super::Regs { ip, sp, fp, lr })
    }
}

/// One perf event: one thread on one CPU.
struct Event {
    /// Index into `CpuSampler::buffers`.
    cpu: usize,
    /// `None` for the event that owns its CPU's ring buffer.
    counter: Option<Counter>,
    /// The event's count at its previous sample.
    last_count: u64,
    /// The count when the event's timer last started: at its previous sample, or at the
    /// re-arm that followed it.
    armed_at: u64,
    /// Whether records were lost in the event's buffer since its last sample.
    may_have_lost: bool,
}

/// A sample read from a ring buffer.
struct RawRecord {
    id: u64,
    pid: u32,
    tid: u32,
    count: Option<u64>,
    period: u64,
    regs: Option<Regs>,
    stack: Vec<u8>,
    callchain: Vec<u64>,
}

/// The perf-event side of a CPU recording.
pub(super) struct CpuSampler {
    pid: u32,
    subprocesses: bool,
    walk: StackWalk,
    period_ns: u64,
    cpus: Vec<usize>,
    /// Whether samples may be taken in the kernel (and kernel frames recorded).
    kernel: bool,
    buffers: Vec<Option<perf_event::Sampler>>,
    events: HashMap<u64, Event>,
    threads: HashMap<(u32, u32), Vec<u64>>,
    rng: fastrand::Rng,
    last_process_scan: Instant,
    processes: Vec<u32>,
}

impl CpuSampler {
    /// Opens events for every thread of the target (and its descendants).
    pub fn open(pid: u32, options: &SamplerOptions, walk: StackWalk) -> Result<Self, SamplerError> {
        let mut sampler = CpuSampler {
            pid,
            subprocesses: options.subprocesses,
            walk,
            period_ns: options
                .interval()
                .as_nanos()
                .try_into()
                .unwrap_or(u64::MAX)
                .max(10_000),
            cpus: online_cpus(),
            kernel: true,
            buffers: Vec::new(),
            events: HashMap::new(),
            threads: HashMap::new(),
            rng: fastrand::Rng::new(),
            last_process_scan: Instant::now(),
            processes: vec![pid],
        };
        sampler.buffers = sampler.cpus.iter().map(|_| None).collect();
        if sampler.subprocesses {
            sampler.processes.extend(procfs::descendants(pid));
        }
        let mut opened = 0;
        for process in sampler.processes.clone() {
            for tid in procfs::tasks(process) {
                match sampler.open_thread(process, tid) {
                    Ok(()) => opened += 1,
                    Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
                    Err(e) => return Err(open_error(pid, &e)),
                }
            }
        }
        if opened == 0 {
            return Err(if procfs::alive(pid) {
                SamplerError::Failed {
                    pid,
                    message: "no thread could be sampled".to_string(),
                }
            } else {
                SamplerError::NoProcess { pid }
            });
        }
        Ok(sampler)
    }

    /// Whether kernel stacks are recorded.
    pub fn records_kernel(&self) -> bool {
        self.kernel
    }

    pub fn tick(&self) -> Duration {
        Duration::from_nanos(self.period_ns / 2)
            .clamp(Duration::from_millis(1), Duration::from_millis(4))
    }

    fn builder(&self, tid: u32, cpu: usize, period: u64) -> Builder<'static> {
        let mut builder = Builder::new(Software::CPU_CLOCK);
        let mut flags = SampleFlag::IP
            | SampleFlag::TID
            | SampleFlag::TIME
            | SampleFlag::ID
            | SampleFlag::READ
            | SampleFlag::PERIOD;
        match self.walk {
            StackWalk::Dwarf => {
                flags |= SampleFlag::REGS_USER | SampleFlag::STACK_USER;
                if self.kernel {
                    flags |= SampleFlag::CALLCHAIN;
                }
                builder
                    .sample_regs_user(regs::MASK)
                    .sample_stack_user(STACK_BYTES)
                    .exclude_callchain_user(true);
            }
            StackWalk::FramePointers => flags |= SampleFlag::CALLCHAIN,
        }
        builder
            .observe_pid(i32::try_from(tid).unwrap_or(i32::MAX))
            .one_cpu(cpu)
            .sample(flags)
            .sample_period(period)
            .exclude_kernel(!self.kernel)
            .exclude_hv(true)
            .enabled(true);
        builder
    }

    /// Opens one event per CPU for a thread. The first event on a CPU maps that CPU's
    /// ring buffer; later ones write into it.
    fn open_thread(&mut self, pid: u32, tid: u32) -> io::Result<()> {
        if self.threads.contains_key(&(pid, tid)) {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(self.cpus.len());
        for index in 0..self.cpus.len() {
            let opened = self.open_event(tid, index);
            let (id, counter) = match opened {
                Ok(event) => event,
                Err(e) => {
                    // Events already opened for this thread close on drop.
                    for id in ids {
                        self.events.remove(&id);
                    }
                    return Err(e);
                }
            };
            self.events.insert(
                id,
                Event {
                    cpu: index,
                    counter,
                    last_count: 0,
                    armed_at: 0,
                    may_have_lost: false,
                },
            );
            ids.push(id);
        }
        self.threads.insert((pid, tid), ids);
        Ok(())
    }

    /// Opens the event of one thread on one CPU: the first on a CPU maps the CPU's ring
    /// buffer (and is returned without a counter: the buffer holds it), later ones are
    /// redirected into that buffer.
    fn open_event(&mut self, tid: u32, index: usize) -> io::Result<(u64, Option<Counter>)> {
        let per_cpu = BUFFER_BUDGET / self.cpus.len().max(1);
        let mut sizes = BUFFER_BYTES
            .iter()
            .skip_while(|&&size| size > per_cpu && size > BUFFER_BYTES[3])
            .peekable();
        loop {
            let counter = self.build(tid, index)?;
            if let Some(owner) = &self.buffers[index] {
                super::sys::set_output(&counter, owner.as_counter())?;
                return Ok((counter.id(), Some(counter)));
            }
            let Some(&size) = sizes.next() else {
                return Err(io::Error::from_raw_os_error(libc::ENOMEM));
            };
            match counter.sampled(size) {
                Ok(buffer) => {
                    let id = buffer.as_counter().id();
                    self.buffers[index] = Some(buffer);
                    return Ok((id, None));
                }
                // Locked memory is limited for unprivileged users: try a smaller buffer.
                Err(e)
                    if sizes.peek().is_some()
                        && matches!(e.raw_os_error(), Some(libc::EPERM | libc::ENOMEM)) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Builds the event of one thread on one CPU, falling back to user-only sampling
    /// when kernel samples are not allowed.
    fn build(&mut self, tid: u32, index: usize) -> io::Result<Counter> {
        let period = self.jittered_period();
        let cpu = self.cpus[index];
        match self.builder(tid, cpu, period).build() {
            Ok(counter) => Ok(counter),
            // Decided on the first event only: every event of a buffer shares one format.
            Err(e) if self.kernel && self.events.is_empty() && is_permission(&e) => {
                self.kernel = false;
                self.builder(tid, cpu, period).build()
            }
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) && raise_file_limit() => {
                self.builder(tid, cpu, period).build()
            }
            Err(e) => Err(e),
        }
    }

    /// Samples at `hz` from each thread's next sample on: every event is re-armed with
    /// a period drawn from this one when it fires.
    pub fn set_rate(&mut self, hz: u32) {
        self.period_ns = (1_000_000_000 / u64::from(hz.max(1))).max(10_000);
    }

    fn jittered_period(&mut self) -> u64 {
        let p = self.period_ns;
        p / 2 + self.rng.u64(0..=p)
    }

    /// Opens events for threads (and, with `subprocesses`, processes) that appeared and
    /// closes those of threads that ended.
    pub fn rescan(&mut self) {
        if self.subprocesses && self.last_process_scan.elapsed() >= Duration::from_millis(50) {
            self.last_process_scan = Instant::now();
            let mut processes = vec![self.pid];
            processes.extend(procfs::descendants(self.pid));
            self.processes = processes;
        }
        let mut live = HashSet::new();
        for &process in &self.processes {
            for tid in procfs::tasks(process) {
                live.insert((process, tid));
            }
        }
        for &(process, tid) in &live {
            // A thread that ends before its events open is simply not sampled.
            let _ = self.open_thread(process, tid);
        }
        let ended: Vec<(u32, u32)> = self
            .threads
            .keys()
            .filter(|k| !live.contains(k))
            .copied()
            .collect();
        for key in ended {
            if let Some(ids) = self.threads.remove(&key) {
                for id in ids {
                    // Buffer owners stay open: other events write into their buffers.
                    if let Some(event) = self.events.get_mut(&id) {
                        event.counter = None;
                    }
                }
            }
        }
    }

    /// Reads every record in the ring buffers, re-arms the events that fired, and
    /// returns the samples as captures.
    pub fn drain(&mut self, stats: &Stats) -> Vec<Capture> {
        let mut records = Vec::new();
        let mut lossy = Vec::new();
        for (index, buffer) in self.buffers.iter_mut().enumerate() {
            let Some(buffer) = buffer else { continue };
            while let Some(record) = buffer.next_record() {
                match record.parse_record() {
                    Ok(PerfRecord::Sample(sample)) => {
                        let Some(id) = sample.id() else { continue };
                        let callchain = sample.callchain().map(<[u64]>::to_vec).unwrap_or_default();
                        let regs = sample
                            .regs_user()
                            .filter(|r| r.regs.len() == regs::MASK.count_ones() as usize)
                            .and_then(|r| regs::decode(&r.regs));
                        records.push(RawRecord {
                            id,
                            pid: sample.pid().unwrap_or(0),
                            tid: sample.tid().unwrap_or(0),
                            count: sample.values().and_then(|v| v.get(0)).map(|e| e.value()),
                            period: sample.period().unwrap_or(self.period_ns),
                            regs,
                            stack: sample.stack_user().map(<[u8]>::to_vec).unwrap_or_default(),
                            callchain,
                        });
                    }
                    Ok(PerfRecord::Lost(lost)) => {
                        lossy.push(index);
                        stats
                            .failed
                            .fetch_add(lost.lost, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(PerfRecord::Throttle(_)) => {
                        stats
                            .late
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(_) => {}
                    Err(_) => {
                        stats
                            .failed
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }
        // A loss record does not reliably say whose samples were lost: every event
        // writing into that buffer may have lost some.
        for event in self.events.values_mut() {
            if lossy.contains(&event.cpu) {
                event.may_have_lost = true;
            }
        }
        let mut captures = Vec::with_capacity(records.len());
        let mut fired: HashMap<u64, u64> = HashMap::new();
        for record in records {
            let weight = match (self.events.get_mut(&record.id), record.count) {
                (Some(event), Some(count)) => {
                    // A sample comes one period (`record.period`) after its timer
                    // started; much later, after a loss, means samples in between were
                    // lost, and their CPU time is dropped rather than piled onto this
                    // sample's stack.
                    let started = event.armed_at.max(event.last_count);
                    let slack = record.period / 2 + TIMER_SLACK_NS;
                    let lost = event.may_have_lost
                        && count.saturating_sub(started) > record.period + slack;
                    event.may_have_lost = false;
                    let delta = count.saturating_sub(event.last_count);
                    event.last_count = count;
                    event.armed_at = count;
                    fired.insert(record.id, count);
                    if lost { record.period } else { delta }
                }
                _ => record.period,
            };
            captures.push(self.capture(record, weight));
        }
        for (id, count) in fired {
            self.rearm(id, count);
        }
        captures
    }

    /// Sets the period of an event that just fired so its next sample lands a random
    /// 0.5–1.5 periods of CPU time after `count` (the count at the sample), or, when
    /// that moment is (nearly) past, a random 0.5–1.5 periods from now.
    fn rearm(&mut self, id: u64, count: u64) {
        let target = self.jittered_period();
        let fallback = self.jittered_period();
        let minimum = self.period_ns / 4;
        let Some(event) = self.events.get_mut(&id) else {
            return;
        };
        let counter = match &mut event.counter {
            Some(counter) => counter,
            None => match self.buffers.get_mut(event.cpu).and_then(Option::as_mut) {
                // Only the owner of a buffer has no counter of its own.
                Some(owner) if owner.as_counter().id() == id => owner.as_counter_mut(),
                _ => return,
            },
        };
        let Ok(now) = counter.read() else {
            return;
        };
        let since = now.saturating_sub(count);
        // When the re-arm comes too late to land the sample at `target`, a fresh random
        // period starts from now: the one left from the last re-arm may be short, and
        // keeping it would make short intervals repeat.
        let period = if target > since + minimum {
            target - since
        } else {
            fallback
        };
        if super::sys::set_period(counter, period).is_ok() {
            event.armed_at = now;
        }
    }

    fn capture(&self, record: RawRecord, weight: u64) -> Capture {
        let (kernel, user_chain) = split_callchain(&record.callchain);
        let user = match (self.walk, record.regs) {
            (StackWalk::Dwarf, Some(regs)) => UserStack::Regs {
                regs,
                stack: record.stack,
            },
            (StackWalk::FramePointers, _) if !user_chain.is_empty() => {
                UserStack::Addresses(user_chain)
            }
            _ => UserStack::None,
        };
        Capture {
            pid: record.pid,
            tid: record.tid,
            state: ThreadState::Running,
            cpu_ns: weight,
            wall_ns: weight,
            user,
            kernel,
        }
    }
}

/// Splits a perf call chain (leaf first, with context markers) into kernel addresses
/// and user lookup addresses (return addresses minus one, past the leaf).
fn split_callchain(chain: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let mut kernel = Vec::new();
    let mut user = Vec::new();
    let mut context = CONTEXT_USER;
    for &address in chain {
        if address >= CONTEXT_MAX {
            context = address;
            continue;
        }
        if context == CONTEXT_KERNEL {
            kernel.push(address);
        } else if context == CONTEXT_USER {
            user.push(if user.is_empty() {
                address
            } else {
                address.saturating_sub(1)
            });
        }
    }
    (kernel, user)
}

fn is_permission(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM))
}

fn open_error(pid: u32, e: &io::Error) -> SamplerError {
    if is_permission(e) {
        let reason = Environment::current()
            .blocker(pid, Need::PerfEvents)
            .unwrap_or_else(|| format!("perf_event_open was refused ({e})"));
        SamplerError::Permission { pid, reason }
    } else {
        SamplerError::Failed {
            pid,
            message: format!("cannot open a perf event: {e}"),
        }
    }
}

/// Raises the soft open-file limit to the hard one (each thread needs one descriptor
/// per CPU); says whether it rose.
fn raise_file_limit() -> bool {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok(),
        _ => false,
    }
}

/// The online CPUs, from `/sys/devices/system/cpu/online` (`0-3,6`).
fn online_cpus() -> Vec<usize> {
    let parsed = std::fs::read_to_string("/sys/devices/system/cpu/online")
        .ok()
        .and_then(|text| parse_cpu_list(text.trim()));
    parsed.unwrap_or_else(|| {
        let n = std::thread::available_parallelism().map_or(1, usize::from);
        (0..n).collect()
    })
}

fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => cpus.extend(a.parse::<usize>().ok()?..=b.parse::<usize>().ok()?),
            None => cpus.push(part.parse().ok()?),
        }
    }
    (!cpus.is_empty()).then_some(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_perf_event_is_a_permission_error_with_a_reason() {
        let error = open_error(
            std::process::id(),
            &io::Error::from_raw_os_error(libc::EACCES),
        );
        match error {
            SamplerError::Permission { reason, .. } => assert!(!reason.is_empty()),
            other => panic!("{other:?}"),
        }
        let error = open_error(1, &io::Error::from_raw_os_error(libc::EINVAL));
        assert!(matches!(error, SamplerError::Failed { .. }), "{error:?}");
    }

    #[test]
    fn parses_cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,6"), Some(vec![0, 1, 2, 3, 6]));
        assert_eq!(parse_cpu_list("0"), Some(vec![0]));
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn callchains_split_into_kernel_and_user_lookup_addresses() {
        let chain = [
            CONTEXT_KERNEL,
            0xffff_1000,
            0xffff_2000,
            CONTEXT_USER,
            0x4010,
            0x4100,
        ];
        let (kernel, user) = split_callchain(&chain);
        assert_eq!(kernel, vec![0xffff_1000, 0xffff_2000]);
        assert_eq!(user, vec![0x4010, 0x40ff]);
    }
}
