//! The progress bar: files done out of the total, on stderr, only on a terminal, only
//! outside CI, and only once a review has run for a second.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use argus_reviewer::review::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const DELAY: Duration = Duration::from_secs(1);

pub struct Bar {
    enabled: bool,
    bar: OnceLock<(ProgressBar, Instant)>,
    shown: AtomicBool,
}

impl Bar {
    pub fn new(wanted: bool) -> Bar {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        Bar {
            enabled: wanted && !ci && std::io::stderr().is_terminal(),
            bar: OnceLock::new(),
            shown: AtomicBool::new(false),
        }
    }
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} reviewing {pos}/{len} files {wide_bar} {elapsed}",
        ) {
            bar.set_style(style);
        }
        let _ = self.bar.set((bar, Instant::now()));
    }

    fn advance(&self) {
        let Some((bar, started)) = self.bar.get() else {
            return;
        };
        bar.inc(1);
        if !self.shown.load(Ordering::Relaxed)
            && started.elapsed() >= DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        if let Some((bar, _)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
