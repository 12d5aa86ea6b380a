//! Recommendations: rules over the profile model that say what to change, not only where
//! the time goes.
//!
//! A recommendation is one file, declared with [`declare_recommendation!`] like a code
//! rule: frame patterns that must appear in a stack (in order, anywhere), the weight it
//! reads, the thread states it counts, a threshold, and a text under three headings
//! (*What it finds*, *Why it costs*, *How to fix*). [`evaluate`] runs every
//! recommendation that applies to the profile's runtime and returns those over their
//! threshold, each with its share and the call sites that lead into it.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::model::{Frame, FrameId, FrameKind, Profile, Runtime, ThreadState, Weight, short_path};

mod java;
mod native;
mod python;

/// A recommendation: when the matched share of a profile reaches the threshold, it fires.
#[derive(Debug)]
pub struct Recommendation {
    /// `py-regex-compile-hot`: the runtime's prefix and what it finds.
    pub id: &'static str,
    /// A short title: "Regex compiled on a hot path".
    pub name: &'static str,
    /// Runtimes whose profiles it reads. Profiles that do not say their runtime (folded
    /// stacks) are read by every recommendation; the frame patterns decide.
    pub runtimes: &'static [Runtime],
    /// Regular expressions over frame labels ([`Frame::label`]), root to leaf. A stack
    /// matches when it holds frames matching each, in this order, not necessarily
    /// adjacent. No patterns: every stack in the counted states matches.
    pub frames: &'static [&'static str],
    /// Regular expressions over frame labels; a stack holding any of them is not counted.
    pub unless: &'static [&'static str],
    /// Regular expressions over frame labels; a stack is not counted when the frame that
    /// calls the entry frame (with no `frames`, the leaf's caller) matches any of them:
    /// an import run from a module body at start-up, a sleep in a thread's own loop. An
    /// entry at the root of its stack has no caller and is tested as the empty label, so
    /// `^$` leaves out code run directly as a thread's entry.
    pub unless_called_from: &'static [&'static str],
    /// The weight it reads.
    pub weight: Weight,
    /// The thread states it counts.
    pub states: &'static [ThreadState],
    /// The share of the weight, in percent, at which it fires.
    pub threshold: f64,
    /// What the matched time is spent doing, as it reads after "is spent":
    /// "compiling regular expressions".
    pub finding: &'static str,
    /// The fix in one line: "compile each pattern once and reuse it".
    pub action: &'static str,
    /// The fraction of the matched time a fix usually removes, for the estimate.
    pub saving: f64,
    /// The doc comment, with the headings *What it finds*, *Why it costs*, *How to fix*.
    pub raw_doc: &'static str,
}

/// The headings every recommendation's documentation has, in order.
pub const DOC_HEADINGS: [&str; 3] = ["What it finds", "Why it costs", "How to fix"];

impl Recommendation {
    /// The text under one of [`DOC_HEADINGS`], trimmed; empty when missing.
    pub fn section(&self, heading: &str) -> String {
        let mut out = Vec::new();
        let mut inside = false;
        for line in self.raw_doc.lines() {
            let line = line.strip_prefix(' ').unwrap_or(line);
            if let Some(title) = line.strip_prefix("## ") {
                inside = title.trim() == heading;
                continue;
            }
            if inside {
                // Rust examples are kept out of the doctests; readers need not see how.
                out.push(if line == "```rust,ignore" {
                    "```rust"
                } else {
                    line
                });
            }
        }
        out.join("\n").trim().to_string()
    }

    /// Whether it reads profiles of this runtime.
    pub fn applies_to(&self, runtime: Runtime) -> bool {
        runtime == Runtime::Unknown || self.runtimes.contains(&runtime)
    }
}

