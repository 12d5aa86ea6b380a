//! `Pattern.compile` on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time in `java.util.regex.Pattern.compile`, called directly or through
    /// `String.matches`, `String.replaceAll`, `String.replaceFirst` and `String.split`
    /// with a pattern longer than one character.
    ///
    /// ## Why it costs
    /// Compiling a pattern parses it and builds its matcher tree; the JDK keeps no cache.
    /// `"a,b".split(", *")` or `s.replaceAll("\\s+", " ")` compile their pattern on every
    /// call, so a loop over lines compiles it once per line and allocates the garbage
    /// that goes with it.
    ///
    /// ## How to fix
    /// Compile the pattern once into a `static final Pattern` and reuse it:
    /// ```java
    /// private static final Pattern SPACES = Pattern.compile("\\s+");
    ///
    /// String normalize(String s) {
    ///     return SPACES.matcher(s).replaceAll(" ");
    /// }
    /// ```
    /// For a literal separator, `String.split` with one character, or Guava's
    /// `Splitter`, needs no regex at all.
    pub PATTERN_COMPILE {
        id: "java-pattern-compile-hot",
        name: "Pattern.compile on a hot path",
        runtimes: [Java],
        frames: [r"^java\.util\.regex\.Pattern\.(compile|<init>)$"],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "compiling regular expressions (`java.util.regex.Pattern.compile`)",
        action: "compile the pattern once into a `static final Pattern` and reuse it",
        saving: 0.95,
    }
}
