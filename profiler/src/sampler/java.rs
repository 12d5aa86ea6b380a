//! The Java sampler: the JVM samples itself with Flight Recorder, started and stopped
//! from outside with the JDK's `jcmd`, and the recording is read back with
//! [`crate::jfr`].
//!
//! Flight Recorder walks Java stacks inside the JVM, inlined and interpreted frames
//! alike, which no outside reader of process memory can do safely. The price is that
//! samples arrive when the recording ends, in one go, rather than round by round: the
//! recording is stopped and then sent in batches. A JVM that exits first writes it as it
//! goes (`dumponexit=true`); one that is killed leaves what it flushed, up to a second
//! before, in its disk repository, which is read instead. Nothing is written into the target except through the attach
//! mechanism, and the settings ask only for the events the mode needs.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Batch, Control, Sampler, SamplerError, SamplerOptions};
use crate::access;
use crate::jfr::{self, ReadOptions};
use crate::model::{RawSample, Runtime, Weight};

/// How long a JVM that has just started gets to become attachable.
const READY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the recording loop checks for a stop or the target's exit.
const POLL: Duration = Duration::from_millis(50);
/// How long a JVM that exited mid-recording gets to finish writing its recording.
const EXIT_DUMP_TIMEOUT: Duration = Duration::from_secs(5);
/// Samples per batch sent to the recorder.
const BATCH: usize = 1024;
/// Waits shorter than this are not recorded in wall mode: each recorded wait is an
/// event, and a busy pool parks and unparks many thousand times a second.
const WAIT_THRESHOLD: &str = "1 ms";
/// `SIGQUIT`: HotSpot starts its attach listener when it receives one.
const SIGQUIT: u32 = 3;

/// What still works when Flight Recorder cannot be started, for error messages.
const FALLBACK: &str = "What still works: the native sampler (native stacks only, without \
     Java method names), or restarting the JVM with \
     `-XX:StartFlightRecording=filename=rec.jfr,settings=profile` and reading the file with \
     `argus flamegraph rec.jfr`";

/// Samples one JVM through Flight Recorder. [`JavaSampler::attach`] starts the
/// recording; [`Sampler::run`] waits, stops it and sends what it recorded.
///
/// `SamplerOptions::blocking` changes nothing (Flight Recorder never stops the JVM to
/// sample it), and `subprocesses` is the recorder's business: each JVM needs a sampler.
#[derive(Debug)]
pub struct JavaSampler {
    pid: u32,
    options: SamplerOptions,
    jcmd: Jcmd,
    /// The recording's name inside the JVM.
    name: String,
    files: Scratch,
    /// Nanoseconds since the Unix epoch just before the recording was started.
    started_unix_ns: u64,
    /// When the recording was known to run.
    started: Instant,
    /// Whether the recording may still be running in the JVM.
    active: bool,
    /// The JVM's PID in its own PID namespace, which names its disk repository.
    ns_pid: u32,
}

impl JavaSampler {
    /// Starts a Flight Recorder recording in the JVM `pid`, sampling at
    /// `options.rate_hz`. Fails with what is missing when the JVM cannot be attached to.
    pub fn attach(pid: u32, options: &SamplerOptions) -> Result<JavaSampler, SamplerError> {
        if !access::process_exists(pid) {
            return Err(SamplerError::NoProcess { pid });
        }
        // Another user's process hides its executable and mappings: say so, rather than
        // that it is not a JVM.
        let run_as = attach_identity(pid)?;
        let runtime = super::detect_runtime(pid)?;
        if runtime != Runtime::Java {
            let exe = fs::read_link(format!("/proc/{pid}/exe"))
                .map_or_else(|_| "unknown".to_string(), |p| p.display().to_string());
            return Err(SamplerError::Unsupported {
                pid,
                message: format!(
                    "not a Java virtual machine (its executable is {exe} and it loads no \
                     libjvm.so); use the {} sampler for it",
                    runtime.name()
                ),
            });
        }
        if access::process_command(pid).is_some_and(|c| c.contains("-XX:+DisableAttachMechanism")) {
            return Err(attach_disabled(pid));
        }
        let jcmd = Jcmd::locate(pid, run_as)?;
        wait_until_attachable(pid)?;
        let files = Scratch::create(pid, run_as)?;
        fs::write(files.local("argus.jfc"), settings(options)).map_err(|e| {
            SamplerError::Failed {
                pid,
                message: format!("cannot write the recording settings: {e}"),
            }
        })?;
        let name = format!("argus-{}-{}", std::process::id(), unique());
        let mut sampler = JavaSampler {
            pid,
            options: options.clone(),
            jcmd,
            name,
            files,
            started_unix_ns: unix_now_ns(),
            started: Instant::now(),
            active: false,
            ns_pid: ns_pid(pid),
        };
        sampler.start()?;
        Ok(sampler)
    }

