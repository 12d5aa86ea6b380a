//! What is in a commit: the repository, file contents (JSON or raw), directory listings,
//! git trees and blobs.

use serde_json::{Value, json};

use crate::git::{EntryKind, TreeEntry, blob_sha, join};
use crate::reply::{DOCS, Reply};
use crate::server::Call;
use crate::shapes::{self, escape};
use crate::state::{Repo, State};

const CONTENTS_DOCS: &str = "https://docs.github.com/rest/repos/contents#get-repository-content";
const TREES_DOCS: &str = "https://docs.github.com/rest/git/trees#get-a-tree";
const BLOBS_DOCS: &str = "https://docs.github.com/rest/git/blobs#get-a-blob";

/// Files above this size come back from the JSON contents endpoint without `content`.
const MAX_JSON_CONTENT: usize = 1024 * 1024;

/// Whether the client asked for raw contents (`application/vnd.github.raw`,
/// `application/vnd.github.raw+json` or the older `application/vnd.github.v3.raw`).
fn wants_raw(call: &Call) -> bool {
    call.header("accept").is_some_and(|accept| {
        accept.split(',').map(str::trim).any(|media| {
            media.starts_with("application/vnd.github.raw")
                || media.starts_with("application/vnd.github.v3.raw")
        })
    })
}

pub(crate) fn repository(state: &State, repo: &str) -> Reply {
    match state.repos.get(repo) {
        Some(repo) => Reply::ok(&shapes::repo(&state.urls, repo)),
        None => Reply::not_found(DOCS),
    }
}

pub(crate) fn contents(state: &State, call: &Call, repo: &str, path: &str) -> Reply {
    let Some(repo) = state.repos.get(repo) else {
        return Reply::not_found(CONTENTS_DOCS);
    };
    let reference = call.query_param("ref");
    let Some(commit) = repo.resolve(reference) else {
        return Reply::error(
            axum::http::StatusCode::NOT_FOUND,
            &format!(
                "No commit found for the ref {}",
                reference.unwrap_or(&repo.default_branch)
            ),
            CONTENTS_DOCS,
        );
    };
    let reference = reference.unwrap_or(&repo.default_branch);
    let path = path.trim_matches('/');
    if let Some(content) = commit.files.get(path) {
        if wants_raw(call) {
            return Reply::bytes("application/vnd.github.raw", content.clone());
        }
        let entry = Entry::File {
            content,
            with_content: true,
        };
        return Reply::ok(&entry_json(state, repo, reference, path, entry));
    }
    match commit.trees.get(path) {
        Some(tree) => {
            let entries: Vec<Value> = tree
                .entries
                .iter()
                .map(|entry| (join(&tree.path, &entry.name), entry))
                .map(|(entry_path, entry)| {
                    let entry = match entry.kind {
                        EntryKind::Blob => Entry::File {
                            content: commit.files.get(&entry_path).map_or(&[][..], Vec::as_slice),
                            with_content: false,
                        },
                        EntryKind::Tree => Entry::Dir { sha: &entry.sha },
                    };
                    entry_json(state, repo, reference, &entry_path, entry)
                })
                .collect();
            Reply::ok(&Value::Array(entries))
        }
        None => Reply::not_found(CONTENTS_DOCS),
    }
}

/// One entry as the contents endpoint describes it, file or directory. A file comes with
/// its `content` only when asked for by itself, and without it above 1 MB (GitHub then
/// sends `encoding: none`).
fn entry_json(state: &State, repo: &Repo, reference: &str, path: &str, entry: Entry<'_>) -> Value {
    let full_name = repo.full_name();
    let escaped = escape(path);
    let (kind, sha, size, git, page, download) = match entry {
        Entry::File { content, .. } => {
            let sha = blob_sha(content);
            let git = format!("/repos/{full_name}/git/blobs/{sha}");
            let download = state
                .urls
                .web(&format!("/{full_name}/raw/{reference}/{escaped}"));
            ("file", sha, content.len(), git, "blob", json!(download))
        }
        Entry::Dir { sha } => {
            let git = format!("/repos/{full_name}/git/trees/{sha}");
            ("dir", sha.to_owned(), 0, git, "tree", Value::Null)
        }
    };
    let url = state.urls.api(&format!(
        "/repos/{full_name}/contents/{escaped}?ref={reference}"
    ));
    let git = state.urls.api(&git);
    let html = state
        .urls
        .web(&format!("/{full_name}/{page}/{reference}/{escaped}"));
    let mut value = json!({
        "type": kind,
        "size": size,
        "name": path.rsplit('/').next().unwrap_or(path),
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": git,
        "html_url": html,
        "download_url": download,
        "_links": { "self": url, "git": git, "html": html },
    });
    if let Entry::File {
        content,
        with_content: true,
    } = entry
        && let Some(map) = value.as_object_mut()
    {
        let (encoding, text) = if content.len() > MAX_JSON_CONTENT {
            ("none", String::new())
        } else {
            ("base64", shapes::wrapped_base64(content))
        };
        map.insert("encoding".to_owned(), json!(encoding));
        map.insert("content".to_owned(), json!(text));
    }
    value
}

