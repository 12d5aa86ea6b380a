//! Java Flight Recorder files as profiles: what the Java sampler records and what
//! `argus flamegraph recording.jfr` reads.
//!
//! `jfrs` decodes events; it sits behind this module so that its gaps can be filled here.
//! The file's layout is checked first (`chunks`), which is how a cut or corrupt file
//! is reported with the byte where it goes wrong. CPU views read `jdk.ExecutionSample`,
//! or `jdk.CPUTimeSample` when the recording has it (JDK 25+); wall-clock views add
//! `jdk.NativeMethodSample` and the thread waits (`jdk.ThreadPark`,
//! `jdk.JavaMonitorEnter`, `jdk.JavaMonitorWait`, `jdk.ThreadSleep`), weighted by
//! duration. Stop-the-world pauses (`jdk.GarbageCollection`, and `jdk.ExecuteVMOperation`
//! at a safepoint) are samples of their own on the threads `[GC]` and `[safepoint]`, in
//! both views: Running, with the pause's duration as CPU and wall time. No execution
//! sample is taken while the JVM is paused, so the pause is time the threads' own samples
//! leave out; its CPU weight is a floor, as parallel collectors run several workers.

mod chunks;
mod decode;
mod names;
mod weigh;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use names::{conventional_source_file, java_frame_name, normalize_class_name};

use crate::model::{Meta, Profile, RawSample, Runtime, Weight};
use chunks::LayoutError;
use decode::{Decoded, Kind};
use weigh::Periods;

/// The sampling period assumed when a recording does not say (`default.jfc`'s).
const DEFAULT_PERIOD: Duration = Duration::from_millis(20);

/// Why a JFR file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JfrError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is not a JFR recording: byte {offset} does not start a chunk (\"FLR\\0\"); JFR \
         files come from `jcmd PID JFR.dump` or `-XX:StartFlightRecording`",
        path.display()
    )]
    NotJfr { path: PathBuf, offset: u64 },
    #[error(
        "{} is truncated at byte {offset}: {detail}; copy the whole file, or dump the \
         recording again",
        path.display()
    )]
    Truncated {
        path: PathBuf,
        offset: u64,
        detail: String,
    },
    #[error("{} is corrupt at byte {offset}: {detail}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        detail: String,
    },
    #[error(
        "{} uses JFR format version {major}.{minor} (byte {offset}); argus reads versions 1 \
         and 2, written by JDK 11 and later",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        offset: u64,
        major: i16,
        minor: i16,
    },
}

impl JfrError {
    /// The byte offset the error points at, when it points at one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            JfrError::Io { .. } => None,
            JfrError::NotJfr { offset, .. }
            | JfrError::Truncated { offset, .. }
            | JfrError::Corrupt { offset, .. }
            | JfrError::UnsupportedVersion { offset, .. } => Some(*offset),
        }
    }

    fn layout(path: &Path, error: LayoutError) -> JfrError {
        let path = path.to_path_buf();
        match error {
            LayoutError::NotJfr { offset } => JfrError::NotJfr { path, offset },
            LayoutError::Truncated { offset, detail, .. } => JfrError::Truncated {
                path,
                offset,
                detail,
            },
            LayoutError::Corrupt { offset, detail } => JfrError::Corrupt {
                path,
                offset,
                detail,
            },
            LayoutError::Version {
                offset,
                major,
                minor,
            } => JfrError::UnsupportedVersion {
                path,
                offset,
                major,
                minor,
            },
        }
    }
}

/// How to read a recording.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub mode: Weight,
    /// The process the samples are labelled with (JFR files do not record it).
    pub pid: u32,
    /// The sampling period that was asked for; the file's own `jdk.ActiveSetting`
    /// events win when it has them, and 20 ms is assumed when neither says.
    pub period: Option<Duration>,
    /// Only time inside this window, in nanoseconds since the Unix epoch, counts: a dump
    /// may hold chunks that began before the recording did. Defaults to the chunks' span.
    pub window: Option<(u64, u64)>,
}

impl ReadOptions {
    /// Options for a file read on its own: no PID, the file's own period and span.
    pub fn new(mode: Weight) -> ReadOptions {
        ReadOptions {
            mode,
            pid: 0,
            period: None,
            window: None,
        }
    }
}

/// Reads a JFR file into a profile for `mode`.
pub fn read(path: &Path, mode: Weight) -> Result<Profile, JfrError> {
    let mut samples = Vec::new();
    let meta = read_with(path, &ReadOptions::new(mode), &mut |s| samples.push(s))?;
    let mut profile = Profile::new(meta);
    for sample in &samples {
        profile.add_raw(sample);
    }
    Ok(profile)
}

