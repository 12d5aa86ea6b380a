//! The native sampler against real processes: C, C++ and Rust programs from
//! `fixtures/profiles/native/`, compiled here, sampled, and killed on drop.

#![expect(clippy::expect_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use argus_profiler::model::{FrameKind, Meta, Profile, Runtime, ThreadState, Weight};
use argus_profiler::sampler::native::{NativeSampler, StackWalk};
use argus_profiler::sampler::{Control, Sampler, SamplerError, SamplerOptions, StatsSnapshot};

/// Kills and reaps the target when the test ends, however it ends.
struct Target(Child);

impl Target {
    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/profiles/native")
        .join(name)
}

/// Builds a fixture into `dir` with `compiler` and `flags`.
fn build(dir: &Path, compiler: &str, flags: &[&str], source: &str) -> PathBuf {
    // `chain.c` builds `chain`; `names.cpp` and `names.rs` build `names_cpp` and `names_rs`.
    let name = source
        .strip_suffix(".c")
        .map_or_else(|| source.replace('.', "_"), str::to_string);
    let out = dir.join(name);
    let status = Command::new(compiler)
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(fixture(source))
        .status()
        .expect("the compiler runs");
    assert!(status.success(), "{compiler} failed on {source}");
    out
}

/// Compiles a C fixture with `gcc -O2 -fomit-frame-pointer -g` plus `extra` flags.
fn compile(dir: &Path, source: &str, extra: &[&str]) -> PathBuf {
    let mut flags = vec!["-O2", "-fomit-frame-pointer", "-g"];
    flags.extend(extra);
    build(dir, "gcc", &flags, source)
}

fn start(binary: &Path, args: &[&str]) -> Target {
    let child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("target starts");
    // Let the dynamic loader finish so the first samples see every library.
    thread::sleep(Duration::from_millis(100));
    Target(child)
}

/// Starts `binary` with `args` and records it with DWARF unwinding; the target is
/// returned alive (unless it exited) so the test can look at it.
fn profile(
    binary: &Path,
    args: &[&str],
    mode: Weight,
    rate_hz: u32,
    duration: Duration,
) -> (Target, Recording) {
    let target = start(binary, args);
    let rec = record(target.pid(), mode, StackWalk::Dwarf, rate_hz, duration);
    (target, rec)
}

struct Recording {
    profile: Profile,
    warnings: Vec<String>,
    stats: StatsSnapshot,
    exited: bool,
    /// CPU time the target used while it was sampled, from `/proc/PID/schedstat`.
    target_cpu_ns: u64,
    /// The CPU weight of each sample, in order.
    cpu_weights: Vec<u64>,
}

