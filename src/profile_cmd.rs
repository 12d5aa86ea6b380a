//! `argus profile`, `argus flamegraph` and `argus diff`: recording a process and turning
//! profiles into files people and tools can open.

mod continuous;
mod push;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use argus_profiler::format::{self, Format, WriteOptions};
use argus_profiler::model::{Meta, Profile, Runtime, Weight};
use argus_profiler::record::{self, Ending, Recording, Tick};
use argus_profiler::sampler::{self, Control, SamplerOptions};

use crate::cli::{
    DiffArgs, FlamegraphArgs, ModeArg, ProfileArgs, ProfileCommand, ProfileFormat, RuntimeArg,
};

impl From<ModeArg> for Weight {
    fn from(mode: ModeArg) -> Weight {
        match mode {
            ModeArg::Cpu => Weight::Cpu,
            ModeArg::Wall => Weight::Wall,
        }
    }
}

fn chosen_format(path: &Path, format: Option<ProfileFormat>) -> anyhow::Result<Format> {
    let format = match format {
        Some(ProfileFormat::Svg) => Format::Svg,
        Some(ProfileFormat::Folded) => Format::Folded,
        Some(ProfileFormat::Pprof) => Format::Pprof,
        Some(ProfileFormat::Speedscope) => Format::Speedscope,
        None => match Format::from_path(path) {
            Some(format) => format,
            None => bail!(
                "{}: cannot tell the format from the extension; use .svg, .folded, .pb.gz or .json, or pass --format",
                path.display()
            ),
        },
    };
    if !Format::WRITABLE.contains(&format) {
        bail!(
            "{}: Argus cannot write {format} files; use .svg, .folded, .pb.gz or .json",
            path.display()
        );
    }
    Ok(format)
}

