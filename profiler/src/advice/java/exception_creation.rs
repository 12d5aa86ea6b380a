//! Exceptions created on a hot path, usually used for control flow.

crate::declare_recommendation! {
    /// ## What it finds
    /// Time creating exceptions: `java.lang.Throwable.fillInStackTrace`, which every
    /// exception constructor calls to capture the stack, and the `StackTraceElement` work
    /// of reading traces back. JDK 17's CPU samples do not see inside this native method;
    /// its time shows in wall-clock profiles (as idle, native code) and in JDK 25's CPU
    /// samples.
    ///
    /// ## Why it costs
    /// Capturing a stack walks every frame of the throwing thread, and deep framework
    /// stacks make each exception cost microseconds. Exceptions used for control flow —
    /// `Integer.parseInt` in a `try` to test whether a string is a number, a not-found
    /// exception caught one level up, a validation library that throws per field — pay
    /// that on every ordinary call.
    ///
    /// ## How to fix
    /// Test instead of catching, and return a result for expected outcomes:
    /// ```java
    /// // before: try { return Integer.parseInt(s); } catch (NumberFormatException e) { ... }
    /// static OptionalInt tryParse(String s) {
    ///     if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
    ///         return OptionalInt.empty();
    ///     }
    ///     return OptionalInt.of(Integer.parseInt(s));
    /// }
    /// ```
    /// For an exception that must stay but never needs its trace, disable the capture:
    /// `super(message, null, false, false)` in its constructor.
    pub EXCEPTION_CREATION {
        id: "java-exception-creation-hot",
        name: "Exceptions created on a hot path",
        runtimes: [Java],
        frames: [
            r"^(java\.lang\.Throwable\.(fillInStackTrace|getOurStackTrace|getStackTrace)|java\.lang\.StackTraceElement\.\S+)$",
        ],
        weight: Wall,
        states: [Running, Idle],
        threshold: 5.0,
        finding: "capturing exception stack traces (`Throwable.fillInStackTrace`)",
        action: "stop using exceptions for expected outcomes: test first or return a result",
        saving: 0.8,
    }
}
