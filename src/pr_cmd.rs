//! `argus pr`: review one GitHub pull request, as a GitHub Action step or by hand.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use argus_github::api::Github;
use argus_github::pr::{PullRequestRef, review_pull_request};

use crate::cli::PrArgs;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The pull request from the flags, or from the Actions event that triggered the job.
fn pull_request(args: &PrArgs) -> anyhow::Result<PullRequestRef> {
    let (repository, number) = match (&args.repo, args.pr) {
        (Some(repo), Some(number)) => (repo.clone(), number),
        (None, None) | (Some(_), None) | (None, Some(_)) if env("GITHUB_EVENT_PATH").is_some() => {
            let path = env("GITHUB_EVENT_PATH").unwrap_or_default();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("GITHUB_EVENT_PATH={path}: cannot read the event"))?;
            let event: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("GITHUB_EVENT_PATH={path}: not JSON"))?;
            let number = args
                .pr
                .or_else(|| event["pull_request"]["number"].as_u64())
                .or_else(|| event["number"].as_u64())
                .with_context(|| {
                    format!("GITHUB_EVENT_PATH={path}: not a pull_request event; run `argus pr` from a workflow triggered by `pull_request`, or pass --pr")
                })?;
            let repository = args
                .repo
                .clone()
                .or_else(|| env("GITHUB_REPOSITORY"))
                .or_else(|| {
                    event["repository"]["full_name"]
                        .as_str()
                        .map(str::to_string)
                })
                .context("GITHUB_REPOSITORY is not set; pass --repo OWNER/NAME")?;
            (repository, number)
        }
        _ => bail!(
            "give --repo OWNER/NAME and --pr NUMBER, or run inside a GitHub Actions pull_request workflow (GITHUB_EVENT_PATH)"
        ),
    };
    PullRequestRef::new(&repository, number)
        .with_context(|| format!("`{repository}` is not a repository name like OWNER/NAME"))
}

pub fn run(args: PrArgs) -> anyhow::Result<ExitCode> {
    let pr = pull_request(&args)?;
    let token = env(&args.token_env).with_context(|| {
        format!(
            "the environment variable {} holds no token; set it, or name another with --token-env",
            args.token_env
        )
    })?;
    let api_url = args
        .api_url
        .clone()
        .or_else(|| env("GITHUB_API_URL"))
        .unwrap_or_else(|| "https://api.github.com".to_string());
    let options = args.post.options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(async {
        let github = Github::with_token(&api_url, token)?;
        anyhow::Ok(review_pull_request(&github, &pr, &options).await?)
    })?;

    let mut stdout = std::io::stdout().lock();
    if let Some(plan) = &outcome.plan {
        writeln!(stdout, "{}", serde_json::to_string_pretty(plan)?)?;
    }
    if let Some(annotations) = &outcome.annotations {
        stdout.write_all(annotations.as_bytes())?;
    }
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "Reviewed {}/{}#{} at {}: {}.{}",
        pr.owner,
        pr.repo,
        pr.number,
        outcome.head_sha.get(..7).unwrap_or(&outcome.head_sha),
        outcome.counts(),
        outcome
            .review_url
            .as_ref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default(),
    );
    Ok(if outcome.failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
