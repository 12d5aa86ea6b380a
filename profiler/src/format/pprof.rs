//! pprof's `profile.proto`, gzipped: what `go tool pprof`, Pyroscope and most
//! profilers read and write.
//!
//! Argus writes three sample types, `samples`/count, `cpu`/nanoseconds and
//! `wall`/nanoseconds, with `thread`, `thread_state`, `tid` and `pid` labels, and one
//! mapping per frame kind (`[python]`, `[java]`, `[native]`, `[kernel]`) so a profile
//! read back is the same profile. Other producers' files are read by their sample types:
//! `cpu`, `wall`, or a count times the period.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use prost::Message;

use super::{Format, FormatError, Location};
use crate::model::{Frame, FrameKind, Meta, Profile, Runtime, ThreadState, Weight};

/// The messages of `profile.proto` that Argus reads and writes; unknown fields of
/// other producers are skipped by the decoder.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Profile {
        #[prost(message, repeated, tag = "1")]
        pub sample_type: Vec<ValueType>,
        #[prost(message, repeated, tag = "2")]
        pub sample: Vec<Sample>,
        #[prost(message, repeated, tag = "3")]
        pub mapping: Vec<Mapping>,
        #[prost(message, repeated, tag = "4")]
        pub location: Vec<Location>,
        #[prost(message, repeated, tag = "5")]
        pub function: Vec<Function>,
        #[prost(string, repeated, tag = "6")]
        pub string_table: Vec<String>,
        #[prost(int64, tag = "9")]
        pub time_nanos: i64,
        #[prost(int64, tag = "10")]
        pub duration_nanos: i64,
        #[prost(message, optional, tag = "11")]
        pub period_type: Option<ValueType>,
        #[prost(int64, tag = "12")]
        pub period: i64,
        #[prost(int64, repeated, tag = "13")]
        pub comment: Vec<i64>,
        #[prost(int64, tag = "14")]
        pub default_sample_type: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ValueType {
        #[prost(int64, tag = "1")]
        pub r#type: i64,
        #[prost(int64, tag = "2")]
        pub unit: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        #[prost(uint64, repeated, tag = "1")]
        pub location_id: Vec<u64>,
        #[prost(int64, repeated, tag = "2")]
        pub value: Vec<i64>,
        #[prost(message, repeated, tag = "3")]
        pub label: Vec<Label>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(int64, tag = "1")]
        pub key: i64,
        #[prost(int64, tag = "2")]
        pub str: i64,
        #[prost(int64, tag = "3")]
        pub num: i64,
        #[prost(int64, tag = "4")]
        pub num_unit: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Mapping {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(uint64, tag = "2")]
        pub memory_start: u64,
        #[prost(uint64, tag = "3")]
        pub memory_limit: u64,
        #[prost(uint64, tag = "4")]
        pub file_offset: u64,
        #[prost(int64, tag = "5")]
        pub filename: i64,
        #[prost(int64, tag = "6")]
        pub build_id: i64,
        #[prost(bool, tag = "7")]
        pub has_functions: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Location {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(uint64, tag = "2")]
        pub mapping_id: u64,
        #[prost(uint64, tag = "3")]
        pub address: u64,
        #[prost(message, repeated, tag = "4")]
        pub line: Vec<Line>,
        #[prost(bool, tag = "5")]
        pub is_folded: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Line {
        #[prost(uint64, tag = "1")]
        pub function_id: u64,
        #[prost(int64, tag = "2")]
        pub line: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Function {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(int64, tag = "2")]
        pub name: i64,
        #[prost(int64, tag = "3")]
        pub system_name: i64,
        #[prost(int64, tag = "4")]
        pub filename: i64,
        #[prost(int64, tag = "5")]
        pub start_line: i64,
    }
}

fn kind_mapping_name(kind: FrameKind) -> &'static str {
    match kind {
        FrameKind::Python => "[python]",
        FrameKind::Java => "[java]",
        FrameKind::Native => "[native]",
        FrameKind::Kernel => "[kernel]",
        FrameKind::Unknown => "[unknown]",
    }
}

