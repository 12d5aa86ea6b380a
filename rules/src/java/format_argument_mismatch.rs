use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks `String.format`, `formatted`, and `printf`/`format` on `System.out`,
    /// `System.err`, a `PrintStream`, `PrintWriter` or `Formatter`, when the format is a
    /// constant: the number of arguments the format uses (`%s`, `%d`, `%2$s`, ..; not
    /// `%%`, `%n` or `%<s`) must match the number given. A single argument that may be
    /// an `Object[]` is not judged.
    ///
    /// ## Why is this bad?
    /// Too few arguments throw `MissingFormatArgumentException` at run time, often in an
    /// error path that tests never reach. Too many are silently ignored: the message
    /// lacks the value the author meant to show.
    ///
    /// ## Example
    /// ```java
    /// String.format("user %s failed to log in from %s", user);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String.format("user %s failed to log in from %s", user, address);
    /// ```
    pub FormatArgumentMismatch {
        id: "java-format-argument-mismatch",
        title: "Format string and arguments do not match",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [628],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Give one argument per format specifier",
    }
}

const PRINTERS: &[&str] = &["PrintStream", "PrintWriter", "Formatter", "Console"];

impl Rule for FormatArgumentMismatch {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(object) = call.object else {
            return;
        };
        // Where the format is among the arguments: the receiver, or argument 0 or 1.
        let (format, rest): (Node<'t>, &[Node<'t>]) = match call.name {
            "formatted" if object.kind() == "string_literal" => (object, &call.args),
            "format" if cx.text(object) == "String" => match format_position(&call, cx) {
                Some(at) => (call.args[at], &call.args[at + 1..]),
                None => return,
            },
            "printf" | "format" if is_printer(object, cx) => match format_position(&call, cx) {
                Some(at) => (call.args[at], &call.args[at + 1..]),
                None => return,
            },
            _ => return,
        };
        let Some(text) = cx.java().constant_str(format, cx.source()) else {
            return;
        };
        let Some(expected) = specifier_count(&text) else {
            return;
        };
        if let [only] = rest
            && expected != 1
            && may_be_array(*only, cx)
        {
            return;
        }
        let given = rest.len();
        if expected != given {
            let message = if expected > given {
                format!("the format uses {expected} argument(s) but {given} are given: `MissingFormatArgumentException` at run time")
            } else {
                format!("the format uses {expected} argument(s) but {given} are given: the extra ones are ignored")
            };
            cx.report(node, message);
        }
    }
}

fn is_printer<'t>(object: Node<'t>, cx: &Checker<'t>) -> bool {
    matches!(cx.text(object), "System.out" | "System.err")
        || calls::receiver_type(object, cx).is_some_and(|t| PRINTERS.contains(&t))
}

/// The index of the format argument: 0, or 1 after a `Locale`.
fn format_position<'t>(call: &Call<'t>, cx: &Checker<'t>) -> Option<usize> {
    let first = call.arg(0)?;
    if first.kind() == "string_literal" || cx.java().constant_str(first, cx.source()).is_some() {
        return Some(0);
    }
    let is_locale = cx.text(first).starts_with("Locale.")
        || calls::receiver_type(first, cx) == Some("Locale");
    (is_locale && call.args.len() >= 2).then_some(1)
}

/// An argument that could be passed as the varargs array itself.
fn may_be_array<'t>(arg: Node<'t>, cx: &Checker<'t>) -> bool {
    let arg = ast::unparenthesize(arg);
    match arg.kind() {
        "array_creation_expression" | "cast_expression" | "method_invocation" => true,
        // An array type has no simple name, and neither has an unknown one.
        "identifier" | "field_access" => calls::receiver_type(arg, cx).is_none(),
        _ => false,
    }
}

/// How many arguments a `java.util.Formatter` format consumes, or `None` when the
/// format is not understood.
fn specifier_count(format: &str) -> Option<usize> {
    let bytes = format.as_bytes();
    let mut i = 0;
    let mut ordinary = 0;
    let mut highest_index = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        // argument index, flags, width, precision
        while i < bytes.len() && (bytes[i].is_ascii_digit() || b"-#+ 0,(<$.".contains(&bytes[i])) {
            i += 1;
        }
        let spec = format.get(start..i)?;
        let conversion = *bytes.get(i)?;
        i += 1;
        match conversion {
            b'%' | b'n' => continue,
            b't' | b'T' => {
                // Date/time conversions take a second letter.
                bytes.get(i)?;
                i += 1;
            }
            c if b"bBhHsScCdoxXeEfgGaA".contains(&c) => {}
            _ => return None,
        }
        if spec.contains('<') {
            continue;
        }
        if let Some((index, _)) = spec.split_once('$') {
            highest_index = highest_index.max(index.parse::<usize>().ok()?);
        } else {
            ordinary += 1;
        }
    }
    Some(ordinary.max(highest_index))
}

#[cfg(test)]
mod tests {
    use super::specifier_count;

    #[test]
    fn counts_specifiers_and_skips_literals_and_relative_indexes() {
        assert_eq!(specifier_count("%s and %d%%%n"), Some(2));
        assert_eq!(specifier_count("%2$s %1$s"), Some(2));
        assert_eq!(specifier_count("%1$tY-%<tm-%<td"), Some(1));
        assert_eq!(specifier_count("%-10s|%08.3f"), Some(2));
        assert_eq!(specifier_count("100%"), None);
        assert_eq!(specifier_count("%q"), None);
    }
}
