use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for regular expressions compiled on every iteration of a loop:
    /// `Pattern.compile(constant)`, and `String.matches`, `replaceAll`, `replaceFirst`
    /// and `split` with a constant regex, inside a loop's body or condition. `split`
    /// with a single ordinary character (`","`) or an escaped one (`"\\|"`) is not
    /// reported: the JDK splits on those without a regex.
    ///
    /// ## Why is this bad?
    /// Compiling a pattern parses it and builds a matcher automaton, which costs far
    /// more than matching a short string. The `String` helpers compile their regex on
    /// every call. Inside a loop over a large input, that dominates the running time and
    /// creates garbage for nothing, since the pattern never changes.
    ///
    /// ## Example
    /// ```java
    /// for (String line : lines) {
    ///     if (line.matches("\\d{4}-\\d{2}-\\d{2}.*")) { .. }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// private static final Pattern DATED = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");
    ///
    /// for (String line : lines) {
    ///     if (DATED.matcher(line).matches()) { .. }
    /// }
    /// ```
    pub RegexCompiledInLoop {
        id: "java-regex-compiled-in-loop",
        title: "Regular expression compiled in a loop",
        language: Java,
        category: Performance,
        severity: Info,
        cwe: [1176],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Compile the pattern once, into a `static final Pattern`",
    }
}

const REGEX_METHODS: &[(&str, usize)] = &[("matches", 1), ("replaceAll", 2), ("replaceFirst", 2), ("split", 1), ("split", 2)];

/// Whether `String.split` takes its fast path for this regex: one character that is
/// not a metacharacter, or a backslash and one that is not a letter or digit.
fn is_fast_split(literal: &str) -> bool {
    // The constant keeps its escapes as written: `"\\|"` is the regex `\|`.
    let chars: Vec<char> = literal.replace("\\\\", "\\").chars().collect();
    match chars.as_slice() {
        [c] => !".$|()[{^?*+\\".contains(*c),
        ['\\', c] => !c.is_ascii_alphanumeric(),
        _ => false,
    }
}

impl Rule for RegexCompiledInLoop {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(object) = call.object else {
            return;
        };
        let is_compile = call.name == "compile" && call.receiver_name(cx) == "Pattern";
        if !is_compile && !REGEX_METHODS.contains(&(call.name, call.args.len())) {
            return;
        }
        let Some(regex) = call.arg(0).and_then(|r| cx.java().constant_str(r, cx.source())) else {
            return;
        };
        if !is_compile {
            if call.name == "split" && is_fast_split(&regex) {
                return;
            }
            let is_string = object.kind() == "string_literal"
                || calls::receiver_type(object, cx) == Some("String");
            if !is_string {
                return;
            }
        }
        if calls::enclosing_loop(node, cx).is_none() {
            return;
        }
        let what = if is_compile {
            "`Pattern.compile`".to_string()
        } else {
            format!("`String.{}`", call.name)
        };
        cx.report(node, format!("{what} compiles the same regex on every iteration of the loop"));
    }
}
