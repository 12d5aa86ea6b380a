//! Collapsed stacks, `root;caller;leaf count` per line: the format perf scripts, py-spy
//! and inferno exchange, and the seam between a profile and a flamegraph.
//!
//! Argus writes counts as microseconds of the chosen weight. Counts read from other
//! tools are taken as microseconds too: the flamegraph's proportions are what matter,
//! and a file read and written again keeps its numbers.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use super::{Format, FormatError, Location};
use crate::model::{Frame, FrameId, FrameKind, Meta, Profile, StackId, ThreadState, Weight};

const NS_PER_UNIT: u64 = 1_000;

/// The folded lines of a profile, counts in microseconds; stacks lighter than a
/// microsecond are dropped.
pub fn lines(profile: &Profile, weight: Weight) -> Vec<String> {
    profile
        .folded(weight)
        .into_iter()
        .filter_map(|(stack, ns)| {
            let units = (ns + NS_PER_UNIT / 2) / NS_PER_UNIT;
            (units > 0).then(|| format!("{stack} {units}"))
        })
        .collect()
}

pub fn write(profile: &Profile, out: &mut dyn Write, weight: Weight) -> io::Result<()> {
    for line in lines(profile, weight) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Profile, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        FormatError::invalid(path, Format::Folded, Location::Line(line), "not UTF-8 text")
    })?;
    let mut profile = Profile::new(Meta::default());
    let thread = profile.intern_thread(0, 0, None);
    let mut stacks: HashMap<&str, StackId> = HashMap::new();
    let mut frames: HashMap<&str, FrameId> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: &str| {
            FormatError::invalid(path, Format::Folded, Location::Line(index + 1), message)
        };
        let (stack, count) = line
            .rsplit_once(' ')
            .ok_or_else(|| bad("expected `frame;frame;frame COUNT`"))?;
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| bad(&format!("`{}` is not a whole-number count", count.trim())))?;
        if stack.trim().is_empty() {
            return Err(bad("the stack before the count is empty"));
        }
        // Files list the same stack many times (one line per sample); parse each once.
        let stack = match stacks.get(stack) {
            Some(id) => *id,
            None => {
                let frame_ids: Vec<u32> = stack
                    .split(';')
                    .map(|name| {
                        *frames.entry(name).or_insert_with(|| {
                            profile.intern_frame(&Frame::new(name, FrameKind::Unknown))
                        })
                    })
                    .collect();
                let id = profile.intern_stack(&frame_ids);
                stacks.insert(stack, id);
                id
            }
        };
        let ns = count.saturating_mul(NS_PER_UNIT);
        profile.add(stack, thread, ThreadState::Running, 1, ns, ns);
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawSample;

    #[test]
    fn written_lines_read_back_to_the_same_lines() {
        let mut p = Profile::default();
        for (frames, ns) in [
            (vec!["main", "work"], 2_000_000),
            (vec!["main", "idle"], 500_400),
        ] {
            p.add_raw(&RawSample {
                pid: 1,
                tid: 1,
                thread_name: None,
                state: ThreadState::Running,
                frames: frames
                    .into_iter()
                    .map(|n| Frame::new(n, FrameKind::Native))
                    .collect(),
                cpu_ns: ns,
                wall_ns: ns,
            });
        }
        let written = lines(&p, Weight::Cpu);
        assert_eq!(written, ["main;idle 500", "main;work 2000"]);
        let back = read(Path::new("x.folded"), written.join("\n").as_bytes()).unwrap();
        assert_eq!(lines(&back, Weight::Cpu), written);
        assert_eq!(lines(&back, Weight::Wall), written);
    }

    #[test]
    fn a_malformed_line_is_named() {
        let err = read(Path::new("p.folded"), b"a;b 3\n\na;c three\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.folded: not a valid folded profile at line 3: `three` is not a whole-number count"
        );
        let err = read(Path::new("p.folded"), b"a;b 3\nno-count-here\n").unwrap_err();
        assert!(err.to_string().contains("line 2: expected"), "{err}");
    }
}
