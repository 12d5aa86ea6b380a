//! Threads waiting for locks.

crate::declare_recommendation! {
    /// ## What it finds
    /// Wall-clock time threads spend blocked on a lock: a `with lock:` line or
    /// `lock.acquire()` (the waiting is in C, so the Python frame shown is the line that
    /// takes the lock), and threads waiting for the GIL while another thread holds it,
    /// which look the same from outside.
    ///
    /// Waiting for work or for a result is left out: `queue.Queue.get` and `put`,
    /// `Condition.wait` (and so `Event.wait` and `Semaphore.acquire`), `Thread.join`,
    /// `Future.result` and idle `concurrent.futures` workers are waits for a signal, not
    /// contention.
    ///
    /// ## Why it costs
    /// A thread blocked on a lock does nothing until the holder releases it, so a lock
    /// held across slow work (I/O, a network call, a big computation) turns parallel
    /// threads into a queue: latency grows with the number of threads waiting. If the
    /// waits are not on lock lines, the threads are waiting for the GIL: CPU-bound
    /// Python code in several threads runs one thread at a time.
    ///
    /// ## How to fix
    /// Hold locks for less time: compute outside the lock and take it only to publish
    /// the result, never do I/O while holding it, and split one global lock into
    /// finer-grained ones (one per key or per shard):
    /// ```python
    /// def record(key, value):
    ///     entry = build_entry(value)        # outside the lock
    ///     with lock:
    ///         cache[key] = entry            # only the shared update inside
    /// ```
    /// For GIL contention, move CPU-bound work to processes
    /// (`concurrent.futures.ProcessPoolExecutor`) or to C extensions that release the GIL.
    pub LOCK_CONTENTION {
        id: "py-lock-contention",
        name: "Lock contention",
        runtimes: [Python],
        frames: [],
        unless: [
            r"^(\w+\.)?(get|put|join) \(python3\.\d+/queue\.py\)$",
            r"^(\w+\.)?(wait|wait_for|join|_wait_for_tstate_lock) \(python3\.\d+/threading\.py\)$",
            r"^_worker \(futures/thread\.py\)$",
            r"^(\w+\.)?(result|exception|wait|as_completed) \(futures/_base\.py\)$",
        ],
        weight: Wall,
        states: [Lock],
        threshold: 15.0,
        finding: "waiting for locks held by other threads",
        action: "hold locks only around the shared update, never across I/O or heavy computation",
        saving: 0.5,
    }
}
