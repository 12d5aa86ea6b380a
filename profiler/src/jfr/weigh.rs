//! How much time each JFR event stands for.
//!
//! Waits (`ThreadPark`, monitor waits, `ThreadSleep`) carry their duration, clipped to the
//! recording window. Samples are rougher. JFR's sampler visits at most 5 threads running
//! Java code and 1 thread in native code per period, round-robin, and drops the samples
//! whose stack walk fails (a quarter to a third of them on a busy JVM).
//!
//! - CPU weight: when the recording has `jdk.CPUTimeSample` events (JDK 25+), they alone
//!   carry it, each the CPU time it was taken after. Otherwise an execution sample stands
//!   for one period, or, when its round hit the 5-thread cap, for the time since its
//!   thread was last sampled, up to a full round-robin cycle.
//! - Wall weight: a thread's observations (samples and waits) split its timeline. A sample
//!   claims the time back to the previous observation and on to the next one, all of it
//!   next to a wait and half of it next to another sample, each side capped at four
//!   round-robin cycles. A cycle is measured from the rounds, since on oversubscribed
//!   CPUs the sampler's own thread starves and visits threads far less often than every
//!   period. Dropped samples and a late sampler thus do not shrink running time next to
//!   sleeping threads, and a thread's wall time adds up to about the time it was watched.

use std::collections::HashMap;

use super::decode::{Decoded, Kind, Timed};
use crate::model::{Frame, RawSample, ThreadState, Weight};

/// `MAX_NR_OF_JAVA_SAMPLES` in HotSpot's `jfrThreadSampler.cpp` (JDK 11 to 25).
const JAVA_SAMPLES_PER_ROUND: u64 = 5;
/// `MAX_NR_OF_NATIVE_SAMPLES`.
const NATIVE_SAMPLES_PER_ROUND: u64 = 1;

/// How far a sample's claim reaches on each side, in round-robin cycles: far enough to
/// bridge three dropped samples in a row, short enough that time nothing observed (waits
/// under the threshold, time blocked inside the VM) is not claimed wholesale.
const CAP_CYCLES: u64 = 4;

/// The sampling periods in effect, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Periods {
    pub execution: u64,
    pub native: u64,
}

/// Turns decoded events inside `window` (Unix ns, inclusive) into samples for `mode`.
pub(super) fn weigh(
    decoded: &Decoded,
    periods: Periods,
    window: (i64, i64),
    mode: Weight,
    pid: u32,
    sink: &mut dyn FnMut(RawSample),
) {
    let (lo, hi) = window;
    let mut events: Vec<&Timed> = decoded
        .events
        .iter()
        .filter(|e| match e.kind {
            Kind::Execution | Kind::CpuTime => true,
            Kind::Native | Kind::Lock | Kind::Sleep => mode == Weight::Wall,
            Kind::Gc | Kind::Safepoint => true,
        })
        .filter(|e| e.start <= hi && e.seen_at() >= lo)
        .collect();
    events.sort_by_key(|e| (e.start, e.thread));

    let cycles = Cycles::new(&events, periods);
    let cpu = cpu_weights(&events, periods, cycles, window);
    let wall = match mode {
        Weight::Cpu => cpu.clone(),
        Weight::Wall => wall_weights(&events, periods, cycles, window),
    };
    for (i, event) in events.iter().enumerate() {
        let (cpu, wall) = (
            cpu.get(i).copied().unwrap_or(0),
            wall.get(i).copied().unwrap_or(0),
        );
        if cpu == 0 && wall == 0 {
            continue;
        }
        let frames = decoded.stacks.get(event.stack);
        let state = match event.kind {
            Kind::Execution | Kind::CpuTime => ThreadState::Running,
            Kind::Native => native_state(frames.and_then(|f| f.last())),
            Kind::Lock => ThreadState::Lock,
            Kind::Sleep => ThreadState::Sleeping,
            Kind::Gc | Kind::Safepoint => ThreadState::Running,
        };
        let thread = decoded.threads.get(event.thread);
        sink(RawSample {
            pid,
            tid: thread.map_or(0, |t| t.tid),
            thread_name: thread.and_then(|t| t.name.clone()),
            state,
            frames: frames.cloned().unwrap_or_default(),
            cpu_ns: cpu,
            wall_ns: wall,
        });
    }
}

