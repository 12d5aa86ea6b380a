//! `String.format` and log-message formatting on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time formatting strings and log messages: `String.format`, `String.formatted`,
    /// `java.util.Formatter`, `java.text.MessageFormat`, and the logging frameworks
    /// (`java.util.logging`, SLF4J's `MessageFormatter`, Logback, Log4j 2) formatting and
    /// appending records.
    ///
    /// ## Why it costs
    /// `String.format` parses its format string with a regular expression on every call,
    /// boxes its arguments and looks up locale data; it is several times slower than
    /// concatenation. A log call formats its message, takes the caller's stack when the
    /// layout prints it, and writes through the appender even when nobody reads the
    /// line, so logging per item in a loop costs more than the item.
    ///
    /// ## How to fix
    /// Build hot strings with concatenation or a reused `StringBuilder`, log with
    /// placeholders behind the level check, and log per batch rather than per item:
    /// ```java
    /// // before: String.format("order %d for %s", id, name) per order
    /// String line = "order " + id + " for " + name;
    ///
    /// // placeholders are only formatted when DEBUG is on
    /// log.debug("order {} for {}", id, name);
    /// ```
    /// Keep caller data (`%C`, `%L`, `%M`) out of production log layouts and use an
    /// asynchronous appender for the rest.
    pub STRING_FORMAT {
        id: "java-string-format-hot",
        name: "String formatting and logging on a hot path",
        runtimes: [Java],
        frames: [
            r"^(java\.lang\.String\.format(ted)?|java\.util\.Formatter\.format|java\.text\.MessageFormat\.(format|<init>|applyPattern)|java\.util\.logging\.\S+|org\.slf4j\.helpers\.MessageFormatter\.\S+|ch\.qos\.logback\.\S+|org\.apache\.logging\.log4j\.\S+)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "formatting strings and log messages (`String.format`, `Formatter`, logging)",
        action: "concatenate or reuse a `StringBuilder` on hot paths, and log less, with placeholders behind the level check",
        saving: 0.5,
    }
}
