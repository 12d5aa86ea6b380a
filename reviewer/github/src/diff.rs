//! Which lines of a changed file a pull request touches, read from the unified-diff
//! `patch` GitHub lists for each file. Review comments can only sit on lines of the new
//! file (the RIGHT side) that fall inside a hunk.

use std::collections::BTreeSet;

/// The RIGHT-side lines of one file's patch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedLines {
    /// Lines the pull request adds or modifies (`+` lines).
    pub added: BTreeSet<u32>,
    /// Every RIGHT-side line inside a hunk: added lines and their context.
    pub in_hunks: BTreeSet<u32>,
}

/// A patch that does not follow the unified-diff format.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("patch line {line}: {message}")]
pub struct PatchError {
    pub line: usize,
    pub message: String,
}

impl ChangedLines {
    /// Parses GitHub's `patch` field: hunks headed `@@ -a,b +c,d @@`, no file headers.
    pub fn parse(patch: &str) -> Result<ChangedLines, PatchError> {
        let mut lines = ChangedLines::default();
        let mut next_new: Option<u32> = None;
        for (index, text) in patch.lines().enumerate() {
            let bad = |message: &str| PatchError {
                line: index + 1,
                message: message.to_string(),
            };
            if let Some(header) = text.strip_prefix("@@") {
                let new_range = header
                    .split_whitespace()
                    .find(|part| part.starts_with('+'))
                    .ok_or_else(|| bad("a hunk header without a `+start,count` range"))?;
                let start = new_range[1..]
                    .split(',')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| bad("a hunk header with an unreadable new-file start"))?;
                next_new = Some(start);
                continue;
            }
            let Some(line) = next_new else {
                return Err(bad("text before the first hunk header"));
            };
            match text.as_bytes().first() {
                Some(b'+') => {
                    lines.added.insert(line);
                    lines.in_hunks.insert(line);
                    next_new = Some(line + 1);
                }
                Some(b' ') | None => {
                    lines.in_hunks.insert(line);
                    next_new = Some(line + 1);
                }
                // Removed lines exist only on the LEFT side; `\ No newline at end of file`
                // annotates the line before it.
                Some(b'-' | b'\\') => {}
                Some(_) => {
                    return Err(bad(
                        "a line that starts with neither ` `, `+`, `-` nor `\\`",
                    ));
                }
            }
        }
        Ok(lines)
    }

    /// The lines `new` adds or modifies relative to `old`, for a file whose diff GitHub
    /// leaves out (too large). GitHub cannot place comments there, so no line is in a hunk.
    pub fn between(old: &str, new: &str) -> ChangedLines {
        let diff = similar::TextDiff::from_lines(old, new);
        let added = diff
            .ops()
            .iter()
            .filter(|op| op.tag() != similar::DiffTag::Equal)
            .flat_map(|op| op.new_range())
            .filter_map(|index| u32::try_from(index + 1).ok())
            .collect();
        ChangedLines {
            added,
            in_hunks: BTreeSet::new(),
        }
    }

    /// Every line of a new file (status `added`) counts as added, whatever the patch.
    pub fn whole_file(line_count: u32) -> ChangedLines {
        let all: BTreeSet<u32> = (1..=line_count).collect();
        ChangedLines {
            added: all.clone(),
            in_hunks: all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_context_lines_are_numbered_on_the_right_side() {
        let patch = "@@ -1,4 +1,5 @@\n import os\n-import sys\n+import hashlib\n+import json\n \n def f():\n@@ -20,3 +21,4 @@ def g():\n     a = 1\n+    b = 2\n     c = 3\n\\ No newline at end of file";
        let lines = ChangedLines::parse(patch).unwrap();
        assert_eq!(lines.added.iter().copied().collect::<Vec<_>>(), [2, 3, 22]);
        assert_eq!(
            lines.in_hunks.iter().copied().collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 21, 22, 23]
        );
    }

    #[test]
    fn a_file_without_a_patch_is_diffed_locally_and_has_no_placeable_line() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nc\nd\ne\n";
        let lines = ChangedLines::between(old, new);
        assert_eq!(lines.added.iter().copied().collect::<Vec<_>>(), [2, 5]);
        assert!(lines.in_hunks.is_empty());
    }

    #[test]
    fn a_patch_that_is_not_a_diff_is_an_error_naming_the_line() {
        assert_eq!(
            ChangedLines::parse("hello\n").unwrap_err(),
            PatchError {
                line: 1,
                message: "text before the first hunk header".into()
            }
        );
        assert!(ChangedLines::parse("@@ -1 +x @@\n").is_err());
    }
}
