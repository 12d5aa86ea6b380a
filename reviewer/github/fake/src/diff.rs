//! The changed files of a pull request, as GitHub's files endpoint lists them.
//!
//! GitHub's `patch` is git's unified diff of one file without its `diff --git`/`---`/`+++`
//! header: hunks with three lines of context, `@@ -a,b +c,d @@` headers followed by git's
//! default function-name heading, and `\ No newline at end of file` markers. Review comments
//! are placed by line number and GitHub accepts only lines that appear in a hunk, so each
//! patch line keeps its old and new line numbers next to the text that is served.

use std::collections::{BTreeMap, BTreeSet};

use similar::{ChangeTag, TextDiff};

use crate::git::{Files, blob_sha};

/// The `status` of a file in a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
}

impl FileStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Modified => "modified",
            FileStatus::Renamed => "renamed",
        }
    }
}

/// Which side of a diff a line is on: `LEFT` is the base, `RIGHT` the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The base (old) side: removed and context lines.
    Left,
    /// The head (new) side: added and context lines.
    Right,
}

impl Side {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Side::Left => "LEFT",
            Side::Right => "RIGHT",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Side> {
        match text {
            "LEFT" => Some(Side::Left),
            "RIGHT" => Some(Side::Right),
            _ => None,
        }
    }
}

/// What one line of a patch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Header,
    Context,
    Added,
    Removed,
    NoNewline,
}

/// One line of a patch with the line numbers it has on each side.
#[derive(Debug, Clone)]
pub(crate) struct PatchLine {
    pub(crate) kind: LineKind,
    pub(crate) old: Option<u64>,
    pub(crate) new: Option<u64>,
    /// Index in the patch of this line's hunk header.
    pub(crate) header: usize,
}

/// A file's patch: its text and, per text line, what the line is.
///
/// Invariant: `lines[i]` describes the `i`-th line of `text` (split on `\n`), so an index
/// into `lines` is also GitHub's `position` of that line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Patch {
    pub(crate) text: String,
    pub(crate) lines: Vec<PatchLine>,
    pub(crate) additions: u64,
    pub(crate) deletions: u64,
}

impl Patch {
    /// The index of the patch line that `line` on `side` is, if a hunk shows it.
    pub(crate) fn find(&self, side: Side, line: u64) -> Option<usize> {
        self.lines.iter().position(|l| match side {
            Side::Right => {
                matches!(l.kind, LineKind::Context | LineKind::Added) && l.new == Some(line)
            }
            Side::Left => {
                matches!(l.kind, LineKind::Context | LineKind::Removed) && l.old == Some(line)
            }
        })
    }

