//! How Java rules quote code in their messages: on one line, and short enough that the
//! message stays readable when the quoted expression is a long chain.

/// The longest quoted expression, in characters, before it is cut with `…`.
const MAX_QUOTE: usize = 40;

/// `code` with its whitespace collapsed to single spaces and cut to a readable length.
pub fn quote(code: &str) -> String {
    let one_line = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_QUOTE {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_QUOTE - 1).collect();
    cut.push('…');
    cut
}

/// The simple name of a possibly qualified name: `java.util.Random` → `Random`.
pub fn simple_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_collapses_whitespace_and_cuts_long_code() {
        assert_eq!(quote("a  +\n   b"), "a + b");
        let long = "x".repeat(60);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), MAX_QUOTE);
        assert!(quoted.ends_with('…'));
    }
}
