//! Turns the stacks pprof-rs collected in one interval into a pprof `Profile` that carries
//! what the Argus profile model reads.
//!
//! pprof-rs has its own `Report::pprof`, but it writes no `pid`, labels an unnamed thread
//! with its id as if it were a name, keys functions by name alone (so one line number per
//! function) and keeps the frames of its own signal handler. This encoder writes:
//!
//! - sample types `samples`/`count` and `cpu`/`nanoseconds` (the default), with
//!   `period_type` `cpu`/`nanoseconds` and `period` the timer interval;
//! - labels `thread` (the name, when the thread has one), `thread_id` (numeric),
//!   `thread_state` = `running` and `pid` (numeric);
//! - one location per inlined function and line, leaf first.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pprof::protos;
use pprof::{Frames, Symbol};

/// What the profile says about the interval it covers.
#[derive(Clone, Debug)]
pub(crate) struct Interval {
    pub(crate) start: SystemTime,
    pub(crate) duration: Duration,
    /// The sampling frequency asked of pprof-rs.
    pub(crate) frequency_hz: u32,
    pub(crate) pid: u32,
    pub(crate) service: String,
}

impl Interval {
    /// CPU time one sample stands for: pprof-rs arms `ITIMER_PROF` with
    /// `1_000_000 / hz` whole microseconds.
    pub(crate) fn period_ns(&self) -> i64 {
        i64::from(1_000_000 / self.frequency_hz.max(1)) * 1000
    }
}

/// Frames of the sampler itself, above the interrupted code: the unwinder, pprof-rs and
/// the signal trampoline, which pprof-rs leaves in when it is not inlined.
fn is_sampler_frame(name: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "backtrace::",
        "<backtrace::",
        "pprof::",
        "<pprof::",
        "perf_signal_handler",
        "__restore_rt",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

fn symbol_name(symbol: &Symbol) -> String {
    if symbol.name.is_some() {
        symbol.name()
    } else {
        "[unknown]".to_string()
    }
}

/// The pprof string table: index 0 is always "".
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn new() -> Strings {
        Strings {
            table: vec![String::new()],
            index: HashMap::from([(String::new(), 0)]),
        }
    }

    fn id(&mut self, s: &str) -> i64 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = i64::try_from(self.table.len()).unwrap_or(i64::MAX);
        self.table.push(s.to_string());
        self.index.insert(s.to_string(), id);
        id
    }
}