    /// GitHub's `diff_hunk` for a comment on the patch line at `index`: the hunk from its
    /// header down to that line.
    pub(crate) fn diff_hunk(&self, index: usize) -> String {
        let Some(line) = self.lines.get(index) else {
            return String::new();
        };
        self.text
            .split('\n')
            .skip(line.header)
            .take(index + 1 - line.header)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Git treats a file as binary when its first 8000 bytes hold a NUL; GitHub also gives no
/// patch for contents that are not UTF-8.
pub(crate) fn is_binary(content: &[u8]) -> bool {
    content.iter().take(8000).any(|b| *b == 0) || std::str::from_utf8(content).is_err()
}

/// Git's default function-name heading for a hunk: a line starting with a letter, `_` or
/// `$`, cut to 80 bytes, trailing whitespace trimmed.
fn heading(line: &str) -> Option<String> {
    let first = *line.as_bytes().first()?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
        return None;
    }
    let bytes = line.as_bytes();
    let mut cut = &bytes[..bytes.len().min(80)];
    while let [rest @ .., last] = cut
        && last.is_ascii_whitespace()
    {
        cut = rest;
    }
    Some(String::from_utf8_lossy(cut).into_owned())
}

/// A hunk header range: git leaves the count out when it is 1, and numbers an empty range
/// by the line before it.
fn range(start: usize, end: usize) -> String {
    match end.saturating_sub(start) {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        len => format!("{},{len}", start + 1),
    }
}

/// The unified diff of two texts with three lines of context, formatted as GitHub's
/// `patch` field.
pub(crate) fn patch(old: &str, new: &str) -> Patch {
    let diff = TextDiff::from_lines(old, new);
    let old_lines = diff.old_slices();
    let mut out = Patch::default();
    let mut texts: Vec<String> = Vec::new();
    let mut func = String::new();
    // Like git (xdiff's `get_func_line`): look upwards from the line above the hunk, but no
    // further than where the previous hunk's search started; keep the previous heading when
    // nothing is found.
    let mut search_limit: Option<usize> = None;
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (old_start, new_start) = (first.old_range().start, first.new_range().start);
        let (old_end, new_end) = (last.old_range().end, last.new_range().end);
        let mut at = old_start;
        while at > 0 && Some(at - 1) != search_limit {
            at -= 1;
            if let Some(found) = old_lines.get(at).and_then(|l| heading(l)) {
                func = found;
                break;
            }
        }
        search_limit = old_start.checked_sub(1);
        let mut header = format!(
            "@@ -{} +{} @@",
            range(old_start, old_end),
            range(new_start, new_end)
        );
        if !func.is_empty() {
            header.push(' ');
            header.push_str(&func);
        }
        let header_index = texts.len();
        texts.push(header);
        out.lines.push(PatchLine {
            kind: LineKind::Header,
            old: None,
            new: None,
            header: header_index,
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, kind) = match change.tag() {
                    ChangeTag::Equal => (' ', LineKind::Context),
                    ChangeTag::Delete => ('-', LineKind::Removed),
                    ChangeTag::Insert => ('+', LineKind::Added),
                };
                match kind {
                    LineKind::Added => out.additions += 1,
                    LineKind::Removed => out.deletions += 1,
                    _ => {}
                }
                let value = change.value();
                let value = value.strip_suffix('\n').unwrap_or(value);
                texts.push(format!("{sign}{value}"));
                out.lines.push(PatchLine {
                    kind,
                    old: change.old_index().map(|i| i as u64 + 1),
                    new: change.new_index().map(|i| i as u64 + 1),
                    header: header_index,
                });
                if change.missing_newline() {
                    texts.push("\\ No newline at end of file".to_owned());
                    out.lines.push(PatchLine {
                        kind: LineKind::NoNewline,
                        old: None,
                        new: None,
                        header: header_index,
                    });
                }
            }
        }
    }
    out.text = texts.join("\n");
    out
}

/// One entry of a pull request's file list.
#[derive(Debug, Clone)]
pub(crate) struct FileChange {
    pub(crate) filename: String,
    pub(crate) previous_filename: Option<String>,
    pub(crate) status: FileStatus,
    /// The blob sha of the file's head version (its base version when removed).
    pub(crate) sha: String,
    pub(crate) additions: u64,
    pub(crate) deletions: u64,
    /// `None` for binary files and for renames without a change. Whether a patch is too
    /// large to serve is decided when it is served.
    pub(crate) patch: Option<Patch>,
}

