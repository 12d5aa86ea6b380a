//! Interactive flamegraphs (search, zoom, icicle) drawn by inferno from folded stacks,
//! and differential flamegraphs of two profiles.

use std::io::{self, Write};

use inferno::flamegraph::color::{BasicPalette, MultiPalette, Palette};
use inferno::flamegraph::{self, Direction, Options};

use super::WriteOptions;
use super::folded;
use crate::model::{Profile, Runtime, Weight};

fn palette(runtime: Runtime) -> Palette {
    match runtime {
        Runtime::Python => Palette::Multi(MultiPalette::Python),
        Runtime::Java => Palette::Multi(MultiPalette::Java),
        Runtime::Native => Palette::Multi(MultiPalette::Rust),
        Runtime::Unknown => Palette::Basic(BasicPalette::Hot),
    }
}

fn what(weight: Weight) -> &'static str {
    match weight {
        Weight::Cpu => "CPU time",
        Weight::Wall => "wall-clock time",
    }
}

/// `/usr/bin/python3 /srv/app/main.py --port 80` → `python3 main.py --port 80`: a title
/// names the program, not the machine's layout.
fn short_command(command: &str) -> String {
    command
        .split_whitespace()
        .map(|word| match word.rsplit_once('/') {
            Some((_, name)) if !word.starts_with('-') => name,
            _ => word,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn base_options(profile: &Profile, options: &WriteOptions) -> Options<'static> {
    let mut opts = Options::default();
    opts.title = options
        .title
        .clone()
        .unwrap_or_else(|| match &profile.meta.target {
            Some(target) => format!("{}: {}", what(options.weight), short_command(target)),
            None => what(options.weight).to_string(),
        });
    opts.count_name = "µs".to_string();
    opts.colors = palette(profile.meta.runtime);
    opts.deterministic = true;
    opts.direction = if options.icicle {
        Direction::Inverted
    } else {
        Direction::Straight
    };
    let seconds = profile.total(options.weight) as f64 / 1e9;
    let mut subtitle = format!(
        "{:.2} s of {} in {} samples",
        seconds,
        what(options.weight),
        profile.sample_count()
    );
    if let Some(hz) = profile.meta.rate_hz {
        subtitle.push_str(&format!(" at {hz} Hz"));
    }
    opts.subtitle = Some(subtitle);
    opts
}

/// Draws the profile's flamegraph for `options.weight`.
pub fn write(profile: &Profile, out: &mut dyn Write, options: &WriteOptions) -> io::Result<()> {
    let lines = folded::lines(profile, options.weight);
    let mut opts = base_options(profile, options);
    if lines.is_empty() {
        // inferno refuses an empty input; an empty profile still deserves a picture.
        opts.subtitle = Some(format!("no {} was recorded", what(options.weight)));
        return flamegraph::from_lines(&mut opts, ["[no samples] 1"], out);
    }
    flamegraph::from_lines(&mut opts, lines.iter().map(String::as_str), out)
}

/// Draws a differential flamegraph: the shape of `after`, coloured red where it spends
/// more than `before` and blue where it spends less. With `normalize`, `before` is
/// scaled to `after`'s total first, so a longer recording does not turn everything red.
pub fn write_diff(
    before: &Profile,
    after: &Profile,
    out: &mut dyn Write,
    options: &WriteOptions,
    normalize: bool,
) -> io::Result<()> {
    let before_lines = folded::lines(before, options.weight).join("\n");
    let after_lines = folded::lines(after, options.weight).join("\n");
    let mut diff = Vec::new();
    inferno::differential::from_readers(
        inferno::differential::Options {
            normalize,
            ..inferno::differential::Options::default()
        },
        before_lines.as_bytes(),
        after_lines.as_bytes(),
        &mut diff,
    )?;
    let mut opts = base_options(after, options);
    opts.title = options.title.clone().unwrap_or_else(|| {
        format!(
            "Change in {}: red is more, blue is less",
            what(options.weight)
        )
    });
    opts.subtitle = Some(format!(
        "before {:.2} s, after {:.2} s{}",
        before.total(options.weight) as f64 / 1e9,
        after.total(options.weight) as f64 / 1e9,
        if normalize {
            " (before normalized to after)"
        } else {
            ""
        }
    ));
    let text = String::from_utf8_lossy(&diff);
    if text.trim().is_empty() {
        return flamegraph::from_lines(&mut opts, ["[no samples] 0 1"], out);
    }
    flamegraph::from_lines(&mut opts, text.lines(), out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, RawSample, ThreadState};

    fn profile(work_ns: u64) -> Profile {
        let mut p = Profile::default();
        for (name, ns) in [("work", work_ns), ("rest", 1_000_000)] {
            p.add_raw(&RawSample {
                pid: 1,
                tid: 1,
                thread_name: None,
                state: ThreadState::Running,
                frames: vec![
                    Frame::new("main", FrameKind::Native),
                    Frame::new(name, FrameKind::Native),
                ],
                cpu_ns: ns,
                wall_ns: ns,
            });
        }
        p
    }

    #[test]
    fn draws_an_interactive_flamegraph_with_search_and_the_frames() {
        let p = profile(3_000_000);
        let mut out = Vec::new();
        write(&p, &mut out, &WriteOptions::for_profile(&p)).unwrap();
        let svg = String::from_utf8(out).unwrap();
        assert!(svg.starts_with("<?xml"));
        assert!(
            svg.contains("function search("),
            "inferno's search script is embedded"
        );
        assert!(
            svg.contains(">work<") || svg.contains("work ("),
            "the hot frame is drawn"
        );
        assert!(svg.contains("µs"));
    }

    #[test]
    fn icicle_and_diff_and_empty_profiles_draw() {
        let p = profile(3_000_000);
        let mut out = Vec::new();
        let options = WriteOptions {
            icicle: true,
            ..WriteOptions::for_profile(&p)
        };
        write(&p, &mut out, &options).unwrap();
        assert!(String::from_utf8_lossy(&out).contains("inverted=\"true\"") || !out.is_empty());

        let mut diff = Vec::new();
        write_diff(
            &profile(1_000_000),
            &p,
            &mut diff,
            &WriteOptions::for_profile(&p),
            false,
        )
        .unwrap();
        assert!(String::from_utf8_lossy(&diff).contains("red is more"));

        let mut empty = Vec::new();
        write(
            &Profile::default(),
            &mut empty,
            &WriteOptions::for_profile(&Profile::default()),
        )
        .unwrap();
        assert!(String::from_utf8_lossy(&empty).contains("no CPU time was recorded"));
    }
}
