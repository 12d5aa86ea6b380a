use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks date patterns given to `new SimpleDateFormat(..)` and
    /// `DateTimeFormatter.ofPattern(..)` for letters that look right but mean
    /// something else:
    ///
    /// - `YYYY` (week-based year) with a month and day, where `yyyy` was meant;
    /// - `DD` (day of the year) with a month, where `dd` was meant;
    /// - `hh` (hour 1 to 12) with no `a` (AM/PM marker), where `HH` was meant.
    ///
    /// Text in quotes is skipped. `Y` with `w` (week of the year) is a real week date
    /// and is not reported.
    ///
    /// ## Why is this bad?
    /// The pattern works for most of the year, so tests pass. Then `YYYY` prints
    /// 2025-12-29 as `2026-12-29` (the week belongs to the next year), `DD` prints
    /// February 1st as `02-32`, and `hh` prints 13:00 and 01:00 the same way.
    /// Timestamps go wrong, sorting breaks, and parsed dates land on the wrong day.
    ///
    /// ## Example
    /// ```java
    /// DateTimeFormatter format = DateTimeFormatter.ofPattern("YYYY-MM-dd hh:mm");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    /// ```
    pub DateFormatPattern {
        id: "java-date-format-pattern",
        title: "Date pattern with a week-year, day-of-year or 12-hour field by mistake",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Use `yyyy` for the year, `dd` for the day of the month and `HH` for 24-hour time",
    }
}

impl Rule for DateFormatPattern {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let pattern = if node.kind() == "object_creation_expression" {
            if calls::created_type(node, cx) != Some("SimpleDateFormat") {
                return;
            }
            node.child_by_field_name("arguments")
                .map(calls::arguments)
                .and_then(|a| a.first().copied())
        } else {
            let Some(call) = Call::of(node, cx) else {
                return;
            };
            if call.name != "ofPattern" || call.receiver_name(cx) != "DateTimeFormatter" {
                return;
            }
            call.arg(0)
        };
        let Some(pattern) = pattern else {
            return;
        };
        let Some(text) = cx.java().constant_str(pattern, cx.source()) else {
            return;
        };
        if let Some(problem) = mistake(&text) {
            cx.report(pattern, format!("in `\"{text}\"`, {problem}"));
        }
    }
}

/// The first likely mistake in a pattern, described for the message.
fn mistake(pattern: &str) -> Option<&'static str> {
    // The pattern letters, outside quoted text.
    let mut letters = String::new();
    let mut quoted = false;
    for c in pattern.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && c.is_ascii_alphabetic() {
            letters.push(c);
        }
    }
    let has = |c: char| letters.contains(c);
    if has('Y') && !has('w') && has('M') && has('d') {
        return Some("`Y` is the week-based year, which differs from the calendar year around New Year: use `y`");
    }
    if letters.contains("DD") && has('M') {
        return Some("`D` is the day of the year, not of the month: use `d`");
    }
    if has('h') && !has('a') && !has('B') {
        return Some("`h` is the hour from 1 to 12, and there is no `a` to say AM or PM: use `H`");
    }
    None
}
