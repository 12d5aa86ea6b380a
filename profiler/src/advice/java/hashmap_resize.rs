//! Hash maps grown one doubling at a time.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time in `java.util.HashMap.resize` (which `HashSet` and `LinkedHashMap` use
    /// too) and `java.util.concurrent.ConcurrentHashMap.transfer`: maps created at the
    /// default capacity and filled with many entries, typically one map per request or
    /// per record in a loop.
    ///
    /// ## Why it costs
    /// A `HashMap` starts with 16 buckets and doubles whenever it is three-quarters full,
    /// rehashing every entry into a new table each time; filling a map with 10,000
    /// entries allocates ten tables and moves about 20,000 entries. The discarded tables
    /// are garbage for the collector.
    ///
    /// ## How to fix
    /// Size the map for what it will hold when that is known, or reuse it:
    /// ```java
    /// // JDK 19+: HashMap.newHashMap(n); before that, n / 0.75 + 1
    /// Map<String, Integer> counts = new HashMap<>((int) (rows.size() / 0.75f) + 1);
    /// for (Row row : rows) {
    ///     counts.merge(row.key(), 1, Integer::sum);
    /// }
    /// ```
    /// For maps built per request from the same keys, consider an `EnumMap` or an
    /// array indexed by a dense id.
    pub HASHMAP_RESIZE {
        id: "java-hashmap-resize-hot",
        name: "HashMap grown from its default capacity",
        runtimes: [Java],
        frames: [r"^java\.util\.(HashMap\.resize|concurrent\.ConcurrentHashMap\.transfer)$"],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "growing hash maps (`HashMap.resize`)",
        action: "create maps with the capacity they will need (`HashMap.newHashMap(n)`)",
        saving: 0.6,
    }
}
