//! The Java sampler against real JVMs: Java programs compiled here with `javac`, profiled
//! through the `Sampler` trait and a channel as the recorder does it.
//!
//! The JDK comes from `ARGUS_TEST_JAVA_HOME` when set (to check another JDK), else `PATH`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use argus_profiler::model::{Profile, ThreadState, Weight};
use argus_profiler::sampler::java::JavaSampler;
use argus_profiler::sampler::{Control, Sampler, SamplerError, SamplerOptions};

fn jdk_tool(tool: &str) -> PathBuf {
    match std::env::var_os("ARGUS_TEST_JAVA_HOME").filter(|h| !h.is_empty()) {
        Some(home) => Path::new(&home).join("bin").join(tool),
        None => PathBuf::from(tool),
    }
}

/// The test programs, compiled once per test run into Cargo's scratch directory.
fn classes() -> &'static Path {
    static CLASSES: OnceLock<PathBuf> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("java-sampler-classes");
        std::fs::create_dir_all(&dir).unwrap();
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/profiles/java");
        let status = Command::new(jdk_tool("javac"))
            .arg("-d")
            .arg(&dir)
            .arg(sources.join("CpuShares.java"))
            .arg(sources.join("Waiter.java"))
            .status()
            .expect("javac runs: these tests need a JDK on PATH or in ARGUS_TEST_JAVA_HOME");
        assert!(status.success(), "javac failed");
        dir
    })
}

/// A JVM running one of the test programs, stopped when dropped.
struct Jvm {
    child: Child,
}

impl Jvm {
    /// Starts `class` for `seconds`; with `wait_ready`, returns once its workload runs.
    fn start(class: &str, seconds: u32, extra: &[&str], wait_ready: bool) -> Jvm {
        Jvm::start_with(class, seconds, extra, wait_ready, classes(), |_| {})
    }

