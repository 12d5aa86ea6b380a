//! Logging records formatted and written on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time inside the `logging` package (`logging/__init__.py` and
    /// `logging/handlers.py`): building `LogRecord`s, finding the caller, formatting
    /// messages and timestamps, and handlers emitting and flushing them.
    ///
    /// Arguments formatted before the call (`log.debug(f"... {payload}")`) are spent in
    /// the caller's own line, before `logging` is entered, so they are not counted here:
    /// look for that in the call sites' lines too.
    ///
    /// ## Why it costs
    /// Every enabled log call creates a `LogRecord`, looks up the caller's frame, formats
    /// the message and the time, takes each handler's lock and writes, often flushing
    /// the stream on every record. Per-request or per-item `info` and `debug` logs in a
    /// loop multiply that by the request rate. An f-string or `%` argument is formatted
    /// even when the level is disabled, because Python evaluates it before calling.
    ///
    /// ## How to fix
    /// Log less on the hot path: raise the level of per-item logs to `DEBUG` and run at
    /// `INFO`, log a summary per batch instead of a line per item, and pass arguments
    /// for lazy formatting instead of formatting them yourself:
    /// ```python
    /// # formatted only when DEBUG is enabled
    /// log.debug("handled %s in %.1f ms", request_id, elapsed_ms)
    ///
    /// if log.isEnabledFor(logging.DEBUG):
    ///     log.debug("payload %s", json.dumps(payload))
    /// ```
    /// Hand records to a background thread with `logging.handlers.QueueHandler` and a
    /// `QueueListener` so slow handlers do not run in the request, and drop `%(funcName)s`,
    /// `%(lineno)d` and `%(pathname)s` from the format when you do not need them.
    pub LOGGING_HOT {
        id: "py-logging-hot",
        name: "Logging on a hot path",
        runtimes: [Python],
        frames: [
            r"\(logging/(__init__|handlers)\.py\)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "formatting and writing log records",
        action: "log less per request: raise per-item logs to DEBUG, pass arguments for lazy formatting, and hand records to a QueueHandler",
        saving: 0.7,
    }
}
