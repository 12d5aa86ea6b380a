//! `time.sleep` inside the work a program does.

crate::declare_recommendation! {
    /// ## What it finds
    /// Wall-clock time in `time.sleep` (threads in the sleeping state) called from
    /// inside the program's work: a function called by a handler or a worker loop that
    /// polls with a sleep, waits a fixed time for something to be ready, or retries
    /// with sleeps.
    ///
    /// Sleeps in a thread's own loop (the `target` function of a `Thread`, a `run`
    /// method, the main script's body or a `main()` it calls), such as a heartbeat or a
    /// metrics flusher waking up every few seconds, are left out: they usually sleep by
    /// design and hold no one up. A polling loop written directly in a worker's target
    /// is left out with them; move the wait into a function to have it counted.
    ///
    /// ## Why it costs
    /// A sleep adds its full length to the latency of whatever is waiting for that
    /// function, however early the thing it waits for was ready. Polling loops
    /// (`while not ready(): time.sleep(0.1)`) add half the interval on average to every
    /// wait, and fixed sleeps before retries or "to let things settle" put a constant
    /// delay on every call. The thread is also held for that time, so a pool of workers
    /// serves fewer requests.
    ///
    /// ## How to fix
    /// Wait for the event itself instead of sleeping: a `threading.Event`, a
    /// `Condition`, a `queue.Queue` or a `concurrent.futures.Future` wakes the waiter as
    /// soon as the other side is done:
    /// ```python
    /// ready = threading.Event()
    ///
    /// def wait_until_ready(timeout=5.0):
    ///     if not ready.wait(timeout):      # returns as soon as ready.set() is called
    ///         raise TimeoutError("backend not ready")
    /// ```
    /// For retries, back off exponentially with jitter from a short first delay, and cap
    /// the total time; do not sleep before the first attempt.
    pub SLEEP_HOT {
        id: "py-sleep-in-work",
        name: "time.sleep on a work path",
        runtimes: [Python],
        frames: [],
        unless_called_from: [
            r"^(Thread\.)?(run|_bootstrap_inner) \(python3\.\d+/threading\.py\)$",
            r"^<module> ",
            r"^$",
        ],
        weight: Wall,
        states: [Sleeping],
        threshold: 10.0,
        finding: "sleeping in time.sleep inside functions that do the program's work",
        action: "wait on an Event, Condition, Queue or Future instead of sleeping, and back off only on retries",
        saving: 0.7,
    }
}
