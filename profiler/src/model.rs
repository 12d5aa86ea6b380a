//! The one profile model every sampler writes into and every exporter reads from.
//!
//! Frames and stacks are interned. A sample is a stack plus labels (thread, thread state,
//! process) with two weights, CPU time and wall-clock time, so the CPU and the latency
//! view of a recording come from the same data. Samples with equal stack and labels are
//! merged; their weights and counts add up.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where a frame's code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameKind {
    Python,
    Java,
    Native,
    Kernel,
    /// A frame read from a file format that does not say.
    Unknown,
}

/// One function in a stack.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    /// The function: `parse_line`, `com.acme.Parser.parse`, `memcpy`.
    pub name: String,
    /// The source file or, for native code, the binary or library.
    pub file: Option<String>,
    /// The line in `file`, when known.
    pub line: Option<u32>,
    pub kind: FrameKind,
}

impl Frame {
    pub fn new(name: impl Into<String>, kind: FrameKind) -> Frame {
        Frame {
            name: name.into(),
            file: None,
            line: None,
            kind,
        }
    }

    /// The label drawn in flamegraphs and written to folded stacks:
    /// `parse_line (app/parser.py)` for Python, the bare name otherwise. Lines stay out
    /// of the label so one function is one box; the frame (and pprof) keeps them.
    /// Folded stacks separate frames with `;`, so the label never contains one.
    pub fn label(&self) -> String {
        let label = match (self.kind, &self.file) {
            (FrameKind::Python, Some(file)) => format!("{} ({})", self.name, short_path(file)),
            _ => self.name.clone(),
        };
        label.replace(';', ":")
    }
}

/// The last two components of a path: enough to recognise a file, short enough to read.
pub(crate) fn short_path(path: &str) -> &str {
    let mut cut = path.len();
    for _ in 0..2 {
        match path[..cut].rfind('/') {
            Some(i) => cut = i,
            None => return path,
        }
    }
    &path[cut + 1..]
}

/// What a thread was doing when it was sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreadState {
    /// On a CPU, or ready to run.
    Running,
    /// Waiting for a lock, a monitor or a condition.
    Lock,
    /// Waiting for a file, socket or pipe.
    Io,
    /// In an explicit sleep.
    Sleeping,
    /// Blocked for another or an unknown reason.
    Idle,
}

impl ThreadState {
    pub const ALL: [ThreadState; 5] = [
        ThreadState::Running,
        ThreadState::Lock,
        ThreadState::Io,
        ThreadState::Sleeping,
        ThreadState::Idle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ThreadState::Running => "running",
            ThreadState::Lock => "lock",
            ThreadState::Io => "io",
            ThreadState::Sleeping => "sleeping",
            ThreadState::Idle => "idle",
        }
    }

    pub fn parse(name: &str) -> Option<ThreadState> {
        ThreadState::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for ThreadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which weight a view of the profile reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    /// Time on a CPU: where the program computes.
    Cpu,
    /// Wall-clock time, running or waiting: where the latency goes.
    Wall,
}

impl Weight {
    pub fn name(self) -> &'static str {
        match self {
            Weight::Cpu => "cpu",
            Weight::Wall => "wall",
        }
    }
}

/// A sample as a sampler produces it, before interning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSample {
    pub pid: u32,
    pub tid: u64,
    pub thread_name: Option<String>,
    pub state: ThreadState,
    /// Root first, leaf last.
    pub frames: Vec<Frame>,
    /// CPU time this sample stands for, in nanoseconds (0 when the thread was off CPU).
    pub cpu_ns: u64,
    /// Wall-clock time this sample stands for, in nanoseconds.
    pub wall_ns: u64,
}

pub type FrameId = u32;
pub type StackId = u32;
pub type ThreadId = u32;

/// A thread seen in the recording.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Thread {
    pub pid: u32,
    pub tid: u64,
    pub name: Option<String>,
}

