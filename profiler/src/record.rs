//! The recorder: runs a sampler on its own thread, turns the batches it sends into a
//! profile, and decides when the recording ends: the duration is up, the user stopped
//! it, or the target exited. Whatever arrived is kept, even when the sampler fails.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::model::{Meta, Profile};
use crate::sampler::{Control, Sampler, SamplerError, StatsSnapshot};

/// How often the progress callback runs.
const TICK: Duration = Duration::from_millis(250);

/// Why a recording ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    DurationReached,
    /// Ctrl-C, or another caller of [`Control::stop`].
    Stopped,
    TargetExited,
}

/// A finished recording.
#[derive(Debug)]
pub struct Recording {
    pub profile: Profile,
    pub ending: Ending,
    pub stats: StatsSnapshot,
    pub elapsed: Duration,
    /// An error the sampler hit after it had collected samples; they are kept.
    pub error: Option<SamplerError>,
}

/// Progress while a recording runs.
pub struct Tick<'a> {
    pub profile: &'a Profile,
    pub stats: StatsSnapshot,
    pub elapsed: Duration,
}

/// Records with `sampler` until `duration` passes, `control` is stopped, or the
/// target exits. Fails only when the sampler fails before sending anything.
pub fn record(
    sampler: Box<dyn Sampler>,
    meta: Meta,
    duration: Option<Duration>,
    control: &Control,
    on_tick: impl FnMut(Tick<'_>),
) -> Result<Recording, SamplerError> {
    run(sampler, meta, duration, None, control, on_tick, |_| {})
}

/// Records like [`record`] with one sampler attached throughout, but cuts the profile
/// every `every`: each finished interval goes to `on_interval`, with its own
/// `start_unix_ns` and duration. The interval in progress when the recording ends is
/// the returned [`Recording::profile`]. A sampler error after an interval was handed
/// over is kept in [`Recording::error`], never returned as a failure.
pub fn record_intervals(
    sampler: Box<dyn Sampler>,
    meta: Meta,
    every: Duration,
    control: &Control,
    on_tick: impl FnMut(Tick<'_>),
    on_interval: impl FnMut(Profile),
) -> Result<Recording, SamplerError> {
    run(
        sampler,
        meta,
        None,
        Some(every),
        control,
        on_tick,
        on_interval,
    )
}

fn unix_now_ns() -> Option<u64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
}

fn run(
    sampler: Box<dyn Sampler>,
    meta: Meta,
    duration: Option<Duration>,
    every: Option<Duration>,
    control: &Control,
    mut on_tick: impl FnMut(Tick<'_>),
    mut on_interval: impl FnMut(Profile),
) -> Result<Recording, SamplerError> {
    let started = Instant::now();
    let mut interval_started = started;
    let mut profile = Profile::new(Meta {
        start_unix_ns: unix_now_ns(),
        ..meta.clone()
    });
    let mut handed_over = false;
    let (tx, rx) = mpsc::channel();
    let sampler_control = control.clone();
    let worker = std::thread::Builder::new()
        .name("argus-sampler".to_string())
        .spawn(move || sampler.run(&tx, &sampler_control))
        .map_err(|e| SamplerError::Failed {
            pid: 0,
            message: format!("cannot start the sampler thread: {e}"),
        })?;

    let mut duration_reached = false;
    let mut last_tick = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(batch) => {
                for sample in &batch {
                    profile.add_raw(sample);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(limit) = duration
            && !duration_reached
            && started.elapsed() >= limit
        {
            duration_reached = true;
            control.stop();
        }
        // Batches in flight at the cut land in the next interval: no sample is lost
        // or counted twice, and an interval is at most one batch (~100 ms) off.
        if let Some(every) = every
            && interval_started.elapsed() >= every
            && !control.should_stop()
        {
            let next = Profile::new(Meta {
                start_unix_ns: unix_now_ns(),
                ..meta.clone()
            });
            let mut finished = std::mem::replace(&mut profile, next);
            finished.meta.duration = Some(interval_started.elapsed());
            interval_started = Instant::now();
            handed_over = true;
            on_interval(finished);
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            on_tick(Tick {
                profile: &profile,
                stats: control.stats.snapshot(),
                elapsed: started.elapsed(),
            });
        }
    }
    // The channel is closed only when the sampler thread has returned.
    let outcome = match worker.join() {
        Ok(outcome) => outcome,
        Err(_) => Err(SamplerError::Failed {
            pid: 0,
            message:
                "the sampler thread stopped unexpectedly; the samples collected so far are kept"
                    .to_string(),
        }),
    };
    let error = match outcome {
        Ok(()) => None,
        Err(error) if profile.samples().is_empty() && !handed_over && !control.should_stop() => {
            return Err(error);
        }
        Err(error) => Some(error),
    };
    let elapsed = started.elapsed();
    profile.meta.duration = Some(interval_started.elapsed());
    let ending = if duration_reached {
        Ending::DurationReached
    } else if control.stop_requested() && !control.has_exited() {
        Ending::Stopped
    } else {
        Ending::TargetExited
    };
    Ok(Recording {
        profile,
        ending,
        stats: control.stats.snapshot(),
        elapsed,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, RawSample, Runtime, ThreadState, Weight};
    use crate::sampler::Batch;
    use std::sync::mpsc::Sender;

    /// Sends one sample per millisecond until stopped, or `limit` samples then fails.
    struct Fake {
        limit: Option<usize>,
    }

    impl Sampler for Fake {
        fn runtime(&self) -> Runtime {
            Runtime::Native
        }

        fn run(self: Box<Self>, tx: &Sender<Batch>, control: &Control) -> Result<(), SamplerError> {
            let mut sent = 0;
            while !control.should_stop() {
                if self.limit == Some(sent) {
                    return Err(SamplerError::Failed {
                        pid: 1,
                        message: "target vanished".into(),
                    });
                }
                let sample = RawSample {
                    pid: 1,
                    tid: 1,
                    thread_name: None,
                    state: ThreadState::Running,
                    frames: vec![Frame::new("spin", FrameKind::Native)],
                    cpu_ns: 1_000_000,
                    wall_ns: 1_000_000,
                };
                if tx.send(vec![sample]).is_err() {
                    break;
                }
                control
                    .stats
                    .samples
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sent += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(())
        }
    }

    #[test]
    fn a_recording_ends_when_its_duration_is_up() {
        let control = Control::default();
        let mut ticks = 0;
        let recording = record(
            Box::new(Fake { limit: None }),
            Meta::default(),
            Some(Duration::from_millis(600)),
            &control,
            |_| ticks += 1,
        )
        .unwrap();
        assert_eq!(recording.ending, Ending::DurationReached);
        assert!(recording.profile.total(Weight::Cpu) > 0);
        assert!(ticks >= 1);
        assert!(recording.elapsed >= Duration::from_millis(600));
    }

    #[test]
    fn samples_collected_before_a_sampler_error_are_kept() {
        let control = Control::default();
        let recording = record(
            Box::new(Fake { limit: Some(20) }),
            Meta::default(),
            None,
            &control,
            |_| {},
        )
        .unwrap();
        assert_eq!(recording.profile.sample_count(), 20);
        assert!(recording.error.is_some());
        assert_eq!(recording.ending, Ending::TargetExited);
    }

    #[test]
    fn a_sampler_that_fails_at_once_is_an_error() {
        let control = Control::default();
        let result = record(
            Box::new(Fake { limit: Some(0) }),
            Meta::default(),
            None,
            &control,
            |_| {},
        );
        assert!(result.is_err());
    }

    #[test]
    fn intervals_are_cut_from_one_sampler_without_losing_a_sample() {
        let control = Control::default();
        let stopper = control.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1100));
            stopper.stop();
        });
        let mut intervals: Vec<Profile> = Vec::new();
        let recording = record_intervals(
            Box::new(Fake { limit: None }),
            Meta::default(),
            Duration::from_millis(300),
            &control,
            |_| {},
            |p| intervals.push(p),
        )
        .unwrap();
        assert_eq!(recording.ending, Ending::Stopped);
        assert!(intervals.len() >= 3, "{} intervals", intervals.len());
        let counted: u64 = intervals.iter().map(Profile::sample_count).sum::<u64>()
            + recording.profile.sample_count();
        assert_eq!(counted, control.stats.snapshot().samples);
        for pair in intervals.windows(2) {
            let (a, b) = (&pair[0].meta, &pair[1].meta);
            let a_end = a.start_unix_ns.unwrap() + a.duration.unwrap().as_nanos() as u64;
            let gap = b.start_unix_ns.unwrap().abs_diff(a_end);
            assert!(gap < 5_000_000, "intervals follow each other: gap {gap} ns");
            assert!(a.duration.unwrap() >= Duration::from_millis(300));
            assert!(pair[0].sample_count() > 50);
        }
    }

    #[test]
    fn a_sampler_error_after_an_interval_was_written_is_kept_not_returned() {
        let control = Control::default();
        let mut intervals = 0;
        let recording = record_intervals(
            Box::new(Fake { limit: Some(400) }),
            Meta::default(),
            Duration::from_millis(100),
            &control,
            |_| {},
            |_| intervals += 1,
        )
        .unwrap();
        assert!(intervals >= 1);
        assert!(recording.error.is_some());
    }

    #[test]
    fn stopping_ends_the_recording_and_keeps_the_samples() {
        let control = Control::default();
        let stopper = control.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            stopper.stop();
        });
        let recording = record(
            Box::new(Fake { limit: None }),
            Meta::default(),
            None,
            &control,
            |_| {},
        )
        .unwrap();
        assert_eq!(recording.ending, Ending::Stopped);
        assert!(recording.profile.sample_count() > 10);
    }
}