    /// [`Jvm::start`] from the classes in `classpath`, with a last say on the command
    /// (to run it as another user).
    fn start_with(
        class: &str,
        seconds: u32,
        extra: &[&str],
        wait_ready: bool,
        classpath: &Path,
        configure: impl FnOnce(&mut Command),
    ) -> Jvm {
        let mut command = Command::new(jdk_tool("java"));
        command
            .args(["-Xmx64m", "-Xss512k", "-XX:+UseSerialGC"])
            .args(extra)
            .arg("-cp")
            .arg(classpath)
            .arg(class)
            .arg(seconds.to_string())
            .stdout(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().expect("java runs");
        if wait_ready {
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            assert_eq!(line.trim(), "ready");
        }
        Jvm { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Jvm {
    /// SIGTERM first, so the JVM removes its Flight Recorder repository from /tmp, then
    /// SIGKILL if it lingers.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records `pid` as the recorder does: the sampler on its own thread, batches over a
/// channel, a stop after `duration` unless the target exits first.
fn record(
    sampler: JavaSampler,
    duration: Duration,
) -> (Profile, Control, Result<(), SamplerError>) {
    let sampler: Box<dyn Sampler> = Box::new(sampler);
    let (tx, rx) = mpsc::channel();
    let control = Control::default();
    let worker = {
        let control = control.clone();
        std::thread::spawn(move || sampler.run(&tx, &control))
    };
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline && !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
    }
    control.stop();
    let result = worker.join().unwrap();
    let mut profile = Profile::default();
    for batch in rx {
        for sample in &batch {
            profile.add_raw(sample);
        }
    }
    (profile, control, result)
}

/// A function's self and total weight.
fn weights(profile: &Profile, weight: Weight, label: &str) -> (u64, u64) {
    profile
        .hot_functions(weight)
        .iter()
        .find(|h| h.label == label)
        .map_or((0, 0), |h| (h.self_ns, h.total_ns))
}

fn self_ns(profile: &Profile, weight: Weight, label: &str) -> u64 {
    weights(profile, weight, label).0
}

fn total_ns(profile: &Profile, weight: Weight, label: &str) -> u64 {
    weights(profile, weight, label).1
}

#[test]
fn cpu_mode_puts_the_hot_method_on_top_with_its_share() {
    let jvm = Jvm::start("CpuShares", 30, &[], true);
    // 250 Hz for 6 s: enough samples to tell 60% from 50% on a busy machine.
    let options = SamplerOptions {
        rate_hz: 250,
        ..SamplerOptions::default()
    };
    let sampler = JavaSampler::attach(jvm.pid(), &options).unwrap();
    let (profile, control, result) = record(sampler, Duration::from_secs(6));
    result.unwrap();
    assert!(!control.has_exited());

    let hot = profile.hot_functions(Weight::Cpu);
    assert_eq!(hot[0].label, "CpuShares.hot", "{hot:#?}");
    let [h, w, c] = ["CpuShares.hot", "CpuShares.warm", "CpuShares.cold"]
        .map(|f| self_ns(&profile, Weight::Cpu, f) as f64);
    let sum = h + w + c;
    let shares = [h / sum, w / sum, c / sum];
    eprintln!(
        "CPU shares hot/warm/cold: {:.1}% / {:.1}% / {:.1}% of {} samples",
        shares[0] * 100.0,
        shares[1] * 100.0,
        shares[2] * 100.0,
        profile.sample_count()
    );
    // A few hundred samples: a share is known to a few points.
    for (share, expected) in shares.iter().zip([0.6, 0.3, 0.1]) {
        assert!((share - expected).abs() < 0.1, "{shares:?}");
    }
    assert!(shares[0] > shares[1] && shares[1] > shares[2], "{shares:?}");

    assert!(profile.threads().iter().all(|t| t.pid == jvm.pid()));
    let main = profile
        .threads()
        .iter()
        .find(|t| t.name.as_deref() == Some("main"))
        .unwrap();
    assert!(main.tid > 0);
    let frame = profile
        .frames()
        .iter()
        .find(|f| f.name == "CpuShares.hot")
        .unwrap();
    assert_eq!(frame.file.as_deref(), Some("CpuShares.java"));
    assert!(frame.line.is_some());
    assert!(
        profile
            .samples()
            .iter()
            .all(|s| s.state == ThreadState::Running)
    );
    // About 6 s at 250 Hz, never more. JFR drops a share of its samples (failed stack
    // walks), and its sampler thread falls behind when the machine is busy.
    let stats = control.stats.snapshot();
    assert_eq!(stats.samples, profile.sample_count());
    assert!((250..=1650).contains(&stats.samples), "{stats:?}");
    assert!((1350..=2000).contains(&stats.rounds), "{stats:?}");
}

#[test]
fn wall_mode_gives_the_waiting_method_half_the_wall_time_and_no_cpu() {
    let jvm = Jvm::start("Waiter", 30, &[], true);
    let options = SamplerOptions {
        rate_hz: 100,
        mode: Weight::Wall,
        ..SamplerOptions::default()
    };
    let sampler = JavaSampler::attach(jvm.pid(), &options).unwrap();
    let (profile, _control, result) = record(sampler, Duration::from_secs(5));
    result.unwrap();

    let main_wall = total_ns(&profile, Weight::Wall, "Waiter.main");
    let waiting_wall = total_ns(&profile, Weight::Wall, "Waiter.awaitLock");
    let computing_wall = total_ns(&profile, Weight::Wall, "Waiter.compute");
    let share = waiting_wall as f64 / main_wall as f64;
    eprintln!(
        "wall: awaitLock {:.1}% and compute {:.1}% of main's {:.2} s",
        share * 100.0,
        computing_wall as f64 / main_wall as f64 * 100.0,
        main_wall as f64 / 1e9
    );
    assert!(
        (0.35..0.65).contains(&share),
        "awaitLock has {share:.2} of main's wall time"
    );
    assert!(main_wall > 3_000_000_000, "{main_wall}");
    // Entering the monitor and calling `wait` runs a little Java code, and is sampled as
    // such once in a while.
    let waiting_cpu = total_ns(&profile, Weight::Cpu, "Waiter.awaitLock");
    let computing_cpu = total_ns(&profile, Weight::Cpu, "Waiter.compute");
    assert!(computing_cpu > 500_000_000, "{computing_cpu}");
    assert!(
        waiting_cpu * 50 <= computing_cpu,
        "{waiting_cpu} vs {computing_cpu}"
    );
    assert!(
        profile
            .samples()
            .iter()
            .any(|s| s.state == ThreadState::Lock && s.wall_ns > 30_000_000)
    );
}

#[test]
fn a_jvm_that_exits_mid_recording_still_yields_its_samples() {
    // Attached the moment it starts, so this also covers a JVM that is not ready yet.
    let jvm = Jvm::start("CpuShares", 8, &[], false);
    let sampler = JavaSampler::attach(jvm.pid(), &SamplerOptions::default()).unwrap();
    let started = Instant::now();
    let (profile, control, result) = record(sampler, Duration::from_secs(20));
    result.unwrap();
    assert!(control.has_exited());
    assert!(
        started.elapsed() < Duration::from_secs(16),
        "{:?}",
        started.elapsed()
    );
    assert!(profile.sample_count() > 20, "{}", profile.sample_count());
    assert!(
        self_ns(&profile, Weight::Cpu, "CpuShares.hot") > 0,
        "{:#?}",
        profile.folded(Weight::Cpu)
    );
}

#[test]
fn a_jvm_killed_mid_recording_still_yields_what_it_flushed() {
    let mut jvm = Jvm::start("CpuShares", 30, &[], true);
    let pid = jvm.pid();
    let sampler = JavaSampler::attach(pid, &SamplerOptions::default()).unwrap();
    let killer = std::thread::spawn(move || {
        // Flight Recorder flushes its disk repository every second.
        std::thread::sleep(Duration::from_secs(3));
        jvm.child.kill().unwrap();
        jvm
    });
    let (profile, control, result) = record(sampler, Duration::from_secs(20));
    drop(killer.join().unwrap());
    // A killed JVM cannot remove its repository, `/tmp/<start time>_<pid>`.
    for dir in std::fs::read_dir("/tmp").unwrap().filter_map(Result::ok) {
        if dir
            .file_name()
            .to_string_lossy()
            .ends_with(&format!("_{pid}"))
        {
            let _ = std::fs::remove_dir_all(dir.path());
        }
    }
    result.unwrap();
    assert!(control.has_exited());
    assert!(profile.sample_count() > 20, "{}", profile.sample_count());
    assert!(self_ns(&profile, Weight::Cpu, "CpuShares.hot") > 0);
}

#[test]
fn as_root_it_records_the_jvm_of_another_user() {
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    if !root {
        eprintln!("skipped: only root may attach to another user's JVM");
        return;
    }
    // `nobody`, from classes it can read.
    let readable = tempfile::Builder::new().tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(readable.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(
        classes().join("CpuShares.class"),
        readable.path().join("CpuShares.class"),
    )
    .unwrap();
    let jvm = Jvm::start_with("CpuShares", 30, &[], true, readable.path(), |c| {
        c.uid(65534).gid(65534);
    });
    let sampler = JavaSampler::attach(jvm.pid(), &SamplerOptions::default()).unwrap();
    let (profile, _control, result) = record(sampler, Duration::from_secs(2));
    result.unwrap();
    assert!(self_ns(&profile, Weight::Cpu, "CpuShares.hot") > 0);
}

#[test]
fn a_process_that_is_not_a_jvm_is_refused_with_the_reason() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let err = JavaSampler::attach(child.id(), &SamplerOptions::default()).unwrap_err();
    let _ = child.kill();
    let _ = child.wait();
    assert!(matches!(err, SamplerError::Unsupported { .. }), "{err:?}");
    assert!(
        err.to_string().contains("not a Java virtual machine"),
        "{err}"
    );

    let err = JavaSampler::attach(u32::MAX - 1, &SamplerOptions::default()).unwrap_err();
    assert!(matches!(err, SamplerError::NoProcess { .. }), "{err:?}");
}

#[test]
fn a_jvm_without_attach_says_what_is_missing_and_what_still_works() {
    let jvm = Jvm::start("Waiter", 30, &["-XX:+DisableAttachMechanism"], false);
    let err = JavaSampler::attach(jvm.pid(), &SamplerOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("-XX:+DisableAttachMechanism"), "{message}");
    assert!(message.contains("What still works"), "{message}");
}
