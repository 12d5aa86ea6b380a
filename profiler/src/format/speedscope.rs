//! The speedscope JSON format (https://www.speedscope.app/file-format-schema.json):
//! shared frames plus one sampled profile per thread, weighted in nanoseconds.
//!
//! Reads sampled and evented profiles, as other tools write both.

use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Format, FormatError, Location};
use crate::model::{Frame, FrameId, FrameKind, Meta, Profile, ThreadState, Weight};

#[derive(Serialize, Deserialize)]
struct File {
    #[serde(rename = "$schema", default)]
    schema: String,
    shared: Shared,
    profiles: Vec<SpeedscopeProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(
        rename = "activeProfileIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    active_profile_index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exporter: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Shared {
    frames: Vec<SpeedscopeFrame>,
}

#[derive(Serialize, Deserialize)]
struct SpeedscopeFrame {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type")]
enum SpeedscopeProfile {
    #[serde(rename = "sampled")]
    Sampled {
        name: String,
        unit: String,
        #[serde(rename = "startValue")]
        start_value: f64,
        #[serde(rename = "endValue")]
        end_value: f64,
        samples: Vec<Vec<usize>>,
        weights: Vec<f64>,
    },
    #[serde(rename = "evented")]
    Evented {
        name: String,
        unit: String,
        #[serde(rename = "startValue")]
        start_value: f64,
        #[serde(rename = "endValue")]
        end_value: f64,
        events: Vec<Event>,
    },
}

#[derive(Serialize, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    frame: usize,
    at: f64,
}

fn ns_per_unit(unit: &str) -> f64 {
    match unit {
        "nanoseconds" => 1.0,
        "microseconds" => 1e3,
        "milliseconds" => 1e6,
        "seconds" => 1e9,
        // "none" and "bytes": not time; treat one unit as one nanosecond.
        _ => 1.0,
    }
}

/// Writes one sampled profile per thread, weighted by `weight`.
pub fn write(profile: &Profile, out: &mut dyn Write, weight: Weight) -> io::Result<()> {
    let frames: Vec<SpeedscopeFrame> = profile
        .frames()
        .iter()
        .map(|f| SpeedscopeFrame {
            name: match f.kind {
                FrameKind::Python => f.label(),
                _ => f.name.clone(),
            },
            file: f.file.clone(),
            line: f.line,
        })
        .collect();
    let mut by_thread: Vec<(Vec<Vec<usize>>, Vec<f64>)> =
        vec![(Vec::new(), Vec::new()); profile.threads().len()];
    for sample in profile.samples() {
        let w = sample.weight(weight);
        if w == 0 {
            continue;
        }
        if let Some(entry) = by_thread.get_mut(sample.thread as usize) {
            entry.0.push(
                profile
                    .stack(sample.stack)
                    .iter()
                    .map(|id| *id as usize)
                    .collect(),
            );
            entry.1.push(w as f64);
        }
    }
    let profiles: Vec<SpeedscopeProfile> = profile
        .threads()
        .iter()
        .zip(by_thread)
        .filter(|(_, (samples, _))| !samples.is_empty())
        .map(|(thread, (samples, weights))| SpeedscopeProfile::Sampled {
            name: format!("{} [{}]", thread.label(), weight.name()),
            unit: "nanoseconds".to_string(),
            start_value: 0.0,
            end_value: weights.iter().sum(),
            samples,
            weights,
        })
        .collect();
    let file = File {
        schema: "https://www.speedscope.app/file-format-schema.json".to_string(),
        shared: Shared { frames },
        active_profile_index: Some(0),
        name: profile.meta.target.clone(),
        exporter: Some(format!("argus {}", env!("CARGO_PKG_VERSION"))),
        profiles,
    };
    serde_json::to_writer(&mut *out, &file).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Profile, FormatError> {
    let file: File = serde_json::from_slice(bytes).map_err(|e| {
        FormatError::invalid(
            path,
            Format::Speedscope,
            Location::LineColumn(e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let bad = |message: String| {
        FormatError::invalid(path, Format::Speedscope, Location::Byte(0), message)
    };
    let mut profile = Profile::new(Meta {
        target: file.name.clone(),
        ..Meta::default()
    });
    let frame_ids: Vec<FrameId> = file
        .shared
        .frames
        .iter()
        .map(|f| {
            profile.intern_frame(&Frame {
                name: f.name.clone(),
                file: f.file.clone(),
                line: f.line,
                kind: FrameKind::Unknown,
            })
        })
        .collect();
    let frame = |i: usize| {
        frame_ids.get(i).copied().ok_or_else(|| {
            bad(format!(
                "frame index {i} is outside `shared.frames` ({} frames)",
                frame_ids.len()
            ))
        })
    };
    for (n, p) in file.profiles.iter().enumerate() {
        let (name, unit) = match p {
            SpeedscopeProfile::Sampled { name, unit, .. }
            | SpeedscopeProfile::Evented { name, unit, .. } => (name.as_str(), unit.as_str()),
        };
        let scale = ns_per_unit(unit);
        let (thread_name, weight) = match name.rsplit_once(" [") {
            Some((thread, "wall]")) => (thread, Some(Weight::Wall)),
            Some((thread, "cpu]")) => (thread, Some(Weight::Cpu)),
            _ => (name, None),
        };
        if let Some(weight) = weight {
            profile.meta.mode = weight;
        }
        let thread = profile.intern_thread(0, n as u64, Some(thread_name));
        let add = |profile: &mut Profile, stack: &[FrameId], w: f64| {
            let ns = (w * scale).round().max(0.0) as u64;
            if ns == 0 {
                return;
            }
            let stack = profile.intern_stack(stack);
            profile.add(stack, thread, ThreadState::Running, 1, ns, ns);
        };
        match p {
            SpeedscopeProfile::Sampled {
                samples, weights, ..
            } => {
                if weights.len() != samples.len() {
                    return Err(bad(format!(
                        "profile {n} has {} samples but {} weights",
                        samples.len(),
                        weights.len()
                    )));
                }
                for (stack, w) in samples.iter().zip(weights) {
                    let stack: Vec<FrameId> =
                        stack.iter().map(|i| frame(*i)).collect::<Result<_, _>>()?;
                    add(&mut profile, &stack, *w);
                }
            }
            SpeedscopeProfile::Evented {
                events,
                start_value,
                ..
            } => {
                // Replay open/close events; the time between two events belongs to the
                // stack open in between.
                let mut stack: Vec<FrameId> = Vec::new();
                let mut last = *start_value;
                for event in events {
                    if event.at > last && !stack.is_empty() {
                        add(&mut profile, &stack, event.at - last);
                    }
                    last = event.at;
                    match event.kind.as_str() {
                        "O" => stack.push(frame(event.frame)?),
                        "C" => {
                            stack.pop();
                        }
                        other => {
                            return Err(bad(format!(
                                "profile {n} has an event of unknown type `{other}`"
                            )));
                        }
                    }
                }
            }
        }
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawSample;

    #[test]
    fn written_profiles_read_back_with_the_same_flamegraph() {
        let mut p = Profile::default();
        for (state, frames, cpu, wall) in [
            (
                ThreadState::Running,
                vec!["main", "work"],
                20_000_000,
                20_000_000,
            ),
            (ThreadState::Sleeping, vec!["main", "nap"], 0, 40_000_000),
        ] {
            p.add_raw(&RawSample {
                pid: 1,
                tid: 3,
                thread_name: Some("main".into()),
                state,
                frames: frames
                    .into_iter()
                    .map(|n| Frame::new(n, FrameKind::Native))
                    .collect(),
                cpu_ns: cpu,
                wall_ns: wall,
            });
        }
        for weight in [Weight::Cpu, Weight::Wall] {
            let mut bytes = Vec::new();
            write(&p, &mut bytes, weight).unwrap();
            let back = read(Path::new("p.json"), &bytes).unwrap();
            assert_eq!(back.folded(weight), p.folded(weight));
            assert_eq!(back.meta.mode, weight);
        }
    }

    #[test]
    fn evented_profiles_are_replayed() {
        let json = br#"{"shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":[{"type":"evented","name":"t","unit":"milliseconds","startValue":0,"endValue":10,"events":[{"type":"O","frame":0,"at":0},{"type":"O","frame":1,"at":2},{"type":"C","frame":1,"at":7},{"type":"C","frame":0,"at":10}]}]}"#;
        let p = read(Path::new("e.json"), json).unwrap();
        assert_eq!(
            p.folded(Weight::Cpu),
            vec![("a".to_string(), 5_000_000), ("a;b".to_string(), 5_000_000)]
        );
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let err = read(
            Path::new("bad.json"),
            b"{\n  \"shared\": {\"frames\": [}\n}",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("bad.json: not a valid speedscope profile at line 2, column"),
            "{err}"
        );
    }
}