    fn start(&mut self) -> Result<(), SamplerError> {
        let mut args = vec![
            "JFR.start".to_string(),
            format!("name={}", self.name),
            format!("settings={}", self.files.remote("argus.jfc").display()),
            format!("filename={}", self.recording_remote().display()),
            "dumponexit=true".to_string(),
        ];
        if let Some(duration) = self.options.duration {
            // A recording argus never stops (argus killed) ends by itself; the margin
            // leaves room for a slow stop.
            args.push(format!("duration={}s", duration.as_secs() + 60));
            let bytes = (duration.as_secs() + 60)
                .saturating_mul(1 << 20)
                .max(250 << 20);
            args.push(format!("maxsize={bytes}"));
        }
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            self.started_unix_ns = unix_now_ns();
            match self.jcmd.run(self.pid, &args) {
                Ok(out) if out.contains("Started recording") => {
                    self.active = true;
                    self.started = Instant::now();
                    return Ok(());
                }
                Ok(out) | Err(out) => {
                    if !access::process_exists(self.pid) {
                        return Err(SamplerError::NoProcess { pid: self.pid });
                    }
                    // A JVM that is still starting refuses attaches for a moment.
                    if looks_not_ready(&out) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(250));
                        continue;
                    }
                    return Err(jcmd_error(self.pid, "start Flight Recorder", &out));
                }
            }
        }
    }

    fn recording_remote(&self) -> PathBuf {
        self.files.remote("recording.jfr")
    }

    /// Stops the recording and writes it to the file. `Ok(false)` when the JVM exited
    /// before it could be asked.
    fn stop(&mut self) -> Result<bool, SamplerError> {
        let args = [
            "JFR.stop".to_string(),
            format!("name={}", self.name),
            format!("filename={}", self.recording_remote().display()),
        ];
        let result = self.jcmd.run(self.pid, &args);
        self.active = false;
        match result {
            Ok(out) if out.contains("Stopped recording") => Ok(true),
            Ok(out) | Err(out) => {
                if !access::process_exists(self.pid) {
                    return Ok(false);
                }
                // The recording's own duration ran out first: it wrote the file then.
                if fs::metadata(self.files.local("recording.jfr")).is_ok_and(|m| m.len() > 0) {
                    return Ok(true);
                }
                Err(jcmd_error(self.pid, "stop Flight Recorder", &out))
            }
        }
    }

    /// Whether the JVM wrote its recording as it exited (`dumponexit`). It writes before
    /// it exits, so the file is complete once the process is gone.
    fn await_exit_dump(&self) -> bool {
        let deadline = Instant::now() + EXIT_DUMP_TIMEOUT;
        while access::process_exists(self.pid) && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        !access::process_exists(self.pid)
            && fs::metadata(self.files.local("recording.jfr")).is_ok_and(|m| m.len() > 0)
    }

    /// Sends what a JVM that died without writing its recording (SIGKILL, a crash) had
    /// flushed to its disk repository, `/tmp/<start time>_<pid>/`: Flight Recorder
    /// flushes every second, so about the last second is lost. Reachable only in argus's
    /// mount namespace, and only for the default `java.io.tmpdir`.
    fn send_salvaged(&self, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError> {
        let chunks = if self.files.in_our_mounts() {
            repository_chunks(self.ns_pid)
        } else {
            Vec::new()
        };
        if chunks.is_empty() {
            return Err(SamplerError::Failed {
                pid: self.pid,
                message: "the JVM died without writing its Flight Recorder recording (killed \
                          with SIGKILL, or crashed), and left no repository in /tmp to read \
                          it from"
                    .to_string(),
            });
        }
        self.send(&chunks, tx, control)
    }

    /// Reads the recording in `files` (one file, or a repository's chunk files in order)
    /// and sends its samples in batches. A chunk file that cannot be read is skipped
    /// when others can: a repository's last chunk may be cut where the JVM died.
    fn send(
        &self,
        files: &[PathBuf],
        tx: &Sender<Batch>,
        control: &Control,
    ) -> Result<(), SamplerError> {
        let options = ReadOptions {
            mode: self.options.mode,
            pid: self.pid,
            period: Some(self.options.interval()),
            window: Some((self.started_unix_ns, unix_now_ns())),
        };
        let mut batch: Vec<RawSample> = Vec::with_capacity(BATCH);
        let mut receiver_gone = false;
        let mut sink = |sample: RawSample| {
            if receiver_gone {
                return;
            }
            batch.push(sample);
            if batch.len() >= BATCH {
                control
                    .stats
                    .samples
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                receiver_gone = tx.send(std::mem::take(&mut batch)).is_err();
            }
        };
        let mut read = 0;
        let mut first_error = None;
        for file in files {
            match jfr::read_with(file, &options, &mut sink) {
                Ok(_) => read += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if read == 0
            && let Some(e) = first_error
        {
            return Err(SamplerError::Failed {
                pid: self.pid,
                message: format!("cannot read the Flight Recorder recording: {e}"),
            });
        }
        if !batch.is_empty() && !receiver_gone {
            control
                .stats
                .samples
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            // A recorder that hung up wants nothing more.
            let _ = tx.send(batch);
        }
        Ok(())
    }
}

impl Sampler for JavaSampler {
    fn runtime(&self) -> Runtime {
        Runtime::Java
    }

    fn run(mut self: Box<Self>, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError> {
        let period = self.options.interval().as_nanos().max(1);
        let mut exited = false;
        while !control.should_stop() {
            std::thread::sleep(POLL);
            let rounds = self.started.elapsed().as_nanos() / period;
            control
                .stats
                .rounds
                .store(u64::try_from(rounds).unwrap_or(u64::MAX), Ordering::Relaxed);
            if !access::process_exists(self.pid) {
                exited = true;
                break;
            }
        }
        exited = exited || !access::process_exists(self.pid);
        if !exited && !self.stop()? {
            exited = true;
        }
        if exited {
            self.active = false;
            control.target_exited();
            if !self.await_exit_dump() {
                return self.send_salvaged(tx, control);
            }
        }
        self.send(&[self.files.local("recording.jfr")], tx, control)
    }
}

impl Drop for JavaSampler {
    fn drop(&mut self) {
        if self.active && access::process_exists(self.pid) {
            // Without a filename, the recording is discarded.
            let _ = self.jcmd.run(
                self.pid,
                &["JFR.stop".to_string(), format!("name={}", self.name)],
            );
        }
    }
}

/// The `.jfc` settings for `options`. Events a `.jfc` does not name stay off.
fn settings(options: &SamplerOptions) -> String {
    let period = period_setting(options.interval());
    let mut events = vec![
        event("jdk.ExecutionSample", &[("period", &period)]),
        // JDK 25+ (experimental, Linux): samples each thread per period of CPU time it
        // uses, in Java or native code, with no cap on threads; the reader prefers it for
        // CPU weights. Older JVMs ignore events they do not know.
        event(
            "jdk.CPUTimeSample",
            &[
                ("throttle", &period.replace(' ', "")),
                ("stackTrace", "true"),
            ],
        ),
        // Records each recording's settings, so the file says which period it sampled at.
        event("jdk.ActiveSetting", &[]),
        // Stop-the-world pauses, which no execution sample sees: the reader turns them
        // into samples on `[GC]` and `[safepoint]` threads. One event per collection or
        // VM operation, so the cost is small.
        event("jdk.GarbageCollection", &[("threshold", "0 ms")]),
        event("jdk.ExecuteVMOperation", &[("threshold", "0 ms")]),
    ];
    if options.mode == Weight::Wall {
        events.push(event("jdk.NativeMethodSample", &[("period", &period)]));
        for wait in [
            "jdk.ThreadPark",
            "jdk.JavaMonitorEnter",
            "jdk.JavaMonitorWait",
            "jdk.ThreadSleep",
        ] {
            events.push(event(
                wait,
                &[("stackTrace", "true"), ("threshold", WAIT_THRESHOLD)],
            ));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <configuration version=\"2.0\" label=\"Argus\" description=\"Argus {} profile\" \
         provider=\"Argus\">\n{}</configuration>\n",
        options.mode.name(),
        events.concat()
    )
}

fn event(name: &str, settings: &[(&str, &str)]) -> String {
    let mut xml =
        format!("  <event name=\"{name}\">\n    <setting name=\"enabled\">true</setting>\n");
    for (key, value) in settings {
        xml.push_str(&format!("    <setting name=\"{key}\">{value}</setting>\n"));
    }
    xml.push_str("  </event>\n");
    xml
}

/// A JFR timespan: whole milliseconds when exact, microseconds otherwise.
fn period_setting(interval: Duration) -> String {
    let micros = interval.as_micros().max(1);
    if micros.is_multiple_of(1000) {
        format!("{} ms", micros / 1000)
    } else {
        format!("{micros} us")
    }
}

/// The `jcmd` to run and as whom.
#[derive(Debug)]
struct Jcmd {
    program: PathBuf,
    /// The target's effective uid and gid, when argus runs as root and it does not: the
    /// JVM answers attach requests from its own user.
    run_as: Option<(u32, u32)>,
    /// `nsenter`, to run jcmd in the target's mount namespace: a JVM with a private `/tmp`
    /// (systemd's `PrivateTmp`) in argus's PID namespace, where jcmd would look for the
    /// attach socket in argus's `/tmp`. `program` is then a path in that namespace.
    nsenter: Option<PathBuf>,
}

impl Jcmd {
    /// The jcmd for the JVM `pid`, run as `run_as`.
    fn locate(pid: u32, run_as: Option<(u32, u32)>) -> Result<Jcmd, SamplerError> {
        let private_mounts_only = !same_namespace(pid, "mnt") && same_namespace(pid, "pid");
        let root = effective_ids(None).is_some_and(|(uid, _)| uid == 0);
        if private_mounts_only
            && root
            && let Some(bin) = fs::read_link(format!("/proc/{pid}/exe"))
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_path_buf))
            && let Ok(relative) = bin.strip_prefix("/")
            && Path::new(&format!("/proc/{pid}/root"))
                .join(relative)
                .join("jcmd")
                .is_file()
            && let Some(nsenter) = on_path("nsenter")
        {
            return Ok(Jcmd {
                program: bin.join("jcmd"),
                run_as,
                nsenter: Some(nsenter),
            });
        }
        Ok(Jcmd {
            program: find_jcmd(pid)?,
            run_as,
            nsenter: None,
        })
    }

    /// Runs `jcmd PID ARGS...`; the combined output, as `Err` on a failed exit.
    fn run(&self, pid: u32, args: &[String]) -> Result<String, String> {
        let mut command = match &self.nsenter {
            Some(nsenter) => {
                let mut command = Command::new(nsenter);
                command.args(["-t", &pid.to_string(), "-m"]);
                if let Some((uid, gid)) = self.run_as {
                    command.args(["-S", &uid.to_string(), "-G", &gid.to_string()]);
                }
                command.arg("--").arg(&self.program);
                command
            }
            None => {
                let mut command = Command::new(&self.program);
                if let Some((uid, gid)) = self.run_as {
                    command.uid(uid).gid(gid);
                }
                command
            }
        };
        command.arg(pid.to_string()).args(args);
        match command.output() {
            Ok(out) => {
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                if out.status.success() {
                    Ok(text)
                } else {
                    Err(text)
                }
            }
            Err(e) => Err(format!("cannot run {}: {e}", self.program.display())),
        }
    }
}

/// Who must run `jcmd`: `None` for argus itself.
fn attach_identity(pid: u32) -> Result<Option<(u32, u32)>, SamplerError> {
    let (Some(mine), Some(theirs)) = (effective_ids(None), effective_ids(Some(pid))) else {
        return Ok(None);
    };
    if mine == theirs {
        return Ok(None);
    }
    if mine.0 == 0 {
        return Ok(Some(theirs));
    }
    Err(SamplerError::Permission {
        pid,
        reason: format!(
            "the JVM runs as user {} and argus as user {}; a JVM accepts attach requests \
             only from its own user, so run argus as that user (`sudo -u '#{}' argus ...`) \
             or with sudo. What still works: that user can record it with `jcmd {pid} \
             JFR.start name=rec filename=/tmp/rec.jfr` and `jcmd {pid} JFR.stop name=rec`, and \
             `argus flamegraph /tmp/rec.jfr` reads the file",
            theirs.0, mine.0, theirs.0
        ),
    })
}

/// The effective uid and gid of a process (`None`: this one).
fn effective_ids(pid: Option<u32>) -> Option<(u32, u32)> {
    let path = pid.map_or_else(
        || "/proc/self/status".to_string(),
        |p| format!("/proc/{p}/status"),
    );
    let status = fs::read_to_string(path).ok()?;
    let effective = |field: &str| -> Option<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((effective("Uid:")?, effective("Gid:")?))
}

/// `jcmd` from the target's own JDK when it has one, so versions match; then `PATH`.
fn find_jcmd(pid: u32) -> Result<PathBuf, SamplerError> {
    let mut candidates = Vec::new();
    let exe = fs::read_link(format!("/proc/{pid}/exe")).ok();
    if let Some(bin) = exe.as_deref().and_then(Path::parent) {
        candidates.push(bin.join("jcmd"));
        // A JVM in another mount namespace (a container) sees its files under its root.
        if let Ok(relative) = bin.strip_prefix("/") {
            candidates.push(
                Path::new(&format!("/proc/{pid}/root"))
                    .join(relative)
                    .join("jcmd"),
            );
        }
    }
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .or_else(|| on_path("jcmd"))
        .ok_or_else(|| SamplerError::Unsupported {
            pid,
            message: format!(
                "no jcmd next to its JVM ({}) or on PATH; Flight Recorder is started with \
                 the JDK's jcmd, so install the full JDK of the JVM's version (a JRE has \
                 none) or put its bin directory on PATH. {FALLBACK}",
                exe.as_deref()
                    .and_then(Path::parent)
                    .map_or_else(|| "unknown".to_string(), |p| p.display().to_string())
            ),
        })
}

/// `program` in a `PATH` directory.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Whether `pid` shares this process's namespace of `kind` (`mnt`, `pid`).
fn same_namespace(pid: u32, kind: &str) -> bool {
    fs::read_link(format!("/proc/self/ns/{kind}")).ok()
        == fs::read_link(format!("/proc/{pid}/ns/{kind}")).ok()
}

/// Waits until the JVM can answer an attach request: HotSpot catches `SIGQUIT` from early
/// in its start, and a `SIGQUIT` before that would kill it.
fn wait_until_attachable(pid: u32) -> Result<(), SamplerError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if attach_socket_exists(pid) || catches_signal(pid, SIGQUIT) {
            return Ok(());
        }
        if !access::process_exists(pid) {
            return Err(SamplerError::NoProcess { pid });
        }
        if Instant::now() >= deadline {
            return Err(SamplerError::Unsupported {
                pid,
                message: format!(
                    "the JVM does not handle SIGQUIT, which starts its attach listener (was it \
                     started with -Xrs?), and has no attach socket, so argus cannot start \
                     Flight Recorder in it. {FALLBACK}"
                ),
            });
        }
        std::thread::sleep(POLL);
    }
}

