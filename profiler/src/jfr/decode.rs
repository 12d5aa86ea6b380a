//! The events a profile needs, read out of checked chunks with `jfrs`.
//!
//! jfrs hands out untyped values; this module turns the few event types argus uses into
//! [`Timed`] records with interned threads and stacks (root first). Stacks and threads
//! live in each chunk's constant pool, so they are converted once per chunk and shared
//! by every event that points at them.

use std::collections::HashMap;
use std::io::Cursor;

use jfrs::reader::JfrReader;
use jfrs::reader::event::Accessor;
use jfrs::reader::value_descriptor::ValueDescriptor;

use super::chunks::{Chunk, HEADER_SIZE};
use super::names;
use crate::model::{Frame, FrameKind};

/// The event types argus reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    /// `jdk.ExecutionSample`: a thread running Java code.
    Execution,
    /// `jdk.CPUTimeSample` (JDK 25+, Linux): a thread that used one sampling period of
    /// CPU time, in Java or native code.
    CpuTime,
    /// `jdk.NativeMethodSample`: a thread inside a native method.
    Native,
    /// `jdk.ThreadPark`, `jdk.JavaMonitorEnter`, `jdk.JavaMonitorWait`.
    Lock,
    /// `jdk.ThreadSleep`.
    Sleep,
    /// `jdk.GarbageCollection`: one collection, weighed by the time it paused the
    /// application (`sumOfPauses`), on the synthetic [`GC_THREAD`].
    Gc,
    /// `jdk.ExecuteVMOperation` at a safepoint, other than a collection (those are
    /// [`Kind::Gc`]), on the synthetic [`SAFEPOINT_THREAD`].
    Safepoint,
}

impl Kind {
    fn of(event_type: &str) -> Option<Kind> {
        match event_type {
            "jdk.ExecutionSample" => Some(Kind::Execution),
            "jdk.CPUTimeSample" => Some(Kind::CpuTime),
            "jdk.NativeMethodSample" => Some(Kind::Native),
            "jdk.ThreadPark" | "jdk.JavaMonitorEnter" | "jdk.JavaMonitorWait" => Some(Kind::Lock),
            "jdk.ThreadSleep" => Some(Kind::Sleep),
            "jdk.GarbageCollection" => Some(Kind::Gc),
            "jdk.ExecuteVMOperation" => Some(Kind::Safepoint),
            _ => None,
        }
    }

    /// The thread field: samples name the sampled thread, other events their own.
    fn thread_field(self) -> &'static str {
        match self {
            Kind::Execution | Kind::Native => "sampledThread",
            Kind::CpuTime | Kind::Lock | Kind::Sleep | Kind::Gc | Kind::Safepoint => "eventThread",
        }
    }
}

/// One event, with its time in nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Timed {
    pub kind: Kind,
    pub start: i64,
    /// 0 for samples.
    pub duration: u64,
    /// The CPU time a `jdk.CPUTimeSample` stands for; 0 for other events.
    pub cpu_time: u64,
    /// Index into [`Decoded::threads`].
    pub thread: usize,
    /// Index into [`Decoded::stacks`].
    pub stack: usize,
}

