//! Threads blocked entering `synchronized` monitors.

crate::declare_recommendation! {
    /// ## What it finds
    /// Wall-clock time threads spend blocked entering a `synchronized` method or block
    /// that another thread holds (JFR's `jdk.JavaMonitorEnter`). The call sites are the
    /// methods holding the contended monitor. `Object.wait` (waiting on a condition) and
    /// parking are not counted here.
    ///
    /// ## Why it costs
    /// Only one thread runs inside a monitor at a time: when the work done while holding
    /// it is long, or the monitor guards state every request touches (a shared cache, a
    /// `synchronized` singleton, a `Hashtable`, a logger), the threads queue behind each
    /// other and adding threads adds waiting, not throughput.
    ///
    /// ## How to fix
    /// Hold the monitor for less time and for less state: compute outside the block and
    /// lock only to publish, split one lock into per-key locks, or use a concurrent
    /// structure instead of a synchronized one:
    /// ```java
    /// // before: synchronized (cache) { v = cache.get(k); if (v == null) { v = load(k); cache.put(k, v); } }
    /// private final ConcurrentHashMap<String, Value> cache = new ConcurrentHashMap<>();
    ///
    /// Value get(String k) {
    ///     return cache.computeIfAbsent(k, this::load);
    /// }
    /// ```
    pub MONITOR_CONTENTION {
        id: "java-monitor-contention",
        name: "Threads blocked on synchronized monitors",
        runtimes: [Java],
        frames: [],
        unless: [
            r"^java\.lang\.Object\.wait\d*$",
            r"^(jdk\.internal\.misc|sun\.misc)\.Unsafe\.park$",
            r"^java\.lang\.Thread\.sleep\w*$",
        ],
        weight: Wall,
        states: [Lock],
        threshold: 5.0,
        finding: "blocked entering `synchronized` monitors held by other threads",
        action: "hold monitors for less time, or replace them with concurrent structures or finer locks",
        saving: 0.5,
    }
}