fn catches_signal(pid: u32, signal: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let mask = s
                .lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))?
                .trim()
                .to_string();
            u64::from_str_radix(&mask, 16).ok()
        })
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

/// `/tmp/.java_pid<PID>` as the JVM sees it, with its PID in its own namespace.
fn attach_socket_exists(pid: u32) -> bool {
    let ns_pid = ns_pid(pid);
    Path::new(&format!("/proc/{pid}/root/tmp/.java_pid{ns_pid}")).exists()
}

/// A process's PID in its own PID namespace (a container's), `pid` when it shares ours.
fn ns_pid(pid: u32) -> u32 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("NSpid:"))?
                .split_whitespace()
                .last()?
                .parse::<u32>()
                .ok()
        })
        .unwrap_or(pid)
}

/// The chunk files of the Flight Recorder disk repositories a JVM with PID `ns_pid` kept
/// in `/tmp` (`2026_11_27_14_26_46_<pid>/2026_11_27_14_26_46.jfr`), oldest first. Chunks
/// from before the recording, or from an earlier process with the same PID, fall outside
/// its time window when read.
fn repository_chunks(ns_pid: u32) -> Vec<PathBuf> {
    let suffix = format!("_{ns_pid}");
    let Ok(entries) = fs::read_dir("/tmp") else {
        return Vec::new();
    };
    let mut chunks: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(&suffix) && name.starts_with(|c: char| c.is_ascii_digit())
        })
        .filter_map(|dir| fs::read_dir(dir.path()).ok())
        .flat_map(|files| files.filter_map(Result::ok).map(|f| f.path()))
        .filter(|f| f.extension().is_some_and(|x| x == "jfr"))
        .collect();
    chunks.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    chunks
}

