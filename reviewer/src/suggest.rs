//! "Did you mean" suggestions for misspelled keys, rule ids and selectors.

/// The option closest to `input`, when it is close enough to be a likely typo.
pub fn closest<'a>(input: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    options
        .into_iter()
        .map(|option| (strsim::jaro_winkler(input, option), option))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, option)| option)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_the_nearest_close_option_only() {
        let options = ["select", "ignore", "exclude", "fail-on"];
        assert_eq!(closest("selct", options), Some("select"));
        assert_eq!(closest("fail_on", options), Some("fail-on"));
        assert_eq!(closest("colour", options), None);
    }
}
