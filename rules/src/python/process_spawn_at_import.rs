use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for worker processes started by module-level code that is not guarded by
    /// `if __name__ == "__main__":`: `multiprocessing.Process(...)`,
    /// `multiprocessing.Pool(...)` and `concurrent.futures.ProcessPoolExecutor(...)`
    /// at the top of a module. A pool counts as soon as it is built; a `Process` or an
    /// executor when module-level code enters it with `with`, or calls its `start`,
    /// `submit` or `map`.
    ///
    /// ## Why is this bad?
    /// With the `spawn` and `forkserver` start methods (the default on Windows and
    /// macOS, and from Python 3.14 on Linux too) each child imports the main module
    /// again. Unguarded, the import starts new children in turn: Python stops this with
    /// a `RuntimeError` about bootstrapping, or, with a pool, the program hangs or
    /// forks until it runs out of processes. The same code works under `fork`, so the
    /// bug shows up only on another platform or Python version.
    ///
    /// ## Example
    /// ```python
    /// from multiprocessing import Pool
    ///
    /// def square(x):
    ///     return x * x
    ///
    /// with Pool(4) as pool:
    ///     print(pool.map(square, range(10)))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from multiprocessing import Pool
    ///
    /// def square(x):
    ///     return x * x
    ///
    /// if __name__ == "__main__":
    ///     with Pool(4) as pool:
    ///         print(pool.map(square, range(10)))
    /// ```
    pub ProcessSpawnAtImport {
        id: "py-process-spawn-at-import",
        title: "Processes started at import time without a `__main__` guard",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["call"],
        fix: "Move the code that starts processes under `if __name__ == \"__main__\":`",
    }
}

/// Methods that start a process or hand work to an executor.
const STARTERS: &[&str] = &["start", "submit", "map"];

/// Constructors that start, or prepare to start, child processes.
const SPAWNERS: &[&str] = &[
    "multiprocessing.Process",
    "multiprocessing.Pool",
    "multiprocessing.pool.Pool",
    "multiprocessing.context.Process",
    "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor",
];

/// Node kinds whose body runs later than the module's own code, or not at all on import.
const DEFERRED: &[&str] = &[
    "function_definition",
    "lambda",
    "class_definition",
    "if_statement",
    "try_statement",
];

impl Rule for ProcessSpawnAtImport {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::may_call(
            node,
            cx.source(),
            &["Process", "Pool", "ProcessPoolExecutor"],
        ) {
            return;
        }
        // Only code that runs unconditionally on import: anything under a definition,
        // an `if` (the `__main__` guard or another condition) or a `try` is left alone.
        if cx.ancestors().any(|a| DEFERRED.contains(&a.kind())) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        if !SPAWNERS.contains(&name.as_str()) {
            return;
        }
        let class = name.rsplit('.').next().unwrap_or(&name);
        // A pool starts its workers when built; a `Process` or an executor only when
        // started or given work.
        if class != "Pool" && !used_at_import(node, cx) {
            return;
        }
        cx.report(
            node,
            format!("`{class}` runs on import: under the `spawn` start method each child re-imports this module and starts children of its own"),
        )
        .help("Put this code under `if __name__ == \"__main__\":`");
    }
}

/// Whether the object built by `node` is started or given work by module-level code:
/// entered by `with`, called on directly, or bound to a name whose `start`, `submit` or
/// `map` is called at module level.
fn used_at_import(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    match parent.kind() {
        "with_item" | "as_pattern" | "attribute" => return true,
        "assignment" => {}
        _ => return false,
    }
    let Some(target) = parent
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")
    else {
        return false;
    };
    let target = cx.text(target);
    ast::named_children(cx.root())
        .into_iter()
        .filter(|statement| !DEFERRED.contains(&statement.kind()))
        .flat_map(ast::descendants)
        .any(|n| {
            n.kind() == "call"
                && call::receiver(n).is_some_and(|r| cx.text(r) == target)
                && call::callee_name(n, cx.source()).is_some_and(|m| STARTERS.contains(&m))
                && !ast::ancestors(n).any(|a| DEFERRED.contains(&a.kind()))
        })
}