/// Whether jcmd's output says the JVM is not attachable yet, rather than refusing.
fn looks_not_ready(output: &str) -> bool {
    output.contains("Unable to open socket file")
        || output.contains("doesn't respond")
        || output.contains("Connection refused")
}

fn attach_disabled(pid: u32) -> SamplerError {
    SamplerError::Unsupported {
        pid,
        message: format!(
            "this JVM refuses attach requests (it was started with \
             -XX:+DisableAttachMechanism), so argus cannot start Flight Recorder in it. \
             {FALLBACK}"
        ),
    }
}

fn jcmd_error(pid: u32, what: &str, output: &str) -> SamplerError {
    let output = output.trim();
    let output = output
        .strip_prefix(&format!("{pid}:"))
        .unwrap_or(output)
        .trim();
    if output.contains("does not support the attach mechanism") {
        return attach_disabled(pid);
    }
    if output.contains("AttachNotSupportedException") || output.contains("Unable to open socket") {
        return SamplerError::Unsupported {
            pid,
            message: format!("jcmd could not attach to the JVM to {what}: {output}. {FALLBACK}"),
        };
    }
    SamplerError::Failed {
        pid,
        message: format!("jcmd could not {what}: {output}"),
    }
}

/// A private directory for the settings and the recording, which the JVM (maybe another
/// user, maybe in a container) must be able to read and write. Removed on drop.
#[derive(Debug)]
struct Scratch {
    /// The directory as argus sees it.
    local: PathBuf,
    /// The directory as the JVM sees it.
    remote: PathBuf,
}

