//! `argus serve`: a GitHub App webhook server that reviews pull requests as they change.
//!
//! A delivery goes through these steps:
//! 1. `POST /webhook` checks the size and the signature, then reads the event (the
//!    `http` module). A `pull_request` event that asks for a review becomes a
//!    [`ReviewJob`] offered to the queue.
//! 2. The queue keeps one waiting job per pull request, the newest head; drops
//!    redeliveries by `X-GitHub-Delivery` and heads older than one already accepted;
//!    and refuses new pull requests with 503 when full, so GitHub can redeliver.
//! 3. The queue is saved to the state file before the delivery is answered, so an
//!    answered event survives a crash.
//! 4. Workers take jobs, never two of one pull request at a time, and hand each to a
//!    [`ReviewRunner`] ([`AppRunner`] in production, a recording one in tests).
//!
//! On shutdown the server stops accepting connections, lets in-flight reviews finish
//! (within the grace period), and leaves every job not finished in the state file; the
//! next start resumes them.

mod app;
mod config;
mod http;
mod job;
mod queue;
mod signature;
mod store;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use futures_util::FutureExt;
use serde::Serialize;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use app::{AppError, AppReviewError, AppRunner};
pub use config::{ConfigError, DEFAULT_BIND, DEFAULT_BODY_LIMIT, ServerConfig};
pub use job::{PullRequestKey, ReviewJob, ReviewRunner};
pub use queue::Counts;
pub use signature::{InvalidSecret, SIGNATURE_HEADER, Signature, SignatureError, WebhookSecret};
pub use store::{STATE_FILE, StoreError};

use queue::Queue;
use store::Store;

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] InvalidSecret),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "cannot listen on {addr}: {source}; is another server running there? Choose another address with --bind"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the HTTP server on {addr} stopped: {source}")]
    Http {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server's task stopped unexpectedly: {message}")]
    Task { message: String },
}

/// What the server is doing, as `GET /healthz` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// `ok`, or `stopping` once shutdown has begun.
    pub status: &'static str,
    /// Workers, the most reviews that run at once.
    pub workers: usize,
    /// The most pull requests that may wait.
    pub queue_capacity: usize,
    /// Pull requests waiting for a review.
    pub queued: usize,
    /// Reviews running.
    pub running: usize,
    /// What happened to events and reviews since the start.
    #[serde(flatten)]
    pub counts: Counts,
}

/// How a shutdown went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Reviews that were running when shutdown began and finished within the grace period.
    pub finished: usize,
    /// Reviews still running when the grace period ended; they were stopped and run again
    /// on the next start.
    pub interrupted: usize,
    /// Jobs left in the state file for the next start (the interrupted ones included).
    pub saved: usize,
    /// The state file.
    pub state_file: PathBuf,
}

/// A running webhook server. Call [`Server::shutdown`] or [`Server::run_until`] to stop
/// it; dropping it starts the same shutdown in the background, without waiting.
pub struct Server {
    addr: SocketAddr,
    core: Arc<Core>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<ShutdownReport, ServeError>>,
}