impl Timed {
    /// When the event was known: samples when taken, durations when they ended.
    pub fn seen_at(&self) -> i64 {
        self.start
            .saturating_add(i64::try_from(self.duration).unwrap_or(i64::MAX))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ThreadInfo {
    pub tid: u64,
    pub name: Option<String>,
}

/// Everything read from a recording.
#[derive(Debug, Default)]
pub(super) struct Decoded {
    pub events: Vec<Timed>,
    pub threads: Vec<ThreadInfo>,
    thread_ids: HashMap<u64, usize>,
    /// Root first.
    pub stacks: Vec<Vec<Frame>>,
    stack_ids: HashMap<Vec<Frame>, usize>,
    /// The shortest `period` any recording asked of a sampling event, in nanoseconds,
    /// from `jdk.ActiveSetting`: the JVM samples at the shortest period asked.
    pub periods: HashMap<Kind, u64>,
}

/// The label of the frame put at the root of a stack JFR cut short (its default depth
/// is 64 frames), so cut stacks do not merge with real roots.
pub(super) const TRUNCATED: &str = "[truncated stack]";

impl Decoded {
    fn intern_thread(&mut self, thread: ThreadInfo) -> usize {
        if let Some(&i) = self.thread_ids.get(&thread.tid) {
            if let Some(known) = self.threads.get_mut(i)
                && known.name.is_none()
            {
                known.name = thread.name;
            }
            return i;
        }
        self.thread_ids.insert(thread.tid, self.threads.len());
        self.threads.push(thread);
        self.threads.len() - 1
    }

    fn intern_stack(&mut self, frames: Vec<Frame>) -> usize {
        if let Some(&i) = self.stack_ids.get(&frames) {
            return i;
        }
        self.stacks.push(frames.clone());
        self.stack_ids.insert(frames, self.stacks.len() - 1);
        self.stacks.len() - 1
    }

    fn note_period(&mut self, kind: Kind, period: u64) {
        let entry = self.periods.entry(kind).or_insert(period);
        *entry = (*entry).min(period);
    }
}

/// The thread GC pauses are put on, with an id no OS thread has: the application's
/// threads stand still while a pause runs, so it is nobody's stack.
pub(super) const GC_THREAD: (u64, &str) = (u64::MAX - 1, "[GC]");
/// The thread other safepoint operations are put on.
pub(super) const SAFEPOINT_THREAD: (u64, &str) = (u64::MAX - 2, "[safepoint]");

/// Whether a VM operation is a collection, which `jdk.GarbageCollection` already reports:
/// `G1CollectForAllocation`, `G1PauseRemark`, `ParallelGCSystemGC`,
/// `GenCollectForAllocation`, `CollectForMetadataAllocation`, `ZMarkStart`,
/// `ShenandoahInitMark`, `GC_HeapInspection`.
fn is_gc_operation(operation: &str) -> bool {
    ["G1", "GC", "Collect", "Shenandoah"]
        .iter()
        .any(|p| operation.contains(p))
        || operation.starts_with('Z')
}

/// A pause as a thread and a stack: `[JVM] GC pause: G1New` over `[JVM] GC cause: G1
/// Evacuation Pause`, or `[JVM] safepoint pause` over `[JVM] VM operation: RevokeBias`.
/// None for events that are not pauses: VM operations outside safepoints, and
/// collections, which the `jdk.GarbageCollection` event reports.
fn pause(kind: Kind, value: &Accessor<'_>) -> Option<(ThreadInfo, Vec<Frame>)> {
    let jvm = |name: String| Frame::new(format!("[JVM] {name}"), FrameKind::Native);
    let ((tid, thread), frames) = match kind {
        Kind::Gc => {
            let name = pooled(value, "name", "name").unwrap_or_else(|| "unknown collector".into());
            let cause = pooled(value, "cause", "cause").unwrap_or_else(|| "unknown".into());
            (
                GC_THREAD,
                vec![
                    jvm(format!("GC pause: {name}")),
                    jvm(format!("GC cause: {cause}")),
                ],
            )
        }
        Kind::Safepoint => {
            let operation = pooled(value, "operation", "type").unwrap_or_default();
            if boolean(value, "safepoint") != Some(true) || is_gc_operation(&operation) {
                return None;
            }
            (
                SAFEPOINT_THREAD,
                vec![
                    jvm("safepoint pause".into()),
                    jvm(format!("VM operation: {operation}")),
                ],
            )
        }
        _ => return None,
    };
    let info = ThreadInfo {
        tid,
        name: Some(thread.to_string()),
    };
    Some((info, frames))
}

/// Why a chunk could not be decoded: the file offset and what went wrong there.
pub(super) type DecodeError = (u64, String);

/// Reads the events of `kinds` from one checked chunk; `bytes` is the whole file.
pub(super) fn decode_chunk(
    bytes: &[u8],
    chunk: &Chunk,
    kinds: &[Kind],
    out: &mut Decoded,
) -> Result<(), DecodeError> {
    let start = usize::try_from(chunk.start).unwrap_or(usize::MAX);
    let end = usize::try_from(chunk.start + chunk.size).unwrap_or(usize::MAX);
    let slice = bytes.get(start..end).unwrap_or_default();
    let mut reader = JfrReader::new(Cursor::new(slice));
    let (mut events, jchunk) = match reader.chunks().next() {
        Some(Ok(pair)) => pair,
        Some(Err(e)) => return Err(locate_pool_error(slice, chunk, &e)),
        None => return Err((chunk.start, "the chunk is empty".to_string())),
    };
    // Constant-pool keys of this chunk → interned indices.
    let mut threads: HashMap<(i64, i64), usize> = HashMap::new();
    let mut stacks: HashMap<(i64, i64), usize> = HashMap::new();
    let mut last_ok = HEADER_SIZE;
    for event in events.events(&jchunk) {
        let event = event.map_err(|e| {
            (
                chunk.event_at_or_after(last_ok + 1),
                format!("cannot decode the event there: {e}"),
            )
        })?;
        last_ok = HEADER_SIZE + event.byte_offset;
        let type_name = event.class.name();
        let value = event.value();
        if type_name == "jdk.ActiveSetting" {
            read_setting(&value, &jchunk, out);
            continue;
        }
        let Some(kind) = Kind::of(type_name).filter(|k| kinds.contains(k)) else {
            continue;
        };
        let Some(ticks) = long(&value, "startTime") else {
            continue;
        };
        if matches!(kind, Kind::Gc | Kind::Safepoint) {
            let Some((thread, frames)) = pause(kind, &value) else {
                continue;
            };
            // A collection's `duration` also spans its concurrent phases; the pause is
            // `sumOfPauses`, placed at its start.
            let field = if kind == Kind::Gc {
                "sumOfPauses"
            } else {
                "duration"
            };
            let duration = chunk.ticks_to_ns(long(&value, field).unwrap_or(0));
            let thread = out.intern_thread(thread);
            let stack = out.intern_stack(frames);
            out.events.push(Timed {
                kind,
                start: chunk.ticks_to_unix_ns(ticks),
                duration,
                cpu_time: 0,
                thread,
                stack,
            });
            continue;
        }
        let (duration, cpu_time) = match kind {
            Kind::Execution | Kind::Native | Kind::Gc | Kind::Safepoint => (0, 0),
            Kind::CpuTime => (
                0,
                chunk.ticks_to_ns(long(&value, "samplingPeriod").unwrap_or(0)),
            ),
            Kind::Lock | Kind::Sleep => {
                (chunk.ticks_to_ns(long(&value, "duration").unwrap_or(0)), 0)
            }
        };
        let thread = match value
            .get_field_raw(kind.thread_field())
            .and_then(|a| pool_key(&a))
        {
            Some(key) => match threads.get(&key) {
                Some(&i) => i,
                None => {
                    let info = value
                        .get_field(kind.thread_field())
                        .map_or(UNKNOWN_THREAD, |t| thread_info(&t));
                    let i = out.intern_thread(info);
                    threads.insert(key, i);
                    i
                }
            },
            None => {
                let info = value
                    .get_field(kind.thread_field())
                    .map_or(UNKNOWN_THREAD, |t| thread_info(&t));
                out.intern_thread(info)
            }
        };
        let stack = match value.get_field_raw("stackTrace").and_then(|a| pool_key(&a)) {
            Some(key) => match stacks.get(&key) {
                Some(&i) => i,
                None => {
                    let frames = value.get_field("stackTrace").map(|s| stack_frames(&s));
                    let i = out.intern_stack(frames.unwrap_or_default());
                    stacks.insert(key, i);
                    i
                }
            },
            None => {
                let frames = value.get_field("stackTrace").map(|s| stack_frames(&s));
                out.intern_stack(frames.unwrap_or_default())
            }
        };
        out.events.push(Timed {
            kind,
            start: chunk.ticks_to_unix_ns(ticks),
            duration,
            cpu_time,
            thread,
            stack,
        });
    }
    Ok(())
}

const UNKNOWN_THREAD: ThreadInfo = ThreadInfo { tid: 0, name: None };

/// jfrs reads the metadata and then every constant pool before the first event, and its
/// errors carry no position; reading the metadata alone tells which of the two failed.
fn locate_pool_error(slice: &[u8], chunk: &Chunk, error: &jfrs::reader::Error) -> DecodeError {
    let header = |at: usize| {
        slice
            .get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, i64::from_be_bytes)
            .unsigned_abs()
    };
    let mut reader = JfrReader::new(Cursor::new(slice));
    let metadata_ok = matches!(reader.chunk_metadata().next(), Some(Ok(_)));
    if metadata_ok {
        (
            chunk.start + header(16),
            format!("cannot decode the constant pools that end there: {error}"),
        )
    } else {
        (
            chunk.start + header(24),
            format!("cannot decode the metadata event there: {error}"),
        )
    }
}

/// `jdk.ActiveSetting`: which `period` a recording asked for which event type.
fn read_setting(value: &Accessor<'_>, chunk: &jfrs::reader::Chunk, out: &mut Decoded) {
    if string(value, "name").as_deref() != Some("period") {
        return;
    }
    let Some(kind) = long(value, "id")
        .and_then(|id| chunk.metadata.type_pool.get(id))
        .and_then(|t| Kind::of(t.name()))
    else {
        return;
    };
    if let Some(period) = string(value, "value").as_deref().and_then(parse_period) {
        out.note_period(kind, period);
    }
}

/// A JFR period setting in nanoseconds: `10 ms`, `20ms`, `1 s`. `everyChunk` and other
/// words are not periods.
pub(super) fn parse_period(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        _ => return None,
    };
    number.checked_mul(scale).filter(|&p| p > 0)
}

