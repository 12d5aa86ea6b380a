use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for permissions that let every user of the machine write a file:
    /// - `os.chmod`, `os.lchmod`, `os.fchmod` and `chmod` methods (`Path.chmod`,
    ///   SFTP clients) with a mode that has the world-writable bit (`0o002`, as in
    ///   `0o777` or `0o666`, or `stat.S_IWOTH` / `stat.S_IRWXO`);
    /// - `os.umask(...)` with a mask that leaves that bit on for new files
    ///   (`os.umask(0)`), unless its result is kept, as when reading the umask
    ///   (`old = os.umask(0); os.umask(old)`).
    ///
    /// Modes passed to `os.open`, `os.mkdir` and `os.makedirs` are not reported: the
    /// umask applies to them, and `0o777` is their default.
    ///
    /// ## Why is this bad?
    /// Any local user or compromised service on the machine can change a world-writable
    /// file: plant code in a script or a module that is later run, edit a configuration,
    /// or replace data another process trusts. CodeGuru and most hardening guides treat
    /// it as privilege escalation waiting to happen.
    ///
    /// ## Example
    /// ```python
    /// import os
    ///
    /// def install(script_path):
    ///     os.chmod(script_path, 0o777)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import os
    ///
    /// def install(script_path):
    ///     os.chmod(script_path, 0o755)
    /// ```
    pub LooseFilePermissions {
        id: "py-loose-file-permissions",
        title: "World-writable file permissions",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [732, 276],
        precision: High,
        kinds: ["call"],
        fix: "Drop the world-writable bit: `0o755` for programs and directories, `0o644` or `0o600` for files",
    }
}

/// The "others may write" bit of a Unix mode.
const WORLD_WRITABLE: i64 = 0o002;

/// `stat` constants, by name, for modes written with them.
const STAT_BITS: &[(&str, i64)] = &[
    ("S_ISUID", 0o4000),
    ("S_ISGID", 0o2000),
    ("S_ISVTX", 0o1000),
    ("S_IRWXU", 0o700),
    ("S_IRUSR", 0o400),
    ("S_IWUSR", 0o200),
    ("S_IXUSR", 0o100),
    ("S_IRWXG", 0o070),
    ("S_IRGRP", 0o040),
    ("S_IWGRP", 0o020),
    ("S_IXGRP", 0o010),
    ("S_IRWXO", 0o007),
    ("S_IROTH", 0o004),
    ("S_IWOTH", 0o002),
    ("S_IXOTH", 0o001),
];

impl Rule for LooseFilePermissions {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) == Some("umask") {
            check_umask(node, cx);
        } else if call::may_call(node, cx.source(), &["chmod", "lchmod", "fchmod"]) {
            check_chmod(node, cx);
        }
    }
}

fn check_chmod<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let name = cx.python().resolve_call(node);
    let mode = match name.as_deref() {
        Some("os.chmod" | "os.lchmod" | "os.fchmod") => call::argument(node, 1, "mode", cx.source()),
        // Another module's function of that name: its signature is unknown.
        Some(_) => return,
        // A function of this file, or not a chmod at all: its signature is unknown.
        None if call::receiver(node).is_none()
            || call::callee_name(node, cx.source()) != Some("chmod") =>
        {
            return;
        }
        // A method: `path.chmod(mode)` or `sftp.chmod(path, mode)`.
        None => {
            let positional = call::arguments(node)
                .into_iter()
                .filter(|a| a.kind() != "keyword_argument")
                .count();
            call::keyword(node, "mode", cx.source())
                .or_else(|| call::positional(node, positional.checked_sub(1)?))
        }
    };
    let Some(mode) = mode else {
        return;
    };
    if set_bits(mode, cx) & WORLD_WRITABLE != 0 {
        cx.report(
            mode,
            format!("mode `{}` lets every user on the machine write to the file", cx.text(mode)),
        )
        .help("Drop the world-writable bit: `0o755` for programs and directories, `0o644` or `0o600` for files");
    }
}

fn check_umask<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if cx.python().resolve_call(node).as_deref() != Some("os.umask") {
        return;
    }
    // `old = os.umask(0)` reads the umask, to restore or inspect it.
    if cx
        .ancestors()
        .next()
        .is_none_or(|parent| parent.kind() != "expression_statement")
    {
        return;
    }
    let Some(mask) = call::argument(node, 0, "mask", cx.source()) else {
        return;
    };
    if let Some(value) = cx.python().constant_int(mask)
        && value & WORLD_WRITABLE == 0
    {
        cx.report(
            node,
            format!("`os.umask({})` makes the files this process creates world-writable", cx.text(mask)),
        )
        .help("Use `os.umask(0o022)` or `os.umask(0o077)`");
    }
}

/// The bits a mode expression is sure to set: the whole value of a constant, and the
/// union of what each side sets for `|` (so `stat.S_IWOTH | flags` counts).
fn set_bits(mode: Node<'_>, cx: &Checker<'_>) -> i64 {
    let mut bits = 0;
    let mut work = vec![(mode, 0)];
    while let Some((node, depth)) = work.pop() {
        let node = ast::unparenthesize(node);
        if depth > 16 {
            continue;
        }
        if let Some(value) = cx.python().constant_int(node) {
            bits |= value;
            continue;
        }
        match node.kind() {
            "binary_operator"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|o| o.kind() == "|") =>
            {
                work.extend(
                    [node.child_by_field_name("left"), node.child_by_field_name("right")]
                        .into_iter()
                        .flatten()
                        .map(|n| (n, depth + 1)),
                );
            }
            "attribute" | "identifier" => {
                if let Some(name) = cx.python().resolve(node)
                    && let Some(constant) = name.strip_prefix("stat.")
                    && let Some((_, value)) = STAT_BITS.iter().find(|(n, _)| *n == constant)
                {
                    bits |= value;
                }
            }
            _ => {}
        }
    }
    bits
}