impl Server {
    /// Loads the saved queue, binds `config.bind`, and starts the workers and the HTTP
    /// server on the current tokio runtime.
    pub async fn start<R: ReviewRunner>(
        config: ServerConfig,
        runner: R,
    ) -> Result<Server, ServeError> {
        config.validate()?;
        let secret = WebhookSecret::new(config.webhook_secret.as_bytes())?;
        let store = Store::open(&config.state_dir)?;
        let saved = store.load()?;
        let resumed = saved.jobs.len();
        let mut queue = Queue::new(config.queue_capacity, config.memory);
        queue.restore(saved);

        let bind_error = |source| ServeError::Bind {
            addr: config.bind,
            source,
        };
        let listener = listen(config.bind).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        log(format_args!(
            "listening on http://{addr} (POST /webhook, GET /healthz)"
        ));
        if resumed > 0 {
            log(format_args!(
                "resuming {resumed} review{} saved in {}",
                if resumed == 1 { "" } else { "s" },
                store.path().display()
            ));
        }

        let core = Arc::new(Core {
            config,
            secret,
            store,
            state: Mutex::new(State {
                queue,
                version: 0,
                saved: 0,
                stopping: false,
            }),
            save_lock: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
        });
        let runner = Arc::new(runner);
        let mut workers = JoinSet::new();
        for _ in 0..core.config.workers {
            workers.spawn(work(core.clone(), runner.clone()));
        }

        let (stop, stopped) = watch::channel(false);
        let app = http::router(core.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn({
            let core = core.clone();
            async move {
                let serve = axum::serve(listener, app)
                    .with_graceful_shutdown(stop_requested(stopped.clone()))
                    .into_future();
                tokio::pin!(serve);
                // One grace period from the stop for everything: requests in progress
                // (so a client that never finishes its request cannot hold the stop up),
                // then reviews in progress.
                let grace = core.config.grace_period;
                let deadline = async move {
                    stop_requested(stopped).await;
                    tokio::time::Instant::now() + grace
                };
                let (served, deadline) = tokio::select! {
                    // Only on an error: a stop is seen by the other branch too.
                    served = &mut serve => (served, tokio::time::Instant::now() + grace),
                    deadline = deadline => {
                        let served = tokio::time::timeout_at(deadline, &mut serve)
                            .await
                            .unwrap_or(Ok(()));
                        (served, deadline)
                    }
                };
                let report = core.wind_down(workers, deadline).await;
                served.map_err(|source| ServeError::Http { addr, source })?;
                report
            }
        });
        Ok(Server {
            addr,
            core,
            stop,
            task,
        })
    }

    /// The address the server listens on (with the port chosen when `bind` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The queue's and the workers' state.
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// Stops accepting connections, lets in-flight reviews finish within the grace
    /// period, and saves what is left for the next start.
    pub async fn shutdown(self) -> Result<ShutdownReport, ServeError> {
        self.run_until(std::future::ready(())).await
    }

    /// Serves until `signal` completes, then shuts down as [`Server::shutdown`] does.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<ShutdownReport, ServeError> {
        let mut task = self.task;
        tokio::select! {
            () = signal => {}
            // The HTTP server failed on its own; its error is the answer.
            finished = &mut task => return join(finished),
        }
        let _ = self.stop.send(true);
        join(task.await)
    }
}

async fn stop_requested(mut stopped: watch::Receiver<bool>) {
    // An error means the `Server` was dropped, which asks for a stop too.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// A listener whose backlog holds a burst of deliveries: the default of 128 overflows
/// when GitHub opens a few hundred connections at once, and each dropped connection
/// waits a second to retry.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn join(
    finished: Result<Result<ShutdownReport, ServeError>, tokio::task::JoinError>,
) -> Result<ShutdownReport, ServeError> {
    finished.map_err(|e| ServeError::Task {
        message: e.to_string(),
    })?
}

/// What the HTTP handlers and the workers share.
pub(crate) struct Core {
    config: ServerConfig,
    secret: WebhookSecret,
    store: Store,
    state: Mutex<State>,
    // One save at a time: callers that wait share the next write instead of each
    // writing their own.
    save_lock: tokio::sync::Mutex<()>,
    // Signalled whenever a job may have become available, and on shutdown.
    wake: Notify,
}

pub(crate) struct State {
    queue: Queue,
    // Bumped by every change worth saving; `saved` is the version on disk.
    version: u64,
    saved: u64,
    stopping: bool,
}

impl State {
    fn changed(&mut self) -> u64 {
        self.version += 1;
        self.version
    }
}

impl Core {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held (the queue's methods do not
        // panic), and if one did, the queue would still be consistent enough to save.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> Stats {
        let state = self.lock();
        Stats {
            status: if state.stopping { "stopping" } else { "ok" },
            workers: self.config.workers,
            queue_capacity: self.config.queue_capacity,
            queued: state.queue.queued(),
            running: state.queue.running(),
            counts: state.queue.counts,
        }
    }

