//! The summary of a profile that `argus report` prints and `--format json` writes: the
//! hottest functions by self and total time, where each thread's wall-clock time went
//! (running, lock, I/O, sleeping, idle), and the recommendations that fired.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::advice::{self, Advice};
use crate::model::{Profile, Runtime, ThreadId, ThreadState, Weight};

/// How many functions each hot-functions table keeps.
pub const TOP_FUNCTIONS: usize = 15;

/// A profile summarised for people and for CI.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub runtime: Runtime,
    /// The weight the recording was made for.
    pub mode: Weight,
    pub target: Option<String>,
    pub samples: u64,
    pub duration_ns: Option<u64>,
    pub cpu_ns: u64,
    pub wall_ns: u64,
    /// The hottest functions by self time.
    pub top_self: Vec<HotRow>,
    /// The hottest functions by total time (self plus callees).
    pub top_total: Vec<HotRow>,
    /// The weight both tables are ranked by.
    pub ranked_by: Weight,
    /// Per thread, where its wall-clock time went, heaviest thread first.
    pub threads: Vec<ThreadTime>,
    pub recommendations: Vec<Advice>,
}

/// One row of a hot-functions table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HotRow {
    pub function: String,
    pub self_ns: u64,
    pub total_ns: u64,
    /// `self_ns` and `total_ns` as shares of the profile's total, 0 to 1.
    pub self_share: f64,
    pub total_share: f64,
}

/// A thread's wall-clock time split by state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThreadTime {
    pub thread: String,
    pub wall_ns: u64,
    pub cpu_ns: u64,
    /// Wall-clock nanoseconds in each state, in the order of [`ThreadState::ALL`].
    pub states: Vec<StateTime>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateTime {
    pub state: ThreadState,
    pub wall_ns: u64,
    /// Share of the thread's wall-clock time, 0 to 1.
    pub share: f64,
}

impl Summary {
    /// Summarises a profile and runs the recommendations over it. The tables rank by
    /// `weight`, or by the weight the profile was recorded for; a weight the profile
    /// has no time in gives way to the other.
    pub fn of(profile: &Profile, weight: Option<Weight>) -> Summary {
        let cpu_ns = profile.total(Weight::Cpu);
        let wall_ns = profile.total(Weight::Wall);
        let ranked_by = match weight.unwrap_or(profile.meta.mode) {
            Weight::Cpu if cpu_ns == 0 => Weight::Wall,
            Weight::Wall if wall_ns == 0 => Weight::Cpu,
            chosen => chosen,
        };
        let total = profile.total(ranked_by).max(1) as f64;
        let hot = profile.hot_functions(ranked_by);
        let row = |h: &crate::model::HotFunction| HotRow {
            function: h.label.clone(),
            self_ns: h.self_ns,
            total_ns: h.total_ns,
            self_share: h.self_ns as f64 / total,
            total_share: h.total_ns as f64 / total,
        };
        let top_self: Vec<HotRow> = hot
            .iter()
            .filter(|h| h.self_ns > 0)
            .take(TOP_FUNCTIONS)
            .map(row)
            .collect();
        let mut by_total: Vec<&crate::model::HotFunction> = hot.iter().collect();
        by_total.sort_by(|a, b| {
            b.total_ns
                .cmp(&a.total_ns)
                .then(b.self_ns.cmp(&a.self_ns))
                .then(a.label.cmp(&b.label))
        });
        let top_total = by_total.into_iter().take(TOP_FUNCTIONS).map(row).collect();
        Summary {
            runtime: profile.meta.runtime,
            mode: profile.meta.mode,
            target: profile.meta.target.clone(),
            samples: profile.sample_count(),
            duration_ns: profile
                .meta
                .duration
                .and_then(|d| u64::try_from(d.as_nanos()).ok()),
            cpu_ns,
            wall_ns,
            top_self,
            top_total,
            ranked_by,
            threads: thread_times(profile),
            recommendations: advice::evaluate(profile),
        }
    }
}