/// Declares a recommendation as a constant; its doc comment is its documentation.
#[macro_export]
macro_rules! declare_recommendation {
    (
        $(#[doc = $doc:expr])*
        $vis:vis $name:ident {
            id: $id:literal,
            name: $title:literal,
            runtimes: [$($runtime:ident),* $(,)?],
            frames: [$($frame:literal),* $(,)?],
            $(unless: [$($unless:literal),* $(,)?],)?
            $(unless_called_from: [$($called:literal),* $(,)?],)?
            weight: $weight:ident,
            states: [$($state:ident),* $(,)?],
            threshold: $threshold:literal,
            finding: $finding:literal,
            action: $action:literal,
            saving: $saving:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis const $name: $crate::advice::Recommendation = $crate::advice::Recommendation {
            id: $id,
            name: $title,
            runtimes: &[$($crate::model::Runtime::$runtime),*],
            frames: &[$($frame),*],
            unless: &[$($($unless),*)?],
            unless_called_from: &[$($($called),*)?],
            weight: $crate::model::Weight::$weight,
            states: &[$($crate::model::ThreadState::$state),*],
            threshold: $threshold,
            finding: $finding,
            action: $action,
            saving: $saving,
            raw_doc: concat!($($doc, "\n"),*),
        };
    };
}

/// Registers recommendation modules: one line each, `module::CONSTANT`.
macro_rules! register_recommendations {
    ($($module:ident :: $rec:ident),* $(,)?) => {
        $(mod $module;)*

        /// This runtime's recommendations, in registration order.
        pub(crate) static RECOMMENDATIONS: &[&$crate::advice::Recommendation] =
            &[$(&$module::$rec),*];
    };
}
pub(crate) use register_recommendations;

/// Every recommendation, Python first, then Java, then native code.
pub fn catalogue() -> impl Iterator<Item = &'static Recommendation> {
    python::RECOMMENDATIONS
        .iter()
        .chain(java::RECOMMENDATIONS)
        .chain(native::RECOMMENDATIONS)
        .copied()
}

/// The recommendation with this id.
pub fn find(id: &str) -> Option<&'static Recommendation> {
    catalogue().find(|r| r.id == id)
}

/// A recommendation's patterns, compiled.
struct Compiled {
    rec: &'static Recommendation,
    frames: Vec<Regex>,
    unless: Vec<Regex>,
    unless_called_from: Vec<Regex>,
}

/// A pattern that does not compile, named with its recommendation.
#[derive(Debug, thiserror::Error)]
#[error("recommendation {id}: pattern `{pattern}` is not a valid regular expression: {source}")]
pub struct PatternError {
    pub id: &'static str,
    pub pattern: &'static str,
    #[source]
    pub source: regex::Error,
}

fn compile(rec: &'static Recommendation) -> Result<Compiled, PatternError> {
    let all = |patterns: &'static [&'static str]| {
        patterns
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|source| PatternError {
                    id: rec.id,
                    pattern,
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(Compiled {
        rec,
        frames: all(rec.frames)?,
        unless: all(rec.unless)?,
        unless_called_from: all(rec.unless_called_from)?,
    })
}

/// Compiles every pattern of the catalogue; the catalogue test requires this to pass.
pub fn check_catalogue() -> Result<(), PatternError> {
    catalogue().try_for_each(|rec| compile(rec).map(drop))
}

fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    // A pattern that does not compile drops its recommendation; `check_catalogue` keeps
    // that from shipping.
    COMPILED.get_or_init(|| catalogue().filter_map(|rec| compile(rec).ok()).collect())
}

/// A caller that leads into the matched time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallSite {
    /// The caller's frame label, as drawn in flamegraphs.
    pub label: String,
    /// Where to look: `parse_line (app/parser.py:42)`, `com.acme.Parser.parse
    /// (Parser.java:42)`, `tokenize (line 42, tokenizer)`.
    pub location: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// Its share of the profile's weight, 0 to 1.
    pub share: f64,
}