impl Thread {
    /// `MainThread (1234)`, or `thread 1234` when unnamed.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} ({})", self.tid),
            None => format!("thread {}", self.tid),
        }
    }
}

/// Merged samples that share a stack and labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub stack: StackId,
    pub thread: ThreadId,
    pub state: ThreadState,
    /// How many raw samples were merged.
    pub count: u64,
    pub cpu_ns: u64,
    pub wall_ns: u64,
}

impl Sample {
    pub fn weight(&self, weight: Weight) -> u64 {
        match weight {
            Weight::Cpu => self.cpu_ns,
            Weight::Wall => self.wall_ns,
        }
    }
}

/// The runtime a profile was recorded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Python,
    Java,
    Native,
    /// Read from a file that does not say.
    Unknown,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Java => "java",
            Runtime::Native => "native",
            Runtime::Unknown => "unknown",
        }
    }
}

/// What the profile describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub runtime: Runtime,
    /// The weight the recording was made for; views default to it.
    pub mode: Weight,
    /// The sampling rate, in Hz, when known.
    pub rate_hz: Option<u32>,
    /// How long the recording ran.
    pub duration: Option<Duration>,
    /// Start of the recording, in nanoseconds since the Unix epoch, when known.
    pub start_unix_ns: Option<u64>,
    /// The profiled command line or process name.
    pub target: Option<String>,
}

impl Default for Meta {
    fn default() -> Meta {
        Meta {
            runtime: Runtime::Unknown,
            mode: Weight::Cpu,
            rate_hz: None,
            duration: None,
            start_unix_ns: None,
            target: None,
        }
    }
}

/// A recorded profile.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub meta: Meta,
    frames: Vec<Frame>,
    frame_ids: HashMap<Frame, FrameId>,
    stacks: Vec<Box<[FrameId]>>,
    stack_ids: HashMap<Box<[FrameId]>, StackId>,
    threads: Vec<Thread>,
    thread_ids: HashMap<(u32, u64), ThreadId>,
    samples: Vec<Sample>,
    sample_ids: HashMap<(StackId, ThreadId, ThreadState), usize>,
}

impl Profile {
    pub fn new(meta: Meta) -> Profile {
        Profile {
            meta,
            ..Profile::default()
        }
    }

    /// Interns a frame.
    pub fn intern_frame(&mut self, frame: &Frame) -> FrameId {
        if let Some(id) = self.frame_ids.get(frame) {
            return *id;
        }
        let id = FrameId::try_from(self.frames.len()).unwrap_or(FrameId::MAX);
        self.frames.push(frame.clone());
        self.frame_ids.insert(frame.clone(), id);
        id
    }

    /// Interns a stack of frame ids, root first.
    pub fn intern_stack(&mut self, stack: &[FrameId]) -> StackId {
        if let Some(id) = self.stack_ids.get(stack) {
            return *id;
        }
        let id = StackId::try_from(self.stacks.len()).unwrap_or(StackId::MAX);
        self.stacks.push(stack.into());
        self.stack_ids.insert(stack.into(), id);
        id
    }

    /// Interns a thread.
    pub fn intern_thread(&mut self, pid: u32, tid: u64, name: Option<&str>) -> ThreadId {
        if let Some(&id) = self.thread_ids.get(&(pid, tid)) {
            // A thread may be named only after it was first seen.
            if let (Some(thread), Some(name)) = (self.threads.get_mut(id as usize), name)
                && thread.name.is_none()
            {
                thread.name = Some(name.to_string());
            }
            return id;
        }
        let id = ThreadId::try_from(self.threads.len()).unwrap_or(ThreadId::MAX);
        self.threads.push(Thread {
            pid,
            tid,
            name: name.map(str::to_string),
        });
        self.thread_ids.insert((pid, tid), id);
        id
    }

