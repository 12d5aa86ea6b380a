//! `argus report`: a profile summarised in the terminal or as JSON for CI — the hottest
//! functions, where each thread's wall-clock time went, and the recommendations.

use std::process::ExitCode;

use anyhow::Context;
use argus_profiler::report::Summary;

use crate::cli::{ReportArgs, ReportFormat};
use crate::profile_cmd::read_profile;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let profile = read_profile(&args.input)?;
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
