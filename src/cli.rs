//! Command-line definitions. The help text is the first documentation a newcomer reads.

use std::path::PathBuf;

use argus_github::pr::{Filter, PrOptions};
use argus_rules::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Argus reviews Java and Python code for security and quality problems.
///
/// Start with `argus review .` in a repository. Findings are printed like compiler
/// errors; `--format sarif` gives a report GitHub code scanning accepts.
#[derive(Parser, Debug)]
#[command(name = "argus", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Review Java (.java) and Python (.py, .pyi) files and report findings.
    ///
    /// Exit status: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 when
    /// the configuration or a command-line option is wrong or a path could not be reviewed.
    Review(Box<ReviewArgs>),
    /// List the rules, or explain one with `argus rules explain ID`.
    Rules(RulesArgs),
    /// Profile a running process by PID, or a command: where CPU and wall-clock time go.
    ///
    /// Examples:
    ///   argus profile --pid 4242 --duration 30s -o cpu.svg
    ///   argus profile --mode wall -o latency.pb.gz -- python3 app.py
    ///   argus profile --pid 4242 --continuous --interval 60s --out-dir /var/lib/argus/api
    ///   argus profile doctor --pid 4242
    #[command(verbatim_doc_comment)]
    Profile(Box<ProfileArgs>),
    /// Draw a flamegraph from a profile file (.folded, .pb.gz, .json or .jfr).
    Flamegraph(FlamegraphArgs),
    /// Draw a differential flamegraph: red where AFTER spends more than BEFORE, blue where less.
    Diff(DiffArgs),
    // The help text is `ViewArgs`'s doc comment, next to the flags it explains.
    View(Box<crate::view_cmd::ViewArgs>),
    /// Summarise a profile: the hottest functions, each thread's time by state, and
    /// recommendations on what to fix.
    ///
    /// Examples:
    ///   argus report latency.pb.gz
    ///   argus report profiles/ --format json
    #[command(verbatim_doc_comment)]
    Report(ReportArgs),
    /// List the recommendations run over profiles, or explain one with
    /// `argus recommendations explain ID`.
    Recommendations(RecommendationsArgs),
    /// Review a GitHub pull request and comment on the lines it changes.
    ///
    /// Inside a GitHub Actions `pull_request` workflow it needs no arguments: it reads
    /// GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_TOKEN and GITHUB_API_URL. Elsewhere,
    /// give --repo and --pr, and the token in an environment variable.
    Pr(Box<PrArgs>),
    // The help text is `ServeArgs`'s doc comment, next to the flags it explains.
    Serve(Box<crate::serve_cmd::ServeArgs>),
    /// Tools for developing Argus itself.
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Files or folders to review [default: the current folder].
    ///
    /// Folders are walked honouring .gitignore and .argusignore; hidden and vendored
    /// folders (node_modules, vendor, venv, site-packages, target, dist, ...) are skipped.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a finding is at or above this severity
    /// [default: warning, or `fail-on` from argus.toml].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Always exit with status 0, whatever was found.
    #[arg(long)]
    pub exit_zero: bool,

    /// Only run these rules: rule ids, categories (security, correctness, ...),
    /// languages (java, python) or `all`. Replaces `select` from argus.toml.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules (ids, categories or languages); added to `ignore` from
    /// argus.toml.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Skip files and folders matching GLOB (relative to the current folder). A glob
    /// without `/` matches a name anywhere, e.g. `--exclude generated`. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Use this configuration file for every path instead of looking for argus.toml or
    /// pyproject.toml above each file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Skip files larger than this, e.g. 5MB or 512KB [default: 5MB].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,

    /// Number of worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(usize))]
    pub jobs: Option<usize>,

    /// Also report suppression comments that suppress nothing.
    #[arg(long)]
    pub warn_unused_suppressions: bool,

    /// Only report findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE, to use later with `--baseline`; exits 0
    /// unless a path could not be reviewed.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// When to use colours in the text format. `auto` honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Never show the progress bar (it only appears on a terminal, after one second).
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: Option<ProfileCommand>,

    /// The process to profile. Omit it and give a command after `--` to start one.
    #[arg(long, short = 'p', value_name = "PID")]
    pub pid: Option<u32>,

    /// How long to record, e.g. 30s, 2m, 500ms [default: until the program exits or Ctrl-C].
    #[arg(long, short = 'd', value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,

    /// Samples per second, per thread.
    #[arg(long, short = 'r', default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate: u32,

    /// `cpu`: where the program computes. `wall`: where time goes, waiting included,
    /// with each thread's state (running, lock, io, sleeping, idle).
    #[arg(long, short = 'm', value_enum, default_value_t = ModeArg::Cpu)]
    pub mode: ModeArg,

    /// Write the profile here; the extension picks the format (.svg, .folded, .pb.gz,
    /// .json). Repeatable [default: argus-<runtime>-<pid>.svg].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Vec<std::path::PathBuf>,

    /// The format, when the file name does not say.
    #[arg(long, value_enum)]
    pub format: Option<ProfileFormat>,

    /// Draw the flamegraph upside down (an icicle graph).
    #[arg(long)]
    pub icicle: bool,

    /// The runtime to sample; `auto` judges by the process.
    #[arg(long, value_enum, default_value_t = RuntimeArg::Auto)]
    pub runtime: RuntimeArg,

    /// Python: pause the target while reading it, for exact stacks at a cost to the
    /// target. (Native wall mode always pauses each thread for about 40 µs per sample;
    /// CPU mode and Java never pause.)
    #[arg(long)]
    pub blocking: bool,

    /// Also profile the processes the target starts.
    #[arg(long)]
    pub subprocesses: bool,

    /// Show a live table of the hottest functions instead of a progress line.
    #[arg(long)]
    pub top: bool,

    #[command(flatten)]
    pub continuous: ContinuousArgs,

    /// The command to start and profile, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command_line: Vec<String>,
}

