//! Request threads parked on locks and futures.

crate::declare_recommendation! {
    /// ## What it finds
    /// Wall-clock time threads spend parked (`LockSupport.park`, `Unsafe.park`): waiting
    /// for a `ReentrantLock`, a `Future`, a `CountDownLatch`, a semaphore or a bounded
    /// queue. Idle pool threads waiting for work (`ThreadPoolExecutor.getTask`,
    /// `ForkJoinPool.awaitWork`, Jetty's `idleJobPoll`) are not counted: a pool that is
    /// waiting for tasks is healthy.
    ///
    /// ## Why it costs
    /// A parked request thread holds its request, its memory and often a connection while
    /// doing nothing. Parking on a lock means the lock is contended and the critical
    /// section is on every request's path; parking on a future means the work it waits
    /// for, usually remote calls run one after another or a pool too small for the load,
    /// sets the latency.
    ///
    /// ## How to fix
    /// Look at the call sites: for locks, shorten or split the critical section (or use
    /// a concurrent structure); for futures, start independent calls together and wait
    /// once, and size the pool that runs them for the load:
    /// ```java
    /// // before: a.get() then b.get(), each submitted after the other finished
    /// CompletableFuture<Price> price = CompletableFuture.supplyAsync(this::price, pool);
    /// CompletableFuture<Stock> stock = CompletableFuture.supplyAsync(this::stock, pool);
    /// return price.thenCombine(stock, Offer::new).join();
    /// ```
    pub THREAD_PARK {
        id: "java-thread-park",
        name: "Threads parked on locks and futures",
        runtimes: [Java],
        frames: [
            r"^(java\.util\.concurrent\.locks\.LockSupport\.park\w*|(jdk\.internal\.misc|sun\.misc)\.Unsafe\.park)$",
        ],
        unless: [
            r"ThreadPoolExecutor\.getTask$",
            r"^java\.util\.concurrent\.ForkJoinPool\.awaitWork$",
            r"QueuedThreadPool\$Runner\.idleJobPoll$",
        ],
        weight: Wall,
        states: [Lock],
        threshold: 15.0,
        finding: "parked waiting for locks, futures or queues",
        action: "shorten or split contended locks, and start independent work together before waiting on it",
        saving: 0.3,
    }
}