    /// Adds weight to the sample with this stack and labels.
    pub fn add(
        &mut self,
        stack: StackId,
        thread: ThreadId,
        state: ThreadState,
        count: u64,
        cpu_ns: u64,
        wall_ns: u64,
    ) {
        let key = (stack, thread, state);
        match self.sample_ids.get(&key) {
            Some(&i) => {
                let sample = &mut self.samples[i];
                sample.count += count;
                sample.cpu_ns += cpu_ns;
                sample.wall_ns += wall_ns;
            }
            None => {
                self.sample_ids.insert(key, self.samples.len());
                self.samples.push(Sample {
                    stack,
                    thread,
                    state,
                    count,
                    cpu_ns,
                    wall_ns,
                });
            }
        }
    }

    /// Adds one sample as a sampler produced it.
    pub fn add_raw(&mut self, raw: &RawSample) {
        let stack: Vec<FrameId> = raw.frames.iter().map(|f| self.intern_frame(f)).collect();
        let stack = self.intern_stack(&stack);
        let thread = self.intern_thread(raw.pid, raw.tid, raw.thread_name.as_deref());
        self.add(stack, thread, raw.state, 1, raw.cpu_ns, raw.wall_ns);
    }

    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    pub fn frame(&self, id: FrameId) -> Option<&Frame> {
        self.frames.get(id as usize)
    }

    pub fn stack(&self, id: StackId) -> &[FrameId] {
        self.stacks.get(id as usize).map_or(&[], |s| s)
    }

    pub fn threads(&self) -> &[Thread] {
        &self.threads
    }

    pub fn thread(&self, id: ThreadId) -> Option<&Thread> {
        self.threads.get(id as usize)
    }

    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// How many raw samples were recorded.
    pub fn sample_count(&self) -> u64 {
        self.samples.iter().map(|s| s.count).sum()
    }

    /// The total of one weight over all samples.
    pub fn total(&self, weight: Weight) -> u64 {
        self.samples.iter().map(|s| s.weight(weight)).sum()
    }

    /// Collapsed stacks for one weight: `root;...;leaf` → weight in nanoseconds, sorted
    /// by stack, without zero-weight stacks. The seam between a profile and a flamegraph.
    pub fn folded(&self, weight: Weight) -> Vec<(String, u64)> {
        let mut by_stack: HashMap<StackId, u64> = HashMap::new();
        for sample in &self.samples {
            let w = sample.weight(weight);
            if w > 0 {
                *by_stack.entry(sample.stack).or_default() += w;
            }
        }
        let mut lines: Vec<(String, u64)> = by_stack
            .into_iter()
            .map(|(stack, w)| (self.stack_label(stack), w))
            .collect();
        // Distinct stacks can share a label (frames differing only in file or kind).
        lines.sort();
        lines.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 += next.1;
                true
            } else {
                false
            }
        });
        lines
    }

    /// `root;...;leaf` for a stack; `[no frames]` for an empty one.
    pub fn stack_label(&self, stack: StackId) -> String {
        let frames = self.stack(stack);
        if frames.is_empty() {
            return "[no frames]".to_string();
        }
        frames
            .iter()
            .filter_map(|id| self.frame(*id))
            .map(Frame::label)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Self and total weight per function label, heaviest self first.
    pub fn hot_functions(&self, weight: Weight) -> Vec<HotFunction> {
        let mut by_label: HashMap<String, (u64, u64)> = HashMap::new();
        for sample in &self.samples {
            let w = sample.weight(weight);
            if w == 0 {
                continue;
            }
            let stack = self.stack(sample.stack);
            let mut seen: Vec<FrameId> = Vec::with_capacity(stack.len());
            for (i, id) in stack.iter().enumerate() {
                let Some(frame) = self.frame(*id) else {
                    continue;
                };
                let entry = by_label.entry(frame.label()).or_default();
                if i + 1 == stack.len() {
                    entry.0 += w;
                }
                // Recursion counts once towards a function's total.
                if !seen.contains(id) {
                    entry.1 += w;
                    seen.push(*id);
                }
            }
        }
        let mut hot: Vec<HotFunction> = by_label
            .into_iter()
            .map(|(label, (self_ns, total_ns))| HotFunction {
                label,
                self_ns,
                total_ns,
            })
            .collect();
        hot.sort_by(|a, b| {
            b.self_ns
                .cmp(&a.self_ns)
                .then(b.total_ns.cmp(&a.total_ns))
                .then(a.label.cmp(&b.label))
        });
        hot
    }

    /// Merges another profile into this one (for `--subprocesses` and directories).
    pub fn merge(&mut self, other: &Profile) {
        for sample in &other.samples {
            let stack: Vec<FrameId> = other
                .stack(sample.stack)
                .iter()
                .filter_map(|id| other.frame(*id))
                .map(|f| self.intern_frame(f))
                .collect();
            let stack = self.intern_stack(&stack);
            let thread = match other.thread(sample.thread) {
                Some(t) => self.intern_thread(t.pid, t.tid, t.name.as_deref()),
                None => self.intern_thread(0, 0, None),
            };
            self.add(
                stack,
                thread,
                sample.state,
                sample.count,
                sample.cpu_ns,
                sample.wall_ns,
            );
        }
    }
}

