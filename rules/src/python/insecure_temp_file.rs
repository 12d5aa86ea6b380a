use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `tempfile.mktemp`, `os.tempnam` and `os.tmpnam`, which return the name
    /// of a temporary file without creating the file.
    ///
    /// ## Why is this bad?
    /// Between the moment the name is chosen and the moment the program opens it, another
    /// process can create a file or a symbolic link with that name. The program then
    /// writes into a file the attacker controls, or overwrites whatever the link points
    /// to. `tempfile.mkstemp` and `tempfile.NamedTemporaryFile` create the file
    /// atomically, readable only by the current user, and hand back the open file.
    ///
    /// ## Example
    /// ```python
    /// import tempfile
    ///
    /// def export(rows):
    ///     path = tempfile.mktemp(suffix=".csv")
    ///     with open(path, "w") as out:
    ///         out.writelines(rows)
    ///     return path
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import tempfile
    ///
    /// def export(rows):
    ///     with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as out:
    ///         out.writelines(rows)
    ///     return out.name
    /// ```
    pub InsecureTempFile {
        id: "py-insecure-temp-file",
        title: "Temporary file name created without the file",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [377],
        precision: VeryHigh,
        kinds: ["call"],
        fix: "Use `tempfile.mkstemp()` or `tempfile.NamedTemporaryFile()`, which create the file atomically",
    }
}

impl Rule for InsecureTempFile {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !matches!(
            call::callee_name(node, cx.source()),
            Some("mktemp" | "tempnam" | "tmpnam")
        ) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        if !matches!(
            name.as_str(),
            "tempfile.mktemp" | "os.tempnam" | "os.tmpnam"
        ) {
            return;
        }
        cx.report(
            node,
            format!("`{name}` returns a file name another process can create first"),
        )
        .help("Use `tempfile.mkstemp()` or `tempfile.NamedTemporaryFile()`, which create the file atomically");
    }
}