const KINDS: [FrameKind; 5] = [
    FrameKind::Python,
    FrameKind::Java,
    FrameKind::Native,
    FrameKind::Kernel,
    FrameKind::Unknown,
];

/// Builds the string table; index 0 is always the empty string.
#[derive(Default)]
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn new() -> Strings {
        let mut strings = Strings::default();
        strings.get("");
        strings
    }

    fn get(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = i64::try_from(self.table.len()).unwrap_or(i64::MAX);
        self.table.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The profile as a `profile.proto` message.
fn encode(profile: &Profile) -> proto::Profile {
    let mut strings = Strings::new();
    let sample_type = vec![
        proto::ValueType {
            r#type: strings.get("samples"),
            unit: strings.get("count"),
        },
        proto::ValueType {
            r#type: strings.get("cpu"),
            unit: strings.get("nanoseconds"),
        },
        proto::ValueType {
            r#type: strings.get("wall"),
            unit: strings.get("nanoseconds"),
        },
    ];
    let mapping: Vec<proto::Mapping> = KINDS
        .iter()
        .enumerate()
        .map(|(i, kind)| proto::Mapping {
            id: i as u64 + 1,
            filename: strings.get(kind_mapping_name(*kind)),
            has_functions: true,
            ..proto::Mapping::default()
        })
        .collect();

    let mut function_ids: HashMap<(&str, Option<&str>), u64> = HashMap::new();
    let mut function = Vec::new();
    let mut location = Vec::with_capacity(profile.frames().len());
    for (index, frame) in profile.frames().iter().enumerate() {
        let key = (frame.name.as_str(), frame.file.as_deref());
        let next_id = function.len() as u64 + 1;
        let function_id = *function_ids.entry(key).or_insert_with(|| {
            function.push(proto::Function {
                id: next_id,
                name: strings.get(&frame.name),
                system_name: strings.get(&frame.name),
                filename: strings.get(frame.file.as_deref().unwrap_or("")),
                start_line: 0,
            });
            next_id
        });
        let mapping_id = KINDS.iter().position(|k| *k == frame.kind).unwrap_or(4) as u64 + 1;
        location.push(proto::Location {
            id: index as u64 + 1,
            mapping_id,
            address: 0,
            line: vec![proto::Line {
                function_id,
                line: i64::from(frame.line.unwrap_or(0)),
            }],
            is_folded: false,
        });
    }

    let keys = [
        strings.get("thread"),
        strings.get("tid"),
        strings.get("pid"),
        strings.get("thread_state"),
    ];
    let sample = profile
        .samples()
        .iter()
        .map(|s| {
            let mut label = Vec::with_capacity(4);
            if let Some(thread) = profile.thread(s.thread) {
                if let Some(name) = &thread.name {
                    label.push(proto::Label {
                        key: keys[0],
                        str: strings.get(name),
                        ..proto::Label::default()
                    });
                }
                label.push(proto::Label {
                    key: keys[1],
                    num: to_i64(thread.tid),
                    ..proto::Label::default()
                });
                label.push(proto::Label {
                    key: keys[2],
                    num: i64::from(thread.pid),
                    ..proto::Label::default()
                });
            }
            label.push(proto::Label {
                key: keys[3],
                str: strings.get(s.state.name()),
                ..proto::Label::default()
            });
            proto::Sample {
                // pprof stacks are leaf first.
                location_id: profile
                    .stack(s.stack)
                    .iter()
                    .rev()
                    .map(|id| u64::from(*id) + 1)
                    .collect(),
                value: vec![to_i64(s.count), to_i64(s.cpu_ns), to_i64(s.wall_ns)],
                label,
            }
        })
        .collect();

    let mode = profile.meta.mode;
    let period = profile
        .meta
        .rate_hz
        .map_or(0, |hz| 1_000_000_000 / i64::from(hz.max(1)));
    let mut comment = vec![strings.get(&format!("argus runtime={}", profile.meta.runtime.name()))];
    if let Some(target) = &profile.meta.target {
        comment.push(strings.get(&format!("argus target={target}")));
    }
    proto::Profile {
        sample_type,
        sample,
        mapping,
        location,
        function,
        time_nanos: profile.meta.start_unix_ns.map_or(0, to_i64),
        duration_nanos: profile.meta.duration.map_or(0, |d| {
            to_i64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        }),
        period_type: Some(proto::ValueType {
            r#type: strings.get(mode.name()),
            unit: strings.get("nanoseconds"),
        }),
        period,
        comment,
        default_sample_type: match mode {
            Weight::Cpu => 1,
            Weight::Wall => 2,
        },
        string_table: strings.table,
    }
}

/// Writes the profile gzipped.
pub fn write(profile: &Profile, out: &mut dyn Write) -> io::Result<()> {
    let bytes = encode(profile).encode_to_vec();
    let mut gz = GzEncoder::new(out, Compression::default());
    gz.write_all(&bytes)?;
    gz.finish()?;
    Ok(())
}

/// Reads a pprof profile, gzipped or not.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Profile, FormatError> {
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut decoder = GzDecoder::new(bytes);
        let mut out = Vec::new();
        decoder.read_to_end(&mut out).map_err(|e| {
            FormatError::invalid(
                path,
                Format::Pprof,
                Location::Byte(decoder.get_ref().as_ptr() as u64 - bytes.as_ptr() as u64),
                format!("the gzip stream is damaged or cut short: {e}"),
            )
        })?;
        out
    } else {
        bytes.to_vec()
    };
    let message = proto::Profile::decode(raw.as_slice()).map_err(|e| {
        let offset = first_bad_field(&raw).unwrap_or(raw.len());
        FormatError::invalid(
            path,
            Format::Pprof,
            Location::Byte(offset as u64),
            format!("{e} (offset in the decompressed message)"),
        )
    })?;
    decode(path, &message)
}

