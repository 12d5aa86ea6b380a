use tree_sitter::Node;

use crate::python::{call, quote};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for shell commands built from values that are not constants of the file:
    /// - `subprocess.run`, `call`, `check_call`, `check_output` and `Popen` with
    ///   `shell=True`;
    /// - `os.system`, `os.popen`, `subprocess.getoutput`, `subprocess.getstatusoutput`,
    ///   `commands.getoutput` and `asyncio.create_subprocess_shell`, which always use a
    ///   shell;
    /// - `os.spawn*` and `os.exec*` starting `sh`, `bash` or another shell.
    ///
    /// Commands that are constants, or whose variable parts go through `shlex.quote`, are
    /// fine.
    ///
    /// ## Why is this bad?
    /// The shell interprets the whole string: `;`, `&&`, `|`, `$(...)` and backquotes start
    /// new commands. A file name such as `x; rm -rf ~` or a branch name with `$(curl ...)`
    /// in it turns into a command run with the program's rights.
    ///
    /// ## Example
    /// ```python
    /// import subprocess
    ///
    /// def thumbnail(path):
    ///     subprocess.run(f"convert {path} -resize 200x200 thumb.png", shell=True, check=True)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import subprocess
    ///
    /// def thumbnail(path):
    ///     # No shell: each list element is passed to the program as one argument.
    ///     subprocess.run(["convert", path, "-resize", "200x200", "thumb.png"], check=True)
    /// ```
    ///
    /// If a shell is truly needed, quote every variable part with `shlex.quote`.
    pub CommandInjection {
        id: "py-command-injection",
        title: "Shell command built from non-constant values",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [78],
        precision: High,
        kinds: ["call"],
        fix: "Pass the command as a list without `shell=True`, or quote variable parts with `shlex.quote`",
    }
}

const CALLEE_NAMES: &[&str] = &[
    "run",
    "call",
    "check_call",
    "check_output",
    "Popen",
    "system",
    "popen",
    "popen2",
    "popen3",
    "popen4",
    "getoutput",
    "getstatusoutput",
    "create_subprocess_shell",
    "spawnl",
    "spawnle",
    "spawnlp",
    "spawnlpe",
    "spawnv",
    "spawnve",
    "spawnvp",
    "spawnvpe",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execv",
    "execve",
    "execvp",
    "execvpe",
];

/// Functions that run a command through the shell only when given `shell=True`.
const SHELL_OPTIONAL: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

/// Functions that always run their command through the shell.
const SHELL_ALWAYS: &[&str] = &[
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "popen2.popen2",
    "popen2.popen3",
    "popen2.popen4",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
    "asyncio.create_subprocess_shell",
];

/// Calls whose result is safe to place in a shell command.
const SANITIZERS: &[&str] = &["shlex.quote", "shlex.join", "pipes.quote"];

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "csh",
    "tcsh",
    "fish",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
];

impl Rule for CommandInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::callee_name(node, cx.source()).is_some_and(|n| CALLEE_NAMES.contains(&n)) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let dynamic = |n: Node<'t>| cx.python().is_dynamic_except(n, SANITIZERS);
        if SHELL_OPTIONAL.contains(&name.as_str()) {
            if !call::keyword(node, "shell", cx.source()).is_some_and(|v| is_true(v, cx)) {
                return;
            }
            let Some(command) = call::argument(node, 0, "args", cx.source()) else {
                return;
            };
            if dynamic(command) {
                cx.report(
                    node,
                    format!(
                        "`{name}` runs `{}` through the shell (`shell=True`), and it is not a constant",
                        quote::short(cx.text(command))
                    ),
                )
                .help("Pass a list of arguments and drop `shell=True`: `subprocess.run([\"prog\", arg])`; if a shell is required, quote each variable part with `shlex.quote`");
            }
        } else if SHELL_ALWAYS.contains(&name.as_str()) {
            let Some(command) = call::positional(node, 0)
                .or_else(|| call::keyword(node, "cmd", cx.source()))
                .or_else(|| call::keyword(node, "command", cx.source()))
            else {
                return;
            };
            if dynamic(command) {
                cx.report(
                    node,
                    format!(
                        "`{name}` runs `{}` through the shell, and it is not a constant",
                        quote::short(cx.text(command))
                    ),
                )
                .help("Use `subprocess.run([\"prog\", arg])` without a shell; if a shell is required, quote each variable part with `shlex.quote`");
            }
        } else if let Some(function) = name.strip_prefix("os.")
            && (function.starts_with("spawn") || function.starts_with("exec"))
        {
            let program_index = usize::from(function.starts_with("spawn"));
            let Some(program) = call::positional(node, program_index) else {
                return;
            };
            let is_shell = cx.python().constant_str(program).is_some_and(|p| {
                let base = p.rsplit(['/', '\\']).next().unwrap_or(&p);
                SHELLS.contains(&base.to_ascii_lowercase().as_str())
            });
            if !is_shell {
                return;
            }
            let arguments: Vec<_> = call::arguments(node)
                .into_iter()
                .filter(|a| a.kind() != "keyword_argument")
                .skip(program_index + 1)
                .collect();
            if let Some(argument) = arguments.into_iter().find(|a| dynamic(*a)) {
                cx.report(
                    node,
                    format!(
                        "`{name}` starts a shell with `{}`, which is not a constant",
                        quote::short(cx.text(argument))
                    ),
                )
                .help("Start the program itself with a list of arguments instead of going through a shell");
            }
        }
    }
}

/// `shell=True`, `shell=1`: a constant that turns the shell on.
fn is_true(value: Node<'_>, cx: &Checker<'_>) -> bool {
    match value.kind() {
        "true" => true,
        "integer" => cx.text(value) != "0",
        _ => false,
    }
}
