use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for tar archives extracted without a safety filter:
    /// - `extractall()` and `extract()` on a `tarfile.open(...)` / `tarfile.TarFile`
    ///   object without `filter="data"` (or `"tar"`, or a filter function), and, for
    ///   `extractall`, without a vetted `members=` list;
    /// - `shutil.unpack_archive(...)` without `filter=`, unless the archive is a zip.
    ///
    /// Files that set `extraction_filter` themselves are not reported. `zipfile` is not
    /// reported: it strips absolute paths and `..` from member names.
    ///
    /// ## Why is this bad?
    /// A tar member can be named `../../home/app/.ssh/authorized_keys` or `/etc/cron.d/x`,
    /// or be a symlink pointing anywhere followed by a file written through it. Before
    /// Python 3.14, `tarfile` writes them where they say: extracting an uploaded or
    /// downloaded archive lets its author overwrite any file the process can write
    /// (CVE-2007-4559). Device files and set-uid bits come along too. The `data` filter
    /// (Python 3.12, backported to 3.8+ security releases) refuses all of these.
    ///
    /// ## Example
    /// ```python
    /// import tarfile
    ///
    /// def install(bundle, target):
    ///     with tarfile.open(bundle) as tar:
    ///         tar.extractall(target)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import tarfile
    ///
    /// def install(bundle, target):
    ///     with tarfile.open(bundle) as tar:
    ///         tar.extractall(target, filter="data")
    /// ```
    pub UnsafeArchiveExtraction {
        id: "py-unsafe-archive-extraction",
        title: "Tar archive extracted without a filter",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [22, 59],
        precision: High,
        kinds: ["call"],
        fix: "Pass `filter=\"data\"` to `extractall`/`extract`/`unpack_archive`",
    }
}

const TAR_CONSTRUCTORS: &[&str] = &[
    "tarfile.open",
    "tarfile.TarFile",
    "tarfile.TarFile.open",
    "tarfile.TarFile.gzopen",
    "tarfile.TarFile.bz2open",
    "tarfile.TarFile.xzopen",
    "tarfile.TarFile.taropen",
];

impl Rule for UnsafeArchiveExtraction {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(method) = call::callee_name(node, cx.source()) else {
            return;
        };
        if !matches!(method, "extractall" | "extract" | "unpack_archive") {
            return;
        }
        if call::keyword(node, "filter", cx.source()).is_some()
            || call::has_keyword_splat(node)
            // The file installs a default filter for every extraction.
            || cx.source().contains("extraction_filter")
        {
            return;
        }
        if method == "unpack_archive" {
            check_unpack_archive(node, cx);
            return;
        }
        if method == "extractall"
            && call::argument(node, 1, "members", cx.source())
                .is_some_and(|m| ast::unparenthesize(m).kind() != "none")
        {
            return;
        }
        let Some(receiver) = call::receiver(node).map(ast::unparenthesize) else {
            return;
        };
        let constructors = match receiver.kind() {
            "call" => cx.python().resolve_call(receiver).into_iter().collect(),
            _ => cx.python().bound_calls(receiver),
        };
        if !constructors
            .iter()
            .any(|c| TAR_CONSTRUCTORS.contains(&c.as_str()))
        {
            return;
        }
        cx.report(
            node,
            format!("`{method}()` without `filter=` writes tar members wherever their names and links point, outside the target directory included"),
        )
        .help(format!("Pass `filter=\"data\"`: `{method}(..., filter=\"data\")`"));
    }
}

fn check_unpack_archive<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if cx.python().resolve_call(node).as_deref() != Some("shutil.unpack_archive") {
        return;
    }
    let is_zip = |n: Option<Node<'_>>| {
        n.and_then(|n| cx.python().constant_str(n))
            .is_some_and(|s| s.to_ascii_lowercase().ends_with("zip"))
    };
    if is_zip(call::argument(node, 2, "format", cx.source()))
        || is_zip(call::argument(node, 0, "filename", cx.source()))
    {
        return;
    }
    cx.report(
        node,
        "`shutil.unpack_archive` without `filter=` extracts tar members wherever their names and links point",
    )
    .help("Pass `filter=\"data\"` (Python 3.12+ and security releases of 3.8+)");
}
