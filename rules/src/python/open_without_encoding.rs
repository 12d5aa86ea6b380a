use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `open(...)` (and `io.open`) in text mode, the default or a constant
    /// mode without `b`, that passes no `encoding`.
    ///
    /// ## Why is this bad?
    /// Without `encoding`, text files are decoded and encoded with the locale's preferred
    /// encoding: UTF-8 on most Linux machines, but cp1252 on many Windows installs and
    /// ASCII in minimal containers where `LANG` is unset. The same code then reads a file
    /// differently, or fails with `UnicodeDecodeError` or `UnicodeEncodeError`, depending
    /// on where it runs. PEP 597 added `EncodingWarning` for exactly this.
    ///
    /// ## Example
    /// ```python
    /// def load_names(path):
    ///     with open(path) as f:
    ///         return f.read().splitlines()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def load_names(path):
    ///     with open(path, encoding="utf-8") as f:
    ///         return f.read().splitlines()
    /// ```
    pub OpenWithoutEncoding {
        id: "py-open-without-encoding",
        title: "Text file opened without an explicit encoding",
        language: Python,
        category: Correctness,
        severity: Info,
        cwe: [],
        precision: Low,
        kinds: ["call"],
        fix: "Pass `encoding=\"utf-8\"` (or the file's actual encoding)",
    }
}

impl Rule for OpenWithoutEncoding {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("open") {
            return;
        }
        if !matches!(
            cx.python().resolve_call(node).as_deref(),
            Some("builtins.open" | "io.open")
        ) {
            return;
        }
        if call::has_keyword_splat(node)
            || call::arguments(node)
                .iter()
                .any(|a| a.kind() == "list_splat")
            || call::argument(node, 0, "file", cx.source()).is_none()
            || call::argument(node, 3, "encoding", cx.source()).is_some()
        {
            return;
        }
        let mode = match call::argument(node, 1, "mode", cx.source()) {
            None => "r".to_string(),
            Some(mode) => match cx.python().constant_str(mode) {
                Some(mode) => mode,
                None => return,
            },
        };
        if mode.contains('b') {
            return;
        }
        cx.report(
            node,
            "this file is opened in text mode without `encoding`, so it is read or written in the locale's encoding, which differs between machines",
        )
        .help("Pass `encoding=\"utf-8\"` (or the file's actual encoding)");
    }
}
