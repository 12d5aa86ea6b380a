//! `argus profile --continuous`: one sampler stays attached while the recording is cut
//! into intervals, each written to the profile directory as soon as it ends (and pushed
//! to a Pyroscope-compatible server when asked), until Ctrl-C or the target exits.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use argus_profiler::model::{Meta, Profile, Runtime};
use argus_profiler::record::{self, Recording};
use argus_profiler::sampler::governor::{self, Governor};
use argus_profiler::sampler::{Control, Sampler};
use argus_profiler::store::{Rotation, Writer};

use super::push::Pusher;
use crate::cli::ContinuousArgs;

/// How often the governor judges Argus's own CPU use.
const GOVERNOR_WINDOW: Duration = Duration::from_secs(5);

/// Checked continuous-mode settings.
#[derive(Debug)]
pub struct Settings {
    pub dir: PathBuf,
    pub every: Duration,
    pub rotation: Rotation,
    pub service: Option<String>,
    /// Of one CPU: 0.01 for 1 %.
    pub budget: f64,
    pub push: Option<String>,
    pub push_backlog: usize,
}

impl Settings {
    /// Checks the flags before anything is started; `outputs` are the `-o` files.
    pub fn from_args(
        args: &ContinuousArgs,
        outputs: &[PathBuf],
        top: bool,
    ) -> anyhow::Result<Option<Settings>> {
        if !args.continuous {
            let stray = [
                (args.out_dir.is_some(), "--out-dir"),
                (args.push.is_some(), "--push"),
                (args.service.is_some(), "--service"),
            ];
            if let Some((_, flag)) = stray.iter().find(|(given, _)| *given) {
                bail!(
                    "{flag} only applies to continuous profiling: add --continuous (e.g. `argus profile --pid PID --continuous --out-dir DIR`)"
                );
            }
            return Ok(None);
        }
        let Some(dir) = &args.out_dir else {
            bail!(
                "--continuous writes one file per interval into a directory: add --out-dir DIR (e.g. --out-dir /var/lib/argus/profiles)"
            );
        };
        if !outputs.is_empty() {
            bail!(
                "--continuous writes its intervals into --out-dir, not to -o files; drop -o, and draw one later with `argus flamegraph` on an interval file"
            );
        }
        if top {
            bail!(
                "--top and --continuous cannot be combined: --top shows a live table of one recording"
            );
        }
        if args.interval < Duration::from_secs(1) {
            bail!(
                "--interval {}: an interval must last at least 1s (60s is usual)",
                humantime::format_duration(args.interval)
            );
        }
        if args.keep_for < args.interval {
            bail!(
                "--keep-for {} is shorter than one interval ({}): every interval would be deleted as soon as it is written",
                humantime::format_duration(args.keep_for),
                humantime::format_duration(args.interval)
            );
        }
        let Some(max_size) = argus_reviewer::config::parse_size(&args.max_size) else {
            bail!(
                "--max-size `{}` is not a size; use e.g. 1GiB, 500MB or 1048576",
                args.max_size
            );
        };
        if max_size == 0 {
            bail!("--max-size 0 would delete every interval; give a size such as 1GiB");
        }
        if !(args.max_overhead.is_finite() && args.max_overhead > 0.0 && args.max_overhead <= 100.0)
        {
            bail!(
                "--max-overhead {}: give a percentage of one CPU above 0 and at most 100 (1 is the default)",
                args.max_overhead
            );
        }
        if let Some(service) = &args.service
            && !argus_agent::layout::valid_service_name(service)
        {
            bail!(
                "--service {service:?} cannot be part of a file name: use letters, digits, '.', '_' and '-' only"
            );
        }
        if let Some(url) = &args.push {
            super::push::check_url(url)?;
        }
        if args.push.is_some() && args.push_backlog == 0 {
            bail!(
                "--push-backlog 0 would drop every interval the server does not take at once; give at least 1"
            );
        }
        let settings = Settings {
            dir: dir.clone(),
            every: args.interval,
            rotation: Rotation {
                keep_for: args.keep_for,
                max_size,
            },
            service: args.service.clone(),
            budget: args.max_overhead / 100.0,
            push: args.push.clone(),
            push_backlog: args.push_backlog,
        };
        // Fail on an unwritable directory before a command is started.
        Writer::open(&settings.dir, "argus", 0, settings.rotation)
            .with_context(|| "--out-dir".to_string())?;
        Ok(Some(settings))
    }
}

