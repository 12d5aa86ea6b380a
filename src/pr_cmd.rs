//! `argus pr`: review one GitHub pull request, as a GitHub Action step or by hand.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use argus_github::api::Github;
use argus_github::pr::{PrOptions, PullRequestRef, review_pull_request};
use argus_rules::Severity;

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
    let options = PrOptions {
        filter: args.filter.into(),
        max_comments: args.max_comments,
        request_changes_on: args.request_changes_on.map(Severity::from),
        fail_on: Severity::from(args.fail_on),
        dry_run: args.dry_run,
        docs_url: args.docs_url.clone(),
        ..PrOptions::default()
    };
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
    let short = &outcome.head_sha[..outcome.head_sha.len().min(7)];
    eprintln!(
        "Reviewed {}/{}#{} at {short}: {} finding{} on the changed lines; {} inline comment{} {}, {} already posted, {} in the summary, {} marked fixed.{}",
        pr.owner,
        pr.repo,
        pr.number,
        outcome.findings,
        if outcome.findings == 1 { "" } else { "s" },
        outcome.inline_posted,
        if outcome.inline_posted == 1 { "" } else { "s" },
        if outcome.plan.is_some() {
            "planned (dry run)"
        } else {
            "posted"
        },
        outcome.already_posted,
        outcome.unplaced,
        outcome.marked_fixed,
        outcome
            .review_url
            .map(|u| format!(" {u}"))
            .unwrap_or_default(),
    );
    Ok(if outcome.failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