/// One line of a hot-functions table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotFunction {
    pub label: String,
    /// Weight with the function at the top of the stack.
    pub self_ns: u64,
    /// Weight with the function anywhere in the stack.
    pub total_ns: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(frames: &[&str], state: ThreadState, cpu: u64, wall: u64) -> RawSample {
        RawSample {
            pid: 1,
            tid: 7,
            thread_name: Some("main".into()),
            state,
            frames: frames
                .iter()
                .map(|n| Frame::new(*n, FrameKind::Native))
                .collect(),
            cpu_ns: cpu,
            wall_ns: wall,
        }
    }

    #[test]
    fn equal_samples_merge_and_weights_add_up() {
        let mut p = Profile::default();
        p.add_raw(&raw(&["main", "work"], ThreadState::Running, 10, 10));
        p.add_raw(&raw(&["main", "work"], ThreadState::Running, 10, 10));
        p.add_raw(&raw(&["main", "wait"], ThreadState::Lock, 0, 30));
        assert_eq!(p.samples().len(), 2);
        assert_eq!(p.sample_count(), 3);
        assert_eq!(p.total(Weight::Cpu), 20);
        assert_eq!(p.total(Weight::Wall), 50);
        assert_eq!(p.frames().len(), 3);
        assert_eq!(p.folded(Weight::Cpu), vec![("main;work".to_string(), 20)]);
        assert_eq!(
            p.folded(Weight::Wall),
            vec![("main;wait".to_string(), 30), ("main;work".to_string(), 20)]
        );
    }

    #[test]
    fn hot_functions_count_self_and_total_once_per_stack() {
        let mut p = Profile::default();
        p.add_raw(&raw(&["main", "f", "f", "g"], ThreadState::Running, 5, 5));
        p.add_raw(&raw(&["main", "f"], ThreadState::Running, 3, 3));
        let hot = p.hot_functions(Weight::Cpu);
        let get = |l: &str| hot.iter().find(|h| h.label == l).cloned().unwrap();
        assert_eq!(get("g").self_ns, 5);
        assert_eq!(get("f").self_ns, 3);
        assert_eq!(get("f").total_ns, 8);
        assert_eq!(get("main").total_ns, 8);
        assert_eq!(hot[0].label, "g");
    }

    #[test]
    fn python_labels_show_function_and_short_path_and_never_a_semicolon() {
        let frame = Frame {
            name: "parse_line".into(),
            file: Some("/srv/app/ingest/parser.py".into()),
            line: Some(42),
            kind: FrameKind::Python,
        };
        assert_eq!(frame.label(), "parse_line (ingest/parser.py)");
        assert_eq!(Frame::new("a;b", FrameKind::Native).label(), "a:b");
    }
}