/// Nanoseconds a process has spent on a CPU (all its threads).
fn cpu_ns_of(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Stops (`SIGSTOP`) or resumes (`SIGCONT`) the target.
fn pause(pid: u32, paused: bool) {
    use nix::sys::signal::{Signal, kill};
    let signal = if paused {
        Signal::SIGSTOP
    } else {
        Signal::SIGCONT
    };
    let _ = kill(nix::unistd::Pid::from_raw(pid as i32), signal);
}

/// Samples `pid` at `rate_hz` for `duration` (or until it exits) into a profile.
///
/// In CPU mode the target is paused around attaching and stopping, so the CPU time it
/// used while sampled is exactly what `/proc` says it used between the two pauses.
fn record(pid: u32, mode: Weight, walk: StackWalk, rate_hz: u32, duration: Duration) -> Recording {
    let options = SamplerOptions {
        rate_hz,
        mode,
        ..SamplerOptions::default()
    };
    record_with(pid, &options, walk, duration)
}

fn record_with(
    pid: u32,
    options: &SamplerOptions,
    walk: StackWalk,
    duration: Duration,
) -> Recording {
    let mode = options.mode;
    let bracket = mode == Weight::Cpu;
    if bracket {
        pause(pid, true);
    }
    let sampler = NativeSampler::attach_with(pid, options, walk).expect("attaches");
    let cpu_before = cpu_ns_of(pid);
    if bracket {
        pause(pid, false);
    }
    let warnings = sampler.warnings().to_vec();
    let (tx, rx) = mpsc::channel();
    let control = Control::default();
    let worker = {
        let control = control.clone();
        thread::spawn(move || Box::new(sampler).run(&tx, &control))
    };
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline && !control.has_exited() {
        thread::sleep(Duration::from_millis(20));
    }
    if bracket {
        pause(pid, true);
    }
    let cpu_after = cpu_ns_of(pid);
    control.stop();
    worker
        .join()
        .expect("sampler thread")
        .expect("sampler runs");
    if bracket {
        pause(pid, false);
    }
    let mut profile = Profile::new(Meta {
        runtime: Runtime::Native,
        mode,
        ..Meta::default()
    });
    let mut cpu_weights = Vec::new();
    for batch in rx.try_iter() {
        for sample in &batch {
            profile.add_raw(sample);
            cpu_weights.push(sample.cpu_ns);
        }
    }
    Recording {
        profile,
        warnings,
        stats: control.stats.snapshot(),
        exited: control.has_exited(),
        target_cpu_ns: cpu_after.saturating_sub(cpu_before),
        cpu_weights,
    }
}

/// Share of `weight` spent in `function` and what it calls.
fn share(profile: &Profile, weight: Weight, function: &str) -> f64 {
    let total = profile.total(weight) as f64;
    let hot = profile.hot_functions(weight);
    let within = hot
        .iter()
        .find(|h| h.label == function)
        .map_or(0, |h| h.total_ns);
    within as f64 / total
}

/// Folded stacks of one weight whose leaf is `leaf`, with their weights.
fn stacks_ending_in(profile: &Profile, weight: Weight, leaf: &str) -> Vec<(String, u64)> {
    profile
        .folded(weight)
        .into_iter()
        .filter(|(stack, _)| stack.rsplit(';').next() == Some(leaf))
        .collect()
}

#[test]
fn cpu_shares_of_three_functions_match_their_work_within_five_points() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "shares.c", &[]);
    let (_target, rec) = profile(&binary, &[], Weight::Cpu, 1000, Duration::from_secs(4));
    let p = &rec.profile;
    let (a, b, c) = (
        share(p, Weight::Cpu, "hot_a"),
        share(p, Weight::Cpu, "hot_b"),
        share(p, Weight::Cpu, "hot_c"),
    );
    eprintln!(
        "shares a={a:.3} b={b:.3} c={c:.3} samples={} cpu={:.3}s stats={:?}",
        p.sample_count(),
        rec.target_cpu_ns as f64 / 1e9,
        rec.stats
    );
    assert!(p.sample_count() > 200, "{} samples", p.sample_count());
    assert!((a - 0.60).abs() <= 0.05, "hot_a {a:.3}");
    assert!((b - 0.30).abs() <= 0.05, "hot_b {b:.3}");
    assert!((c - 0.10).abs() <= 0.05, "hot_c {c:.3}");
    assert_eq!(p.hot_functions(Weight::Cpu)[0].label, "hot_a");
    // CPU samples are all on-CPU, with CPU and wall weights equal.
    assert!(p.samples().iter().all(|s| s.state == ThreadState::Running));
    assert_eq!(p.total(Weight::Cpu), p.total(Weight::Wall));
    // The weights add up to the CPU time the target used while sampled, less the time
    // after each event's last sample (under 1.5 periods) and that of lost records.
    // perf's clock counts interrupts taken while the thread runs; the scheduler's
    // count in `/proc` does not, so perf comes out about 1 % higher.
    let covered = p.total(Weight::Cpu) as f64 / rec.target_cpu_ns as f64;
    let lost = rec.stats.failed as f64 / rec.stats.samples as f64;
    eprintln!("weights cover {covered:.4} of the CPU time");
    assert!(
        (0.97 - 2.0 * lost..=1.03).contains(&covered),
        "weights cover {covered:.3} of the CPU time ({:?})",
        rec.stats
    );
    // Samples come every 0.5–1.5 periods of CPU time (1 ms at 1 kHz), not every period,
    // so they cannot stay in phase with the workload's 10 ms cycle.
    let mut weights = rec.cpu_weights.clone();
    weights.sort_unstable();
    let quantile = |q: f64| weights[((weights.len() - 1) as f64 * q) as usize] as f64 / 1e6;
    let (q10, q50, q90) = (quantile(0.1), quantile(0.5), quantile(0.9));
    eprintln!("sample weights (ms): p10 {q10:.3} p50 {q50:.3} p90 {q90:.3}");
    assert!(
        q10 < 0.75 && q90 > 1.25,
        "weights are not jittered: {q10} {q50} {q90}"
    );
    assert!((0.6..1.5).contains(&q50), "median weight {q50} ms");
    // Frames name the binary and carry lines from the debug info.
    let frame = p
        .frames()
        .iter()
        .find(|f| f.name == "hot_a")
        .expect("hot_a frame");
    assert_eq!(frame.kind, FrameKind::Native);
    assert!(
        frame
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("/shares")),
        "{frame:?}"
    );
    assert!(frame.line.is_some(), "{frame:?}");
}