/// Continuous profiling: one profile file per interval, kept in a directory.
#[derive(Args, Debug)]
#[command(next_help_heading = "Continuous profiling")]
pub struct ContinuousArgs {
    /// Record until stopped, writing one profile per interval into --out-dir
    /// (`<service>-<UTC start>-<pid>.pb.gz`), which `argus report DIR` and `argus view DIR` read.
    #[arg(long)]
    pub continuous: bool,

    /// How long each interval lasts, e.g. 60s, 10m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero, default_value = "60s")]
    pub interval: std::time::Duration,

    /// The directory of interval files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Delete intervals that started longer ago than this, e.g. 24h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero, default_value = "24h")]
    pub keep_for: std::time::Duration,

    /// Keep the service's intervals under this total size, deleting the oldest first,
    /// e.g. 1GiB, 500MB.
    #[arg(long, value_name = "SIZE", default_value = "1GiB")]
    pub max_size: String,

    /// The service name in the file names [default: the process's name].
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,

    /// Lower the sampling rate while Argus itself would use more than this percentage
    /// of one CPU, and raise it back when there is room.
    #[arg(long, value_name = "PERCENT", default_value_t = 1.0)]
    pub max_overhead: f64,

    /// Also send each interval as pprof to a Pyroscope-compatible server, e.g.
    /// http://pyroscope:4040 (POST URL/ingest). Intervals the server does not take wait in
    /// DIR/.push-backlog and are sent, oldest first, when it is back.
    #[arg(long, value_name = "URL")]
    pub push: Option<String>,

    /// The most intervals waiting to be pushed; past it the oldest are dropped from the
    /// backlog (and reported; the files themselves stay in DIR).
    #[arg(long, value_name = "N", default_value_t = 1440)]
    pub push_backlog: usize,
}

#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// Check up front what can be profiled here, and why not.
    Doctor {
        /// Also check this process.
        #[arg(long, short = 'p', value_name = "PID")]
        pid: Option<u32>,
    },
}

#[derive(Args, Debug)]
pub struct PrArgs {
    /// The repository, OWNER/NAME [default: GITHUB_REPOSITORY].
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// The pull request number [default: from GITHUB_EVENT_PATH].
    #[arg(long, value_name = "NUMBER")]
    pub pr: Option<u64>,
    /// The environment variable that holds the token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// The API's base URL, for GitHub Enterprise [default: GITHUB_API_URL, or https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    #[command(flatten)]
    pub post: PostArgs,
    /// Always exit with status 0 once the review is posted.
    #[arg(long)]
    pub exit_zero: bool,
}

/// How a review is posted; shared by `argus pr` and `argus serve`.
#[derive(Args, Debug)]
pub struct PostArgs {
    /// Which findings to report: on added lines, inside the diff's hunks, anywhere in a
    /// changed file, or all.
    #[arg(long, value_enum, default_value_t = FilterArg::Added)]
    pub filter: FilterArg,
    /// The most inline comments per review; the rest are listed in the summary.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub max_comments: usize,
    /// Request changes instead of commenting when a finding is at least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub request_changes_on: Option<SeverityArg>,
    /// Fail the commit status (and `argus pr`'s exit status) when a reported finding is at
    /// least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Warning)]
    pub fail_on: SeverityArg,
    /// Review, but post nothing: print (or log) the review as JSON.
    #[arg(long)]
    pub dry_run: bool,
    /// A base URL of the rule reference, linked from comments as URL#rule-id.
    #[arg(long, value_name = "URL")]
    pub docs_url: Option<String>,
}