pub fn run(args: ProfileArgs) -> anyhow::Result<ExitCode> {
    if let Some(ProfileCommand::Doctor { pid }) = args.command {
        return crate::doctor::run(pid);
    }
    let continuous = continuous::Settings::from_args(&args.continuous, &args.output, args.top)?;
    let formats: Vec<(PathBuf, Format)> = args
        .output
        .iter()
        .map(|path| Ok((path.clone(), chosen_format(path, args.format)?)))
        .collect::<anyhow::Result<_>>()?;
    let control = Control::default();
    let handler_control = control.clone();
    // Ctrl-C ends the recording; the profile is still written.
    ctrlc::set_handler(move || handler_control.stop())
        .context("cannot install the Ctrl-C handler")?;

    let mut child = None;
    let pid = match (args.pid, args.command_line.is_empty()) {
        (Some(pid), true) => pid,
        (None, false) => {
            let spawned = std::process::Command::new(&args.command_line[0])
                .args(&args.command_line[1..])
                .spawn()
                .with_context(|| format!("cannot start `{}`", args.command_line.join(" ")))?;
            let pid = spawned.id();
            child = Some(watch_child(spawned, control.clone()));
            pid
        }
        (Some(_), false) => bail!("give either --pid PID or a command after `--`, not both"),
        (None, true) => bail!(
            "nothing to profile: give --pid PID, or a command after `--` (e.g. `argus profile -- python3 app.py`)"
        ),
    };

    let runtime = match args.runtime {
        RuntimeArg::Auto if !args.command_line.is_empty() => {
            runtime_of_started(pid, &args.command_line[0])?
        }
        RuntimeArg::Auto => sampler::detect_runtime(pid)?,
        RuntimeArg::Python => Runtime::Python,
        RuntimeArg::Java => Runtime::Java,
        RuntimeArg::Native => Runtime::Native,
    };
    if continuous.is_some() {
        continuous::check_runtime(runtime, pid)?;
    }
    let options = SamplerOptions {
        rate_hz: args.rate,
        mode: args.mode.into(),
        blocking: args.blocking,
        subprocesses: args.subprocesses,
        duration: args.duration,
    };
    let sampler = sampler::attach(runtime, pid, &options)?;
    for warning in sampler.warnings() {
        eprintln!("warning: {warning}");
    }
    let target =
        argus_profiler::access::process_command(pid).unwrap_or_else(|| format!("PID {pid}"));
    let meta = Meta {
        runtime,
        mode: options.mode,
        rate_hz: Some(options.rate_hz),
        target: Some(target.clone()),
        ..Meta::default()
    };
    if let Some(settings) = continuous {
        let (recording, intervals) = continuous::run(settings, sampler, meta, pid, &control)?;
        let status = match (&mut child, recording.ending) {
            (Some(child), Ending::TargetExited) => {
                child.wait().ok().map(|s| s.code().unwrap_or(-1))
            }
            _ => None,
        };
        eprintln!(
            "Recorded {intervals} interval{} ({} samples) in {:.1} s ({} late, {} failed); ended because {}.",
            if intervals == 1 { "" } else { "s" },
            recording.stats.samples,
            recording.elapsed.as_secs_f64(),
            recording.stats.late,
            recording.stats.failed,
            why_ended(&recording, status)
        );
        if let Some(error) = &recording.error {
            eprintln!("warning: sampling stopped early: {error}; every interval so far is written");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let interactive = std::io::stderr().is_terminal();
    eprintln!(
        "Recording {} {} of {} ({}) at {} Hz{}. Press Ctrl-C to stop.",
        runtime.name(),
        options.mode.name(),
        target,
        pid,
        options.rate_hz,
        args.duration
            .map(|d| format!(" for {}", humantime::format_duration(d)))
            .unwrap_or_default()
    );
    let top = args.top;
    let mut last_top = std::time::Instant::now();
    let recording = record::record(sampler, meta, args.duration, &control, |tick| {
        if top {
            if last_top.elapsed() >= Duration::from_secs(1) {
                last_top = std::time::Instant::now();
                print_top(&tick, options.mode, interactive);
            }
        } else if interactive {
            eprint!("\r\x1b[2K{}", progress_line(&tick));
        }
    })?;
    if interactive && !top {
        eprint!("\r\x1b[2K");
    }
    // The sampler has let go of the target, so reaping it cannot steal a ptrace stop.
    let status = match (&mut child, recording.ending) {
        (Some(child), Ending::TargetExited) => child.wait().ok().map(|s| s.code().unwrap_or(-1)),
        _ => None,
    };
    report_recording(&recording, status);

    let outputs = if formats.is_empty() && !top {
        let path = PathBuf::from(format!("argus-{}-{pid}.svg", runtime.name()));
        vec![(path, Format::Svg)]
    } else {
        formats
    };
    let write_options = WriteOptions {
        weight: options.mode,
        icicle: args.icicle,
        title: None,
    };
    for (path, format) in &outputs {
        format::write(&recording.profile, path, *format, &write_options)?;
        eprintln!("Wrote {} ({format}).", path.display());
    }
    print_recommendations(&recording.profile);
    Ok(ExitCode::SUCCESS)
}

/// What the recording says to fix, after the files are written so a user sees both.
fn print_recommendations(profile: &Profile) {
    let fired = argus_profiler::advice::evaluate(profile);
    if fired.is_empty() {
        return;
    }
    let mut text = String::from("\nRecommendations:\n");
    for advice in &fired {
        text.push('\n');
        text.push_str(&advice.to_string());
    }
    eprint!("{text}");
}

/// The runtime of a command just started: its own name decides when it says `python`
/// or `java`, else the process is examined (after any launcher has exec'd the program).
fn runtime_of_started(pid: u32, program: &str) -> anyhow::Result<Runtime> {
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("python") || name.starts_with("pypy") {
        return Ok(Runtime::Python);
    }
    if name == "java" {
        return Ok(Runtime::Java);
    }
    Ok(sampler::detect_runtime(pid)?)
}

/// Watches a started command so its exit ends the recording at once. It does not reap
/// the child: a sampler may be tracing it, and a wait would take the tracer's stops. An
/// exited child is a zombie, which `process_exists` already counts as gone.
fn watch_child(child: std::process::Child, control: Control) -> std::process::Child {
    let pid = child.id();
    std::thread::spawn(move || {
        while argus_profiler::access::process_exists(pid) {
            std::thread::sleep(Duration::from_millis(20));
        }
        control.target_exited();
    });
    child
}

fn progress_line(tick: &Tick<'_>) -> String {
    format!(
        "{:.1} s, {} samples, {} late, {} failed",
        tick.elapsed.as_secs_f64(),
        tick.stats.samples,
        tick.stats.late,
        tick.stats.failed
    )
}

fn print_top(tick: &Tick<'_>, weight: Weight, interactive: bool) {
    let total = tick.profile.total(weight).max(1) as f64;
    let mut out = String::new();
    if interactive {
        out.push_str("\x1b[2J\x1b[H");
    }
    out.push_str(&format!(
        "argus top ({}): {}\n\n",
        weight.name(),
        progress_line(tick)
    ));
    out.push_str(&format!("{:>7} {:>7}  {}\n", "SELF%", "TOTAL%", "FUNCTION"));
    for hot in tick.profile.hot_functions(weight).iter().take(20) {
        out.push_str(&format!(
            "{:>6.1}% {:>6.1}%  {}\n",
            hot.self_ns as f64 * 100.0 / total,
            hot.total_ns as f64 * 100.0 / total,
            hot.label
        ));
    }
    out.push('\n');
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

fn why_ended(recording: &Recording, status: Option<i32>) -> String {
    match recording.ending {
        Ending::DurationReached => "the duration was reached".to_string(),
        Ending::Stopped => "it was stopped".to_string(),
        Ending::TargetExited => match status {
            Some(code) => format!("the program exited with status {code}"),
            None => "the process exited".to_string(),
        },
    }
}

fn report_recording(recording: &Recording, status: Option<i32>) {
    let why = why_ended(recording, status);
    eprintln!(
        "Recorded {} samples in {:.1} s ({} late, {} failed); ended because {why}.",
        recording.profile.sample_count(),
        recording.elapsed.as_secs_f64(),
        recording.stats.late,
        recording.stats.failed,
    );
    if let Some(error) = &recording.error {
        eprintln!(
            "warning: sampling stopped early: {error}; the samples collected so far are written"
        );
    }
    if recording.profile.samples().is_empty() {
        eprintln!("warning: no samples were recorded; the profile is empty");
    }
}

pub fn flamegraph(args: FlamegraphArgs) -> anyhow::Result<ExitCode> {
    let profile = read_profile(&args.input)?;
    let options = WriteOptions {
        weight: args.weight.map_or(profile.meta.mode, Weight::from),
        icicle: args.icicle,
        title: args.title,
    };
    let format = chosen_format(&args.output, None).unwrap_or(Format::Svg);
    format::write(&profile, &args.output, format, &options)?;
    eprintln!("Wrote {}.", args.output.display());
    Ok(ExitCode::SUCCESS)
}

pub fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let before = read_profile(&args.before)?;
    let after = read_profile(&args.after)?;
    let options = WriteOptions {
        weight: args.weight.map_or(after.meta.mode, Weight::from),
        icicle: false,
        title: args.title,
    };
    let mut bytes = Vec::new();
    format::svg::write_diff(&before, &after, &mut bytes, &options, args.normalize).with_context(
        || {
            format!(
                "{}: cannot draw the differential flamegraph",
                args.output.display()
            )
        },
    )?;
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    eprintln!("Wrote {}.", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// Reads a profile file, or every profile file in a folder merged into one.
pub fn read_profile(path: &Path) -> anyhow::Result<Profile> {
    if path.is_dir() {
        let mut merged: Option<Profile> = None;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot list the folder", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| Format::from_path(p).is_some_and(|f| f != Format::Svg))
            .collect();
        entries.sort();
        for entry in &entries {
            let profile = format::read(entry)?;
            match &mut merged {
                Some(m) => m.merge(&profile),
                None => merged = Some(profile),
            }
        }
        return merged
            .with_context(|| format!("{}: the folder holds no profile files", path.display()));
    }
    Ok(format::read(path)?)
}
