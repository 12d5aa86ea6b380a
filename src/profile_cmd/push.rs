//! `--push URL`: every interval written by continuous profiling is also sent, as pprof,
//! to a Pyroscope-compatible server (`POST URL/ingest`, the profile as the `profile`
//! part of a multipart form, as Pyroscope's own clients send it).
//!
//! Sending happens on a thread of its own, so a slow or absent server never holds up
//! sampling. An interval to send is first hard-linked into `DIR/.push-backlog/`, and
//! unlinked only once the server has taken it: rotation may delete the interval file,
//! a server may be down for hours, Argus may be restarted, and nothing is lost within
//! the backlog's bound. Past the bound the oldest waiting intervals are dropped from
//! the backlog, and each drop is reported.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use argus_agent::layout;
use argus_profiler::store;

/// The folder of intervals waiting to be pushed, inside the profile directory. Hidden,
/// so readers of the directory do not take its links for more intervals.
pub const BACKLOG: &str = ".push-backlog";

/// The first wait after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Refuses what is not an http or https URL, with the reason.
pub fn check_url(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => bail!(
            "--push {url:?} is not a server URL: give its base, such as http://pyroscope:4040 (Argus posts to URL/ingest)"
        ),
    }
}

enum Message {
    /// An interval joined the backlog.
    Queued,
    /// Recording is over: send what waits until this moment, then stop.
    Finish(Instant),
}

/// Sends intervals to the server in the background.
pub struct Pusher {
    backlog: PathBuf,
    limit: usize,
    tx: Sender<Message>,
    worker: JoinHandle<usize>,
}

impl Pusher {
    /// Starts the sending thread. Intervals already waiting in the backlog (from an
    /// earlier run that could not send them) are sent first.
    pub fn start(url: &str, dir: &Path, app: &str, limit: usize) -> anyhow::Result<Pusher> {
        check_url(url)?;
        let backlog = dir.join(BACKLOG);
        fs::create_dir_all(&backlog).with_context(|| {
            format!(
                "cannot create the push backlog {}; check the permissions of --out-dir",
                backlog.display()
            )
        })?;
        let waiting = pending(&backlog).len();
        if waiting > 0 {
            eprintln!(
                "{waiting} interval{} from an earlier run wait in {} and will be pushed first.",
                if waiting == 1 { "" } else { "s" },
                backlog.display()
            );
        }
        let (tx, rx) = mpsc::channel();
        let sender = Client {
            endpoint: format!("{}/ingest", url.trim_end_matches('/')),
            app: app.to_string(),
            agent: ureq::Agent::config_builder()
                .timeout_global(Some(REQUEST_TIMEOUT))
                .http_status_as_error(false)
                .build()
                .into(),
        };
        let thread_backlog = backlog.clone();
        let worker = std::thread::Builder::new()
            .name("argus-push".to_string())
            .spawn(move || sender.run(&thread_backlog, &rx))
            .context("cannot start the push thread")?;
        // Send what an earlier run left at once.
        let _ = tx.send(Message::Queued);
        Ok(Pusher {
            backlog,
            limit,
            tx,
            worker,
        })
    }

    /// Queues a written interval for sending, dropping (and reporting) the oldest
    /// waiting ones past the bound. Never blocks on the network.
    pub fn enqueue(&self, interval: &Path) {
        let Some(name) = interval.file_name() else {
            return;
        };
        let link = self.backlog.join(name);
        if let Err(error) =
            fs::hard_link(interval, &link).or_else(|_| fs::copy(interval, &link).map(|_| ()))
        {
            eprintln!(
                "warning: {} cannot be queued for pushing ({error}); it stays in the directory but will not be sent",
                interval.display()
            );
            return;
        }
        let waiting = pending(&self.backlog);
        if waiting.len() > self.limit {
            let dropped = &waiting[..waiting.len() - self.limit];
            let mut names = Vec::new();
            for path in dropped {
                if fs::remove_file(path).is_ok()
                    && let Some(name) = path.file_name()
                {
                    names.push(name.to_string_lossy().into_owned());
                }
            }
            if !names.is_empty() {
                eprintln!(
                    "warning: the push backlog is full ({} intervals, --push-backlog): {} will not be pushed (the files stay in the directory while rotation keeps them): {}",
                    self.limit,
                    if names.len() == 1 {
                        "the oldest"
                    } else {
                        "the oldest ones"
                    },
                    names.join(", ")
                );
            }
        }
        let _ = self.tx.send(Message::Queued);
    }

