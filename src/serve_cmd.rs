//! `argus serve`: run as a GitHub App, reviewing pull requests as webhooks announce them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use argus_github::server::{AppError, AppRunner, Server, ServerConfig, log};
use argus_reviewer::config::parse_size;
use clap::Args;

use crate::cli::PostArgs;

/// Run a GitHub App webhook server that reviews pull requests when they open or change.
///
/// GitHub sends pull_request events to POST /webhook; argus answers at once and reviews
/// in the background, one review at a time per pull request, of its newest push.
/// GET /healthz reports the queue.
///
/// Setup: create a GitHub App with the webhook URL https://YOUR-HOST/webhook, a webhook
/// secret, the "Pull requests" event, and these repository permissions: Pull requests
/// (read and write), Contents (read), Commit statuses (read and write). Then:
///
///   export ARGUS_WEBHOOK_SECRET=...        # the App's webhook secret
///   argus serve --app-id 123456 --private-key app.private-key.pem
///
/// It listens on 127.0.0.1:3000; put a TLS proxy in front of it to reach it from GitHub.
/// Secrets come from the environment or files, never from flags other users could read
/// in `ps`. SIGTERM or Ctrl-C stops it: reviews in progress finish, and queued ones are
/// kept in --state-dir and resume on the next start.
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The GitHub App's ID, shown on its settings page.
    #[arg(long, value_name = "ID")]
    pub app_id: u64,
    /// The App's private key file (.pem, as GitHub generates it) [default: the key in
    /// the environment variable named by --private-key-env].
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// The environment variable that holds the private key's PEM text, when
    /// --private-key is not given.
    #[arg(long, value_name = "NAME", default_value = "ARGUS_APP_PRIVATE_KEY")]
    pub private_key_env: String,
    /// The environment variable that holds the webhook secret.
    #[arg(long, value_name = "NAME", default_value = "ARGUS_WEBHOOK_SECRET")]
    pub webhook_secret_env: String,
    /// The API's base URL, for GitHub Enterprise Server (https://HOST/api/v3)
    /// [default: GITHUB_API_URL, or https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Where the queue is kept across restarts; created if missing.
    #[arg(long, value_name = "DIR", default_value = ".argus-serve")]
    pub state_dir: PathBuf,
    /// How many reviews run at once (of different pull requests).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub workers: usize,
    /// How many pull requests may wait for a review. When full, deliveries are answered
    /// 503, and GitHub lists them as failed so they can be redelivered.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub queue_capacity: usize,
    /// The largest delivery accepted, like 25MiB or 512KB; larger ones get 413.
    #[arg(long, value_name = "SIZE", default_value = "25MiB")]
    pub max_body: String,
    /// How long a shutdown waits for reviews in progress. Those still running then are
    /// stopped and run again on the next start.
    #[arg(long, value_name = "DURATION", default_value = "25s", value_parser = humantime::parse_duration)]
    pub grace_period: Duration,
    /// Review draft pull requests too. By default a draft is reviewed once it is marked
    /// ready for review.
    #[arg(long)]
    pub review_drafts: bool,
    #[command(flatten)]
    pub post: PostArgs,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The App's private key, from the file or the environment.
fn private_key(args: &ServeArgs) -> anyhow::Result<Vec<u8>> {
    if let Some(path) = &args.private_key {
        return std::fs::read(path).with_context(|| {
            format!(
                "{}: cannot read the App's private key; download one from the App's settings page",
                path.display()
            )
        });
    }
    let Some(pem) = env(&args.private_key_env) else {
        bail!(
            "no private key: give --private-key FILE, or put the PEM text in the environment variable {}",
            args.private_key_env
        );
    };
    // Some secret stores keep a multi-line value on one line with `\n` escapes.
    Ok(if pem.contains('\n') {
        pem
    } else {
        pem.replace("\\n", "\n")
    }
    .into_bytes())
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let webhook_secret = env(&args.webhook_secret_env).with_context(|| {
        format!(
            "the environment variable {} holds no webhook secret; set it to the secret in the GitHub App's settings, or name another variable with --webhook-secret-env",
            args.webhook_secret_env
        )
    })?;
    let key = private_key(&args)?;
    let key_origin = match &args.private_key {
        Some(path) => path.display().to_string(),
        None => format!("the environment variable {}", args.private_key_env),
    };
    let api_url = args
        .api_url
        .clone()
        .or_else(|| env("GITHUB_API_URL"))
        .unwrap_or_else(|| "https://api.github.com".to_string());
    let body_limit = match parse_size(&args.max_body) {
        Some(0) | None => bail!(
            "--max-body `{}` is not a size; use e.g. 25MiB, 512KB or 1048576",
            args.max_body
        ),
        Some(bytes) => usize::try_from(bytes).unwrap_or(usize::MAX),
    };
    let options = args.post.options();
    let mut config = ServerConfig::new(webhook_secret, args.state_dir.clone());
    config.bind = args.bind;
    config.workers = args.workers;
    config.queue_capacity = args.queue_capacity;
    config.body_limit = body_limit;
    config.grace_period = args.grace_period;
    config.review_drafts = args.review_drafts;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let runner = AppRunner::new(&api_url, args.app_id, &key, options).map_err(|e| match e {
            AppError::PrivateKey { .. } => anyhow::anyhow!("{key_origin}: {e}"),
            other => other.into(),
        })?;
        let server = Server::start(config, runner).await?;
        log(format_args!(
            "App {} on {api_url}, {} worker{}, state in {}",
            args.app_id,
            args.workers,
            if args.workers == 1 { "" } else { "s" },
            args.state_dir.display()
        ));
        anyhow::Ok(server.run_until(termination()).await?)
    })?;
    // A review stopped at the end of the grace period may still be inside a blocking
    // task; it is in the state file and runs again on the next start.
    runtime.shutdown_timeout(Duration::from_secs(1));
    // Interrupted reviews are not lost, so a stop on a signal is a success either way.
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(e) => log(format_args!(
                "cannot watch for SIGTERM ({e}); Ctrl-C still stops the server"
            )),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
