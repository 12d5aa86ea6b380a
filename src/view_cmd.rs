//! `argus view`: a profile (or two, or a directory of interval profiles) as an
//! interactive page, served on loopback or exported as one self-contained HTML file.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use argus_profiler::format;
use argus_profiler::model::Profile;
use argus_profiler::store::{self, Interval, Listing};
use argus_profiler::view::{self, Intervals, View, ViewOptions};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clap::Args;

/// Open a profile in the browser: flamegraph, hot functions, thread states and
/// recommendations.
///
/// Examples:
///   argus view profile.pb.gz                      # serve on 127.0.0.1 and open a browser
///   argus view before.pb.gz after.pb.gz           # what changed, as a differential flamegraph
///   argus view profiles/                          # a directory of interval profiles, with a time-range picker
///   argus view --export report.html profile.pb.gz # one self-contained HTML file
///
/// The page is served on loopback only, until Ctrl-C.
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ViewArgs {
    /// The profile (.pb.gz, .folded, .json or .jfr), the profile before a change, or a
    /// directory of interval profiles (`<service>-<UTC start>-<pid>.pb.gz`).
    #[arg(value_name = "PROFILE")]
    pub input: PathBuf,
    /// The profile after the change: show the difference from PROFILE.
    #[arg(value_name = "PROFILE2")]
    pub after: Option<PathBuf>,
    /// Write the page to FILE as one self-contained HTML file instead of serving it. For a
    /// directory, the whole directory is merged into the page.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// The port to serve on, on 127.0.0.1 [default: any free port].
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Do not open a browser; only print the URL.
    #[arg(long)]
    pub no_open: bool,
}

/// A short name of an input for the page: its file name.
fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn read_profile(path: &Path) -> anyhow::Result<Profile> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    let profile = format::read(path)
        .with_context(|| format!("{}: cannot read the profile", path.display()))?;
    if profile.sample_count() == 0 {
        bail!(
            "{}: the profile holds no samples; record a longer run or check that the program was busy",
            path.display()
        );
    }
    Ok(profile)
}

/// What the viewer shows: a fixed view, or the windows of a directory.
enum Input {
    Fixed(View),
    Directory {
        dir: PathBuf,
        intervals: Vec<Interval>,
        /// The whole directory, merged.
        whole: View,
    },
}

/// The view of a directory's intervals that start at or after `from` and end at or
/// before `until`, merged by the store.
fn directory_view(
    dir: &Path,
    intervals: &[Interval],
    from: u64,
    until: u64,
) -> anyhow::Result<View> {
    let chosen: Vec<Interval> = intervals
        .iter()
        .filter(|i| i.start_unix_ns >= from && i.end_unix_ns() <= until)
        .cloned()
        .collect();
    if chosen.is_empty() {
        bail!("no interval of {} lies in the chosen range", dir.display());
    }
    let loaded = store::load_listing(
        dir,
        Listing {
            intervals: chosen,
            skipped: Vec::new(),
        },
        None,
    )?;
    let mut view = View::of(&loaded.profile, &source_name(dir), ViewOptions::default());
    view.intervals = Some(Intervals {
        starts_unix_ns: intervals.iter().map(|i| i.start_unix_ns).collect(),
        ends_unix_ns: intervals.iter().map(Interval::end_unix_ns).collect(),
        from_unix_ns: from,
        until_unix_ns: until,
    });
    Ok(view)
}