fn pool_key(value: &Accessor<'_>) -> Option<(i64, i64)> {
    match value.value {
        ValueDescriptor::ConstantPool {
            class_id,
            constant_index,
        } => Some((*class_id, *constant_index)),
        _ => None,
    }
}

/// A `java.lang.Thread` value: the OS thread id when there is one (virtual threads have
/// none), the Java thread id otherwise; the Java name before the OS name.
fn thread_info(thread: &Accessor<'_>) -> ThreadInfo {
    let os_tid = long(thread, "osThreadId").filter(|&t| t > 0);
    let java_tid = long(thread, "javaThreadId").filter(|&t| t > 0);
    let name = string(thread, "javaName")
        .or_else(|| string(thread, "osName"))
        .filter(|n| !n.is_empty());
    ThreadInfo {
        tid: os_tid.or(java_tid).unwrap_or(0).unsigned_abs(),
        name,
    }
}

/// A `jdk.types.StackTrace`, root first (JFR stores the leaf first).
fn stack_frames(trace: &Accessor<'_>) -> Vec<Frame> {
    let mut frames: Vec<Frame> = trace
        .get_field("frames")
        .and_then(Accessor::as_iter)
        .map(|frames| frames.map(|f| frame(&f)).collect())
        .unwrap_or_default();
    if boolean(trace, "truncated") == Some(true) {
        frames.push(Frame::new(TRUNCATED, FrameKind::Java));
    }
    frames.reverse();
    frames
}

