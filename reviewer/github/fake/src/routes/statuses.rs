//! Commit statuses: create one, list a reference's, and the combined status.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::CommitStatus;
use crate::reply::{Reply, page_reply};
use crate::routes::list_url;
use crate::routes::reviews::writer;
use crate::server::Call;
use crate::shapes;
use crate::state::{State, now_timestamp};

const CREATE_DOCS: &str = "https://docs.github.com/rest/commits/statuses#create-a-commit-status";
const LIST_DOCS: &str =
    "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference";
const COMBINED_DOCS: &str = "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference";

const STATES: [&str; 4] = ["error", "failure", "pending", "success"];

#[derive(Deserialize)]
struct NewStatus {
    state: Option<String>,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

fn custom(field: &str, message: &str) -> Reply {
    Reply::json(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "message": "Validation Failed",
            "errors": [{ "resource": "Status", "code": "custom", "field": field, "message": message }],
            "documentation_url": CREATE_DOCS,
            "status": "422",
        }),
    )
}

pub(crate) fn create(state: &mut State, call: &Call, repo_name: &str, sha: &str) -> Reply {
    let request: NewStatus = match call.json(CREATE_DOCS) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let Some(status_state) = request.state.filter(|s| STATES.contains(&s.as_str())) else {
        return custom("state", "state is not included in the list");
    };
    if request
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return custom(
            "description",
            "description is too long (maximum is 140 characters)",
        );
    }
    let Some(commit) = state
        .repos
        .get(repo_name)
        .and_then(|r| r.resolve(Some(sha)))
        .map(|c| c.sha.clone())
    else {
        return Reply::error(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &format!("No commit found for SHA: {sha}"),
            CREATE_DOCS,
        );
    };
    let status = CommitStatus {
        id: state.next_id(),
        sha: commit,
        state: status_state,
        context: request.context.unwrap_or_else(|| "default".to_owned()),
        description: request.description,
        target_url: request.target_url,
        creator: writer(call),
        created_at: now_timestamp(),
    };
    let Some(repo) = state.repos.get_mut(repo_name) else {
        return Reply::not_found(CREATE_DOCS);
    };
    repo.statuses.push(status.clone());
    let Some(repo) = state.repos.get(repo_name) else {
        return Reply::not_found(CREATE_DOCS);
    };
    Reply::created(&shapes::status(&state.urls, repo, &status))
}

/// A reference's statuses, newest first.
fn statuses_of<'a>(
    state: &'a State,
    repo_name: &str,
    reference: &str,
) -> Option<Vec<&'a CommitStatus>> {
    let repo = state.repos.get(repo_name)?;
    let sha = &repo.resolve(Some(reference))?.sha;
    Some(
        repo.statuses
            .iter()
            .rev()
            .filter(|s| &s.sha == sha)
            .collect(),
    )
}

pub(crate) fn list(state: &State, call: &Call, repo_name: &str, reference: &str) -> Reply {
    let (Some(repo), Some(statuses)) = (
        state.repos.get(repo_name),
        statuses_of(state, repo_name, reference),
    ) else {
        return Reply::not_found(LIST_DOCS);
    };
    let listed: Vec<Value> = statuses
        .into_iter()
        .map(|s| shapes::status(&state.urls, repo, s))
        .collect();
    page_reply(
        &listed,
        &call.query,
        &list_url(state, repo, &format!("commits/{reference}/statuses")),
    )
}

/// The latest status of each context, and their combined state: `failure` if any failed
/// or errored, else `pending` if any is pending or there are none, else `success`.
pub(crate) fn combined(state: &State, repo_name: &str, reference: &str) -> Reply {
    let (Some(repo), Some(statuses)) = (
        state.repos.get(repo_name),
        statuses_of(state, repo_name, reference),
    ) else {
        return Reply::not_found(COMBINED_DOCS);
    };
    let mut latest: Vec<&CommitStatus> = Vec::new();
    for status in statuses {
        if !latest.iter().any(|s| s.context == status.context) {
            latest.push(status);
        }
    }
    let combined = if latest
        .iter()
        .any(|s| s.state == "failure" || s.state == "error")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let sha = repo
        .resolve(Some(reference))
        .map(|c| c.sha.clone())
        .unwrap_or_default();
    let full_name = repo.full_name();
    Reply::ok(&json!({
        "state": combined,
        "statuses": latest.iter().map(|s| shapes::status(&state.urls, repo, s)).collect::<Vec<_>>(),
        "sha": sha,
        "total_count": latest.len(),
        "repository": shapes::repo(&state.urls, repo),
        "commit_url": state.urls.api(&format!("/repos/{full_name}/commits/{sha}")),
        "url": state.urls.api(&format!("/repos/{full_name}/commits/{sha}/status")),
    }))
}
