//! memcpy and memmove dominating CPU time.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time copying memory: `memcpy`, `memmove`, `mempcpy` and glibc's tuned variants
    /// (`__memmove_avx_unaligned_erms`, `__memcpy_evex_unaligned_erms`, ...), whatever
    /// calls them: C's own calls, C++ copy constructors and `std::vector` growth, Rust's
    /// `clone`, `to_vec` and `extend_from_slice`. Filling memory (`memset`) is not
    /// counted: zeroing comes from different code (fresh buffers, `calloc`) and has a
    /// different fix.
    ///
    /// ## Why it costs
    /// A copy moves every byte through the caches; copying a large buffer per request,
    /// passing big structures by value, cloning a vector to read it, or shifting an array
    /// to insert at its front makes the program's speed the memory bandwidth, however
    /// little it computes.
    ///
    /// ## How to fix
    /// Copy less: pass references and slices instead of copies, move instead of clone,
    /// reserve a vector's capacity so growth does not copy, and keep data where it is
    /// used (a ring buffer or `VecDeque` instead of shifting, offsets instead of
    /// substrings):
    /// ```rust,ignore
    /// // before: fn checksum(data: Vec<u8>) -> u32, called as checksum(buf.clone())
    /// fn checksum(data: &[u8]) -> u32 {
    ///     data.iter().fold(0u32, |sum, b| sum.wrapping_add(u32::from(*b)))
    /// }
    /// let sum = checksum(&buf);
    /// ```
    pub MEMCPY {
        id: "native-memcpy-hot",
        name: "memcpy dominates",
        runtimes: [Native],
        frames: [
            r"^(memcpy|memmove|mempcpy|wmemcpy|wmemmove|__memcpy\w*|__memmove\w*|__mempcpy\w*|__GI_mem(cpy|move|pcpy)\w*|__wmem(cpy|move)\w*)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 10.0,
        finding: "copying memory (memcpy and memmove)",
        action: "copy less: pass references, move instead of clone, and reserve capacity up front",
        saving: 0.5,
    }
}