/// How long the sampler takes to come back to a thread running (or in native) code: one
/// period per round the round-robin needs to visit every thread seen in that kind of
/// sample, or longer when the sampler fell behind, as it does when the CPUs are
/// oversubscribed and its thread gets few turns.
#[derive(Clone, Copy, Debug)]
struct Cycles {
    java: u64,
    native: u64,
}

impl Cycles {
    fn new(events: &[&Timed], periods: Periods) -> Cycles {
        let cycle = |kind: Kind, period: u64, per_round: u64| {
            let mut threads: Vec<usize> = events
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.thread)
                .collect();
            threads.sort_unstable();
            threads.dedup();
            let threads = threads.len() as u64;
            let nominal = period * threads.div_ceil(per_round).max(1);
            nominal.max(observed_cycle(events, kind, period, threads))
        };
        Cycles {
            java: cycle(Kind::Execution, periods.execution, JAVA_SAMPLES_PER_ROUND),
            native: cycle(Kind::Native, periods.native, NATIVE_SAMPLES_PER_ROUND),
        }
    }
}

/// The cycle as the samples show it: the typical time between sampling rounds, times the
/// rounds it takes to see `threads` threads at the samples a round actually took. 0 when
/// there are too few rounds to tell.
fn observed_cycle(events: &[&Timed], kind: Kind, period: u64, threads: u64) -> u64 {
    let half = i64::try_from(period / 2).unwrap_or(i64::MAX);
    let mut round_starts: Vec<i64> = Vec::new();
    let mut samples = 0u64;
    for event in events.iter().filter(|e| e.kind == kind) {
        samples += 1;
        match round_starts.last() {
            Some(&start) if event.start.saturating_sub(start) <= half => {}
            _ => round_starts.push(event.start),
        }
    }
    if round_starts.len() < 8 {
        return 0;
    }
    // The median gap: rounds that found no thread to sample leave longer gaps, which
    // say nothing about how fast the sampler went.
    let mut gaps: Vec<u64> = round_starts.windows(2).map(|w| gap(w[0], w[1])).collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    let rounds = round_starts.len() as u64;
    // threads / (samples / rounds) rounds, in integer arithmetic.
    median.saturating_mul(threads).saturating_mul(rounds) / samples.max(1)
}

/// CPU weights: see the module comment.
fn cpu_weights(
    events: &[&Timed],
    periods: Periods,
    cycles: Cycles,
    window: (i64, i64),
) -> Vec<u64> {
    if events.iter().any(|e| e.kind == Kind::CpuTime) {
        return events
            .iter()
            .map(|e| match e.kind {
                Kind::CpuTime if e.cpu_time > 0 => e.cpu_time,
                Kind::CpuTime => periods.execution,
                Kind::Gc | Kind::Safepoint => clipped(e, window),
                _ => 0,
            })
            .collect();
    }
    let full_rounds = full_execution_rounds(events, periods.execution);
    let mut last_sampled: HashMap<usize, i64> = HashMap::new();
    let mut weights = vec![0; events.len()];
    for (i, event) in events.iter().enumerate() {
        if matches!(event.kind, Kind::Gc | Kind::Safepoint) {
            weights[i] = clipped(event, window);
        }
        if event.kind != Kind::Execution {
            continue;
        }
        let since_last = last_sampled
            .insert(event.thread, event.start)
            .map(|t| gap(t, event.start));
        weights[i] = match since_last {
            Some(gap) if full_rounds[i] => gap.clamp(periods.execution, cycles.java),
            _ => periods.execution,
        };
    }
    weights
}