impl Input {
    fn open(args: &ViewArgs) -> anyhow::Result<Input> {
        let options = ViewOptions::default();
        match &args.after {
            Some(after) => {
                if args.input.is_dir() || after.is_dir() {
                    bail!(
                        "a comparison takes two profile files; {} is a directory",
                        if args.input.is_dir() {
                            &args.input
                        } else {
                            after
                        }
                        .display()
                    );
                }
                let before_profile = read_profile(&args.input)?;
                let after_profile = read_profile(after)?;
                Ok(Input::Fixed(View::diff(
                    &before_profile,
                    &source_name(&args.input),
                    &after_profile,
                    &source_name(after),
                    options,
                )))
            }
            None if args.input.is_dir() => {
                let listing = store::list(&args.input)?;
                for skipped in &listing.skipped {
                    eprintln!("warning: skipped {skipped}");
                }
                let intervals = listing.intervals;
                if intervals.is_empty() {
                    return Err(store::StoreError::NoProfiles {
                        dir: args.input.clone(),
                    }
                    .into());
                }
                let from = intervals.iter().map(|i| i.start_unix_ns).min().unwrap_or(0);
                let until = store::anchor(&intervals);
                let whole = directory_view(&args.input, &intervals, from, until)?;
                Ok(Input::Directory {
                    dir: args.input.clone(),
                    intervals,
                    whole,
                })
            }
            None => {
                let profile = read_profile(&args.input)?;
                Ok(Input::Fixed(View::of(
                    &profile,
                    &source_name(&args.input),
                    options,
                )))
            }
        }
    }

    /// The view the page opens on.
    fn initial(&self) -> &View {
        match self {
            Input::Fixed(view) => view,
            Input::Directory { whole, .. } => whole,
        }
    }

    /// The view of the window `[from, until)` (nanoseconds since the Unix epoch).
    fn window(&self, from: u64, until: u64) -> Result<View, String> {
        match self {
            Input::Fixed(_) => Err(
                "this view shows one profile, not a directory of intervals; there is no time range to choose"
                    .to_string(),
            ),
            Input::Directory { dir, intervals, .. } => {
                directory_view(dir, intervals, from, until).map_err(|e| format!("{e:#}"))
            }
        }
    }
}

pub fn run(args: ViewArgs) -> anyhow::Result<ExitCode> {
    let input = Input::open(&args)?;
    if let Some(path) = &args.export {
        let page = view::page(input.initial(), false);
        std::fs::write(path, page)
            .with_context(|| format!("{}: cannot write the page", path.display()))?;
        eprintln!("Wrote {}.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    serve(input, args.port, !args.no_open)
}

struct Served {
    input: Input,
    page: String,
}

fn serve(input: Input, port: u16, open: bool) -> anyhow::Result<ExitCode> {
    let page = view::page(input.initial(), true);
    let served = Arc::new(Served { input, page });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| {
                format!("cannot listen on {address}; choose another --port, or leave it out for any free port")
            })?;
        let url = format!("http://{}/", listener.local_addr()?);
        // Whoever started the viewer may stop reading its output; it serves on.
        let _ = writeln!(
            std::io::stdout().lock(),
            "Serving the profile viewer at {url}\nPress Ctrl-C to stop."
        )
        .and_then(|()| std::io::stdout().flush());
        if open {
            open_browser(&url);
        }
        let app = axum::Router::new()
            .route("/", get(index))
            .route("/api/view", get(api_view))
            .with_state(served);
        axum::serve(listener, app)
            .with_graceful_shutdown(termination())
            .await
            .context("the viewer server failed")
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn index(State(served): State<Arc<Served>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        served.page.clone(),
    )
        .into_response()
}

/// `GET /api/view[?from=NS&until=NS]`: the view model, of a window for a directory.
async fn api_view(State(served): State<Arc<Served>>, RawQuery(query): RawQuery) -> Response {
    let mut from = None;
    let mut until = None;
    for pair in query.as_deref().unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let parsed = || value.parse::<u64>().map_err(|_| value.to_string());
        match key {
            "from" => from = Some(parsed()),
            "until" => until = Some(parsed()),
            _ => {}
        }
    }
    let json = |body: String| {
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    };
    match (from, until) {
        (None, None) => json(served.input.initial().to_json()),
        (Some(Ok(from)), Some(Ok(until))) if from < until => {
            let served = served.clone();
            match tokio::task::spawn_blocking(move || served.input.window(from, until)).await {
                Ok(Ok(view)) => json(view.to_json()),
                Ok(Err(message)) => (StatusCode::BAD_REQUEST, message).into_response(),
                Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "give both `from` and `until` as nanoseconds since the Unix epoch, from before until",
        )
            .into_response(),
    }
}

/// Opens `url` in the desktop's browser when there is a desktop; never fails.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        Some("open")
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        Some("xdg-open")
    } else {
        None
    };
    if let Some(opener) = opener {
        let _ = std::process::Command::new(opener)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
