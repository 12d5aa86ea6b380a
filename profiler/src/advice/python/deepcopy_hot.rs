//! `copy.deepcopy` on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time inside `copy.deepcopy` (`copy.py`, with `copyreg.py` for objects copied
    /// through `__reduce_ex__`): whole object graphs copied while the program runs.
    ///
    /// ## Why it costs
    /// `deepcopy` is written in Python. It visits every object in the graph, keeps a memo
    /// dict of everything it has copied to handle cycles, and rebuilds class instances
    /// through the pickle protocol (`__reduce_ex__`, `copyreg.__newobj__`,
    /// `_reconstruct`). Copying a configuration, a template response or a cached result
    /// on every request costs far more than the work done with the copy.
    ///
    /// ## How to fix
    /// Copy less: share immutable data (tuples, `frozenset`, `types.MappingProxyType`,
    /// frozen dataclasses) instead of copying it, copy only the level you change, or
    /// build a fresh value instead of copying a template:
    /// ```python
    /// DEFAULTS = MappingProxyType({"retries": 3, "timeout": 5})
    ///
    /// def settings_for(request):
    ///     return {**DEFAULTS, "timeout": request.timeout}   # shallow: one dict
    /// ```
    /// When a deep copy is really needed, a class's own `__deepcopy__` that copies only
    /// its mutable fields is much cheaper than the generic walk.
    pub DEEPCOPY_HOT {
        id: "py-deepcopy-hot",
        name: "deepcopy on a hot path",
        runtimes: [Python],
        frames: [
            r"^deepcopy \(python3\.\d+/copy\.py\)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "deep-copying objects with copy.deepcopy",
        action: "share immutable data or copy only what changes instead of deep-copying whole objects",
        saving: 0.8,
    }
}