impl CallSite {
    fn new(frame: &Frame, share: f64) -> CallSite {
        let location = match (frame.kind, frame.file.as_deref(), frame.line) {
            (FrameKind::Native, Some(module), Some(line)) => {
                format!("{} (line {line}, {})", frame.name, base_name(module))
            }
            (FrameKind::Python, Some(file), Some(line)) => {
                format!("{} ({}:{line})", frame.name, short_path(file))
            }
            (FrameKind::Native | FrameKind::Python, _, _) => frame.label(),
            (_, Some(file), Some(line)) => format!("{} ({}:{line})", frame.name, base_name(file)),
            _ => frame.label(),
        };
        CallSite {
            label: frame.label(),
            location,
            file: frame.file.clone(),
            line: frame.line,
            share,
        }
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A recommendation that fired on a profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advice {
    pub id: &'static str,
    pub name: &'static str,
    /// The weight it read.
    pub weight: Weight,
    /// The matched share of that weight, 0 to 1.
    pub share: f64,
    pub matched_ns: u64,
    pub total_ns: u64,
    /// What was found, with the numbers.
    pub found: String,
    /// Why it costs.
    pub why: String,
    /// The fix in one line.
    pub action: &'static str,
    /// How to fix it, at length.
    pub fix: String,
    /// The estimate of the time a fix saves.
    pub saving: String,
    /// Labels of the frames where the matched code is entered, heaviest first: the
    /// boxes to look at in a flamegraph.
    pub entry_frames: Vec<String>,
    /// The top three callers leading into the matched code, heaviest first.
    pub call_sites: Vec<CallSite>,
}

/// Runs every recommendation that applies to the profile; returns those that fired,
/// largest share first.
pub fn evaluate(profile: &Profile) -> Vec<Advice> {
    let labels: Vec<String> = profile.frames().iter().map(Frame::label).collect();
    let mut fired: Vec<Advice> = compiled()
        .iter()
        .filter(|c| c.rec.applies_to(profile.meta.runtime))
        .filter_map(|c| run(c, profile, &labels))
        .collect();
    fired.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.id.cmp(b.id)));
    fired
}

