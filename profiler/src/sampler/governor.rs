//! The self-overhead governor of long recordings: a profiler left running on a service
//! must cost the service's machine next to nothing, so Argus watches its own CPU time
//! and lowers the sampling rate when it would use more than its budget (1 % of one CPU
//! by default), then raises it back towards the requested rate when there is room.
//!
//! [`Governor`] is the controller, a pure function of what it is shown; [`spawn`] feeds
//! it Argus's own CPU time (`getrusage`, which counts the sampler threads and the reads
//! of the target's memory they make) and applies its decisions through
//! [`Control::set_rate`].
//!
//! The cost of sampling is taken as proportional to the rate: over budget, the rate is
//! cut to land at 80 % of the budget; it is raised only once usage falls under half of
//! the budget, so it does not swing between two rates. The window after a change is
//! not judged, since a sampler may pay a one-off cost to change its rate (the Python
//! sampler re-reads the interpreter).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Control;

/// What the controller aims for when it lowers the rate, as a part of the budget.
const AIM: f64 = 0.8;
/// Usage under this part of the budget lets the rate rise.
const ROOM: f64 = 0.5;

/// A change of sampling rate and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    pub from_hz: u32,
    pub to_hz: u32,
    /// Argus's CPU use over the window judged, as a fraction of one CPU.
    pub usage: f64,
    /// The budget, as a fraction of one CPU.
    pub budget: f64,
}

/// Decides the sampling rate from Argus's CPU use.
#[derive(Clone, Debug)]
pub struct Governor {
    requested_hz: u32,
    current_hz: u32,
    budget: f64,
    /// The next window is not judged (a change was just made).
    settling: bool,
}

impl Governor {
    /// A governor that never samples faster than `requested_hz`, and keeps Argus under
    /// `budget` of one CPU (0.01 for 1 %) when it can, down to 1 Hz.
    pub fn new(requested_hz: u32, budget: f64) -> Governor {
        let requested_hz = requested_hz.max(1);
        Governor {
            requested_hz,
            current_hz: requested_hz,
            budget: if budget.is_finite() && budget > 0.0 {
                budget
            } else {
                0.01
            },
            settling: false,
        }
    }

    pub fn current_hz(&self) -> u32 {
        self.current_hz
    }

    /// Judges a window in which Argus used `cpu` of CPU time over `wall`; returns the
    /// new rate when it changes.
    pub fn observe(&mut self, cpu: Duration, wall: Duration) -> Option<Change> {
        if wall.is_zero() {
            return None;
        }
        if self.settling {
            self.settling = false;
            return None;
        }
        let usage = cpu.as_secs_f64() / wall.as_secs_f64();
        let current = f64::from(self.current_hz);
        let wanted = if usage > self.budget {
            current * self.budget * AIM / usage
        } else if usage < self.budget * ROOM && self.current_hz < self.requested_hz {
            // At most double per window: the cost model is rough at low rates.
            let fit = if usage > 0.0 {
                current * self.budget * AIM / usage
            } else {
                f64::INFINITY
            };
            fit.min(current * 2.0).max(current + 1.0)
        } else {
            return None;
        };
        let to_hz = (wanted.floor().clamp(1.0, f64::from(self.requested_hz))) as u32;
        if to_hz == self.current_hz {
            return None;
        }
        let change = Change {
            from_hz: self.current_hz,
            to_hz,
            usage,
            budget: self.budget,
        };
        self.current_hz = to_hz;
        self.settling = true;
        Some(change)
    }
}

/// The CPU time this process has used, user and system, over all its threads.
pub fn own_cpu_time() -> Option<Duration> {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).ok()?;
    let time = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
    };
    Some(time(usage.user_time()) + time(usage.system_time()))
}

/// Runs `governor` on a thread of its own until `control` says stop: every `window` it
/// judges Argus's own CPU time, sets the new rate on `control` and tells `on_change`.
pub fn spawn(
    mut governor: Governor,
    control: Control,
    window: Duration,
    mut on_change: impl FnMut(Change) + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("argus-governor".to_string())
        .spawn(move || {
            let mut since = Instant::now();
            let mut cpu_before = own_cpu_time();
            while !control.should_stop() {
                std::thread::sleep(Duration::from_millis(100));
                if since.elapsed() < window {
                    continue;
                }
                let cpu_now = own_cpu_time();
                let wall = since.elapsed();
                since = Instant::now();
                let (Some(before), Some(now)) = (cpu_before, cpu_now) else {
                    cpu_before = cpu_now;
                    continue;
                };
                cpu_before = cpu_now;
                if let Some(change) = governor.observe(now.saturating_sub(before), wall) {
                    control.set_rate(change.to_hz);
                    on_change(change);
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_profiler_under_budget_keeps_the_requested_rate() {
        let mut governor = Governor::new(100, 0.01);
        // 5 ms of CPU per second is 0.5 % of one CPU.
        for _ in 0..10 {
            assert_eq!(governor.observe(ms(5), SECOND), None);
        }
        assert_eq!(governor.current_hz(), 100);
    }

    #[test]
    fn over_budget_the_rate_drops_to_land_under_it() {
        let mut governor = Governor::new(100, 0.01);
        // 4 % of one CPU at 100 Hz: 1 % at 25 Hz, aimed at 0.8 % gives 20 Hz.
        let change = governor.observe(ms(200), 5 * SECOND).unwrap();
        assert_eq!((change.from_hz, change.to_hz), (100, 20));
        assert!((change.usage - 0.04).abs() < 1e-9);
        assert_eq!(governor.current_hz(), 20);
    }

    #[test]
    fn the_window_after_a_change_is_not_judged() {
        let mut governor = Governor::new(100, 0.01);
        governor.observe(ms(200), 5 * SECOND).unwrap();
        // The change's own cost shows in the next window; it does not cut again.
        assert_eq!(governor.observe(ms(500), 5 * SECOND), None);
        assert_eq!(governor.current_hz(), 20);
        let change = governor.observe(ms(100), 5 * SECOND).unwrap();
        assert_eq!(change.to_hz, 8);
    }

    #[test]
    fn with_room_again_the_rate_climbs_back_at_most_doubling_and_never_past_the_request() {
        let mut governor = Governor::new(100, 0.01);
        governor.observe(ms(200), 5 * SECOND).unwrap();
        governor.observe(ms(0), 5 * SECOND);
        let mut rates = Vec::new();
        for _ in 0..6 {
            // 0.2 % of one CPU: plenty of room.
            if let Some(change) = governor.observe(ms(10), 5 * SECOND) {
                rates.push(change.to_hz);
            }
        }
        assert_eq!(rates, vec![40, 80, 100]);
    }

    #[test]
    fn between_half_and_all_of_the_budget_the_rate_holds() {
        let mut governor = Governor::new(100, 0.01);
        governor.observe(ms(200), 5 * SECOND).unwrap();
        governor.observe(ms(0), 5 * SECOND);
        for _ in 0..5 {
            assert_eq!(governor.observe(ms(40), 5 * SECOND), None);
        }
        assert_eq!(governor.current_hz(), 20);
    }

    #[test]
    fn a_fixed_cost_over_budget_takes_the_rate_down_to_one_hertz_not_zero() {
        let mut governor = Governor::new(100, 0.01);
        for _ in 0..20 {
            governor.observe(SECOND, SECOND);
        }
        assert_eq!(governor.current_hz(), 1);
    }

    #[test]
    fn this_process_can_read_its_own_cpu_time() {
        let before = own_cpu_time().unwrap();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(own_cpu_time().unwrap() > before);
    }
}