fn frame(frame: &Accessor<'_>) -> Frame {
    let method = frame.get_field("method");
    let class = method
        .as_ref()
        .and_then(|m| m.get_field("type"))
        .and_then(|c| symbol(&c, "name"))
        .unwrap_or_default();
    let method_name = method
        .as_ref()
        .and_then(|m| symbol(m, "name"))
        .unwrap_or_else(|| "[unknown]".to_string());
    let line = int(frame, "lineNumber")
        .and_then(|l| u32::try_from(l).ok())
        .filter(|&l| l > 0);
    let frame_type = frame
        .get_field("type")
        .and_then(|t| string(&t, "description"))
        .unwrap_or_default();
    match frame_kind(&frame_type, &class) {
        FrameKind::Java => Frame {
            name: names::java_frame_name(&class, &method_name),
            file: names::conventional_source_file(&class),
            line,
            kind: FrameKind::Java,
        },
        kind => Frame::new(method_name, kind),
    }
}

/// What runs a frame, from its JFR frame type. HotSpot writes Java frames only
/// (`Interpreted`, `JIT compiled`, `Inlined`, and `Native` for Java native methods);
/// async-profiler's JFR files add `C++` (the JVM itself), `Kernel`, and `Native` frames
/// of native libraries, which have no class.
fn frame_kind(frame_type: &str, class: &str) -> FrameKind {
    match frame_type {
        "C++" => FrameKind::Native,
        "Kernel" => FrameKind::Kernel,
        "Native" if class.is_empty() => FrameKind::Native,
        _ => FrameKind::Java,
    }
}

