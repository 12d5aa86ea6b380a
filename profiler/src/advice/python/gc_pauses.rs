//! CPython's cyclic garbage collector taking a large share of CPU.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time in CPython's cyclic garbage collector (`gc_collect_main` and its helpers
    /// in `gcmodule.c`; `collect_with_callback` before Python 3.11). The collector runs
    /// in C and py-spy shows no frames for it: in a Python recording its time lands on
    /// whatever Python line allocated the object that triggered it, so this
    /// recommendation reads native recordings of the interpreter
    /// (`argus profile --runtime native -- python3 app.py`), where these functions
    /// appear by name. The call site shown is the interpreter's allocation function that
    /// started the collection (`_PyObject_GC_Link`), not a Python line.
    ///
    /// ## Why it costs
    /// Every few hundred container allocations (lists, dicts, class instances) CPython
    /// pauses the running thread, holding the GIL, to look for reference cycles among
    /// the objects created since the last collection; every tenth and hundredth pass
    /// also walks the older generations, and a full collection walks every tracked
    /// object in the process. A program that builds many long-lived objects (caches,
    /// parsed documents, ORM rows) pays repeatedly to re-examine objects that will never
    /// be garbage, in pauses that grow with the heap.
    ///
    /// ## How to fix
    /// Allocate fewer container objects (tuples and `__slots__` classes instead of dicts
    /// per record), break reference cycles so plain reference counting frees objects,
    /// and after loading long-lived data at start-up move it out of the collector's view
    /// and raise the first threshold:
    /// ```python
    /// import gc
    ///
    /// load_caches()
    /// gc.freeze()                       # long-lived objects are never scanned again
    /// gc.set_threshold(50_000, 20, 20)  # fewer young collections
    /// ```
    /// `gc.callbacks` can log how long each collection takes, to check the change.
    pub GC_PAUSES {
        id: "py-gc-pauses",
        name: "Garbage collector pauses",
        runtimes: [Python, Native],
        frames: [
            r"^(gc_collect_main|gc_collect_with_callback|gc_collect_generations|collect_with_callback|collect_generations|_PyGC_Collect|_PyGC_CollectNoFail|PyGC_Collect|gc_collect_full|gc_collect_young|gc_collect_increment|gc_collect_impl)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 10.0,
        finding: "in CPython's cyclic garbage collector",
        action: "allocate fewer container objects, break reference cycles, and gc.freeze() long-lived data after start-up",
        saving: 0.6,
    }
}