/// Compares base and head as GitHub's files endpoint does. `renames` lists `(old, new)`
/// pairs; besides those, a removed file whose exact contents reappear under an added path
/// is a rename, as git's rename detection would find it.
pub(crate) fn changes(base: &Files, head: &Files, renames: &[(String, String)]) -> Vec<FileChange> {
    let removed: Vec<&String> = base.keys().filter(|p| !head.contains_key(*p)).collect();
    let added: Vec<&String> = head.keys().filter(|p| !base.contains_key(*p)).collect();
    // New path -> old path.
    let mut moved: BTreeMap<&str, &str> = BTreeMap::new();
    for (old, new) in renames {
        if removed.contains(&old) && added.contains(&new) {
            moved.insert(new, old);
        }
    }
    for new in &added {
        if moved.contains_key(new.as_str()) || head[*new].is_empty() {
            continue;
        }
        let taken: BTreeSet<&str> = moved.values().copied().collect();
        if let Some(old) = removed
            .iter()
            .find(|old| !taken.contains(old.as_str()) && base[**old] == head[*new])
        {
            moved.insert(new, old);
        }
    }
    let moved_away: BTreeSet<&str> = moved.values().copied().collect();

    let paths: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    let mut out = Vec::new();
    for path in paths {
        if moved_away.contains(path.as_str()) {
            continue;
        }
        let (status, previous, old, new): (_, _, &[u8], &[u8]) =
            if let Some(old_path) = moved.get(path.as_str()) {
                let old = base.get(*old_path).map_or(&[][..], Vec::as_slice);
                let new = head.get(path).map_or(&[][..], Vec::as_slice);
                (FileStatus::Renamed, Some(*old_path), old, new)
            } else {
                match (base.get(path), head.get(path)) {
                    (None, Some(new)) => (FileStatus::Added, None, &[][..], new.as_slice()),
                    (Some(old), None) => (FileStatus::Removed, None, old.as_slice(), &[][..]),
                    (Some(old), Some(new)) if old != new => {
                        (FileStatus::Modified, None, old.as_slice(), new.as_slice())
                    }
                    _ => continue,
                }
            };
        let patch = (old != new && !is_binary(old) && !is_binary(new))
            .then(|| patch(&String::from_utf8_lossy(old), &String::from_utf8_lossy(new)));
        let (additions, deletions) = patch
            .as_ref()
            .map_or((0, 0), |p| (p.additions, p.deletions));
        out.push(FileChange {
            filename: path.clone(),
            previous_filename: previous.map(str::to_owned),
            status,
            sha: blob_sha(if status == FileStatus::Removed {
                old
            } else {
                new
            }),
            additions,
            deletions,
            patch,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn a_modification_has_three_lines_of_context_and_a_function_heading() {
        let p = patch("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n");
        assert_eq!(p.text, "@@ -2,7 +2,7 @@ a\n b\n c\n d\n-e\n+E\n f\n g\n h");
        assert_eq!((p.additions, p.deletions), (1, 1));
    }

    #[test]
    fn an_added_file_starts_at_line_zero() {
        assert_eq!(patch("", "x\ny\n").text, "@@ -0,0 +1,2 @@\n+x\n+y");
    }

    #[test]
    fn single_line_ranges_drop_the_count_like_git() {
        assert_eq!(patch("x\n", "y\n").text, "@@ -1 +1 @@\n-x\n+y");
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            patch("x\n", "x\ny").text,
            "@@ -1 +1,2 @@\n x\n+y\n\\ No newline at end of file"
        );
    }

    #[test]
    fn right_side_lines_are_found_in_hunks_only() {
        let old: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let new = old.replace("l10\n", "L10\n");
        let p = patch(&old, &new);
        assert!(p.find(Side::Right, 10).is_some());
        assert!(p.find(Side::Right, 7).is_some());
        assert!(p.find(Side::Right, 13).is_some());
        assert!(p.find(Side::Right, 6).is_none());
        assert!(p.find(Side::Right, 14).is_none());
        assert!(p.find(Side::Left, 10).is_some());
    }

    #[test]
    fn a_diff_hunk_runs_from_its_header_to_the_line() {
        let p = patch("a\nb\nc\n", "a\nB\nc\n");
        let index = p.find(Side::Right, 2).unwrap();
        assert_eq!(p.diff_hunk(index), "@@ -1,3 +1,3 @@\n a\n-b\n+B");
    }

    #[test]
    fn identical_contents_under_a_new_path_are_a_rename_without_patch() {
        let base = files(&[("old.py", "x = 1\n"), ("same.py", "s\n")]);
        let head = files(&[("new.py", "x = 1\n"), ("same.py", "s\n")]);
        let changes = changes(&base, &head, &[]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].status, FileStatus::Renamed);
        assert_eq!(changes[0].previous_filename.as_deref(), Some("old.py"));
        assert!(changes[0].patch.is_none());
    }

    #[test]
    fn binary_and_non_utf8_files_have_no_patch() {
        let mut base = Files::new();
        base.insert("img.png".into(), vec![0x89, 0x50, 0x00, 0x01]);
        base.insert("latin1.txt".into(), vec![b'a', 0xe9, b'\n']);
        let mut head = base.clone();
        head.insert("img.png".into(), vec![0x89, 0x50, 0x00, 0x02]);
        head.insert("latin1.txt".into(), vec![b'b', 0xe9, b'\n']);
        let changes = changes(&base, &head, &[]);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.patch.is_none()));
        assert!(changes.iter().all(|c| c.status == FileStatus::Modified));
    }
}
