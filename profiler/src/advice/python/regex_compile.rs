//! A regex compiled on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time inside the `re` module's compiler (`re/_compiler.py` and `re/_parser.py`,
    /// or `sre_compile.py` before Python 3.11): regular expressions being compiled
    /// again and again while the program runs.
    ///
    /// ## Why it costs
    /// `re.compile`, and every `re.match(pattern, ...)`-style call, parses the pattern
    /// and builds its matcher. The `re` module caches only the most recent few hundred
    /// patterns, so patterns built from data (an f-string with a user id, a word list
    /// joined into an alternation) or more distinct patterns than the cache holds are
    /// compiled on every call. Compiling costs far more than matching a short string.
    ///
    /// ## How to fix
    /// Compile each pattern once, at module level or in `__init__`, and call the
    /// compiled object's methods:
    /// ```python
    /// LINE = re.compile(r"(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^]]+)\]")
    ///
    /// def parse_line(line):
    ///     return LINE.match(line)
    /// ```
    /// When the pattern depends on data, escape the data and match it with plain string
    /// methods (`in`, `startswith`) or a set, or cache compiled patterns with
    /// `functools.lru_cache`.
    pub REGEX_COMPILE {
        id: "py-regex-compile-hot",
        name: "Regex compiled on a hot path",
        runtimes: [Python],
        frames: [
            r"\((re/__init__\.py|re\.py)\)$",
            r"\((re/_compiler\.py|re/_parser\.py|sre_compile\.py|sre_parse\.py)\)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "compiling regular expressions",
        action: "compile each pattern once, at module level, and reuse the compiled object",
        saving: 0.95,
    }
}
