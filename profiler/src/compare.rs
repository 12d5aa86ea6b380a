//! Which functions grew between two profiles: the anomaly signal of continuous
//! profiling (`argus report DIR --compare 'last 1h' 'previous 1h'`).
//!
//! Functions are compared by their share of each profile's total, not by raw time, so
//! a busier or longer window does not read as a regression: a function that took 10 %
//! of the CPU before and 30 % after grew by 20 points, whatever the totals were.
//! A function's share is its total (inclusive) weight, the time spent in it and in
//! what it calls, so a caller whose callee slowed down grows with it.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{Profile, Weight};

/// One function's share of two profiles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Growth {
    /// The function, as [`crate::model::Frame::label`] names it.
    pub label: String,
    /// Its share of the total weight before, 0..=1.
    pub before: f64,
    /// Its share after, 0..=1.
    pub after: f64,
    /// `after - before`: positive when it grew.
    pub change: f64,
    /// Its total weight before and after, in nanoseconds.
    pub before_ns: u64,
    pub after_ns: u64,
}

/// Every function of either profile with its share before and after, the ones that
/// grew most first (then by label). Functions present in only one profile have a
/// share of 0 in the other.
pub fn growth(before: &Profile, after: &Profile, weight: Weight) -> Vec<Growth> {
    let totals = |profile: &Profile| -> HashMap<String, u64> {
        profile
            .hot_functions(weight)
            .into_iter()
            .map(|hot| (hot.label, hot.total_ns))
            .collect()
    };
    let (before_ns, after_ns) = (totals(before), totals(after));
    let share = |ns: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            ns as f64 / total as f64
        }
    };
    let (before_total, after_total) = (before.total(weight), after.total(weight));
    let mut labels: Vec<&String> = before_ns.keys().chain(after_ns.keys()).collect();
    labels.sort();
    labels.dedup();
    let mut grown: Vec<Growth> = labels
        .into_iter()
        .map(|label| {
            let b = before_ns.get(label).copied().unwrap_or(0);
            let a = after_ns.get(label).copied().unwrap_or(0);
            let (before, after) = (share(b, before_total), share(a, after_total));
            Growth {
                label: label.clone(),
                before,
                after,
                change: after - before,
                before_ns: b,
                after_ns: a,
            }
        })
        .collect();
    grown.sort_by(|x, y| {
        y.change
            .total_cmp(&x.change)
            .then_with(|| x.label.cmp(&y.label))
    });
    grown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, RawSample, ThreadState};

    /// A profile with `n` 10 ms samples on each `main;...` stack given.
    fn profile(stacks: &[(&[&str], u64)]) -> Profile {
        let mut profile = Profile::default();
        for (frames, n) in stacks {
            for _ in 0..*n {
                profile.add_raw(&RawSample {
                    pid: 1,
                    tid: 1,
                    thread_name: None,
                    state: ThreadState::Running,
                    frames: frames
                        .iter()
                        .map(|f| Frame::new(*f, FrameKind::Native))
                        .collect(),
                    cpu_ns: 10_000_000,
                    wall_ns: 10_000_000,
                });
            }
        }
        profile
    }

    fn find<'a>(grown: &'a [Growth], label: &str) -> &'a Growth {
        grown.iter().find(|g| g.label == label).unwrap()
    }

    #[test]
    fn the_function_whose_share_grew_most_comes_first() {
        let before = profile(&[(&["main", "parse"], 80), (&["main", "render"], 20)]);
        // Twice the samples after: raw time doubles everywhere, shares tell apart.
        let after = profile(&[(&["main", "parse"], 100), (&["main", "render"], 100)]);
        let grown = growth(&before, &after, Weight::Cpu);
        assert_eq!(grown[0].label, "render");
        assert!((grown[0].before - 0.2).abs() < 1e-9);
        assert!((grown[0].after - 0.5).abs() < 1e-9);
        assert!((grown[0].change - 0.3).abs() < 1e-9);
        assert_eq!(
            (grown[0].before_ns, grown[0].after_ns),
            (200_000_000, 1_000_000_000)
        );
        // `main` holds everything in both: no change.
        assert!(find(&grown, "main").change.abs() < 1e-9);
        let last = grown.last().unwrap();
        assert_eq!(last.label, "parse");
        assert!((last.change + 0.3).abs() < 1e-9);
    }

    #[test]
    fn a_caller_grows_with_its_callee_and_new_functions_start_from_zero() {
        let before = profile(&[(&["main", "handle"], 90), (&["main", "idle"], 10)]);
        let after = profile(&[
            (&["main", "handle", "compile_regex"], 60),
            (&["main", "handle"], 30),
            (&["main", "idle"], 10),
        ]);
        let grown = growth(&before, &after, Weight::Cpu);
        let regex = find(&grown, "compile_regex");
        assert_eq!(regex.before, 0.0);
        assert!((regex.after - 0.6).abs() < 1e-9);
        assert_eq!(grown[0].label, "compile_regex");
        assert!(find(&grown, "handle").change.abs() < 1e-9);
    }

    #[test]
    fn recursion_counts_once_towards_a_share() {
        let before = profile(&[(&["main", "walk", "walk", "walk"], 10)]);
        let after = profile(&[(&["main", "walk", "walk"], 5), (&["main", "other"], 5)]);
        let grown = growth(&before, &after, Weight::Cpu);
        let walk = find(&grown, "walk");
        assert!((walk.before - 1.0).abs() < 1e-9);
        assert!((walk.after - 0.5).abs() < 1e-9);
    }

    #[test]
    fn empty_profiles_compare_without_dividing_by_zero() {
        let empty = Profile::default();
        let some = profile(&[(&["main"], 3)]);
        let grown = growth(&empty, &some, Weight::Wall);
        assert_eq!(grown.len(), 1);
        assert_eq!(grown[0].before, 0.0);
        assert_eq!(grown[0].after, 1.0);
        assert!(growth(&empty, &empty, Weight::Cpu).is_empty());
    }
}
