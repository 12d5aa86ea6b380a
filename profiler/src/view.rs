//! The profile viewer page: a JSON view model built from one profile (or a before/after
//! pair), and the self-contained HTML page that draws it.
//!
//! The view model holds what the page shows and nothing else: the call tree for each
//! weight, pruned of frames too narrow to draw; the hot functions; each thread's wall
//! time split by state; the recommendations; and what the profile describes. The page
//! (template, CSS, script and the vendored d3 and d3-flame-graph bundles under
//! `profiler/viewer/`) is compiled into the binary, so an exported page needs no network.
//!
//! Size bound: a frame is kept only when its weight is at least [`ViewOptions::min_share`]
//! of the total (0.05 % by default, a third of a pixel on a 1,000-pixel-wide graph),
//! and at most [`ViewOptions::max_nodes`] frames (20,000 by default) are kept per weight,
//! the heaviest first. A tree node is then about 40 bytes of JSON, so the two trees stay
//! under about 2 MB whatever the profile's size.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{Profile, Runtime, ThreadState, Weight};

/// How much of the call tree the view model keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewOptions {
    /// Frames lighter than this share of the total weight are dropped.
    pub min_share: f64,
    /// At most this many frames per weight are kept, heaviest first.
    pub max_nodes: usize,
}

impl Default for ViewOptions {
    fn default() -> ViewOptions {
        ViewOptions {
            min_share: 0.0005,
            max_nodes: 20_000,
        }
    }
}

/// Everything the viewer page shows.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub meta: ViewMeta,
    /// The profile before the change, in a comparison.
    pub before: Option<ViewMeta>,
    /// The call tree for each weight. In a comparison, a node's `v` is its weight after
    /// the change and `d` the change from before, with before scaled to after's total.
    pub flame: Flames,
    /// How the trees were pruned.
    pub pruning: Pruning,
    /// Self and total weight per function, for each weight, heaviest self first.
    pub hot: HotTables,
    /// Each thread's wall time split by state, busiest first.
    pub threads: Vec<ThreadRow>,
    /// The recommendations that fired, largest share first.
    pub advice: Vec<crate::advice::Advice>,
    /// The intervals of a directory of continuous profiles, when the view reads one.
    pub intervals: Option<Intervals>,
}

/// What a profile describes.
#[derive(Clone, Debug, Serialize)]
pub struct ViewMeta {
    /// A short name of the input (a file or directory name).
    pub source: String,
    pub runtime: Runtime,
    /// The weight the recording was made for; the page opens on it.
    pub mode: Weight,
    pub target: Option<String>,
    pub rate_hz: Option<u32>,
    pub duration_ns: Option<u64>,
    pub start_unix_ns: Option<u64>,
    pub samples: u64,
    pub cpu_ns: u64,
    pub wall_ns: u64,
}

/// One call tree per weight.
#[derive(Clone, Debug, Serialize)]
pub struct Flames {
    pub cpu: Node,
    pub wall: Node,
}

/// A node of a call tree, in the shape d3-flame-graph reads: `n` name, `v` value
/// (including children), `c` children, `d` change from before in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    pub n: String,
    pub v: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub c: Vec<Node>,
}

/// How the call trees were pruned.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Pruning {
    pub min_share: f64,
    pub max_nodes: usize,
    /// Frames dropped from the CPU and the wall tree.
    pub dropped_cpu: usize,
    pub dropped_wall: usize,
}

/// The hot-functions table for each weight.
#[derive(Clone, Debug, Serialize)]
pub struct HotTables {
    pub cpu: Vec<HotRow>,
    pub wall: Vec<HotRow>,
}

/// One function in the hot-functions table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HotRow {
    pub label: String,
    pub self_ns: u64,
    pub total_ns: u64,
    /// In a comparison: the function's weight before the change, scaled to after's total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_self_ns: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_total_ns: Option<u64>,
}

/// One thread's wall time by state, in nanoseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThreadRow {
    pub label: String,
    pub running: u64,
    pub lock: u64,
    pub io: u64,
    pub sleeping: u64,
    pub idle: u64,
}

/// The intervals of a directory of continuous profiles.
#[derive(Clone, Debug, Serialize)]
pub struct Intervals {
    /// Each interval's start, in nanoseconds since the Unix epoch, oldest first.
    pub starts_unix_ns: Vec<u64>,
    /// Each interval's end, in the same order.
    pub ends_unix_ns: Vec<u64>,
    /// The window the view shows: the intervals that start at or after `from` and end
    /// at or before `until`.
    pub from_unix_ns: u64,
    pub until_unix_ns: u64,
}