    /// Returns once the state file holds `version` or a later one. Concurrent callers
    /// share writes: one save covers every change made before it started.
    async fn save(&self, version: u64) -> Result<(), StoreError> {
        let _writer = self.save_lock.lock().await;
        let (current, saved) = {
            let state = self.lock();
            if state.saved >= version {
                return Ok(());
            }
            (state.version, state.queue.save())
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.save(current, &saved))
            .await
            .map_err(|e| StoreError::Write {
                path: self.store.path().to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            })??;
        let mut state = self.lock();
        state.saved = state.saved.max(current);
        Ok(())
    }

    /// The next job for a worker; `None` once the server is stopping.
    async fn next_job(&self) -> Option<ReviewJob> {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            // Registered before looking, so a wake-up between the look and the wait
            // is not missed.
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if state.stopping {
                    return None;
                }
                if let Some(job) = state.queue.take() {
                    return Some(job);
                }
            }
            notified.await;
        }
    }

    /// After the HTTP server has stopped: stop the workers, let in-flight reviews run
    /// until `deadline`, and save what is left.
    async fn wind_down(
        &self,
        mut workers: JoinSet<()>,
        deadline: tokio::time::Instant,
    ) -> Result<ShutdownReport, ServeError> {
        let in_flight = {
            let mut state = self.lock();
            state.stopping = true;
            state.queue.running()
        };
        self.wake.notify_waiters();
        if in_flight > 0 {
            log(format_args!(
                "stopping: waiting up to {:.1?} for {in_flight} review{} in progress",
                deadline.saturating_duration_since(tokio::time::Instant::now()),
                if in_flight == 1 { "" } else { "s" }
            ));
        }
        let all_done = async { while workers.join_next().await.is_some() {} };
        if tokio::time::timeout_at(deadline, all_done).await.is_err() {
            workers.abort_all();
            while workers.join_next().await.is_some() {}
        }
        let (interrupted, saved, version) = {
            let mut state = self.lock();
            let version = state.changed();
            (
                state.queue.running(),
                state.queue.save().jobs.len(),
                version,
            )
        };
        self.save(version).await?;
        let report = ShutdownReport {
            finished: in_flight - interrupted.min(in_flight),
            interrupted,
            saved,
            state_file: self.store.path().to_path_buf(),
        };
        log(format_args!(
            "stopped: {} review{} finished, {} interrupted, {} saved in {} for the next start",
            report.finished,
            if report.finished == 1 { "" } else { "s" },
            report.interrupted,
            report.saved,
            report.state_file.display()
        ));
        Ok(report)
    }
}

/// A worker: reviews jobs one after another until the server stops.
async fn work<R: ReviewRunner>(core: Arc<Core>, runner: Arc<R>) {
    while let Some(job) = core.next_job().await {
        let started = Instant::now();
        // A panicking runner fails its job, not the worker.
        let result = AssertUnwindSafe(runner.review(&job)).catch_unwind().await;
        let elapsed = started.elapsed();
        let failure = match result {
            Ok(Ok(summary)) => {
                log(format_args!(
                    "reviewed {job} (delivery {}) in {elapsed:.1?}: {summary}",
                    job.delivery
                ));
                None
            }
            Ok(Err(error)) => Some(error_chain(&error)),
            Err(panic) => Some(format!(
                "the review panicked: {}",
                panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            )),
        };
        if let Some(message) = &failure {
            log(format_args!(
                "review of {job} (delivery {}) failed after {elapsed:.1?}: {message}. Redeliver the event from the App's settings (Advanced, Recent Deliveries) or push again to retry",
                job.delivery
            ));
        }
        let version = {
            let mut state = core.lock();
            state.queue.finish(&job, failure.is_none());
            state.changed()
        };
        // The pull request may have a newer head waiting for this review to end.
        core.wake.notify_waiters();
        if let Err(e) = core.save(version).await {
            log(format_args!(
                "after the review of {job} (delivery {}): {e}",
                job.delivery
            ));
        }
    }
}

/// An error and its sources, on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

/// Writes one line to the server's log: standard error, with the time.
pub fn log(line: std::fmt::Arguments<'_>) {
    eprintln!(
        "{} argus serve: {line}",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
    );
}
