//! Git object ids computed the way git computes them.
//!
//! Blob and tree shas are real git object ids, so a test can compare what a client received
//! with `git hash-object`, and the tree endpoint can list subtrees by the same sha it served
//! for them. Commit shas hash a real commit object with a fixed author date, so the same
//! sequence of set-up calls gives the same shas on every run.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha1::{Digest, Sha1};

/// Paths of a commit's files (`/`-separated, relative to the repository root) mapped to
/// their contents.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The author and committer date of every commit: fixed, so shas are reproducible.
const COMMIT_EPOCH: i64 = 1_700_000_000;

/// The sha git gives a blob with these contents.
pub(crate) fn blob_sha(content: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", content.len()).as_bytes());
    hasher.update(content);
    hex(&hasher.finalize())
}

/// The sha of a commit object with this tree, parent and message.
fn commit_sha(tree: &str, parent: Option<&str>, message: &str) -> String {
    let mut object = format!("tree {tree}\n");
    if let Some(parent) = parent {
        object.push_str(&format!("parent {parent}\n"));
    }
    let person = format!("Argus Fake <fake@argus.invalid> {COMMIT_EPOCH} +0000");
    object.push_str(&format!(
        "author {person}\ncommitter {person}\n\n{message}\n"
    ));
    let mut hasher = Sha1::new();
    hasher.update(format!("commit {}\0", object.len()).as_bytes());
    hasher.update(object.as_bytes());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(sha: &str) -> Vec<u8> {
    (0..sha.len() / 2)
        .filter_map(|i| sha.get(2 * i..2 * i + 2))
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect()
}

/// Whether an entry of a tree is a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Blob,
    Tree,
}

impl EntryKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntryKind::Blob => "blob",
            EntryKind::Tree => "tree",
        }
    }

    /// The mode as GitHub's tree endpoint prints it.
    pub(crate) fn mode(self) -> &'static str {
        match self {
            EntryKind::Blob => "100644",
            EntryKind::Tree => "040000",
        }
    }
}

/// One entry of a tree object: a file or a subdirectory.
#[derive(Debug, Clone)]
pub(crate) struct TreeEntry {
    pub(crate) name: String,
    pub(crate) kind: EntryKind,
    pub(crate) sha: String,
    /// The blob's size; `None` for subtrees.
    pub(crate) size: Option<usize>,
}

/// A tree object: one directory of a commit.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub(crate) sha: String,
    /// The directory's path from the root, without a trailing slash; `""` for the root.
    pub(crate) path: String,
    /// Entries in git's order.
    pub(crate) entries: Vec<TreeEntry>,
}

/// A commit: its files and every tree object they form.
#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub(crate) sha: String,
    /// The sha of the root tree.
    pub(crate) tree: String,
    pub(crate) files: Arc<Files>,
    /// Tree objects by directory path (`""` is the root).
    pub(crate) trees: BTreeMap<String, Arc<Tree>>,
}

impl Commit {
    /// Builds the commit of `files`, hashing its trees bottom up.
    pub(crate) fn new(files: Files, parent: Option<&str>, message: &str) -> Commit {
        let trees = build_trees(&files);
        let tree = trees
            .get("")
            .map_or_else(|| tree_sha(&[]), |root| root.sha.clone());
        Commit {
            sha: commit_sha(&tree, parent, message),
            tree,
            files: Arc::new(files),
            trees,
        }
    }

    /// The tree object with this sha, if it is one of this commit's.
    pub(crate) fn tree_by_sha(&self, sha: &str) -> Option<&Arc<Tree>> {
        self.trees.values().find(|t| t.sha == sha)
    }

    /// The entries of `tree`, each with its path relative to `tree`, as the trees endpoint
    /// lists them. With `recursive`, every subtree entry is followed by its own entries,
    /// as `git ls-tree -r -t` lists them.
    pub(crate) fn list(&self, tree: &Tree, recursive: bool) -> Vec<(String, TreeEntry)> {
        let mut out = Vec::new();
        self.list_into(tree, "", recursive, &mut out);
        out
    }

    fn list_into(
        &self,
        tree: &Tree,
        prefix: &str,
        recursive: bool,
        out: &mut Vec<(String, TreeEntry)>,
    ) {
        for entry in &tree.entries {
            let relative = join(prefix, &entry.name);
            let subtree = (recursive && entry.kind == EntryKind::Tree)
                .then(|| self.trees.get(&join(&tree.path, &entry.name)))
                .flatten();
            out.push((relative.clone(), entry.clone()));
            if let Some(subtree) = subtree {
                self.list_into(subtree, &relative, recursive, out);
            }
        }
    }

    /// The blob with this sha, if one of this commit's files has it.
    pub(crate) fn blob_by_sha(&self, sha: &str) -> Option<&[u8]> {
        self.files
            .values()
            .find(|content| blob_sha(content) == sha)
            .map(Vec::as_slice)
    }
}