/// Each thread's time by state, heaviest thread first. Threads are told apart by their
/// label, so a folder of intervals from one service keeps one row per thread.
pub fn thread_times(profile: &Profile) -> Vec<ThreadTime> {
    let mut by_thread: HashMap<ThreadId, ([u64; 5], u64)> = HashMap::new();
    for sample in profile.samples() {
        let entry = by_thread.entry(sample.thread).or_default();
        if let Some(i) = ThreadState::ALL.iter().position(|s| *s == sample.state)
            && let Some(slot) = entry.0.get_mut(i)
        {
            *slot += sample.wall_ns;
        }
        entry.1 += sample.cpu_ns;
    }
    let mut merged: HashMap<String, ([u64; 5], u64)> = HashMap::new();
    for (id, (states, cpu)) in by_thread {
        let label = profile
            .thread(id)
            .map_or_else(|| format!("thread #{id}"), |t| t.label());
        let entry = merged.entry(label).or_default();
        for (slot, ns) in entry.0.iter_mut().zip(states) {
            *slot += ns;
        }
        entry.1 += cpu;
    }
    let mut threads: Vec<ThreadTime> = merged
        .into_iter()
        .map(|(thread, (states, cpu_ns))| {
            let wall_ns: u64 = states.iter().sum();
            ThreadTime {
                thread,
                wall_ns,
                cpu_ns,
                states: ThreadState::ALL
                    .iter()
                    .zip(states)
                    .map(|(state, ns)| StateTime {
                        state: *state,
                        wall_ns: ns,
                        share: if wall_ns == 0 {
                            0.0
                        } else {
                            ns as f64 / wall_ns as f64
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    threads.sort_by(|a, b| {
        b.wall_ns
            .cmp(&a.wall_ns)
            .then(b.cpu_ns.cmp(&a.cpu_ns))
            .then(a.thread.cmp(&b.thread))
    });
    threads
}

/// How many threads the terminal form lists; JSON keeps them all.
const TEXT_THREADS: usize = 20;

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn secs(ns: u64) -> String {
    format!("{:.2} s", ns as f64 / 1e9)
}

impl fmt::Display for Summary {
    /// The terminal report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.target.as_deref().unwrap_or("profile");
        writeln!(
            f,
            "{what}: {} profile, {} samples, {} CPU, {} wall-clock",
            self.runtime.name(),
            self.samples,
            secs(self.cpu_ns),
            secs(self.wall_ns),
        )?;
        let weight = match self.ranked_by {
            Weight::Cpu => "CPU",
            Weight::Wall => "wall-clock",
        };
        for (title, rows) in [
            ("by self time", &self.top_self),
            ("by total time", &self.top_total),
        ] {
            writeln!(f)?;
            writeln!(f, "Top functions {title} ({weight})")?;
            if rows.is_empty() {
                writeln!(f, "  (no samples)")?;
                continue;
            }
            writeln!(f, "  {:>7} {:>7}  FUNCTION", "SELF", "TOTAL")?;
            for row in rows {
                let (own, total) = (pct(row.self_share), pct(row.total_share));
                writeln!(f, "  {own:>7} {total:>7}  {}", row.function)?;
            }
        }
        writeln!(f)?;
        writeln!(f, "Wall-clock time by thread")?;
        if self.threads.is_empty() {
            writeln!(f, "  (no samples)")?;
        } else {
            write!(f, "  {:>9}", "WALL")?;
            for state in ThreadState::ALL {
                write!(f, " {:>8}", state.name())?;
            }
            writeln!(f, "  THREAD")?;
            for thread in self.threads.iter().take(TEXT_THREADS) {
                write!(f, "  {:>9}", secs(thread.wall_ns))?;
                for state in &thread.states {
                    write!(f, " {:>8}", pct(state.share))?;
                }
                writeln!(f, "  {}", thread.thread)?;
            }
            if self.threads.len() > TEXT_THREADS {
                writeln!(
                    f,
                    "  ... and {} more threads (all are in --format json)",
                    self.threads.len() - TEXT_THREADS
                )?;
            }
        }
        writeln!(f)?;
        if self.recommendations.is_empty() {
            writeln!(f, "Recommendations: none fired.")?;
        } else {
            writeln!(f, "Recommendations")?;
            for advice in &self.recommendations {
                writeln!(f)?;
                for line in advice.to_string().lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, RawSample};

    fn sample(tid: u64, name: &str, state: ThreadState, frames: &[&str], ms: u64) -> RawSample {
        let ns = ms * 1_000_000;
        RawSample {
            pid: 1,
            tid,
            thread_name: Some(name.into()),
            state,
            frames: frames
                .iter()
                .map(|n| Frame::new(*n, FrameKind::Native))
                .collect(),
            cpu_ns: if state == ThreadState::Running { ns } else { 0 },
            wall_ns: ns,
        }
    }

    #[test]
    fn splits_each_threads_wall_time_by_state() {
        let mut p = Profile::default();
        p.add_raw(&sample(
            1,
            "main",
            ThreadState::Running,
            &["main", "work"],
            300,
        ));
        p.add_raw(&sample(
            1,
            "main",
            ThreadState::Lock,
            &["main", "lock"],
            100,
        ));
        p.add_raw(&sample(2, "io", ThreadState::Io, &["main", "read"], 200));
        let threads = thread_times(&p);
        assert_eq!(threads.len(), 2);
        assert_eq!(threads[0].thread, "main (1)");
        assert_eq!(threads[0].wall_ns, 400_000_000);
        let share =
            |t: &ThreadTime, s: ThreadState| t.states.iter().find(|x| x.state == s).unwrap().share;
        assert!((share(&threads[0], ThreadState::Running) - 0.75).abs() < 1e-9);
        assert!((share(&threads[0], ThreadState::Lock) - 0.25).abs() < 1e-9);
        assert!((share(&threads[1], ThreadState::Io) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ranks_functions_by_self_and_by_total_time() {
        let mut p = Profile::default();
        p.add_raw(&sample(
            1,
            "main",
            ThreadState::Running,
            &["main", "a", "b"],
            300,
        ));
        p.add_raw(&sample(
            1,
            "main",
            ThreadState::Running,
            &["main", "c"],
            500,
        ));
        let summary = Summary::of(&p, None);
        assert_eq!(summary.top_self[0].function, "c");
        assert_eq!(summary.top_self[1].function, "b");
        assert_eq!(summary.top_total[0].function, "main");
        assert!((summary.top_total[0].total_share - 1.0).abs() < 1e-9);
        assert_eq!(summary.ranked_by, Weight::Cpu);
        let summary = Summary::of(&p, Some(Weight::Wall));
        assert_eq!(summary.ranked_by, Weight::Wall);
    }

    #[test]
    fn a_profile_without_cpu_time_is_ranked_by_wall_time() {
        let mut p = Profile::default();
        p.add_raw(&sample(
            1,
            "main",
            ThreadState::Sleeping,
            &["main", "sleep"],
            300,
        ));
        let summary = Summary::of(&p, None);
        assert_eq!(summary.ranked_by, Weight::Wall);
        assert_eq!(summary.top_self[0].function, "sleep");
        assert!(
            summary
                .to_string()
                .contains("Top functions by self time (wall-clock)")
        );
    }
}