/// The hot-functions table keeps this many rows per weight.
const HOT_ROWS: usize = 200;

impl View {
    /// The view of one profile; `source` names it on the page.
    pub fn of(profile: &Profile, source: &str, options: ViewOptions) -> View {
        let (cpu, dropped_cpu) = tree(profile, None, Weight::Cpu, options);
        let (wall, dropped_wall) = tree(profile, None, Weight::Wall, options);
        View {
            meta: meta(profile, source),
            before: None,
            flame: Flames { cpu, wall },
            pruning: Pruning {
                min_share: options.min_share,
                max_nodes: options.max_nodes,
                dropped_cpu,
                dropped_wall,
            },
            hot: HotTables {
                cpu: hot(profile, None, Weight::Cpu),
                wall: hot(profile, None, Weight::Wall),
            },
            threads: threads(profile),
            advice: crate::advice::evaluate(profile),
            intervals: None,
        }
    }

    /// The differential view of `after` against `before`. Before's weights are scaled to
    /// after's totals, so a longer recording does not read as a regression.
    pub fn diff(
        before: &Profile,
        before_source: &str,
        after: &Profile,
        after_source: &str,
        options: ViewOptions,
    ) -> View {
        let (cpu, dropped_cpu) = tree(after, Some(before), Weight::Cpu, options);
        let (wall, dropped_wall) = tree(after, Some(before), Weight::Wall, options);
        View {
            meta: meta(after, after_source),
            before: Some(meta(before, before_source)),
            flame: Flames { cpu, wall },
            pruning: Pruning {
                min_share: options.min_share,
                max_nodes: options.max_nodes,
                dropped_cpu,
                dropped_wall,
            },
            hot: HotTables {
                cpu: hot(after, Some(before), Weight::Cpu),
                wall: hot(after, Some(before), Weight::Wall),
            },
            threads: threads(after),
            advice: crate::advice::evaluate(after),
            intervals: None,
        }
    }

    /// The view model as the JSON the page reads.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "null".to_string())
    }
}

fn meta(profile: &Profile, source: &str) -> ViewMeta {
    ViewMeta {
        source: source.to_string(),
        runtime: profile.meta.runtime,
        mode: profile.meta.mode,
        target: profile.meta.target.clone(),
        rate_hz: profile.meta.rate_hz,
        duration_ns: profile
            .meta
            .duration
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        start_unix_ns: profile.meta.start_unix_ns,
        samples: profile.sample_count(),
        cpu_ns: profile.total(Weight::Cpu),
        wall_ns: profile.total(Weight::Wall),
    }
}