/// Reads a JFR file, handing each sample to `sink`, and returns what the recording
/// says about itself.
pub fn read_with(
    path: &Path,
    options: &ReadOptions,
    sink: &mut dyn FnMut(RawSample),
) -> Result<Meta, JfrError> {
    let bytes = std::fs::read(path).map_err(|source| JfrError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let chunks = chunks::chunks(&bytes).map_err(|e| JfrError::layout(path, e))?;
    let kinds: &[Kind] = match options.mode {
        Weight::Cpu => &[Kind::Execution, Kind::CpuTime, Kind::Gc, Kind::Safepoint],
        Weight::Wall => &[
            Kind::Execution,
            Kind::CpuTime,
            Kind::Native,
            Kind::Lock,
            Kind::Sleep,
            Kind::Gc,
            Kind::Safepoint,
        ],
    };
    let mut decoded = Decoded::default();
    for chunk in &chunks {
        // jfrs was written for well-formed files and indexes and allocates from sizes it
        // reads; a panic there is a corrupt chunk, not a reason to take the caller down.
        let result = catch_unwind(AssertUnwindSafe(|| {
            decode::decode_chunk(&bytes, chunk, kinds, &mut decoded)
        }));
        let error = match result {
            Ok(Ok(())) => continue,
            Ok(Err(error)) => error,
            Err(_) => (
                chunk.start,
                "the chunk starting there could not be decoded".to_string(),
            ),
        };
        return Err(JfrError::Corrupt {
            path: path.to_path_buf(),
            offset: error.0,
            detail: error.1,
        });
    }

    let asked = options.period.unwrap_or(DEFAULT_PERIOD);
    let asked = u64::try_from(asked.as_nanos()).unwrap_or(u64::MAX).max(1);
    let periods = Periods {
        execution: decoded
            .periods
            .get(&Kind::Execution)
            .copied()
            .unwrap_or(asked),
        native: decoded.periods.get(&Kind::Native).copied().unwrap_or(asked),
    };
    let span = chunks
        .iter()
        .map(|c| {
            (
                c.start_nanos,
                c.start_nanos.saturating_add(c.duration_nanos),
            )
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
        .unwrap_or((0, 0));
    // The recording starts a chunk when it starts, some way into the window the caller
    // asked for (jcmd is slow on a busy machine); waits that began before count from then.
    let window = match options.window {
        Some((lo, hi)) => (
            i64::try_from(lo).unwrap_or(i64::MAX).max(span.0),
            i64::try_from(hi).unwrap_or(i64::MAX),
        ),
        None => span,
    };
    weigh::weigh(&decoded, periods, window, options.mode, options.pid, sink);

    let duration = u64::try_from(window.1.saturating_sub(window.0)).unwrap_or(0);
    Ok(Meta {
        runtime: Runtime::Java,
        mode: options.mode,
        rate_hz: u32::try_from(1_000_000_000 / periods.execution).ok(),
        duration: Some(Duration::from_nanos(duration)),
        start_unix_ns: u64::try_from(window.0).ok().filter(|&s| s > 0),
        target: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ThreadState;

    fn gc_heavy() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/profiles/java/gcheavy-jdk17.jfr")
    }

    /// Weight of the samples on the thread named `thread`, and the leaf labels there.
    fn on_thread(profile: &Profile, thread: &str, weight: Weight) -> (u64, Vec<String>) {
        let mut total = 0;
        let mut leaves = Vec::new();
        for sample in profile.samples() {
            let named = profile
                .thread(sample.thread)
                .and_then(|t| t.name.as_deref())
                == Some(thread);
            if !named {
                continue;
            }
            assert_eq!(sample.state, ThreadState::Running, "{thread}");
            total += sample.weight(weight);
            let leaf = profile.stack(sample.stack).last();
            if let Some(frame) = leaf.and_then(|id| profile.frame(*id)) {
                leaves.push(frame.label());
            }
        }
        (total, leaves)
    }

    #[test]
    fn gc_pauses_are_samples_on_a_gc_thread_weighing_their_pause_time() {
        // 50 collections (merged into a sample per stack) pausing 634.9 ms in all (`jfr print`: the sum of `sumOfPauses`),
        // one of them the System.gc() full collection.
        for mode in [Weight::Cpu, Weight::Wall] {
            let profile = read(&gc_heavy(), mode).unwrap();
            let (paused, causes) = on_thread(&profile, "[GC]", mode);
            assert!(
                paused.abs_diff(634_909_211) < 1_000_000,
                "{mode:?}: {paused} ns"
            );
            assert!(causes.contains(&"[JVM] GC cause: System.gc()".to_string()));
            let folded = profile.folded(mode);
            assert!(
                folded
                    .iter()
                    .any(|(stack, _)| stack == "[JVM] GC pause: G1Full;[JVM] GC cause: System.gc()"),
                "{folded:?}"
            );
            assert!(
                folded
                    .iter()
                    .any(|(stack, _)| stack.starts_with("GcHeavy.main")),
                "the application's samples stay"
            );
        }
    }

    #[test]
    fn safepoint_operations_other_than_collections_are_samples_on_a_safepoint_thread() {
        let profile = read(&gc_heavy(), Weight::Wall).unwrap();
        let (paused, operations) = on_thread(&profile, "[safepoint]", Weight::Wall);
        // The collections' own VM operations (G1CollectForAllocation, G1PauseRemark, ...)
        // are the [GC] samples already; JFR's RedefineClasses took 3.2 ms.
        assert_eq!(operations, ["[JVM] VM operation: RedefineClasses"]);
        assert!(paused.abs_diff(3_212_782) < 10_000, "{paused} ns");
    }
}