fn long(value: &Accessor<'_>, field: &str) -> Option<i64> {
    let v = value.get_field(field)?;
    i64::try_from(v.value)
        .ok()
        .or_else(|| i32::try_from(v.value).ok().map(i64::from))
}

fn int(value: &Accessor<'_>, field: &str) -> Option<i32> {
    i32::try_from(value.get_field(field)?.value).ok()
}

fn boolean(value: &Accessor<'_>, field: &str) -> Option<bool> {
    bool::try_from(value.get_field(field)?.value).ok()
}

fn string(value: &Accessor<'_>, field: &str) -> Option<String> {
    <&str>::try_from(value.get_field(field)?.value)
        .ok()
        .map(str::to_string)
}

/// A string field, or a constant-pool type holding one (`jdk.types.GCName`'s `name`,
/// `jdk.types.GCCause`'s `cause`, `jdk.types.VMOperationType`'s `type`).
fn pooled(value: &Accessor<'_>, field: &str, inner: &str) -> Option<String> {
    string(value, field).or_else(|| string(&value.get_field(field)?, inner))
}

/// A `jdk.types.Symbol` field: an object whose `string` is the text.
fn symbol(value: &Accessor<'_>, field: &str) -> Option<String> {
    string(&value.get_field(field)?, "string")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_and_kernel_frames_of_async_profiler_files_are_not_java() {
        assert_eq!(frame_kind("JIT compiled", "com/acme/A"), FrameKind::Java);
        assert_eq!(frame_kind("Native", "java/lang/Object"), FrameKind::Java);
        assert_eq!(frame_kind("Native", ""), FrameKind::Native);
        assert_eq!(frame_kind("C++", ""), FrameKind::Native);
        assert_eq!(frame_kind("Kernel", ""), FrameKind::Kernel);
        assert_eq!(frame_kind("", "com/acme/A"), FrameKind::Java);
    }

    #[test]
    fn periods_read_with_or_without_a_space() {
        assert_eq!(parse_period("10 ms"), Some(10_000_000));
        assert_eq!(parse_period("20ms"), Some(20_000_000));
        assert_eq!(parse_period("1 s"), Some(1_000_000_000));
        assert_eq!(parse_period("everyChunk"), None);
        assert_eq!(parse_period("0 ms"), None);
        assert_eq!(parse_period("5 parsecs"), None);
    }
}