    /// Gives the server until `grace` from now to take what waits, then stops and says
    /// what is left in the backlog for the next run.
    pub fn finish(self, grace: Duration) {
        let _ = self.tx.send(Message::Finish(Instant::now() + grace));
        let left = self
            .worker
            .join()
            .unwrap_or_else(|_| pending(&self.backlog).len());
        if left > 0 {
            eprintln!(
                "warning: {left} interval{} could not be pushed yet; {} wait{} in {} and will be sent by the next `argus profile --continuous --push` on this directory.",
                if left == 1 { "" } else { "s" },
                if left == 1 { "it" } else { "they" },
                if left == 1 { "s" } else { "" },
                self.backlog.display()
            );
        }
    }
}

/// The intervals waiting in the backlog, oldest first.
fn pending(backlog: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(backlog) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let millis = layout::parse_file_name(&name)?.unix_millis()?;
            Some((millis, entry.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, path)| path).collect()
}

/// The sending side, owned by the push thread.
struct Client {
    endpoint: String,
    app: String,
    agent: ureq::Agent,
}

impl Client {
    /// Sends the backlog oldest first whenever something is queued, backing off while
    /// the server fails; returns how many intervals are left when told to finish.
    fn run(&self, backlog: &Path, rx: &mpsc::Receiver<Message>) -> usize {
        let mut backoff = FIRST_BACKOFF;
        let mut retry_at: Option<Instant> = None;
        let mut deadline: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let wait = match (retry_at, deadline) {
                (Some(at), _) => at.saturating_duration_since(now),
                (None, Some(_)) => Duration::ZERO,
                (None, None) => Duration::from_secs(3600),
            };
            let wait = deadline.map_or(wait, |d| wait.min(d.saturating_duration_since(now)));
            match rx.recv_timeout(wait) {
                Ok(Message::Queued) | Err(RecvTimeoutError::Timeout) => {}
                Ok(Message::Finish(at)) => deadline = Some(at),
                Err(RecvTimeoutError::Disconnected) => {
                    deadline.get_or_insert_with(Instant::now);
                }
            }
            let now = Instant::now();
            let last_chance = deadline.is_some_and(|d| now >= d);
            // While backing off, new intervals only join the queue.
            if retry_at.is_some_and(|at| now < at) && !last_chance {
                continue;
            }
            match self.send_all(backlog, retry_at.is_some()) {
                Ok(()) => {
                    retry_at = None;
                    backoff = FIRST_BACKOFF;
                }
                Err(()) => {
                    retry_at = Some(Instant::now() + backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            if deadline.is_some() && (retry_at.is_none() || last_chance) {
                return pending(backlog).len();
            }
        }
    }

    /// Sends the backlog oldest first; stops at the first failure, which it reports
    /// unless the server was already failing.
    fn send_all(&self, backlog: &Path, was_failing: bool) -> Result<(), ()> {
        let mut recovered = !was_failing;
        for path in pending(backlog) {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            match self.send(&path) {
                Ok(()) => {
                    let _ = fs::remove_file(&path);
                    if !recovered {
                        eprintln!("The push server at {} answers again.", self.endpoint);
                        recovered = true;
                    }
                    eprintln!("Pushed {name}.");
                }
                Err(error) => {
                    if !was_failing {
                        eprintln!(
                            "warning: cannot push {name} to {}: {error:#}; intervals wait in {} and are retried with growing pauses (up to {} s).",
                            self.endpoint,
                            backlog.display(),
                            MAX_BACKOFF.as_secs()
                        );
                    }
                    return Err(());
                }
            }
        }
        Ok(())
    }

    /// One POST of one interval.
    fn send(&self, path: &Path) -> anyhow::Result<()> {
        let interval = store::interval(path)?;
        let profile = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let from = interval.start_unix_ns / 1_000_000_000;
        // A profile of under a second still spans one second.
        let until = (interval.end_unix_ns() / 1_000_000_000).max(from + 1);
        let boundary = format!("argus-{:016x}", boundary_token());
        let mut body = Vec::with_capacity(profile.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&profile);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .agent
            .post(&self.endpoint)
            .query("name", &self.app)
            .query("from", from.to_string())
            .query("until", until.to_string())
            .query("format", "pprof")
            .query("spyName", "argus")
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..])
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.into_body().read_to_string().unwrap_or_default();
        bail!(
            "the server answered {status}{}",
            if text.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", text.trim().chars().take(200).collect::<String>())
            }
        )
    }
}

/// A boundary that no profile's bytes are likely to contain.
fn boundary_token() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}