/// Refuses runtimes whose samples cannot be cut into intervals.
pub fn check_runtime(runtime: Runtime, pid: u32) -> anyhow::Result<()> {
    if runtime == Runtime::Java {
        bail!(
            "continuous profiling of Java is not supported yet: the JVM's flight recording is read once, when it stops. Record fixed spans instead (`argus profile --pid {pid} --duration 60s -o profile.pb.gz`)"
        );
    }
    Ok(())
}

/// The service name for files of `pid`: its process name, made fit for a file name.
fn service_name(pid: u32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let name: String = comm
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "argus".to_string()
    } else {
        name.to_string()
    }
}

/// Records until Ctrl-C or the target exits, writing every interval; returns the
/// recording (its profile is the last interval) and how many intervals were written.
pub fn run(
    settings: Settings,
    sampler: Box<dyn Sampler>,
    meta: Meta,
    pid: u32,
    control: &Control,
) -> anyhow::Result<(Recording, usize)> {
    let service = settings
        .service
        .clone()
        .unwrap_or_else(|| service_name(pid));
    let mut writer = Writer::open(&settings.dir, &service, pid, settings.rotation)?;
    let pusher = match &settings.push {
        Some(url) => Some(Pusher::start(
            url,
            &settings.dir,
            &service,
            settings.push_backlog,
        )?),
        None => None,
    };
    let requested_hz = meta.rate_hz.unwrap_or(100);
    let budget = settings.budget;
    governor::spawn(
        Governor::new(requested_hz, budget),
        control.clone(),
        GOVERNOR_WINDOW,
        move |change| {
            let why = if change.to_hz < change.from_hz {
                "over"
            } else {
                "back under"
            };
            eprintln!(
                "Sampling at {} Hz (was {} Hz): Argus used {:.2}% of one CPU, {why} its {:.2}% budget.",
                change.to_hz,
                change.from_hz,
                change.usage * 100.0,
                change.budget * 100.0,
            );
        },
    )
    .context("cannot start the overhead governor's thread")?;

    eprintln!(
        "Recording {} of {} ({pid}) at up to {requested_hz} Hz, one profile every {} into {}{}. Press Ctrl-C to stop.",
        meta.runtime.name(),
        meta.target.as_deref().unwrap_or("the process"),
        humantime::format_duration(settings.every),
        settings.dir.display(),
        settings
            .push
            .as_deref()
            .map(|url| format!(", pushed to {url}"))
            .unwrap_or_default()
    );
    let interactive = std::io::stderr().is_terminal();
    let mut written = 0usize;
    let mut on_interval = |profile: Profile| {
        if interactive {
            eprint!("\r\x1b[2K");
        }
        written += 1;
        write_interval(&mut writer, &profile, written, pusher.as_ref());
    };
    let recording = record::record_intervals(
        sampler,
        meta,
        settings.every,
        control,
        |tick| {
            if interactive {
                eprint!("\r\x1b[2K{}", super::progress_line(&tick));
            }
        },
        &mut on_interval,
    )?;
    // The interval in progress when the recording ended is written too.
    on_interval(recording.profile.clone());
    if let Some(pusher) = pusher {
        pusher.finish(Duration::from_secs(10));
    }
    Ok((recording, written))
}

fn write_interval(writer: &mut Writer, profile: &Profile, n: usize, pusher: Option<&Pusher>) {
    let seconds = profile.meta.duration.map_or(0.0, |d| d.as_secs_f64());
    match writer.write(profile) {
        Ok(written) => {
            eprintln!(
                "Wrote {} (interval {n}: {seconds:.1} s, {} samples).",
                written.path.display(),
                profile.sample_count()
            );
            if !written.deleted.is_empty() {
                eprintln!(
                    "Deleted {} old interval{} to stay within --keep-for and --max-size: {}",
                    written.deleted.len(),
                    if written.deleted.len() == 1 { "" } else { "s" },
                    names(&written.deleted)
                );
            }
            if let Some(pusher) = pusher {
                pusher.enqueue(&written.path);
            }
        }
        Err(error) => eprintln!(
            "error: interval {n} ({seconds:.1} s, {} samples) could not be written: {error}; recording goes on",
            profile.sample_count()
        ),
    }
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_name_of_this_process_is_fit_for_a_file_name() {
        let name = service_name(std::process::id());
        assert!(argus_agent::layout::valid_service_name(&name), "{name}");
        assert_eq!(service_name(u32::MAX), "argus");
    }
}
