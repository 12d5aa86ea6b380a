//! The `argus` command line: review code, list and explain rules.

mod cli;
mod doctor;
mod pr_cmd;
mod profile_cmd;
mod progress;
mod recommendations_cmd;
mod report_cmd;
mod rules_cmd;
mod serve_cmd;
mod view_cmd;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use argus_reviewer::baseline::Baseline;
use argus_reviewer::config::{Options, Origin, Selector, parse_size};
use argus_reviewer::report::{GithubReporter, JsonReporter, Reporter, SarifReporter, TextReporter};
use argus_reviewer::review::{self, ReviewOptions};
use argus_rules::Severity;
use clap::Parser;

use crate::cli::{Cli, ColorChoice, Command, DebugCommand, Format, ReviewArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Review(args) => run_review(*args),
        Command::Rules(args) => rules_cmd::run(args),
        Command::Profile(args) => profile_cmd::run(*args),
        Command::Flamegraph(args) => profile_cmd::flamegraph(args),
        Command::Diff(args) => profile_cmd::diff(args),
        Command::View(args) => view_cmd::run(*args),
        Command::Report(args) => report_cmd::run(args),
        Command::Recommendations(args) => recommendations_cmd::run(args),
        Command::Pr(args) => pr_cmd::run(*args),
        Command::Serve(args) => serve_cmd::run(*args),
        Command::Debug(DebugCommand::ParseWalk(args)) => rules_cmd::parse_walk(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let mut stderr = anstream::stderr();
            let style = anstyle::AnsiColor::Red
                .on_default()
                .effects(anstyle::Effects::BOLD);
            let _ = writeln!(stderr, "{style}error{style:#}: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes a command's output to standard output. A closed pipe (`argus ... | head`) is
/// the reader's choice, not an error.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

fn selectors(values: &[String], flag: &'static str) -> anyhow::Result<Vec<Selector>> {
    let values: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    Ok(Selector::parse_list(&Origin::Flag(flag), flag, &values)?)
}

fn run_review(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let cli_options = Options {
        select: if args.select.is_empty() {
            None
        } else {
            Some(selectors(&args.select, "--select")?)
        },
        ignore: selectors(&args.ignore, "--ignore")?,
        fail_on: args.fail_on.map(Severity::from),
        max_file_size: match &args.max_file_size {
            Some(text) => Some(parse_size(text).with_context(|| {
                format!("command line `--max-file-size`: `{text}` is not a size; use e.g. 5MB, 512KB or 1048576")
            })?),
            None => None,
        },
        ..Options::default()
    };
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path)?),
        None => None,
    };
    let progress = progress::Bar::new(args.format == Format::Text && !args.no_progress);
    let outcome = review::run(ReviewOptions {
        paths: args.paths.clone(),
        cli: cli_options,
        config_file: args.config.clone(),
        excludes: args.exclude.clone(),
        jobs: args.jobs,
        base_dir: None,
        warn_unused_suppressions: args.warn_unused_suppressions,
        baseline: baseline.as_ref(),
        progress: &progress,
    })?;
    let review = outcome.review;

    // Problems go to stderr in every format, so they are seen even when stdout is a report.
    let mut stderr = anstream::stderr();
    let style = anstyle::AnsiColor::Red
        .on_default()
        .effects(anstyle::Effects::BOLD);
    for problem in &review.problems {
        writeln!(
            stderr,
            "{style}error{style:#}: {}: {}",
            review::display_path(&problem.path),
            problem.message
        )?;
    }

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let reporter: Box<dyn Reporter> = match args.format {
        Format::Text => Box::new(TextReporter {
            color,
            no_summary: false,
        }),
        Format::Json => Box::new(JsonReporter),
        Format::Sarif => Box::new(SarifReporter),
        Format::Github => Box::new(GithubReporter),
    };
    match &args.output {
        Some(path) => {
            let mut file =
                std::io::BufWriter::new(std::fs::File::create(path).with_context(|| {
                    format!("{}: cannot create the output file", path.display())
                })?);
            reporter
                .write(&review, &mut file)
                .and_then(|()| file.flush())
                .with_context(|| format!("{}: cannot write the report", path.display()))?;
            if args.format != Format::Text {
                eprint!(
                    "{}",
                    TextReporter {
                        color: false,
                        no_summary: false
                    }
                    .summary(&review)
                );
            }
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let written = reporter.write(&review, &mut out).and_then(|()| out.flush());
            match written {
                Ok(()) => {}
                // A closed pipe (`argus review | head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(e).context("cannot write the report to standard output"),
            }
        }
    }

    if let Some(path) = &args.write_baseline {
        Baseline::write(path, &review.diagnostics)?;
        eprintln!(
            "Wrote a baseline of {} findings to {}.",
            review.diagnostics.len(),
            path.display()
        );
    }

    let fail_on = outcome.fail_on;
    let failing = review.diagnostics.iter().any(|d| d.severity >= fail_on);
    let code = if args.exit_zero {
        0
    } else if !review.problems.is_empty() {
        2
    } else if failing && args.write_baseline.is_none() {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}