/// The share of `leaf`'s CPU weight whose stack holds the whole chain up from `main`,
/// recorded with one stack walk.
fn full_chain_share(pid: u32, walk: StackWalk) -> f64 {
    let rec = record(pid, Weight::Cpu, walk, 200, Duration::from_secs(2));
    let leaf_stacks = stacks_ending_in(&rec.profile, Weight::Cpu, "leaf");
    eprintln!("{walk:?} leaf stacks: {leaf_stacks:?}");
    let leaf_total: u64 = leaf_stacks.iter().map(|(_, w)| w).sum();
    let complete: u64 = leaf_stacks
        .iter()
        .filter(|(s, _)| s.contains("main;outer;middle;leaf"))
        .map(|(_, w)| w)
        .sum();
    assert!(leaf_total > 0, "{walk:?}: no samples in leaf");
    complete as f64 / leaf_total as f64
}

#[test]
fn dwarf_unwinding_recovers_callers_a_frame_pointer_walk_loses() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "chain.c", &[]);
    let target = start(&binary, &[]);
    let dwarf = full_chain_share(target.pid(), StackWalk::Dwarf);
    assert!(
        dwarf >= 0.95,
        "DWARF: {dwarf:.3} of leaf has the full chain"
    );
    let frame_pointers = full_chain_share(target.pid(), StackWalk::FramePointers);
    assert!(
        frame_pointers < 0.05,
        "frame pointers: {frame_pointers:.3} of leaf has the full chain"
    );
}

#[test]
fn wall_mode_puts_half_of_a_sleeping_threads_time_in_the_sleep() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "wall.c", &["-pthread"]);
    let (target, rec) = profile(&binary, &[], Weight::Wall, 200, Duration::from_secs(3));
    let p = &rec.profile;
    let threads = p.threads();
    let worker = threads
        .iter()
        .position(|t| t.name.as_deref() == Some("worker"))
        .expect("worker thread sampled") as u32;
    let main = threads
        .iter()
        .position(|t| t.tid == u64::from(target.pid()))
        .expect("main thread sampled") as u32;
    let wall_of = |thread: u32, state: Option<ThreadState>| -> u64 {
        p.samples()
            .iter()
            .filter(|s| s.thread == thread && state.is_none_or(|st| s.state == st))
            .map(|s| s.wall_ns)
            .sum()
    };
    let worker_total = wall_of(worker, None) as f64;
    let sleeping = wall_of(worker, Some(ThreadState::Sleeping)) as f64 / worker_total;
    let running = wall_of(worker, Some(ThreadState::Running)) as f64 / worker_total;
    let main_lock = wall_of(main, Some(ThreadState::Lock)) as f64 / wall_of(main, None) as f64;
    for state in ThreadState::ALL {
        eprintln!(
            "worker {state}: {:.3}",
            wall_of(worker, Some(state)) as f64 / worker_total
        );
    }
    eprintln!(
        "worker: sleeping {sleeping:.3} running {running:.3}; main lock {main_lock:.3}; \
         {} samples, stats {:?}",
        p.sample_count(),
        rec.stats
    );
    // On a loaded machine the worker also waits for a CPU after each nap, which is
    // time it is runnable: "running" grows a little at the expense of "sleeping".
    let shown = format!(
        "sleeping {sleeping:.3}, running {running:.3}, stats {:?}",
        rec.stats
    );
    assert!((sleeping - 0.5).abs() <= 0.12, "{shown}");
    assert!((running - 0.5).abs() <= 0.12, "{shown}");
    assert!(main_lock >= 0.9, "main thread in lock {main_lock:.3}");
    // Waiting costs no CPU, and the waits are in the functions that wait.
    for sample in p
        .samples()
        .iter()
        .filter(|s| s.state != ThreadState::Running)
    {
        assert_eq!(sample.cpu_ns, 0);
    }
    // A thread that does not stop within a few milliseconds (a loaded machine) is
    // sampled without a stack; the others show where they wait. (A thread can also
    // wake between the state read and the stop: a little sleep lands in `compute`.)
    let (mut in_nap, mut with_stack) = (0, 0);
    for sample in p.samples() {
        let label = p.stack_label(sample.stack);
        if sample.thread == worker
            && sample.state == ThreadState::Sleeping
            && label != "[no frames]"
        {
            with_stack += sample.wall_ns;
            if label.contains("worker;nap;") {
                in_nap += sample.wall_ns;
            }
        }
    }
    assert!(
        in_nap as f64 >= 0.9 * with_stack as f64,
        "{in_nap} of {with_stack} ns in nap"
    );
    assert!(rec.stats.failed * 5 < rec.stats.samples, "{:?}", rec.stats);
    let compute_cpu: u64 = stacks_ending_in(p, Weight::Cpu, "compute")
        .iter()
        .map(|(_, w)| w)
        .sum();
    assert!(
        compute_cpu > 0,
        "running samples of the worker are in compute"
    );
}

