use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `re.compile(...)` (and the `regex` package's) with a constant pattern
    /// and constant flags inside the body of a `for` or `while` loop.
    ///
    /// ## Why is this bad?
    /// The pattern is the same on every iteration, yet each `re.compile` call hashes the
    /// pattern and looks it up in `re`'s internal cache, and compiles it again whenever
    /// the cache has dropped it. That cache is small (512 patterns in CPython 3.7+, and
    /// older versions clear it entirely when full), so a loop that also uses other
    /// patterns, or runs in a program that does, may recompile every time. Compiling once,
    /// outside the loop or at module level, costs nothing and states the intent.
    ///
    /// ## Example
    /// ```python
    /// import re
    ///
    /// def emails(lines):
    ///     found = []
    ///     for line in lines:
    ///         pattern = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    ///         found.extend(pattern.findall(line))
    ///     return found
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import re
    ///
    /// EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    ///
    /// def emails(lines):
    ///     found = []
    ///     for line in lines:
    ///         found.extend(EMAIL.findall(line))
    ///     return found
    /// ```
    pub RegexCompiledInLoop {
        id: "py-regex-compiled-in-loop",
        title: "Constant regular expression compiled in a loop",
        language: Python,
        category: Performance,
        severity: Info,
        cwe: [],
        precision: High,
        kinds: ["call"],
        fix: "Compile the pattern once, outside the loop or at module level",
    }
}

impl Rule for RegexCompiledInLoop {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("compile") {
            return;
        }
        if !matches!(
            cx.python().resolve_call(node).as_deref(),
            Some("re.compile" | "regex.compile")
        ) {
            return;
        }
        let Some(pattern) = call::argument(node, 0, "pattern", cx.source()) else {
            return;
        };
        if cx.python().constant_str(pattern).is_none() {
            return;
        }
        let flags_fixed = call::argument(node, 1, "flags", cx.source())
            .is_none_or(|flags| !cx.python().is_dynamic(flags));
        if !flags_fixed || call::has_keyword_splat(node) {
            return;
        }
        if place::enclosing_loop(cx, node).is_none() {
            return;
        }
        cx.report(
            node,
            "this constant pattern is compiled again on every iteration of the loop",
        )
        .help("Compile it once, outside the loop or as a module-level constant");
    }
}
