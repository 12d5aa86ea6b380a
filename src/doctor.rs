//! `argus profile doctor`: what can be profiled here, and for what reason not, before
//! anyone waits for a recording that cannot work.

use std::process::ExitCode;

use argus_profiler::access::{self, Environment, Need};
use argus_profiler::model::Runtime;
use argus_profiler::sampler;

struct Report {
    problems: usize,
}

impl Report {
    fn ok(&mut self, what: &str) {
        println!("  ok    {what}");
    }

    fn warn(&mut self, what: &str) {
        println!("  warn  {what}");
    }

    fn fail(&mut self, what: &str) {
        self.problems += 1;
        println!("  FAIL  {what}");
    }
}

pub fn run(pid: Option<u32>) -> anyhow::Result<ExitCode> {
    let env = Environment::current();
    let mut report = Report { problems: 0 };
    println!("This machine:");
    match env.uid {
        Some(0) => report.ok("running as root"),
        Some(uid) => report.warn(&format!(
            "running as user {uid}: only that user's processes can be read without sudo"
        )),
        None => report.warn("cannot tell which user argus runs as"),
    }
    let scope = match env.ptrace_scope {
        Some(0) => "0 (any process of the same user)".to_string(),
        Some(1) => "1 (only children, unless CAP_SYS_PTRACE)".to_string(),
        Some(n) => format!("{n} (restricted)"),
        None => "not set (Yama is off)".to_string(),
    };
    println!("  info  kernel.yama.ptrace_scope = {scope}");
    println!(
        "  info  kernel.perf_event_paranoid = {}",
        env.perf_event_paranoid
            .map_or("unknown".to_string(), |v| v.to_string())
    );
    if env.in_container {
        println!(
            "  info  running in a container (seccomp mode {})",
            env.seccomp.unwrap_or(0)
        );
    }
    let me = std::process::id();
    match env.blocker(me, Need::Ptrace) {
        None => report.ok("Python and native wall-clock sampling can read processes started with `argus profile -- COMMAND`"),
        Some(reason) => report.fail(&format!("reading processes is blocked: {reason}")),
    }
    match tool_on_path("jcmd") {
        Some(path) => report.ok(&format!("jcmd found at {path}: Java processes can be attached")),
        None => report.warn("jcmd is not on PATH: Java processes are attached with the jcmd of their own JDK, if it has one"),
    }

    if let Some(pid) = pid {
        println!("\nProcess {pid}:");
        if !access::process_exists(pid) {
            report.fail(&format!(
                "no process with PID {pid}; check it with `ps -p {pid}`"
            ));
        } else {
            let command = access::process_command(pid).unwrap_or_else(|| "?".to_string());
            report.ok(&format!("exists: {command}"));
            let runtime = sampler::detect_runtime(pid).unwrap_or(Runtime::Native);
            println!("  info  runtime: {}", runtime.name());
            let need = match runtime {
                Runtime::Native => [Need::PerfEvents, Need::Ptrace].as_slice(),
                _ => [Need::Ptrace].as_slice(),
            };
            for need in need {
                let what = match need {
                    Need::Ptrace => "reading its memory (stacks)",
                    Need::PerfEvents => "perf events (native CPU sampling)",
                };
                match env.blocker(pid, *need) {
                    None => report.ok(&format!("{what} is allowed")),
                    Some(reason) => report.fail(&format!("{what} is blocked: {reason}")),
                }
            }
            let options = sampler::SamplerOptions::default();
            match sampler::attach(runtime, pid, &options) {
                Ok(attached) => {
                    report.ok(&format!(
                        "a {} sampler attached; `argus profile --pid {pid}` will work",
                        runtime.name()
                    ));
                    for warning in attached.warnings() {
                        report.warn(&warning);
                    }
                }
                Err(error) => report.fail(&format!("attaching failed: {error}")),
            }
        }
    }
    println!();
    if report.problems == 0 {
        println!("Everything checked works.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{} problem(s) found; each line above says how to fix it.",
            report.problems
        );
        Ok(ExitCode::from(1))
    }
}

fn tool_on_path(name: &str) -> Option<String> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .map(|p| p.display().to_string())
}