/// Git sorts tree entries by name, comparing a directory as if its name ended in `/`.
fn git_order(a: &TreeEntry, b: &TreeEntry) -> std::cmp::Ordering {
    let key = |e: &TreeEntry| {
        let mut k = e.name.as_bytes().to_vec();
        if e.kind == EntryKind::Tree {
            k.push(b'/');
        }
        k
    };
    key(a).cmp(&key(b))
}

fn tree_sha(entries: &[TreeEntry]) -> String {
    let mut body = Vec::new();
    for entry in entries {
        // Inside the object git writes a directory's mode without the leading zero.
        let mode = match entry.kind {
            EntryKind::Blob => "100644",
            EntryKind::Tree => "40000",
        };
        body.extend_from_slice(format!("{mode} {}\0", entry.name).as_bytes());
        body.extend_from_slice(&unhex(&entry.sha));
    }
    let mut hasher = Sha1::new();
    hasher.update(format!("tree {}\0", body.len()).as_bytes());
    hasher.update(&body);
    hex(&hasher.finalize())
}

/// `dir/name`, or `name` in the root.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn depth(dir: &str) -> usize {
    if dir.is_empty() {
        0
    } else {
        dir.matches('/').count() + 1
    }
}

fn build_trees(files: &Files) -> BTreeMap<String, Arc<Tree>> {
    // Every directory that holds a file, directly or below, with its files.
    let mut dirs: BTreeMap<String, Vec<TreeEntry>> = BTreeMap::new();
    dirs.insert(String::new(), Vec::new());
    for (path, content) in files {
        let (dir, name) = split_parent(path);
        dirs.entry(dir.to_owned()).or_default().push(TreeEntry {
            name: name.to_owned(),
            kind: EntryKind::Blob,
            sha: blob_sha(content),
            size: Some(content.len()),
        });
        let mut ancestor = dir;
        while !ancestor.is_empty() {
            let (up, _) = split_parent(ancestor);
            dirs.entry(up.to_owned()).or_default();
            ancestor = up;
        }
    }
    // Deepest directories first, so each subtree's sha is known before its parent's.
    let mut order: Vec<String> = dirs.keys().cloned().collect();
    order.sort_by_key(|d| std::cmp::Reverse(depth(d)));
    let mut trees = BTreeMap::new();
    for dir in order {
        let mut entries = dirs.remove(&dir).unwrap_or_default();
        entries.sort_by(git_order);
        let tree = Tree {
            sha: tree_sha(&entries),
            path: dir.clone(),
            entries,
        };
        if !dir.is_empty() {
            let (up, name) = split_parent(&dir);
            dirs.entry(up.to_owned()).or_default().push(TreeEntry {
                name: name.to_owned(),
                kind: EntryKind::Tree,
                sha: tree.sha.clone(),
                size: None,
            });
        }
        trees.insert(dir, Arc::new(tree));
    }
    trees
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_sha_matches_git_hash_object() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_sha(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_sha(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn empty_tree_sha_matches_git() {
        assert_eq!(tree_sha(&[]), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    }

    #[test]
    fn tree_shas_match_git_write_tree() {
        // git init; printf 'hello\n' > a.txt; mkdir d; printf 'x\n' > d/b.txt;
        // printf 'y\n' > d.txt; git add .; git write-tree
        let mut files = Files::new();
        files.insert("a.txt".into(), b"hello\n".to_vec());
        files.insert("d/b.txt".into(), b"x\n".to_vec());
        files.insert("d.txt".into(), b"y\n".to_vec());
        let commit = Commit::new(files, None, "m");
        assert_eq!(commit.tree, "bb0a2eebca0681a01d741f885ace1a7303d70622");
        assert_eq!(
            commit.trees["d"].sha,
            "add4794d9c94872b96c1697c056fb82ae0d72880"
        );
        let root: Vec<&str> = commit.trees[""]
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(root, ["a.txt", "d.txt", "d"]);
    }

    #[test]
    fn recursive_listing_puts_each_subtree_before_its_entries() {
        let mut files = Files::new();
        files.insert("a/b/c.txt".into(), b"c".to_vec());
        files.insert("a/d.txt".into(), b"d".to_vec());
        files.insert("e.txt".into(), b"e".to_vec());
        let commit = Commit::new(files, None, "m");
        let listed: Vec<String> = commit
            .list(&commit.trees[""], true)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(listed, ["a", "a/b", "a/b/c.txt", "a/d.txt", "e.txt"]);
        let top: Vec<String> = commit
            .list(&commit.trees[""], false)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(top, ["a", "e.txt"]);
        let below_a: Vec<String> = commit
            .list(&commit.trees["a"], true)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(below_a, ["b", "b/c.txt", "d.txt"]);
    }

    #[test]
    fn commit_shas_depend_on_parent_and_message() {
        let files = Files::new();
        let a = Commit::new(files.clone(), None, "m");
        let b = Commit::new(files.clone(), Some(&a.sha), "m");
        let c = Commit::new(files, None, "n");
        assert_eq!(a.sha.len(), 40);
        assert_ne!(a.sha, b.sha);
        assert_ne!(a.sha, c.sha);
        assert_eq!(a.sha, Commit::new(Files::new(), None, "m").sha);
    }
}