fn run(compiled: &Compiled, profile: &Profile, labels: &[String]) -> Option<Advice> {
    let rec = compiled.rec;
    let total = profile.total(rec.weight);
    if total == 0 {
        return None;
    }
    // Per frame: which patterns it matches (bit i for `frames[i]`), and whether it
    // matches an `unless` pattern.
    let hits: Vec<(u64, bool)> = labels
        .iter()
        .map(|label| {
            let mask = compiled
                .frames
                .iter()
                .enumerate()
                .filter(|(_, re)| re.is_match(label))
                .fold(0u64, |mask, (i, _)| mask | (1 << (i % 64)));
            let excluded = compiled.unless.iter().any(|re| re.is_match(label));
            (mask, excluded)
        })
        .collect();
    let hit = |id: FrameId| hits.get(id as usize).copied().unwrap_or((0, false));
    // Per frame: whether calling the entry from it leaves the stack out.
    let called_from = |label: &str| {
        compiled
            .unless_called_from
            .iter()
            .any(|re| re.is_match(label))
    };
    let called_from_frame: Vec<bool> = labels.iter().map(|label| called_from(label)).collect();
    let called_from_root = called_from("");

    let mut matched = 0u64;
    let mut callers: HashMap<Option<FrameId>, u64> = HashMap::new();
    let mut entries: HashMap<FrameId, u64> = HashMap::new();
    for sample in profile.samples() {
        let weight = sample.weight(rec.weight);
        if weight == 0 || !rec.states.contains(&sample.state) {
            continue;
        }
        let stack = profile.stack(sample.stack);
        if stack.iter().any(|id| hit(*id).1) {
            continue;
        }
        let Some(entry) = entry_index(stack, compiled.frames.len(), |id| hit(id).0) else {
            continue;
        };
        let excluded_caller = match entry.checked_sub(1).and_then(|i| stack.get(i)) {
            Some(id) => called_from_frame
                .get(*id as usize)
                .copied()
                .unwrap_or(false),
            None => called_from_root,
        };
        if excluded_caller {
            continue;
        }
        matched += weight;
        if let Some(id) = stack.get(entry) {
            *entries.entry(*id).or_default() += weight;
        }
        let caller = if compiled.frames.is_empty() {
            stack.last().copied()
        } else {
            caller_of(profile, stack, entry)
        };
        *callers.entry(caller).or_default() += weight;
    }
    let share = matched as f64 / total as f64;
    if share * 100.0 < rec.threshold || matched == 0 {
        return None;
    }

    let mut callers: Vec<(Option<FrameId>, u64)> = callers.into_iter().collect();
    callers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // A stack whose matched code is its root (a torn read, or a thread entered right
    // there) counts towards the share but names no caller to go to.
    let call_sites: Vec<CallSite> = callers
        .into_iter()
        .filter_map(|(id, weight)| {
            let frame = profile.frame(id?)?;
            Some(CallSite::new(frame, weight as f64 / total as f64))
        })
        .take(3)
        .collect();
    let mut entries: Vec<(FrameId, u64)> = entries.into_iter().collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut entry_frames: Vec<String> = Vec::new();
    for (id, _) in entries {
        if let Some(label) = labels.get(id as usize)
            && !entry_frames.contains(label)
        {
            entry_frames.push(label.clone());
        }
    }

    let what = match rec.weight {
        Weight::Cpu => "CPU time",
        Weight::Wall => "wall-clock time",
    };
    let from = call_sites
        .first()
        .map(|site| format!(", most of it from `{}`", site.location))
        .unwrap_or_default();
    let found = format!(
        "{} of {what} is spent {}{from}.",
        percent(share),
        rec.finding
    );
    let saved = matched as f64 * rec.saving;
    let saving = format!(
        "Fixing it could save about {} of {what}: {} of the {} recorded.",
        percent(share * rec.saving),
        seconds(saved),
        seconds(total as f64),
    );
    Some(Advice {
        id: rec.id,
        name: rec.name,
        weight: rec.weight,
        share,
        matched_ns: matched,
        total_ns: total,
        found,
        why: rec.section("Why it costs"),
        action: rec.action,
        fix: rec.section("How to fix"),
        saving,
        entry_frames,
        call_sites,
    })
}

/// Where the matched code is entered: the leftmost frame matching the first pattern
/// from which the other patterns match in order. The leftmost start is enough: any later
/// start leaves fewer frames for the rest. With no patterns, the leaf.
fn entry_index(stack: &[FrameId], patterns: usize, mask: impl Fn(FrameId) -> u64) -> Option<usize> {
    if patterns == 0 {
        return stack.len().checked_sub(1);
    }
    let start = stack.iter().position(|id| mask(*id) & 1 != 0)?;
    let mut next = 1;
    for id in &stack[start + 1..] {
        if next == patterns {
            break;
        }
        if mask(*id) & (1 << (next % 64)) != 0 {
            next += 1;
        }
    }
    (next == patterns).then_some(start)
}

/// The caller to send a user to: the nearest frame above the entry that is their own
/// code, skipping the runtime's library (`java.util.*`, the Python standard library),
/// or the direct caller when every frame above belongs to the library.
fn caller_of(profile: &Profile, stack: &[FrameId], entry: usize) -> Option<FrameId> {
    let above = stack.get(..entry)?;
    above
        .iter()
        .rev()
        .find(|id| profile.frame(**id).is_some_and(|f| !is_library(f)))
        .or(above.last())
        .copied()
}

