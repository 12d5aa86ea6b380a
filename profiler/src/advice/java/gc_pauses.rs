//! Stop-the-world garbage-collection and safepoint pauses.

crate::declare_recommendation! {
    /// ## What it finds
    /// Time the JVM stopped every application thread: garbage-collection pauses
    /// (`jdk.GarbageCollection`, the `[GC]` thread, one stack per collector and cause)
    /// and other safepoint operations (`jdk.ExecuteVMOperation`, the `[safepoint]`
    /// thread). The JFR reader adds these as samples weighing the pause time when the
    /// recording has those events; no execution sample is taken during a pause.
    ///
    /// ## Why it costs
    /// While a pause runs no request makes progress, so pauses add straight to latency.
    /// Frequent young collections come from a high allocation rate; full collections
    /// from a heap too small for the live data, or from `System.gc()` (the cause
    /// `System.gc()`); long safepoints from operations such as class redefinition, bias
    /// revocation or heap dumps, and from threads slow to reach a safepoint in long
    /// counted loops.
    ///
    /// ## How to fix
    /// Allocate less first: reuse buffers, avoid boxing and temporary collections in hot
    /// loops, stream large payloads instead of materialising them. Then size the heap
    /// for the live set and let the collector meet a pause goal:
    /// ```sh
    /// java -Xms4g -Xmx4g -XX:+UseG1GC -XX:MaxGCPauseMillis=100 -jar service.jar
    /// # remove System.gc() calls, or make them concurrent:
    /// java -XX:+ExplicitGCInvokesConcurrent ...
    /// ```
    /// On JDK 17+, ZGC (`-XX:+UseZGC`) keeps pauses under a millisecond for large heaps.
    pub GC_PAUSES {
        id: "java-gc-pauses",
        name: "Stop-the-world GC and safepoint pauses",
        runtimes: [Java],
        frames: [r"^\[JVM\] (GC cause|VM operation): "],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "in stop-the-world pauses (garbage collection and safepoint operations)",
        action: "allocate less on hot paths and size the heap for the live data",
        saving: 0.5,
    }
}
