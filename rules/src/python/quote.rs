//! How rules quote source code in messages: one line, short enough to read at a glance,
//! so a finding's message stays one line however long the expression.

/// `text` cut to its first line and at most `QUOTE_CHARS` characters, with `…` when cut.
pub fn short(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.chars().count() > QUOTE_CHARS || first_line.len() < text.len() {
        let kept: String = first_line.chars().take(QUOTE_CHARS - 3).collect();
        format!("{}…", kept.trim_end())
    } else {
        first_line.to_string()
    }
}

const QUOTE_CHARS: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_multiline_code_is_cut() {
        assert_eq!(short("x + 1"), "x + 1");
        assert_eq!(short("f(\n  a)"), "f(…");
        assert_eq!(short(&"a".repeat(50)).chars().count(), 38);
    }
}