/// Before's weight times this factor is comparable with after's.
fn scale(before: &Profile, after: &Profile, weight: Weight) -> f64 {
    let (b, a) = (before.total(weight), after.total(weight));
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A call tree under construction: nodes in an arena, children by label.
struct Trie {
    labels: Vec<String>,
    nodes: Vec<TrieNode>,
}

struct TrieNode {
    label: usize,
    after: u64,
    before: u64,
    depth: usize,
    children: HashMap<usize, usize>,
}

impl Trie {
    fn new() -> Trie {
        Trie {
            labels: vec!["all".to_string()],
            nodes: vec![TrieNode {
                label: 0,
                after: 0,
                before: 0,
                depth: 0,
                children: HashMap::new(),
            }],
        }
    }

    /// Adds the weight of every sample of `profile` along its stack.
    fn add(&mut self, profile: &Profile, weight: Weight, is_before: bool, scale: f64) {
        let mut label_ids: HashMap<String, usize> = self
            .labels
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, l)| (l.clone(), i))
            .collect();
        let frame_labels: Vec<usize> = profile
            .frames()
            .iter()
            .map(|frame| {
                let label = frame.label();
                *label_ids.entry(label.clone()).or_insert_with(|| {
                    self.labels.push(label);
                    self.labels.len() - 1
                })
            })
            .collect();
        for sample in profile.samples() {
            let w = sample.weight(weight);
            if w == 0 {
                continue;
            }
            let w = if is_before {
                (w as f64 * scale).round() as u64
            } else {
                w
            };
            let mut at = 0;
            self.credit(at, w, is_before);
            for id in profile.stack(sample.stack) {
                let Some(&label) = frame_labels.get(*id as usize) else {
                    continue;
                };
                at = self.child(at, label);
                self.credit(at, w, is_before);
            }
        }
    }

    fn credit(&mut self, at: usize, w: u64, is_before: bool) {
        if let Some(node) = self.nodes.get_mut(at) {
            if is_before {
                node.before += w;
            } else {
                node.after += w;
            }
        }
    }

    fn child(&mut self, parent: usize, label: usize) -> usize {
        let depth = self.nodes.get(parent).map_or(0, |p| p.depth + 1);
        if let Some(&child) = self.nodes.get(parent).and_then(|p| p.children.get(&label)) {
            return child;
        }
        let child = self.nodes.len();
        self.nodes.push(TrieNode {
            label,
            after: 0,
            before: 0,
            depth,
            children: HashMap::new(),
        });
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.insert(label, child);
        }
        child
    }

    /// The pruned tree and the number of frames dropped. A child never outweighs its
    /// parent, so keeping the heaviest nodes (shallower first on ties) keeps every kept
    /// node's ancestors.
    fn build(&self, diff: bool, options: ViewOptions) -> (Node, usize) {
        let total = self.nodes.first().map_or(0, |root| root.after);
        let floor = (total as f64 * options.min_share).ceil() as u64;
        let mut order: Vec<usize> = (1..self.nodes.len())
            .filter(|&i| self.nodes.get(i).is_some_and(|n| n.after >= floor.max(1)))
            .collect();
        order.sort_by_key(|&i| {
            self.nodes
                .get(i)
                .map_or((0, 0), |n| (u64::MAX - n.after, n.depth))
        });
        order.truncate(options.max_nodes.saturating_sub(1));
        let mut keep = vec![false; self.nodes.len()];
        if let Some(root) = keep.first_mut() {
            *root = true;
        }
        for i in &order {
            if let Some(k) = keep.get_mut(*i) {
                *k = true;
            }
        }
        let dropped = self.nodes.len() - 1 - order.len();
        (self.node(0, &keep, diff), dropped)
    }

    fn node(&self, at: usize, keep: &[bool], diff: bool) -> Node {
        let Some(node) = self.nodes.get(at) else {
            return Node {
                n: String::new(),
                v: 0,
                d: None,
                c: Vec::new(),
            };
        };
        let mut children: Vec<usize> = node
            .children
            .values()
            .copied()
            .filter(|&c| keep.get(c).copied().unwrap_or(false))
            .collect();
        // A stable order, so the same profile always gives the same page.
        children.sort_by(|a, b| self.label_of(*a).cmp(self.label_of(*b)));
        Node {
            n: self.labels.get(node.label).cloned().unwrap_or_default(),
            v: node.after,
            d: diff.then(|| {
                i64::try_from(node.after).unwrap_or(i64::MAX)
                    - i64::try_from(node.before).unwrap_or(i64::MAX)
            }),
            c: children
                .into_iter()
                .map(|c| self.node(c, keep, diff))
                .collect(),
        }
    }

    fn label_of(&self, at: usize) -> &str {
        self.nodes
            .get(at)
            .and_then(|n| self.labels.get(n.label))
            .map_or("", String::as_str)
    }
}

fn tree(
    after: &Profile,
    before: Option<&Profile>,
    weight: Weight,
    options: ViewOptions,
) -> (Node, usize) {
    let mut trie = Trie::new();
    trie.add(after, weight, false, 1.0);
    if let Some(before) = before {
        trie.add(before, weight, true, scale(before, after, weight));
    }
    trie.build(before.is_some(), options)
}

fn hot(after: &Profile, before: Option<&Profile>, weight: Weight) -> Vec<HotRow> {
    let before_rows: HashMap<String, (u64, u64)> = before
        .map(|b| {
            let k = scale(b, after, weight);
            b.hot_functions(weight)
                .into_iter()
                .map(|h| {
                    let scaled = |ns: u64| (ns as f64 * k).round() as u64;
                    (h.label, (scaled(h.self_ns), scaled(h.total_ns)))
                })
                .collect()
        })
        .unwrap_or_default();
    after
        .hot_functions(weight)
        .into_iter()
        .take(HOT_ROWS)
        .map(|h| {
            let was = before.map(|_| before_rows.get(&h.label).copied().unwrap_or((0, 0)));
            HotRow {
                before_self_ns: was.map(|w| w.0),
                before_total_ns: was.map(|w| w.1),
                label: h.label,
                self_ns: h.self_ns,
                total_ns: h.total_ns,
            }
        })
        .collect()
}