impl PostArgs {
    pub fn options(&self) -> PrOptions {
        PrOptions {
            filter: self.filter.into(),
            max_comments: self.max_comments,
            request_changes_on: self.request_changes_on.map(Severity::from),
            fail_on: Severity::from(self.fail_on),
            dry_run: self.dry_run,
            docs_url: self.docs_url.clone(),
            ..PrOptions::default()
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterArg {
    Added,
    #[value(name = "diff_context")]
    DiffContext,
    File,
    Nofilter,
}

impl From<FilterArg> for Filter {
    fn from(value: FilterArg) -> Filter {
        match value {
            FilterArg::Added => Filter::Added,
            FilterArg::DiffContext => Filter::DiffContext,
            FilterArg::File => Filter::File,
            FilterArg::Nofilter => Filter::NoFilter,
        }
    }
}

#[derive(Args, Debug)]
pub struct FlamegraphArgs {
    /// The profile: .folded, .pb.gz, .json (speedscope) or .jfr.
    pub input: std::path::PathBuf,
    /// The SVG to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// Which time to draw [default: what the profile was recorded for].
    #[arg(long, value_enum)]
    pub weight: Option<ModeArg>,
    /// Draw it upside down (an icicle graph).
    #[arg(long)]
    pub icicle: bool,
    /// The title at the top.
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The profile before the change.
    pub before: std::path::PathBuf,
    /// The profile after the change.
    pub after: std::path::PathBuf,
    /// The SVG to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// Which time to compare [default: what AFTER was recorded for].
    #[arg(long, value_enum)]
    pub weight: Option<ModeArg>,
    /// Scale BEFORE to AFTER's total first, so a longer recording does not read as a regression.
    #[arg(long)]
    pub normalize: bool,
    /// The title at the top.
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The profile (.pb.gz, .folded, .json, .jfr), or a folder of them to merge.
    pub input: std::path::PathBuf,
    /// `text` for people, `json` for CI and scripts.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Which time ranks the hot functions [default: what the profile was recorded for].
    #[arg(long, value_enum)]
    pub weight: Option<ModeArg>,
    /// Of a profile directory, only the intervals of this last span, e.g. 1h, 30m,
    /// measured back from the end of the newest interval.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Compare two spans of a profile directory and name the functions whose share of the
    /// time grew most from the earlier to the later, e.g. --compare 'last 1h' 'previous 1h'.
    #[arg(long, num_args = 2, value_names = ["WINDOW", "WINDOW"], conflicts_with = "since")]
    pub compare: Option<Vec<String>>,
    /// How many functions --compare lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

#[derive(Args, Debug)]
pub struct RecommendationsArgs {
    #[command(subcommand)]
    pub command: Option<RecommendationsCommand>,

    /// Output format for the list.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Subcommand, Debug)]
pub enum RecommendationsCommand {
    /// Print a recommendation's documentation: what it finds, why it costs, how to fix it.
    Explain {
        /// The recommendation id, e.g. py-regex-compile-hot.
        id: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeArg {
    Cpu,
    Wall,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeArg {
    Auto,
    Python,
    Java,
    Native,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileFormat {
    Svg,
    Folded,
    Pprof,
    Speedscope,
}

/// Like [`parse_duration`], but lets zero through so that the command can say why it
/// is refused for the setting at hand.
fn parse_duration_or_zero(text: &str) -> Result<std::time::Duration, String> {
    if matches!(text.trim().parse::<f64>(), Ok(n) if n == 0.0) {
        return Ok(std::time::Duration::ZERO);
    }
    humantime::parse_duration(text)
        .or_else(|_| parse_duration(text))
        .map_err(|_| format!("`{text}` is not a duration like 60s, 10m or 24h"))
}

/// `30s`, `2m`, `500ms`, `1h`, or a plain number of seconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() && seconds > 0.0 {
            return Ok(std::time::Duration::from_secs_f64(seconds));
        }
        return Err(format!("`{text}` is not a positive duration"));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 30s, 2m or 500ms: {e}"))
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,

    /// Output format for the list.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Print a rule's documentation: what it finds, why it matters, and an example.
    Explain {
        /// The rule id, e.g. py-sql-injection.
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Parse and walk every file without running rules: the benchmark's floor.
    ParseWalk(ParseWalkArgs),
}

#[derive(Args, Debug)]
pub struct ParseWalkArgs {
    pub paths: Vec<PathBuf>,
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style findings with source snippets, for people.
    Text,
    /// A stable JSON document, for tools (see docs/json-format.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityArg {
    Info,
    Warning,
    Error,
}

impl From<SeverityArg> for Severity {
    fn from(value: SeverityArg) -> Severity {
        match value {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}
