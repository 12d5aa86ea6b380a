//! Modules imported while the program serves, not at start-up.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time in Python's import machinery (`_find_and_load` and the rest of
    /// `<frozen importlib._bootstrap>`, `importlib.import_module`, `importlib.reload`)
    /// entered from a function rather than from a module's top level: imports that run
    /// inside request handlers or per-item code. Imports made by module bodies at
    /// start-up are left out.
    ///
    /// ## Why it costs
    /// An `import` that finds its module in `sys.modules` is cheap, but one that does
    /// not searches every `sys.path` entry, reads and unmarshals the code and runs the
    /// module body. That happens on every call when the import fails
    /// (`try: import ujson except ImportError:` inside a function: failures are not
    /// cached), when the module is reloaded or removed from `sys.modules`, or when
    /// plugins are imported by name per request. A lazy import of a heavy package on the
    /// first request also puts its whole start-up cost on that request.
    ///
    /// ## How to fix
    /// Import at module level, once, and resolve optional dependencies there:
    /// ```python
    /// try:
    ///     import ujson as json_impl
    /// except ImportError:
    ///     import json as json_impl
    ///
    /// def parse(body):
    ///     return json_impl.loads(body)
    /// ```
    /// Import plugins once at start-up and keep them in a dict by name; never call
    /// `importlib.reload` on a request path.
    pub IMPORT_IN_REQUEST {
        id: "py-import-in-request",
        name: "Imports on a request path",
        runtimes: [Python],
        frames: [
            r"^((_find_and_load|_gcd_import) \(<frozen importlib\._bootstrap>\)|(import_module|reload) \(importlib/__init__\.py\))$",
        ],
        unless: [
            r"\(<frozen site>\)$",
        ],
        unless_called_from: [
            r"^<module> ",
            r"^$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "importing modules from inside functions",
        action: "import at module level once, and resolve optional imports there, not per call",
        saving: 0.9,
    }
}