#[test]
fn a_target_that_exits_mid_recording_still_yields_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "shares.c", &[]);
    for mode in [Weight::Cpu, Weight::Wall] {
        // The target exits after half a second of CPU time.
        let (_target, rec) = profile(&binary, &["0.5"], mode, 200, Duration::from_secs(10));
        assert!(rec.exited, "{mode:?}: target exit noticed");
        let hot = rec.profile.hot_functions(mode);
        eprintln!(
            "{mode:?} after exit: {} samples",
            rec.profile.sample_count()
        );
        assert!(rec.profile.sample_count() > 20, "{mode:?}");
        // On a loaded machine a wall profile of this program is dominated by the wait
        // for a CPU, which the kernel mostly imposes at its `clock_gettime` calls.
        let in_hot_a = hot
            .iter()
            .find(|h| h.label == "hot_a")
            .map_or(0, |h| h.total_ns);
        assert!(in_hot_a * 3 > rec.profile.total(mode), "{mode:?}: {hot:?}");
    }
}

#[test]
fn a_missing_pid_is_no_process() {
    for mode in [Weight::Cpu, Weight::Wall] {
        let options = SamplerOptions {
            mode,
            ..SamplerOptions::default()
        };
        let err = NativeSampler::attach(u32::MAX - 1, &options).err();
        assert!(
            matches!(err, Some(SamplerError::NoProcess { .. })),
            "{mode:?}: {err:?}"
        );
    }
}

#[test]
fn a_stripped_binary_still_unwinds_and_is_named_by_offset() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "chain.c", &["-s"]);
    let (_target, rec) = profile(&binary, &[], Weight::Cpu, 200, Duration::from_millis(1500));
    assert!(
        rec.warnings
            .iter()
            .any(|w| w.contains("stripped") && w.contains("[chain+0xOFFSET]")),
        "{:?}",
        rec.warnings
    );
    let folded = rec.profile.folded(Weight::Cpu);
    let (heaviest, _) = folded.iter().max_by_key(|(_, w)| *w).expect("samples");
    // main, outer, middle and leaf: four frames of the binary, however they are named.
    let own_frames = heaviest
        .split(';')
        .filter(|f| f.starts_with("[chain+0x"))
        .count();
    eprintln!("stripped: {heaviest}");
    assert!(own_frames >= 4, "{heaviest}");
}

#[test]
fn cpp_and_rust_names_are_demangled_and_rust_stacks_reach_main() {
    let dir = tempfile::tempdir().unwrap();
    let cpp = build(dir.path(), "g++", &["-O2", "-g"], "names.cpp");
    let (_target, rec) = profile(&cpp, &[], Weight::Cpu, 200, Duration::from_secs(1));
    let top = &rec.profile.hot_functions(Weight::Cpu)[0].label;
    assert_eq!(top, "shapes::Area<unsigned long>::compute(unsigned long)");

    let rust = build(
        dir.path(),
        "rustc",
        &["-O", "-g", "-C", "force-frame-pointers=no"],
        "names.rs",
    );
    let (_target, rec) = profile(&rust, &[], Weight::Cpu, 200, Duration::from_secs(1));
    let folded = rec.profile.folded(Weight::Cpu);
    let (heaviest, _) = folded.iter().max_by_key(|(_, w)| *w).unwrap();
    eprintln!("rust: {heaviest}");
    // The Rust runtime sits between `main` and the program's main; a wrong module base
    // (text not at the file offset it is mapped from) skipped it.
    assert!(heaviest.starts_with("_start;"), "{heaviest}");
    assert!(
        heaviest.contains(";main;std::rt::lang_start_internal;"),
        "{heaviest}"
    );
    assert!(
        heaviest.contains(";names::main;names::engine::crunch"),
        "{heaviest}"
    );
}