/// Where the top-level protobuf fields stop making sense: the offset of a field whose
/// key or length runs past the end. `None` when every top-level field is whole.
fn first_bad_field(bytes: &[u8]) -> Option<usize> {
    let varint = |at: &mut usize| -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    };
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let Some(key) = varint(&mut at) else {
            return Some(start);
        };
        let ok = match key & 7 {
            0 => varint(&mut at).is_some(),
            1 => {
                at += 8;
                at <= bytes.len()
            }
            2 => match varint(&mut at).and_then(|len| usize::try_from(len).ok()) {
                Some(len) => {
                    at = at.saturating_add(len);
                    at <= bytes.len()
                }
                None => false,
            },
            5 => {
                at += 4;
                at <= bytes.len()
            }
            _ => false,
        };
        if !ok || key >> 3 == 0 {
            return Some(start);
        }
    }
    None
}

fn decode(path: &Path, p: &proto::Profile) -> Result<Profile, FormatError> {
    let string = |i: i64| -> Result<&str, FormatError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .map(String::as_str)
            .ok_or_else(|| {
                FormatError::invalid(
                    path,
                    Format::Pprof,
                    Location::Byte(0),
                    format!(
                        "string index {i} is outside the string table ({} strings)",
                        p.string_table.len()
                    ),
                )
            })
    };
    let types: Vec<(&str, &str)> = p
        .sample_type
        .iter()
        .map(|t| Ok((string(t.r#type)?, string(t.unit)?)))
        .collect::<Result<_, FormatError>>()?;
    let find = |names: &[&str]| types.iter().position(|(t, _)| names.contains(t));
    let count_index = find(&["samples", "count"]);
    let cpu_index = find(&["cpu"]);
    let wall_index = find(&["wall"]);
    let unit_scale = |i: usize| match types.get(i).map(|t| t.1) {
        Some("microseconds") => 1_000,
        Some("milliseconds") => 1_000_000,
        Some("seconds") => 1_000_000_000,
        _ => 1,
    };
    // Files with only a count (or an unknown type) weigh each sample by the period.
    let period_ns = if p.period > 0 { p.period } else { 10_000_000 };
    let first_index = if types.is_empty() { None } else { Some(0) };

    let mut meta = Meta::default();
    for c in &p.comment {
        if let Some(runtime) = string(*c)?.strip_prefix("argus runtime=") {
            meta.runtime = match runtime {
                "python" => Runtime::Python,
                "java" => Runtime::Java,
                "native" => Runtime::Native,
                _ => Runtime::Unknown,
            };
        } else if let Some(target) = string(*c)?.strip_prefix("argus target=") {
            meta.target = Some(target.to_string());
        }
    }
    meta.mode = match usize::try_from(p.default_sample_type).ok() {
        Some(i) if Some(i) == wall_index && i > 0 => Weight::Wall,
        _ if cpu_index.is_none() && wall_index.is_some() => Weight::Wall,
        _ => Weight::Cpu,
    };
    if p.period > 0
        && p.period_type
            .as_ref()
            .is_some_and(|t| string(t.unit).is_ok_and(|u| u == "nanoseconds"))
    {
        meta.rate_hz = u32::try_from(1_000_000_000 / p.period).ok();
    }
    meta.start_unix_ns = u64::try_from(p.time_nanos).ok().filter(|t| *t > 0);
    meta.duration = u64::try_from(p.duration_nanos)
        .ok()
        .filter(|d| *d > 0)
        .map(std::time::Duration::from_nanos);
    let mut profile = Profile::new(meta);

    let mapping_kind: HashMap<u64, FrameKind> = p
        .mapping
        .iter()
        .map(|m| {
            let kind = match string(m.filename).unwrap_or("") {
                "[python]" => FrameKind::Python,
                "[java]" => FrameKind::Java,
                "[native]" => FrameKind::Native,
                "[kernel]" => FrameKind::Kernel,
                "[unknown]" => FrameKind::Unknown,
                _ => FrameKind::Native,
            };
            (m.id, kind)
        })
        .collect();
    let functions: HashMap<u64, &proto::Function> = p.function.iter().map(|f| (f.id, f)).collect();
    // A location expands to one frame per line, callers first (pprof lists inlined
    // functions innermost first).
    let mut locations: HashMap<u64, Vec<u32>> = HashMap::new();
    for loc in &p.location {
        let kind = mapping_kind
            .get(&loc.mapping_id)
            .copied()
            .unwrap_or(FrameKind::Unknown);
        let mut ids = Vec::with_capacity(loc.line.len().max(1));
        for line in loc.line.iter().rev() {
            let Some(function) = functions.get(&line.function_id) else {
                continue;
            };
            let file = string(function.filename)?;
            let frame = Frame {
                name: string(function.name)?.to_string(),
                file: (!file.is_empty()).then(|| file.to_string()),
                line: u32::try_from(line.line).ok().filter(|l| *l > 0),
                kind,
            };
            ids.push(profile.intern_frame(&frame));
        }
        if ids.is_empty() {
            let frame = Frame::new(format!("0x{:x}", loc.address), kind);
            ids.push(profile.intern_frame(&frame));
        }
        locations.insert(loc.id, ids);
    }

    for (n, sample) in p.sample.iter().enumerate() {
        let mut stack = Vec::new();
        for id in sample.location_id.iter().rev() {
            let frames = locations.get(id).ok_or_else(|| {
                FormatError::invalid(
                    path,
                    Format::Pprof,
                    Location::Byte(0),
                    format!("sample {n} refers to location {id}, which does not exist"),
                )
            })?;
            stack.extend_from_slice(frames);
        }
        let value = |i: Option<usize>| {
            i.and_then(|i| {
                sample
                    .value
                    .get(i)
                    .map(|v| u64::try_from(*v).unwrap_or(0).saturating_mul(unit_scale(i)))
            })
        };
        let count = value(count_index).unwrap_or(1);
        let counted = value(count_index.or(first_index))
            .unwrap_or(1)
            .saturating_mul(period_ns.unsigned_abs());
        let cpu = value(cpu_index)
            .or(if wall_index.is_some() { Some(0) } else { None })
            .unwrap_or(counted);
        let wall = value(wall_index).unwrap_or(cpu);
        let (mut thread_name, mut tid, mut pid, mut state) =
            (None, 0u64, 0u32, ThreadState::Running);
        for label in &sample.label {
            match string(label.key)? {
                "thread" | "thread_name" => thread_name = Some(string(label.str)?.to_string()),
                "tid" | "thread_id" => tid = u64::try_from(label.num).unwrap_or(0),
                "pid" => pid = u32::try_from(label.num).unwrap_or(0),
                "thread_state" => {
                    state = ThreadState::parse(string(label.str)?).unwrap_or(ThreadState::Running)
                }
                _ => {}
            }
        }
        let stack = profile.intern_stack(&stack);
        let thread = profile.intern_thread(pid, tid, thread_name.as_deref());
        profile.add(stack, thread, state, count, cpu, wall);
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawSample;

    fn sample_profile() -> Profile {
        let mut p = Profile::new(Meta {
            runtime: Runtime::Python,
            mode: Weight::Wall,
            rate_hz: Some(100),
            target: Some("python app.py".into()),
            ..Meta::default()
        });
        let frame = |name: &str, line| Frame {
            name: name.into(),
            file: Some("/srv/app.py".into()),
            line: Some(line),
            kind: FrameKind::Python,
        };
        p.add_raw(&RawSample {
            pid: 42,
            tid: 7,
            thread_name: Some("MainThread".into()),
            state: ThreadState::Running,
            frames: vec![frame("main", 3), frame("parse", 10)],
            cpu_ns: 10_000_000,
            wall_ns: 10_000_000,
        });
        p.add_raw(&RawSample {
            pid: 42,
            tid: 8,
            thread_name: Some("worker".into()),
            state: ThreadState::Lock,
            frames: vec![frame("main", 3), frame("wait", 20)],
            cpu_ns: 0,
            wall_ns: 30_000_000,
        });
        p
    }

    #[test]
    fn a_profile_written_and_read_back_is_the_same_profile() {
        let p = sample_profile();
        let mut bytes = Vec::new();
        write(&p, &mut bytes).unwrap();
        let back = read(Path::new("p.pb.gz"), &bytes).unwrap();
        for weight in [Weight::Cpu, Weight::Wall] {
            assert_eq!(back.folded(weight), p.folded(weight));
        }
        assert_eq!(back.meta.runtime, Runtime::Python);
        assert_eq!(back.meta.mode, Weight::Wall);
        assert_eq!(back.meta.rate_hz, Some(100));
        assert_eq!(back.meta.target.as_deref(), Some("python app.py"));
        assert_eq!(back.threads().len(), 2);
        let states: Vec<ThreadState> = back.samples().iter().map(|s| s.state).collect();
        assert!(states.contains(&ThreadState::Lock));
        assert_eq!(back.frames()[1].label(), "parse (srv/app.py)");
        assert_eq!(back.frames()[1].line, Some(10));
    }

    #[test]
    fn truncated_and_garbage_files_name_the_byte_offset() {
        let mut bytes = Vec::new();
        write(&sample_profile(), &mut bytes).unwrap();
        let err = read(Path::new("cut.pb.gz"), &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cut.pb.gz: not a valid pprof profile at byte "),
            "{err}"
        );
        assert!(err.to_string().contains("cut short"), "{err}");

        let raw = encode(&sample_profile()).encode_to_vec();
        let err = read(Path::new("raw.pb"), &raw[..raw.len() - 3]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("raw.pb: not a valid pprof profile at byte "),
            "{err}"
        );

        let err = read(
            Path::new("junk.pb"),
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        )
        .unwrap_err();
        assert!(err.to_string().contains("at byte 0"), "{err}");
    }
}