/// What a contents entry is.
#[derive(Clone, Copy)]
enum Entry<'a> {
    File {
        content: &'a [u8],
        with_content: bool,
    },
    Dir {
        sha: &'a str,
    },
}

/// `GET /repos/{o}/{r}/git/trees/{tree_sha}`: `tree_sha` may be a tree sha, a commit sha
/// or a branch. Any value of `recursive` (even `0` or `false`) lists subtrees too, as
/// GitHub documents.
pub(crate) fn tree(state: &State, call: &Call, repo: &str, sha: &str) -> Reply {
    let Some(repo) = state.repos.get(repo) else {
        return Reply::not_found(TREES_DOCS);
    };
    let found = repo
        .resolve(Some(sha))
        .and_then(|commit| commit.tree_by_sha(&commit.tree).map(|tree| (commit, tree)))
        .or_else(|| {
            repo.commits
                .values()
                .find_map(|commit| commit.tree_by_sha(sha).map(|tree| (commit, tree)))
        });
    let Some((commit, tree)) = found else {
        return Reply::not_found(TREES_DOCS);
    };
    let recursive = call.query_param("recursive").is_some();
    let mut entries = commit.list(tree, recursive);
    let truncated = entries.len() > state.tree_entry_limit;
    entries.truncate(state.tree_entry_limit);
    Reply::ok(&tree_json(state, repo, &tree.sha, &entries, truncated))
}

fn tree_json(
    state: &State,
    repo: &Repo,
    sha: &str,
    entries: &[(String, TreeEntry)],
    truncated: bool,
) -> Value {
    let full_name = repo.full_name();
    let listed: Vec<Value> = entries
        .iter()
        .map(|(path, entry)| {
            let kind = match entry.kind {
                EntryKind::Blob => "blobs",
                EntryKind::Tree => "trees",
            };
            let mut value = json!({
                "path": path,
                "mode": entry.kind.mode(),
                "type": entry.kind.as_str(),
                "sha": entry.sha,
                "url": state.urls.api(&format!("/repos/{full_name}/git/{kind}/{}", entry.sha)),
            });
            if let (Some(size), Some(map)) = (entry.size, value.as_object_mut()) {
                map.insert("size".to_owned(), json!(size));
            }
            value
        })
        .collect();
    json!({
        "sha": sha,
        "url": state.urls.api(&format!("/repos/{full_name}/git/trees/{sha}")),
        "tree": listed,
        "truncated": truncated,
    })
}

pub(crate) fn blob(state: &State, call: &Call, repo: &str, sha: &str) -> Reply {
    let Some(repo) = state.repos.get(repo) else {
        return Reply::not_found(BLOBS_DOCS);
    };
    let Some(content) = repo.commits.values().find_map(|c| c.blob_by_sha(sha)) else {
        return Reply::not_found(BLOBS_DOCS);
    };
    if wants_raw(call) {
        return Reply::bytes("application/vnd.github.raw", content.to_vec());
    }
    Reply::ok(&json!({
        "sha": sha,
        "node_id": shapes::node_id("B", crate::model::stable_id(sha)),
        "size": content.len(),
        "url": state.urls.api(&format!("/repos/{}/git/blobs/{sha}", repo.full_name())),
        "content": shapes::wrapped_base64(content),
        "encoding": "base64",
    }))
}