/// Whether a frame is the language runtime's own library rather than application code.
fn is_library(frame: &Frame) -> bool {
    match frame.kind {
        FrameKind::Java => ["java.", "javax.", "jdk.", "sun.", "com.sun."]
            .iter()
            .any(|prefix| frame.name.starts_with(prefix)),
        FrameKind::Python => frame.file.as_deref().is_some_and(|file| {
            let stdlib = file.contains("/lib/python3") || file.starts_with("<frozen ");
            stdlib && !file.contains("-packages/")
        }),
        FrameKind::Kernel => true,
        FrameKind::Native => frame.file.as_deref().is_some_and(|module| {
            let name = base_name(module);
            [
                "libc.so",
                "libc-",
                "ld-linux",
                "libstdc++",
                "libgcc_s",
                "libm.so",
            ]
            .iter()
            .any(|lib| name.starts_with(lib))
        }),
        FrameKind::Unknown => false,
    }
}

/// `31.2%`, or `0.4%` below one percent.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `12.3 s`, or `840 ms` below a second.
fn seconds(ns: f64) -> String {
    let seconds = ns / 1e9;
    if seconds >= 1.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{:.0} ms", seconds * 1e3)
    }
}

impl fmt::Display for Advice {
    /// The terminal form: title, finding, fix, estimate and call sites.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} [{}]: {} of {}",
            self.name,
            self.id,
            percent(self.share),
            self.weight.name()
        )?;
        writeln!(f, "  {}", self.found)?;
        writeln!(f, "  Fix: {}.", self.action)?;
        writeln!(f, "  {}", self.saving)?;
        if !self.call_sites.is_empty() {
            writeln!(f, "  Call sites:")?;
            for site in &self.call_sites {
                writeln!(f, "    {:>6}  {}", percent(site.share), site.location)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Meta, RawSample};

    #[test]
    fn patterns_match_in_order_but_not_adjacent() {
        let masks = [0b01, 0, 0b10, 0];
        let mask = |id: FrameId| masks[id as usize];
        assert_eq!(entry_index(&[3, 0, 1, 2], 2, mask), Some(1));
        assert_eq!(entry_index(&[2, 0, 1], 2, mask), None);
        assert_eq!(entry_index(&[1, 3], 0, mask), Some(1));
    }

    #[test]
    fn stacks_entered_from_an_excluded_caller_or_the_root_are_not_counted() {
        static REC: Recommendation = Recommendation {
            id: "py-test",
            name: "test",
            runtimes: &[Runtime::Python],
            frames: &["^work$"],
            unless: &[],
            unless_called_from: &["^setup$", "^$"],
            weight: Weight::Cpu,
            states: &[ThreadState::Running],
            threshold: 0.0,
            finding: "working",
            action: "work less",
            saving: 0.5,
            raw_doc: "",
        };
        let mut profile = Profile::new(Meta::default());
        let stacks: [(&[&str], u64); 3] = [
            (&["main", "handle", "work"], 10),
            (&["main", "setup", "work"], 20),
            (&["work"], 40),
        ];
        for (stack, ms) in stacks {
            profile.add_raw(&RawSample {
                pid: 1,
                tid: 1,
                thread_name: None,
                state: ThreadState::Running,
                frames: stack
                    .iter()
                    .map(|name| Frame::new(*name, FrameKind::Unknown))
                    .collect(),
                cpu_ns: ms * 1_000_000,
                wall_ns: ms * 1_000_000,
            });
        }
        let labels: Vec<String> = profile.frames().iter().map(Frame::label).collect();
        let advice = run(&compile(&REC).unwrap(), &profile, &labels).unwrap();
        assert_eq!(advice.matched_ns, 10_000_000);
        assert_eq!(advice.call_sites[0].label, "handle");
    }

    #[test]
    fn every_recommendation_has_its_headings_and_compiling_patterns() {
        check_catalogue().unwrap();
        for rec in catalogue() {
            for heading in DOC_HEADINGS {
                assert!(
                    !rec.section(heading).is_empty(),
                    "{}: no `## {heading}`",
                    rec.id
                );
            }
        }
    }
}
