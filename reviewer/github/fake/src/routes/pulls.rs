//! `GET /repos/{o}/{r}/pulls/{n}` and its paginated files list.

use serde_json::Value;

use crate::reply::{Reply, page_reply};
use crate::routes::{docs_for, find_pull, list_url};
use crate::server::Call;
use crate::shapes;
use crate::state::State;

/// GitHub lists at most this many files of a pull request.
pub(crate) const MAX_FILES: usize = 3000;

pub(crate) fn get(state: &State, repo: &str, number: u64) -> Reply {
    let docs = docs_for(&axum::http::Method::GET, &["pulls", ""]);
    match find_pull(state, repo, number, docs) {
        Ok((repo, pull)) => Reply::ok(&shapes::pull(&state.urls, repo, pull)),
        Err(reply) => reply,
    }
}

pub(crate) fn files(state: &State, call: &Call, repo: &str, number: u64) -> Reply {
    let docs = docs_for(&call.method, &["pulls", "", "files"]);
    let (repo, pull) = match find_pull(state, repo, number, docs) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let full_name = repo.full_name();
    let entries: Vec<Value> = pull
        .files()
        .iter()
        .take(MAX_FILES)
        .map(|change| {
            shapes::file(
                &state.urls,
                &full_name,
                pull.head(),
                change,
                state.max_patch_bytes,
            )
        })
        .collect();
    page_reply(
        &entries,
        &call.query,
        &list_url(state, repo, &format!("pulls/{number}/files")),
    )
}