/// Builds the profile of one interval from pprof-rs stacks and their sample counts.
/// Samples of `skip_thread` (the agent's own thread) are left out.
pub(crate) fn profile(
    stacks: impl IntoIterator<Item = (Frames, isize)>,
    interval: &Interval,
    skip_thread: &str,
) -> protos::Profile {
    let mut strings = Strings::new();
    let mut functions: Vec<protos::Function> = Vec::new();
    let mut function_ids: HashMap<(i64, i64, i64), u64> = HashMap::new();
    let mut locations: Vec<protos::Location> = Vec::new();
    let mut location_ids: HashMap<(u64, i64), u64> = HashMap::new();
    // (leaf-first location ids, thread name, thread id) -> sample count
    let mut merged: HashMap<(Vec<u64>, String, u64), i64> = HashMap::new();

    for (frames, count) in stacks {
        if count <= 0 || frames.thread_name == skip_thread {
            continue;
        }
        // Leaf first; within a frame, the innermost inlined function first.
        let symbols = frames
            .frames
            .iter()
            .flatten()
            .skip_while(|s| is_sampler_frame(&symbol_name(s)));
        let mut stack = Vec::new();
        for symbol in symbols {
            let name = strings.id(&symbol_name(symbol));
            let system_name = match &symbol.name {
                Some(_) => strings.id(&symbol.sys_name()),
                None => name,
            };
            let filename = match &symbol.filename {
                Some(path) => strings.id(&path.to_string_lossy()),
                None => 0,
            };
            let function_id = *function_ids
                .entry((name, system_name, filename))
                .or_insert_with(|| {
                    let id = functions.len() as u64 + 1;
                    functions.push(protos::Function {
                        id,
                        name,
                        system_name,
                        filename,
                        start_line: 0,
                    });
                    id
                });
            let line = i64::from(symbol.lineno.unwrap_or(0));
            let location_id = *location_ids.entry((function_id, line)).or_insert_with(|| {
                let id = locations.len() as u64 + 1;
                locations.push(protos::Location {
                    id,
                    line: vec![protos::Line { function_id, line }],
                    ..protos::Location::default()
                });
                id
            });
            stack.push(location_id);
        }
        *merged
            .entry((stack, frames.thread_name.clone(), frames.thread_id))
            .or_default() += count as i64;
    }

    let period = interval.period_ns();
    let thread = strings.id("thread");
    let thread_id = strings.id("thread_id");
    let thread_state = strings.id("thread_state");
    let running = strings.id("running");
    let pid = strings.id("pid");
    let samples: Vec<protos::Sample> = merged
        .into_iter()
        .map(|((location_id, name, tid), count)| {
            let mut label = Vec::with_capacity(4);
            if !name.is_empty() {
                label.push(protos::Label {
                    key: thread,
                    str: strings.id(&name),
                    ..protos::Label::default()
                });
            }
            label.push(protos::Label {
                key: thread_id,
                num: tid as i64,
                ..protos::Label::default()
            });
            label.push(protos::Label {
                key: thread_state,
                str: running,
                ..protos::Label::default()
            });
            label.push(protos::Label {
                key: pid,
                num: i64::from(interval.pid),
                ..protos::Label::default()
            });
            protos::Sample {
                location_id,
                value: vec![count, count.saturating_mul(period)],
                label,
            }
        })
        .collect();

    let samples_type = protos::ValueType {
        ty: strings.id("samples"),
        unit: strings.id("count"),
    };
    let cpu_type = protos::ValueType {
        ty: strings.id("cpu"),
        unit: strings.id("nanoseconds"),
    };
    let comment = strings.id(&format!(
        "argus-agent {}: CPU profile of {} (pid {}), SIGPROF at {} Hz; CPU time only, no wall-clock time",
        env!("CARGO_PKG_VERSION"),
        interval.service,
        interval.pid,
        interval.frequency_hz
    ));
    let start = interval
        .start
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    protos::Profile {
        default_sample_type: cpu_type.ty,
        sample_type: vec![samples_type, cpu_type.clone()],
        sample: samples,
        location: locations,
        function: functions,
        time_nanos: i64::try_from(start.as_nanos()).unwrap_or(i64::MAX),
        duration_nanos: i64::try_from(interval.duration.as_nanos()).unwrap_or(i64::MAX),
        period_type: Some(cpu_type),
        period,
        comment: vec![comment],
        string_table: strings.table,
        ..protos::Profile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn symbol(name: &str, file: Option<&str>, line: Option<u32>) -> Symbol {
        Symbol {
            name: Some(name.as_bytes().to_vec()),
            addr: None,
            lineno: line,
            filename: file.map(PathBuf::from),
        }
    }

    fn frames(thread: &str, tid: u64, stack: Vec<Vec<Symbol>>) -> Frames {
        Frames {
            frames: stack,
            thread_name: thread.to_string(),
            thread_id: tid,
            sample_timestamp: SystemTime::UNIX_EPOCH,
        }
    }

    fn interval() -> Interval {
        Interval {
            start: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            duration: Duration::from_millis(500),
            frequency_hz: 99,
            pid: 4242,
            service: "api".into(),
        }
    }

    fn string(p: &protos::Profile, id: i64) -> &str {
        &p.string_table[id as usize]
    }

    fn label<'a>(p: &'a protos::Profile, s: &protos::Sample, key: &str) -> Option<&'a str> {
        s.label
            .iter()
            .find(|l| string(p, l.key) == key)
            .map(|l| string(p, l.str))
    }

    fn num_label(p: &protos::Profile, s: &protos::Sample, key: &str) -> Option<i64> {
        s.label
            .iter()
            .find(|l| string(p, l.key) == key)
            .map(|l| l.num)
    }

    fn leaf_names(p: &protos::Profile, s: &protos::Sample) -> Vec<String> {
        s.location_id
            .iter()
            .map(|id| {
                let loc = &p.location[*id as usize - 1];
                let f = &p.function[loc.line[0].function_id as usize - 1];
                string(p, f.name).to_string()
            })
            .collect()
    }

    #[test]
    fn samples_carry_count_cpu_time_and_the_model_labels() {
        let stack = vec![
            vec![symbol("work", Some("src/lib.rs"), Some(7))],
            vec![symbol("main", Some("src/main.rs"), Some(3))],
        ];
        let p = profile(
            [
                (frames("worker", 11, stack.clone()), 3),
                (frames("", 12, stack), 1),
            ],
            &interval(),
            "argus-agent",
        );
        assert_eq!(p.string_table[0], "");
        let types: Vec<(&str, &str)> = p
            .sample_type
            .iter()
            .map(|t| (string(&p, t.ty), string(&p, t.unit)))
            .collect();
        assert_eq!(types, [("samples", "count"), ("cpu", "nanoseconds")]);
        assert_eq!(string(&p, p.default_sample_type), "cpu");
        assert_eq!(p.period, 10_101_000);
        assert_eq!(p.duration_nanos, 500_000_000);
        assert_eq!(p.sample.len(), 2);
        let named = p.sample.iter().find(|s| s.value[0] == 3).unwrap();
        assert_eq!(named.value, [3, 3 * 10_101_000]);
        assert_eq!(leaf_names(&p, named), ["work", "main"]);
        assert_eq!(label(&p, named, "thread"), Some("worker"));
        assert_eq!(num_label(&p, named, "thread_id"), Some(11));
        assert_eq!(label(&p, named, "thread_state"), Some("running"));
        assert_eq!(num_label(&p, named, "pid"), Some(4242));
        let unnamed = p.sample.iter().find(|s| s.value[0] == 1).unwrap();
        assert_eq!(label(&p, unnamed, "thread"), None);
        assert_eq!(num_label(&p, unnamed, "thread_id"), Some(12));
    }

    #[test]
    fn sampler_frames_and_the_agent_thread_are_left_out() {
        let stack = vec![
            vec![symbol(
                "backtrace::backtrace::trace_unsynchronized",
                None,
                None,
            )],
            vec![symbol("<pprof::backtrace::Trace>::trace", None, None)],
            vec![symbol("hot", None, None)],
            vec![symbol("main", None, None)],
        ];
        let p = profile(
            [
                (frames("svc", 1, stack.clone()), 2),
                (frames("argus-agent", 2, stack), 5),
            ],
            &interval(),
            "argus-agent",
        );
        assert_eq!(p.sample.len(), 1);
        assert_eq!(leaf_names(&p, &p.sample[0]), ["hot", "main"]);
    }

    #[test]
    fn inlined_functions_get_their_own_locations_innermost_first() {
        let stack = vec![
            vec![
                symbol("inlined_leaf", Some("a.rs"), Some(10)),
                symbol("caller", Some("a.rs"), Some(20)),
            ],
            vec![symbol("main", Some("m.rs"), Some(1))],
        ];
        let p = profile([(frames("t", 1, stack), 1)], &interval(), "argus-agent");
        assert_eq!(
            leaf_names(&p, &p.sample[0]),
            ["inlined_leaf", "caller", "main"]
        );
        let lines: Vec<i64> = p.location.iter().map(|l| l.line[0].line).collect();
        assert_eq!(lines, [10, 20, 1]);
    }

    #[test]
    fn one_function_at_two_lines_is_one_function_and_two_locations() {
        let p = profile(
            [
                (
                    frames("t", 1, vec![vec![symbol("f", Some("a.rs"), Some(1))]]),
                    1,
                ),
                (
                    frames("t", 1, vec![vec![symbol("f", Some("a.rs"), Some(2))]]),
                    1,
                ),
            ],
            &interval(),
            "argus-agent",
        );
        assert_eq!(p.function.len(), 1);
        assert_eq!(p.location.len(), 2);
    }
}
