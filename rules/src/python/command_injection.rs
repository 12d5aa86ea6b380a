//! `py-command-injection`: request data reaching the sink is found by the taint analysis; values
//! it leaves open (parameters of functions not called in the file, opaque values) by the
//! older non-constant check.

use tree_sitter::Node;

use crate::python::{call, flows, quote};
use crate::taint::SinkKind;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for shell commands built from values that are not constants of the file:
    /// - `subprocess.run`, `call`, `check_call`, `check_output` and `Popen` with
    ///   `shell=True`;
    /// - `os.system`, `os.popen`, `subprocess.getoutput`, `subprocess.getstatusoutput`,
    ///   `commands.getoutput` and `asyncio.create_subprocess_shell`, which always use a
    ///   shell;
    /// - a shell started directly with a script built at run time: `subprocess.run(["sh",
    ///   "-c", script])`, `os.spawnlp(..., "bash", "bash", "-c", script)`, `os.execv`,
    ///   `asyncio.create_subprocess_exec`.
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
    "create_subprocess_exec",
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
        // Request data reaching the sink is reported with its path; a sink only constants
        // reach is not reported. The non-constant check below covers what the taint
        // analysis leaves to the caller: parameters and values it cannot see into.
        if flows::check(node, cx, SinkKind::Command) != flows::Outcome::Unknown {
            return;
        }
        if !call::callee_name(node, cx.source()).is_some_and(|n| CALLEE_NAMES.contains(&n)) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let dynamic = |n: Node<'t>| cx.python().is_dynamic_except(n, SANITIZERS);
        let shell_keyword = call::keyword(node, "shell", cx.source());
        if SHELL_OPTIONAL.contains(&name.as_str()) && shell_keyword.is_some_and(|v| is_true(v, cx))
        {
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
            return;
        }
        if SHELL_ALWAYS.contains(&name.as_str()) {
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
            return;
        }
        // Programs started directly: only a shell given `-c` and a script is a concern.
        let program_and_arguments = if SHELL_OPTIONAL.contains(&name.as_str()) {
            call::argument(node, 0, "args", cx.source())
                .map(ast::unparenthesize)
                .filter(|a| matches!(a.kind(), "list" | "tuple"))
                .map(elements)
                .unwrap_or_default()
        } else if name == "asyncio.create_subprocess_exec" {
            positionals(node, 0)
        } else if let Some(function) = name.strip_prefix("os.")
            && (function.starts_with("spawn") || function.starts_with("exec"))
        {
            // `os.spawn*(mode, file, ...)`, `os.exec*(file, ...)`; argv lists flattened.
            positionals(node, usize::from(function.starts_with("spawn")))
                .into_iter()
                .flat_map(|a| match ast::unparenthesize(a).kind() {
                    "list" | "tuple" => elements(ast::unparenthesize(a)),
                    _ => vec![a],
                })
                .collect()
        } else {
            return;
        };
        if let Some(script) = shell_script(&program_and_arguments, cx)
            && dynamic(script)
        {
            cx.report(
                node,
                format!(
                    "`{name}` starts a shell with the script `{}`, which is not a constant",
                    quote::short(cx.text(script))
                ),
            )
            .help("Run the program itself with a list of arguments instead of `sh -c`; quote variable parts with `shlex.quote` if a shell is required");
        }
    }
}

/// The script of `sh -c SCRIPT` (or `cmd /c`, `powershell -Command`), when `arguments`
/// start a shell.
fn shell_script<'t>(arguments: &[Node<'t>], cx: &Checker<'t>) -> Option<Node<'t>> {
    let (program, rest) = arguments.split_first()?;
    let program = cx.python().constant_str(*program)?;
    let base = program.rsplit(['/', '\\']).next().unwrap_or(&program);
    if !SHELLS.contains(&base.to_ascii_lowercase().as_str()) {
        return None;
    }
    let flag = rest.iter().position(|a| {
        cx.python()
            .constant_str(*a)
            .is_some_and(|f| matches!(f.to_ascii_lowercase().as_str(), "-c" | "/c" | "-command"))
    })?;
    rest.get(flag + 1).copied()
}

/// The positional arguments of a call from `start` on, `*args` included.
fn positionals(call: Node<'_>, start: usize) -> Vec<Node<'_>> {
    call::arguments(call)
        .into_iter()
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
        .skip(start)
        .collect()
}

/// The elements of a list or tuple display.
fn elements(sequence: Node<'_>) -> Vec<Node<'_>> {
    ast::named_children(sequence)
        .into_iter()
        .filter(|e| e.kind() != "comment")
        .collect()
}

/// `shell=True`, `shell=1`: a constant that turns the shell on.
fn is_true(value: Node<'_>, cx: &Checker<'_>) -> bool {
    match value.kind() {
        "true" => true,
        "integer" => cx.text(value) != "0",
        _ => false,
    }
}