/// Wall weights: see the module comment.
fn wall_weights(
    events: &[&Timed],
    periods: Periods,
    cycles: Cycles,
    window: (i64, i64),
) -> Vec<u64> {
    let mut by_thread: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, event) in events.iter().enumerate() {
        // CPU-time samples come from a sampler of their own and carry no wall time.
        if event.kind != Kind::CpuTime {
            by_thread.entry(event.thread).or_default().push(i);
        }
    }
    let mut weights = vec![0; events.len()];
    for indices in by_thread.values() {
        for (n, &i) in indices.iter().enumerate() {
            let event = events[i];
            let (base, cap) = match event.kind {
                Kind::Execution => (periods.execution, CAP_CYCLES * cycles.java),
                Kind::Native => (periods.native, CAP_CYCLES * cycles.native),
                Kind::Lock | Kind::Sleep | Kind::Gc | Kind::Safepoint => {
                    weights[i] = clipped(event, window);
                    continue;
                }
                Kind::CpuTime => continue,
            };
            let claim = |neighbour: Option<&&Timed>, before: bool| match neighbour {
                None => base / 2,
                Some(other) => {
                    let span = if before {
                        gap(other.seen_at(), event.start)
                    } else {
                        gap(event.start, other.start)
                    };
                    let span = span.min(cap);
                    match other.kind {
                        Kind::Execution | Kind::Native | Kind::CpuTime => span / 2,
                        Kind::Lock | Kind::Sleep | Kind::Gc | Kind::Safepoint => span,
                    }
                }
            };
            let previous = n
                .checked_sub(1)
                .and_then(|p| indices.get(p))
                .map(|&p| &events[p]);
            let next = indices.get(n + 1).map(|&x| &events[x]);
            weights[i] = claim(previous, true) + claim(next, false);
        }
    }
    weights
}

/// The part of an event's duration inside the window.
fn clipped(event: &Timed, (lo, hi): (i64, i64)) -> u64 {
    gap(event.start.max(lo), event.seen_at().min(hi))
}

/// Nanoseconds from `from` to `to`, 0 when `to` is earlier.
fn gap(from: i64, to: i64) -> u64 {
    u64::try_from(to.saturating_sub(from)).unwrap_or(0)
}

/// For each event (sorted by time), whether it is an execution sample from a round that
/// took the maximum number of samples, so that running threads may have been skipped.
/// A round is the samples taken within half a period of its first.
fn full_execution_rounds(events: &[&Timed], period: u64) -> Vec<bool> {
    let half = i64::try_from(period / 2).unwrap_or(i64::MAX);
    let mut full = vec![false; events.len()];
    let mut round: Vec<usize> = Vec::new();
    let mut round_start = i64::MIN;
    let mut close = |round: &mut Vec<usize>| {
        if round.len() as u64 >= JAVA_SAMPLES_PER_ROUND {
            for &i in round.iter() {
                full[i] = true;
            }
        }
        round.clear();
    };
    for (i, event) in events.iter().enumerate() {
        if event.kind != Kind::Execution {
            continue;
        }
        if event.start.saturating_sub(round_start) > half {
            close(&mut round);
            round_start = event.start;
        }
        round.push(i);
    }
    close(&mut round);
    full
}