impl Scratch {
    fn create(pid: u32, owner: Option<(u32, u32)>) -> Result<Scratch, SamplerError> {
        let name = format!("argus-jfr-{pid}-{}", unique());
        let (local, remote) = if same_namespace(pid, "mnt") {
            // argus's own TMPDIR may be closed to the JVM's user.
            let base = match owner {
                Some(_) => PathBuf::from("/tmp"),
                None => std::env::temp_dir(),
            };
            let dir = base.join(&name);
            (dir.clone(), dir)
        } else {
            (
                PathBuf::from(format!("/proc/{pid}/root/tmp")).join(&name),
                Path::new("/tmp").join(&name),
            )
        };
        let failed = |e: std::io::Error, dir: &Path| SamplerError::Failed {
            pid,
            message: format!("cannot create {}: {e}", dir.display()),
        };
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&local)
            .map_err(|e| failed(e, &local))?;
        let scratch = Scratch { local, remote };
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&scratch.local, Some(uid), Some(gid))
                .map_err(|e| failed(e, &scratch.local))?;
        }
        Ok(scratch)
    }

    fn local(&self, file: &str) -> PathBuf {
        self.local.join(file)
    }

    /// Whether the JVM sees the same files as argus.
    fn in_our_mounts(&self) -> bool {
        self.local == self.remote
    }

    fn remote(&self, file: &str) -> PathBuf {
        self.remote.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.local);
    }
}