#[test]
fn subprocesses_are_sampled_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "shares.c", &[]);
    // A shell runs two copies of the program, each for 0.3 s of CPU time.
    let script = format!("'{0}' 0.3 & '{0}' 0.3; wait", binary.display());
    let target = Target(Command::new("sh").args(["-c", &script]).spawn().unwrap());
    thread::sleep(Duration::from_millis(100));
    let options = SamplerOptions {
        rate_hz: 200,
        subprocesses: true,
        ..SamplerOptions::default()
    };
    let rec = record_with(
        target.pid(),
        &options,
        StackWalk::Dwarf,
        Duration::from_secs(10),
    );
    assert!(rec.exited);
    let pids: std::collections::BTreeSet<u32> =
        rec.profile.threads().iter().map(|t| t.pid).collect();
    assert!(pids.len() >= 2, "{pids:?}");
    assert!(
        !pids.contains(&target.pid()),
        "the idle shell has no CPU samples"
    );
    assert_eq!(rec.profile.hot_functions(Weight::Cpu)[0].label, "hot_a");
}

#[test]
fn threads_and_libraries_that_appear_during_the_recording_are_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("libplugin.so");
    let status = Command::new("gcc")
        .args(["-O2", "-g", "-fPIC", "-shared", "-o"])
        .arg(&library)
        .arg(fixture("plugin.c"))
        .status()
        .unwrap();
    assert!(status.success());
    let binary = compile(dir.path(), "late.c", &["-pthread", "-ldl"]);
    // The library and the thread arrive half a second after the start.
    let library = library.display().to_string();
    let (_target, rec) = profile(
        &binary,
        &[&library],
        Weight::Cpu,
        200,
        Duration::from_secs(2),
    );
    let p = &rec.profile;
    let late = p
        .threads()
        .iter()
        .position(|t| t.name.as_deref() == Some("newcomer"))
        .expect("the new thread is sampled") as u32;
    let late_stacks: Vec<String> = p
        .samples()
        .iter()
        .filter(|s| s.thread == late)
        .map(|s| p.stack_label(s.stack))
        .collect();
    assert!(
        late_stacks
            .iter()
            .any(|s| s.contains("start_thread;late_main;plugin_work")),
        "{late_stacks:?}"
    );
    let frame = p.frames().iter().find(|f| f.name == "plugin_work").unwrap();
    assert!(
        frame
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("/libplugin.so")),
        "{frame:?}"
    );
    assert!(frame.line.is_some(), "{frame:?}");
}

#[test]
fn cpu_sampling_does_not_alias_with_a_workload_of_its_own_period() {
    // At 100 Hz the period is 10 ms of CPU time, exactly the workload's cycle: strictly
    // periodic samples would land in the same phase each cycle (hot_a came out near
    // 75 % without jitter). With 300–500 samples, shares hold within 10 points.
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "shares.c", &[]);
    let (_target, rec) = profile(&binary, &[], Weight::Cpu, 100, Duration::from_secs(5));
    let p = &rec.profile;
    let a = share(p, Weight::Cpu, "hot_a");
    let b = share(p, Weight::Cpu, "hot_b");
    let c = share(p, Weight::Cpu, "hot_c");
    eprintln!(
        "at 100 Hz: a={a:.3} b={b:.3} c={c:.3}, {} samples",
        p.sample_count()
    );
    assert!((a - 0.6).abs() <= 0.1, "hot_a {a:.3}");
    assert!((b - 0.3).abs() <= 0.1, "hot_b {b:.3}");
    assert!((c - 0.1).abs() <= 0.1, "hot_c {c:.3}");
}

#[test]
fn wall_sampling_a_process_a_debugger_traces_is_a_permission_error_naming_the_tracer() {
    let dir = tempfile::tempdir().unwrap();
    let binary = compile(dir.path(), "chain.c", &[]);
    let target = start(&binary, &[]);
    // This test plays the debugger: a process has one tracer at a time.
    let pid = nix::unistd::Pid::from_raw(target.pid() as i32);
    nix::sys::ptrace::seize(pid, nix::sys::ptrace::Options::empty()).unwrap();
    let options = SamplerOptions {
        mode: Weight::Wall,
        ..SamplerOptions::default()
    };
    let sampler = NativeSampler::attach(target.pid(), &options).unwrap();
    let (tx, _rx) = mpsc::channel();
    let control = Control::default();
    let result = thread::scope(|scope| {
        let run = scope.spawn(|| Box::new(sampler).run(&tx, &control));
        thread::sleep(Duration::from_millis(300));
        control.stop();
        run.join().unwrap()
    });
    match result {
        Err(SamplerError::Permission { reason, .. }) => {
            assert!(reason.contains("already traces it"), "{reason}");
            assert!(reason.contains(&std::process::id().to_string()), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}