/// A thread in a native method is waiting for I/O when the method belongs to the JDK's
/// file, socket or channel code, and idle (or computing natively, which JFR cannot tell
/// apart) otherwise.
fn native_state(leaf: Option<&Frame>) -> ThreadState {
    const IO_PREFIXES: [&str; 6] = [
        "java.io.",
        "java.net.",
        "sun.nio.",
        "sun.net.",
        "jdk.internal.io.",
        "jdk.internal.net.",
    ];
    match leaf {
        Some(frame) if IO_PREFIXES.iter().any(|p| frame.name.starts_with(p)) => ThreadState::Io,
        _ => ThreadState::Idle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jfr::decode::ThreadInfo;
    use crate::model::FrameKind;

    const MS: i64 = 1_000_000;

    fn decoded(events: Vec<Timed>, threads: usize) -> Decoded {
        let mut d = Decoded::default();
        d.threads = (0..threads)
            .map(|t| ThreadInfo {
                tid: t as u64 + 100,
                name: Some(format!("t{t}")),
            })
            .collect();
        d.stacks = vec![
            vec![Frame::new("Main.run", FrameKind::Java)],
            vec![Frame::new(
                "sun.nio.ch.SocketDispatcher.read0",
                FrameKind::Java,
            )],
        ];
        d.events = events;
        d
    }

    fn sample(kind: Kind, start: i64, thread: usize) -> Timed {
        Timed {
            kind,
            start,
            duration: 0,
            cpu_time: 0,
            thread,
            stack: usize::from(kind == Kind::Native),
        }
    }

    fn run(d: &Decoded, mode: Weight, window: (i64, i64)) -> Vec<RawSample> {
        let periods = Periods {
            execution: 10 * MS as u64,
            native: 20 * MS as u64,
        };
        let mut out = Vec::new();
        weigh(d, periods, window, mode, 7, &mut |s| out.push(s));
        out
    }

    #[test]
    fn a_few_running_threads_weigh_one_period_each() {
        let events = (0..10)
            .flat_map(|round| {
                (0..3).map(move |t| sample(Kind::Execution, round * 10 * MS + t as i64, t))
            })
            .collect();
        let out = run(&decoded(events, 3), Weight::Cpu, (0, i64::MAX));
        assert_eq!(out.len(), 30);
        assert!(
            out.iter()
                .all(|s| s.cpu_ns == 10 * MS as u64 && s.wall_ns == s.cpu_ns)
        );
        assert!(
            out.iter()
                .all(|s| s.pid == 7 && s.state == ThreadState::Running)
        );
    }

    #[test]
    fn threads_skipped_by_full_rounds_weigh_the_time_since_they_were_seen() {
        // Ten running threads, five sampled a round, round-robin: each seen every 20 ms.
        let events = (0..20)
            .flat_map(|round| {
                (0..5).map(move |k| {
                    let t = (round as usize % 2) * 5 + k;
                    sample(Kind::Execution, round * 10 * MS + k as i64, t)
                })
            })
            .collect();
        let out = run(&decoded(events, 10), Weight::Cpu, (0, i64::MAX));
        let total: u64 = out.iter().map(|s| s.cpu_ns).sum();
        // 20 rounds × 10 threads × 10 ms, less the first sighting of each thread.
        let expected = 20 * 10 * 10 * MS as u64 - 10 * 10 * MS as u64;
        assert!(
            total.abs_diff(expected) <= expected / 50,
            "{total} vs {expected}"
        );
    }

    #[test]
    fn one_thread_in_native_code_weighs_its_period_and_waits_on_io() {
        let events = (0..5)
            .map(|i| sample(Kind::Native, i * 20 * MS, 0))
            .collect();
        let d = decoded(events, 1);
        assert!(run(&d, Weight::Cpu, (0, i64::MAX)).is_empty());
        let out = run(&d, Weight::Wall, (0, i64::MAX));
        assert_eq!(out.len(), 5);
        assert!(
            out.iter()
                .all(|s| s.wall_ns == 20 * MS as u64 && s.cpu_ns == 0)
        );
        assert!(out.iter().all(|s| s.state == ThreadState::Io));
    }

    #[test]
    fn dropped_samples_do_not_shrink_running_time_between_waits() {
        // 40 ms of running then a 40 ms wait, eight times; of the samples every 10 ms
        // while running, JFR keeps two of four.
        let mut events = Vec::new();
        for cycle in 0..8 {
            let t0 = cycle * 80 * MS;
            events.push(sample(Kind::Execution, t0 + 5 * MS, 0));
            events.push(sample(Kind::Execution, t0 + 25 * MS, 0));
            events.push(Timed {
                kind: Kind::Lock,
                start: t0 + 40 * MS,
                duration: 40 * MS as u64,
                cpu_time: 0,
                thread: 0,
                stack: 0,
            });
        }
        let out = run(&decoded(events, 1), Weight::Wall, (0, 640 * MS));
        let running: u64 = out
            .iter()
            .filter(|s| s.state == ThreadState::Running)
            .map(|s| s.wall_ns)
            .sum();
        let waiting: u64 = out
            .iter()
            .filter(|s| s.state == ThreadState::Lock)
            .map(|s| s.wall_ns)
            .sum();
        assert_eq!(waiting, 320 * MS as u64);
        // Before the first run there is no wait: its first sample claims half a period
        // back, which happens to be the 5 ms it ran unseen.
        assert_eq!(running, 320 * MS as u64);
        // CPU weights stay one period per sample.
        let cpu: u64 = out.iter().map(|s| s.cpu_ns).sum();
        assert_eq!(cpu, 16 * 10 * MS as u64);
    }

    #[test]
    fn cpu_time_samples_alone_carry_cpu_weight_when_present() {
        let mut events: Vec<Timed> = (0..4)
            .map(|i| sample(Kind::Execution, i * 10 * MS, 0))
            .collect();
        events.extend((0..3).map(|i| Timed {
            cpu_time: 7 * MS as u64,
            ..sample(Kind::CpuTime, i * 10 * MS + 1, 0)
        }));
        let d = decoded(events, 1);
        let cpu = run(&d, Weight::Cpu, (0, i64::MAX));
        assert_eq!(cpu.len(), 3);
        assert!(
            cpu.iter()
                .all(|s| s.cpu_ns == 7 * MS as u64 && s.wall_ns == s.cpu_ns)
        );
        let wall = run(&d, Weight::Wall, (0, i64::MAX));
        let total = |f: fn(&RawSample) -> u64| wall.iter().map(f).sum::<u64>();
        assert_eq!(total(|s| s.cpu_ns), 21 * MS as u64);
        assert_eq!(
            total(|s| s.wall_ns),
            40 * MS as u64,
            "execution samples keep the wall view"
        );
    }

    #[test]
    fn a_sampler_that_falls_behind_still_gives_running_threads_their_wall_time() {
        // Ten threads always running on an oversubscribed machine: the sampler manages
        // one sample every 30 ms instead of five every 10 ms, so each thread is seen
        // every 300 ms.
        let events = (0..100)
            .map(|round| sample(Kind::Execution, round * 30 * MS, round as usize % 10))
            .collect();
        let out = run(&decoded(events, 10), Weight::Wall, (0, 3_000 * MS));
        for thread in 0..10u64 {
            let wall: u64 = out
                .iter()
                .filter(|s| s.tid == thread + 100)
                .map(|s| s.wall_ns)
                .sum();
            let seconds = wall as f64 / 1e9;
            assert!(
                (2.6..3.1).contains(&seconds),
                "thread {thread}: {seconds} s"
            );
        }
    }

    #[test]
    fn waits_are_clipped_to_the_window() {
        let wait = |start: i64, ms: u64, kind| Timed {
            kind,
            start,
            duration: ms * MS as u64,
            cpu_time: 0,
            thread: 0,
            stack: 0,
        };
        let d = decoded(
            vec![
                wait(-30 * MS, 50, Kind::Lock),
                wait(100 * MS, 40, Kind::Sleep),
                wait(-90 * MS, 50, Kind::Lock),
            ],
            1,
        );
        let out = run(&d, Weight::Wall, (0, 120 * MS));
        let walls: Vec<(ThreadState, u64)> = out
            .iter()
            .map(|s| (s.state, s.wall_ns / MS as u64))
            .collect();
        assert_eq!(
            walls,
            vec![(ThreadState::Lock, 20), (ThreadState::Sleeping, 20)]
        );
    }
}
