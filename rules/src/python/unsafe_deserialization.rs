use tree_sitter::Node;

use crate::python::call;
use crate::python::semantic::Binding;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for deserializers that can run code chosen by whoever wrote the data:
    /// - `pickle`, `cPickle`, `_pickle`, `dill`, `cloudpickle` and `joblib`
    ///   `load`/`loads`/`Unpickler`, `pandas.read_pickle`, `shelve.open`;
    /// - `marshal.load`/`loads` and `jsonpickle.decode`;
    /// - `yaml.load`/`load_all` without a safe loader, `yaml.unsafe_load` and
    ///   `yaml.full_load`;
    /// - `torch.load` without `weights_only=True` and `numpy.load` with
    ///   `allow_pickle=True`.
    ///
    /// ## Why is this bad?
    /// A pickle is a small program: unpickling calls whatever callables the data names,
    /// so a crafted pickle runs shell commands as soon as it is loaded. The same holds for
    /// the libraries built on pickle, for `marshal`, and for YAML tags such as
    /// `!!python/object/apply` that the full and unsafe loaders honour. Data read from a
    /// network, an upload, a cache or a shared bucket must never reach these functions.
    ///
    /// ## Example
    /// ```python
    /// import pickle
    /// import yaml
    ///
    /// def restore(session_cookie: bytes):
    ///     return pickle.loads(session_cookie)
    ///
    /// def read_config(stream):
    ///     return yaml.load(stream, Loader=yaml.Loader)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import json
    /// import yaml
    ///
    /// def restore(session_cookie: bytes):
    ///     return json.loads(session_cookie)
    ///
    /// def read_config(stream):
    ///     return yaml.safe_load(stream)
    /// ```
    ///
    /// If pickled data must cross a trust boundary, authenticate it first (an HMAC
    /// checked before loading).
    pub UnsafeDeserialization {
        id: "py-unsafe-deserialization",
        title: "Deserialization that can run code",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [502],
        precision: Low,
        kinds: ["call"],
        fix: "Use a data-only format (JSON, `yaml.safe_load`), or authenticate the data before loading it",
    }
}

const CALLEE_NAMES: &[&str] = &[
    "load",
    "loads",
    "Unpickler",
    "open",
    "decode",
    "read_pickle",
    "load_all",
    "unsafe_load",
    "unsafe_load_all",
    "full_load",
    "full_load_all",
];

const PICKLE_MODULES: &[&str] = &[
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "joblib",
];

/// YAML loaders that only build plain data.
const SAFE_LOADERS: &[&str] = &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"];

impl Rule for UnsafeDeserialization {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::callee_name(node, cx.source()).is_some_and(|n| CALLEE_NAMES.contains(&n)) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let Some((module, function)) = name.rsplit_once('.') else {
            return;
        };
        if function == "loads"
            && (PICKLE_MODULES.contains(&module) || module == "marshal")
            && call::positional(node, 0).is_some_and(|data| is_round_trip(data, cx))
        {
            return;
        }
        let (message, help) = if PICKLE_MODULES.contains(&module)
            && matches!(function, "load" | "loads" | "Unpickler")
        {
            (
                format!("`{name}` deserializes data that can run arbitrary code"),
                "Exchange data as JSON, or verify an HMAC of the data before unpickling it",
            )
        } else {
            match name.as_str() {
                "marshal.load" | "marshal.loads" => (
                    format!("`{name}` is not safe against malicious data"),
                    "Exchange data as JSON; `marshal` is meant for Python's own `.pyc` files",
                ),
                "shelve.open" => (
                    format!("`{name}` unpickles its values, which can run arbitrary code"),
                    "Store the data as JSON or in `sqlite3`; open shelves only from trusted files",
                ),
                "jsonpickle.decode" => (
                    format!("`{name}` rebuilds arbitrary objects and can run code"),
                    "Use `json.loads` and build the objects yourself",
                ),
                "pandas.read_pickle" => (
                    format!("`{name}` unpickles the file, which can run arbitrary code"),
                    "Read data files as Parquet, CSV or JSON; unpickle only files you wrote",
                ),
                "yaml.load" | "yaml.load_all" => {
                    let loader = call::argument(node, 1, "Loader", cx.source());
                    if loader.is_some_and(|l| is_safe_loader(l, cx)) {
                        return;
                    }
                    let message = match loader {
                        None => format!(
                            "`{name}` without a `Loader` can build arbitrary Python objects"
                        ),
                        Some(l) => format!(
                            "`{name}` with `{}` can build arbitrary Python objects",
                            cx.text(l)
                        ),
                    };
                    (
                        message,
                        "Use `yaml.safe_load`, or pass `Loader=yaml.SafeLoader`",
                    )
                }
                "yaml.unsafe_load"
                | "yaml.unsafe_load_all"
                | "yaml.full_load"
                | "yaml.full_load_all" => (
                    format!("`{name}` can build arbitrary Python objects from untrusted YAML"),
                    "Use `yaml.safe_load`",
                ),
                "torch.load" => {
                    if call::keyword(node, "weights_only", cx.source())
                        .is_some_and(|v| v.kind() == "true")
                    {
                        return;
                    }
                    (
                        format!(
                            "`{name}` without `weights_only=True` unpickles the file, which can run arbitrary code"
                        ),
                        "Pass `weights_only=True` to load only tensors and plain containers",
                    )
                }
                "numpy.load" => {
                    if call::keyword(node, "allow_pickle", cx.source())
                        .is_none_or(|v| v.kind() != "true")
                    {
                        return;
                    }
                    (
                        format!(
                            "`{name}` with `allow_pickle=True` unpickles object arrays, which can run arbitrary code"
                        ),
                        "Drop `allow_pickle=True`; store object data as JSON instead",
                    )
                }
                _ => return,
            }
        };
        cx.report(node, message).help(help);
    }
}

/// `pickle.loads(pickle.dumps(x))`, directly or through a local bound only to such a
/// call: the bytes were made by this process a moment before (the copy idiom, or a
/// picklability test), so nothing untrusted is loaded.
fn is_round_trip(data: Node<'_>, cx: &Checker<'_>) -> bool {
    let is_dumps = |value: Node<'_>| {
        let value = ast::unparenthesize(value);
        value.kind() == "call"
            && cx.python().resolve_call(value).is_some_and(|name| {
                name.rsplit_once('.').is_some_and(|(module, function)| {
                    function == "dumps" && (PICKLE_MODULES.contains(&module) || module == "marshal")
                })
            })
    };
    let data = ast::unparenthesize(data);
    is_dumps(data)
        || data.kind() == "identifier"
            && cx.python().bindings(data).is_some_and(|bindings| {
                !bindings.is_empty()
                    && bindings
                        .iter()
                        .all(|b| matches!(b, Binding::Assign(value) if is_dumps(*value)))
            })
}

/// `yaml.SafeLoader`, `SafeLoader`, `yaml.CSafeLoader`, `yaml.BaseLoader`, ...
fn is_safe_loader(loader: Node<'_>, cx: &Checker<'_>) -> bool {
    let loader = ast::unparenthesize(loader);
    let name = match loader.kind() {
        "attribute" => loader.child_by_field_name("attribute"),
        "identifier" => Some(loader),
        _ => None,
    };
    name.is_some_and(|n| SAFE_LOADERS.contains(&cx.text(n)))
}