fn threads(profile: &Profile) -> Vec<ThreadRow> {
    crate::report::thread_times(profile)
        .into_iter()
        .filter(|t| t.wall_ns > 0)
        .map(|t| {
            let of = |state: ThreadState| {
                t.states
                    .iter()
                    .find(|s| s.state == state)
                    .map_or(0, |s| s.wall_ns)
            };
            ThreadRow {
                running: of(ThreadState::Running),
                lock: of(ThreadState::Lock),
                io: of(ThreadState::Io),
                sleeping: of(ThreadState::Sleeping),
                idle: of(ThreadState::Idle),
                label: t.thread,
            }
        })
        .collect()
}

const TEMPLATE: &str = include_str!("../viewer/index.html");
const STYLE: &str = include_str!("../viewer/viewer.css");
const SCRIPT: &str = include_str!("../viewer/viewer.js");
const D3: &str = include_str!("../viewer/vendor/d3.min.js");
const FLAMEGRAPH: &str = include_str!("../viewer/vendor/d3-flamegraph.min.js");
const FLAMEGRAPH_STYLE: &str = include_str!("../viewer/vendor/d3-flamegraph.css");

/// The viewer page with `view` embedded. With `live`, the page may ask the server that
/// serves it for other time ranges (`GET /api/view?from=..&until=..`); an exported page
/// never does.
pub fn page(view: &View, live: bool) -> String {
    // `</` inside a script element would end it early; JSON allows `<\/` for `</`.
    let data = view.to_json().replace("</", "<\\/");
    let title = match &view.before {
        Some(before) => format!("{} vs {}", before.source, view.meta.source),
        None => view.meta.source.clone(),
    };
    fill(
        TEMPLATE,
        &[
            ("title", &html_escape(&title)),
            ("flamegraph_css", FLAMEGRAPH_STYLE),
            ("css", STYLE),
            ("d3", D3),
            ("flamegraph", FLAMEGRAPH),
            ("live", if live { "true" } else { "false" }),
            ("app", SCRIPT),
            ("view", &data),
        ],
    )
}