/// Distinct for every call in this process.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{n}-{nanos:x}")
}

fn unix_now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_settings_sample_at_the_rate_and_record_no_waits() {
        let options = SamplerOptions {
            rate_hz: 200,
            ..SamplerOptions::default()
        };
        let jfc = settings(&options);
        assert!(
            jfc.contains("<event name=\"jdk.ExecutionSample\">"),
            "{jfc}"
        );
        assert!(
            jfc.contains("<setting name=\"period\">5 ms</setting>"),
            "{jfc}"
        );
        assert!(
            jfc.contains("<setting name=\"throttle\">5ms</setting>"),
            "{jfc}"
        );
        assert!(!jfc.contains("jdk.ThreadPark"), "{jfc}");
        assert!(!jfc.contains("jdk.NativeMethodSample"), "{jfc}");
    }

    #[test]
    fn wall_settings_add_native_samples_and_waits() {
        let options = SamplerOptions {
            rate_hz: 99,
            mode: Weight::Wall,
            ..SamplerOptions::default()
        };
        let jfc = settings(&options);
        for event in [
            "jdk.NativeMethodSample",
            "jdk.ThreadPark",
            "jdk.JavaMonitorEnter",
            "jdk.JavaMonitorWait",
            "jdk.ThreadSleep",
        ] {
            assert!(
                jfc.contains(&format!("<event name=\"{event}\">")),
                "{event}: {jfc}"
            );
        }
        assert!(jfc.contains("10101 us"), "{jfc}");
        assert!(
            jfc.contains("<setting name=\"threshold\">1 ms</setting>"),
            "{jfc}"
        );
    }

    #[test]
    fn this_process_catches_no_sigquit_and_has_no_attach_socket() {
        assert!(!attach_socket_exists(std::process::id()));
        assert!(!catches_signal(std::process::id(), SIGQUIT));
    }
}
