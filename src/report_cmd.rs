//! `argus report`: a profile summarised in the terminal or as JSON for CI — the hottest
//! functions, where each thread's wall-clock time went, and the recommendations. On a
//! profile directory, `--since` narrows it to a recent span and `--compare` names the
//! functions whose share grew between two spans.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use argus_profiler::compare::{self, Growth};
use argus_profiler::model::{Profile, Weight};
use argus_profiler::report::Summary;
use argus_profiler::store::{self, Listing, Loaded, Window};
use serde::Serialize;

use crate::cli::{ReportArgs, ReportFormat};
use crate::profile_cmd::read_profile;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if let Some(windows) = &args.compare {
        return compare_windows(&args, windows);
    }
    let profile = match &args.since {
        Some(text) => {
            let dir = profile_directory(&args.input, "--since")?;
            let window: Window = text.parse()?;
            let loaded = store::load(dir, Some(window))?;
            warn_skipped(&loaded);
            eprintln!("{}: {}", window, describe(&loaded));
            loaded.profile
        }
        None => read_profile(&args.input)?,
    };
    let mut summary = Summary::of(&profile, args.weight.map(Into::into));
    if summary.target.is_none() {
        summary.target = Some(args.input.display().to_string());
    }
    let text = match args.format {
        ReportFormat::Text => summary.to_string(),
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(&summary)
                .context("cannot write the report as JSON")?;
            json.push('\n');
            json
        }
    };
    crate::print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn profile_directory<'a>(input: &'a Path, flag: &str) -> anyhow::Result<&'a Path> {
    if !input.is_dir() {
        bail!(
            "{flag} reads a profile directory (as written by `argus profile --continuous --out-dir DIR`), and {} is not one",
            input.display()
        );
    }
    Ok(input)
}

fn warn_skipped(loaded: &Loaded) {
    for skipped in &loaded.skipped {
        eprintln!("warning: skipped {skipped}");
    }
}

/// `12 intervals, 2026-05-14T09:00:00Z to 2026-05-14T10:00:00Z`.
fn describe(loaded: &Loaded) -> String {
    let span = span(loaded);
    format!(
        "{} interval{}, {} to {}",
        loaded.intervals.len(),
        if loaded.intervals.len() == 1 { "" } else { "s" },
        span.from,
        span.until
    )
}

/// Where a compared window lies.
#[derive(Serialize)]
struct Span {
    window: String,
    intervals: usize,
    from: String,
    until: String,
}

fn span(loaded: &Loaded) -> Span {
    let at = |ns: u64| {
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
        )
        .to_string()
    };
    let from = loaded
        .intervals
        .iter()
        .map(|i| i.start_unix_ns)
        .min()
        .unwrap_or(0);
    Span {
        window: String::new(),
        intervals: loaded.intervals.len(),
        from: at(from),
        until: at(store::anchor(&loaded.intervals)),
    }
}

/// The `--compare` report as JSON.
#[derive(Serialize)]
struct Comparison<'a> {
    weight: Weight,
    before: Span,
    after: Span,
    /// Functions whose share grew, most first.
    grew: &'a [Growth],
    /// Functions whose share shrank, most first.
    shrank: &'a [Growth],
}

fn compare_windows(args: &ReportArgs, texts: &[String]) -> anyhow::Result<ExitCode> {
    let dir = profile_directory(&args.input, "--compare")?;
    let [first, second] = texts else {
        bail!("--compare takes two windows, e.g. --compare 'last 1h' 'previous 1h'");
    };
    let windows: [Window; 2] = [first.parse()?, second.parse()?];
    let listing = store::list(dir)?;
    for skipped in &listing.skipped {
        eprintln!("warning: skipped {skipped}");
    }
    let anchor = store::anchor(&listing.intervals);
    // The window that starts later is "after", whichever order they were given in.
    let (before_window, after_window) = if windows[0].range(anchor).0 <= windows[1].range(anchor).0
    {
        (windows[0], windows[1])
    } else {
        (windows[1], windows[0])
    };
    let load = |window: Window| {
        store::load_listing(
            dir,
            Listing {
                intervals: listing.intervals.clone(),
                skipped: Vec::new(),
            },
            Some(window),
        )
    };
    let before = load(before_window)?;
    let after = load(after_window)?;
    warn_skipped(&before);
    warn_skipped(&after);
    let weight = args.weight.map_or(after.profile.meta.mode, Weight::from);
    let grown = compare::growth(&before.profile, &after.profile, weight);
    let grew: Vec<Growth> = grown
        .iter()
        .filter(|g| g.change > 0.0)
        .take(args.top)
        .cloned()
        .collect();
    let mut shrank: Vec<Growth> = grown.iter().filter(|g| g.change < 0.0).cloned().collect();
    shrank.reverse();
    shrank.truncate(args.top);
    let with_window = |loaded: &Loaded, window: Window| Span {
        window: window.to_string(),
        ..span(loaded)
    };
    let comparison = Comparison {
        weight,
        before: with_window(&before, before_window),
        after: with_window(&after, after_window),
        grew: &grew,
        shrank: &shrank,
    };
    let text = match args.format {
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(&comparison)
                .context("cannot write the comparison as JSON")?;
            json.push('\n');
            json
        }
        ReportFormat::Text => comparison_text(&comparison, &before.profile, &after.profile),
    };
    crate::print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn comparison_text(c: &Comparison<'_>, before: &Profile, after: &Profile) -> String {
    let window = |s: &Span| {
        format!(
            "{} ({} interval{}, {} to {})",
            s.window,
            s.intervals,
            if s.intervals == 1 { "" } else { "s" },
            s.from,
            s.until
        )
    };
    let mut out = format!(
        "Share of {} time, {} against {}.\n",
        c.weight.name(),
        window(&c.after),
        window(&c.before),
    );
    if before.total(c.weight) == 0 || after.total(c.weight) == 0 {
        out.push_str(&format!(
            "warning: one window has no {} time; try --weight {}\n",
            c.weight.name(),
            if c.weight == Weight::Cpu {
                "wall"
            } else {
                "cpu"
            }
        ));
    }
    for (title, rows) in [("Grew most", c.grew), ("Shrank most", c.shrank)] {
        out.push_str(&format!("\n{title}:\n"));
        if rows.is_empty() {
            out.push_str("  (none)\n");
        }
        for g in rows {
            out.push_str(&format!(
                "  {:>+7.1} pts  {:>5.1}% -> {:>5.1}%  {}\n",
                g.change * 100.0,
                g.before * 100.0,
                g.after * 100.0,
                g.label
            ));
        }
    }
    out
}