/// Replaces each `{{name}}` of `template` in one pass, so an inserted value is never
/// searched for placeholders itself.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let name_end = after.find("}}");
        let value = name_end.and_then(|end| {
            let name = after.get(2..end)?;
            values.iter().find(|v| v.0 == name).map(|v| (v.1, end + 2))
        });
        match value {
            Some((value, len)) => {
                out.push_str(value);
                rest = after.get(len..).unwrap_or("");
            }
            None => {
                out.push_str("{{");
                rest = after.get(2..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, RawSample};

    fn sample(p: &mut Profile, tid: u64, frames: &[&str], state: ThreadState, cpu: u64, wall: u64) {
        p.add_raw(&RawSample {
            pid: 1,
            tid,
            thread_name: Some(format!("worker-{tid}")),
            state,
            frames: frames
                .iter()
                .map(|n| Frame::new(*n, FrameKind::Native))
                .collect(),
            cpu_ns: cpu,
            wall_ns: wall,
        });
    }

    fn child<'a>(node: &'a Node, name: &str) -> &'a Node {
        node.c
            .iter()
            .find(|c| c.n == name)
            .unwrap_or_else(|| panic!("no child {name} under {}", node.n))
    }

    fn service() -> Profile {
        let mut p = Profile::default();
        sample(&mut p, 1, &["main", "parse"], ThreadState::Running, 60, 60);
        sample(&mut p, 1, &["main", "render"], ThreadState::Running, 30, 30);
        sample(&mut p, 2, &["main", "read"], ThreadState::Io, 0, 100);
        sample(&mut p, 2, &["main", "lock"], ThreadState::Lock, 0, 10);
        p
    }

    #[test]
    fn each_weight_has_its_own_tree_with_values_including_children() {
        let view = View::of(&service(), "svc.pb.gz", ViewOptions::default());
        let cpu = &view.flame.cpu;
        assert_eq!((cpu.n.as_str(), cpu.v), ("all", 90));
        let main = child(cpu, "main");
        assert_eq!(main.v, 90);
        assert_eq!(child(main, "parse").v, 60);
        assert!(
            main.c.iter().all(|c| c.n != "read"),
            "off-CPU frames have no CPU weight"
        );
        let wall_main = child(&view.flame.wall, "main");
        assert_eq!(wall_main.v, 200);
        assert_eq!(child(wall_main, "read").v, 100);
        assert_eq!(cpu.d, None, "a single profile has no change values");
    }

    #[test]
    fn frames_narrower_than_the_floor_are_dropped_and_counted() {
        let mut p = Profile::default();
        sample(
            &mut p,
            1,
            &["main", "big"],
            ThreadState::Running,
            9_990,
            9_990,
        );
        sample(
            &mut p,
            1,
            &["main", "tiny", "deeper"],
            ThreadState::Running,
            4,
            4,
        );
        let view = View::of(&p, "p", ViewOptions::default());
        let main = child(&view.flame.cpu, "main");
        assert_eq!(
            main.v, 9_994,
            "a parent keeps the weight of dropped children"
        );
        assert_eq!(main.c.len(), 1);
        assert_eq!(view.pruning.dropped_cpu, 2);
    }

    #[test]
    fn node_cap_keeps_the_heaviest_frames_and_their_ancestors() {
        let mut p = Profile::default();
        for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let w = 100 * (i as u64 + 1);
            sample(
                &mut p,
                1,
                &["main", name, "leaf"],
                ThreadState::Running,
                w,
                w,
            );
        }
        let options = ViewOptions {
            min_share: 0.0,
            max_nodes: 4,
        };
        let view = View::of(&p, "p", options);
        let main = child(&view.flame.cpu, "main");
        // Root, main, e (500) and e's leaf (500); d (400) is lighter.
        assert_eq!(main.c.len(), 1);
        let e = child(main, "e");
        assert_eq!(child(e, "leaf").v, 500);
        assert_eq!(view.pruning.dropped_cpu, 11 - 3);
    }

    #[test]
    fn comparison_scales_before_to_after_and_reports_the_change() {
        let mut before = Profile::default();
        sample(
            &mut before,
            1,
            &["main", "parse"],
            ThreadState::Running,
            100,
            100,
        );
        sample(
            &mut before,
            1,
            &["main", "render"],
            ThreadState::Running,
            100,
            100,
        );
        // After is a recording half as long where parse takes three quarters.
        let mut after = Profile::default();
        sample(
            &mut after,
            1,
            &["main", "parse"],
            ThreadState::Running,
            75,
            75,
        );
        sample(
            &mut after,
            1,
            &["main", "render"],
            ThreadState::Running,
            25,
            25,
        );
        let view = View::diff(&before, "before", &after, "after", ViewOptions::default());
        let main = child(&view.flame.cpu, "main");
        assert_eq!(main.d, Some(0), "same total after scaling");
        assert_eq!(child(main, "parse").d, Some(25));
        assert_eq!(child(main, "render").d, Some(-25));
        let parse = view
            .hot
            .cpu
            .iter()
            .find(|h| h.label == "parse")
            .expect("parse is hot");
        assert_eq!(
            (parse.self_ns, parse.before_self_ns),
            (75, Some(50)),
            "before is scaled to after's total"
        );
        assert_eq!(view.before.map(|b| b.source), Some("before".to_string()));
    }

    #[test]
    fn thread_rows_split_wall_time_by_state_busiest_first() {
        let view = View::of(&service(), "svc", ViewOptions::default());
        assert_eq!(
            view.threads,
            vec![
                ThreadRow {
                    label: "worker-2 (2)".into(),
                    running: 0,
                    lock: 10,
                    io: 100,
                    sleeping: 0,
                    idle: 0
                },
                ThreadRow {
                    label: "worker-1 (1)".into(),
                    running: 90,
                    lock: 0,
                    io: 0,
                    sleeping: 0,
                    idle: 0
                },
            ]
        );
    }

    #[test]
    fn page_embeds_the_view_and_loads_nothing_from_the_network() {
        let mut p = service();
        sample(
            &mut p,
            1,
            &["main", "</script><b>"],
            ThreadState::Running,
            50,
            50,
        );
        let html = page(&View::of(&p, "svc.pb.gz", ViewOptions::default()), false);
        assert!(html.contains(r#""n":"parse""#));
        assert!(html.contains("const ARGUS_LIVE = false;"));
        assert!(
            !html.contains("</script><b>"),
            "a frame name cannot close the data element"
        );
        for external in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!html.contains(external), "the page loads {external}");
        }
        assert!(!html.contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn placeholders_are_filled_once_and_values_are_not_searched() {
        let out = fill(
            "<{{a}}|{{b}}|{{c}}>",
            &[("a", "{{b}}"), ("b", "x"), ("c", "")],
        );
        assert_eq!(out, "<{{b}}|x|>");
        assert_eq!(fill("{{open", &[]), "{{open");
    }
}
