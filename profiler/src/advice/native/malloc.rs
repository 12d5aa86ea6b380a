//! malloc and free dominating CPU time.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time inside the memory allocator: `malloc`, `free`, `calloc`, `realloc`,
    /// C++ `operator new` and `operator delete`, and their glibc, jemalloc and
    /// tcmalloc internals.
    ///
    /// ## Why it costs
    /// Every allocation and free walks the allocator's bins, takes an arena lock when
    /// threads share one, and touches memory that is often cold. Code that allocates
    /// small short-lived objects in an inner loop (strings built per record, vectors
    /// created per call) spends more time managing memory than working with it.
    ///
    /// ## How to fix
    /// Allocate less on the hot path: reserve capacity once (`Vec::with_capacity`,
    /// `std::vector::reserve`), reuse buffers across iterations (`clear()` keeps the
    /// capacity), pass slices and string views instead of owned copies, and use an arena
    /// or object pool for many small objects with one lifetime. If allocation is
    /// unavoidable and multi-threaded, try jemalloc or mimalloc.
    pub MALLOC {
        id: "native-malloc-hot",
        name: "malloc and free dominate",
        runtimes: [Native],
        frames: [
            r"^(malloc|free|calloc|realloc|cfree|_int_malloc|_int_free|_int_realloc|__libc_malloc|__libc_free|__libc_calloc|__libc_realloc|tcache_\w+|malloc_consolidate|operator new.*|operator delete.*|_Znwm|_Znam|_ZdlPv\w*|_ZdaPv\w*|je_\w+|tc_\w+|mi_\w+|__rust_alloc|__rust_dealloc|__rust_realloc|__rdl_\w+)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 10.0,
        finding: "in the memory allocator (malloc and free)",
        action: "allocate less on the hot path: reserve capacity once and reuse buffers",
        saving: 0.6,
    }
}
