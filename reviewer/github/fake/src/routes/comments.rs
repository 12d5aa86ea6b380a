//! Review comments (inline, on the diff) and issue comments (the pull request's
//! conversation): list, get, create, edit, delete.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::model::{IssueComment, Review, ReviewComment, ReviewState};
use crate::reply::{Reply, page_reply};
use crate::routes::reviews::{Anchor, add_review, place, writer};
use crate::routes::{find_pull, list_url};
use crate::server::Call;
use crate::shapes;
use crate::state::{Repo, State, TokenKind, now_timestamp};

const REVIEW_COMMENTS_DOCS: &str = "https://docs.github.com/rest/pulls/comments";
const CREATE_REVIEW_COMMENT_DOCS: &str =
    "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request";
const ISSUE_COMMENTS_DOCS: &str = "https://docs.github.com/rest/issues/comments";
const CREATE_ISSUE_COMMENT_DOCS: &str =
    "https://docs.github.com/rest/issues/comments#create-an-issue-comment";

#[derive(Deserialize)]
struct Body {
    body: Option<String>,
}

/// The `body` of an edit or a new issue comment; GitHub's 422 when it is missing.
fn required_body(call: &Call, resource: &str, docs: &str) -> Result<String, Reply> {
    let request: Body = call.json(docs)?;
    request
        .body
        .ok_or_else(|| Reply::validation_failed(resource, "body", "missing_field", docs))
}

/// Every submitted review comment of a pull request, oldest first.
fn submitted(repo: &Repo, number: u64) -> Vec<&ReviewComment> {
    let mut comments: Vec<&ReviewComment> = repo
        .pulls
        .get(&number)
        .into_iter()
        .flat_map(|p| &p.reviews)
        .filter(|r| r.state != ReviewState::Pending)
        .flat_map(|r| &r.comments)
        .collect();
    comments.sort_by_key(|c| c.id);
    comments
}

pub(crate) fn list_review_comments(state: &State, call: &Call, repo: &str, number: u64) -> Reply {
    let (repo, _) = match find_pull(state, repo, number, REVIEW_COMMENTS_DOCS) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let listed: Vec<Value> = submitted(repo, number)
        .into_iter()
        .map(|c| shapes::review_comment(&state.urls, repo, number, c))
        .collect();
    page_reply(
        &listed,
        &call.query,
        &list_url(state, repo, &format!("pulls/{number}/comments")),
    )
}

/// The pull request number and the comment with this id.
fn find_review_comment(repo: &Repo, id: u64) -> Option<(u64, &ReviewComment)> {
    repo.pulls.values().find_map(|pull| {
        pull.reviews
            .iter()
            .filter(|r| r.state != ReviewState::Pending)
            .flat_map(|r| &r.comments)
            .find(|c| c.id == id)
            .map(|c| (pull.number, c))
    })
}

pub(crate) fn get_review_comment(state: &State, repo: &str, id: u64) -> Reply {
    let Some(repo) = state.repos.get(repo) else {
        return Reply::not_found(REVIEW_COMMENTS_DOCS);
    };
    match find_review_comment(repo, id) {
        Some((number, comment)) => {
            Reply::ok(&shapes::review_comment(&state.urls, repo, number, comment))
        }
        None => Reply::not_found(REVIEW_COMMENTS_DOCS),
    }
}

#[derive(Deserialize)]
struct NewReviewComment {
    body: String,
    #[serde(default)]
    commit_id: Option<String>,
    #[serde(default)]
    in_reply_to: Option<u64>,
    #[serde(flatten)]
    anchor: Option<Anchor>,
}

/// GitHub's 422 for a single comment whose line is not in the diff.
fn not_in_diff(field: &str, message: &str) -> Reply {
    Reply::json(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "message": "Validation Failed",
            "errors": [{
                "resource": "PullRequestReviewComment",
                "code": "custom",
                "field": field,
                "message": message,
            }],
            "documentation_url": CREATE_REVIEW_COMMENT_DOCS,
            "status": "422",
        }),
    )
}

/// `POST /repos/{o}/{r}/pulls/{n}/comments`: one comment, or a reply with `in_reply_to`.
/// GitHub files it under a new submitted review of its own.
pub(crate) fn create_review_comment(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    number: u64,
) -> Reply {
    let request: NewReviewComment = match call.json(CREATE_REVIEW_COMMENT_DOCS) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let user = writer(call);
    let now = now_timestamp();
    let template = {
        let (repo, pull) = match find_pull(state, repo_name, number, CREATE_REVIEW_COMMENT_DOCS) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if let Some(parent) = request.in_reply_to {
            match submitted(repo, number).into_iter().find(|c| c.id == parent) {
                Some(parent) => ReviewComment {
                    in_reply_to_id: Some(parent.id),
                    ..parent.clone()
                },
                None => return Reply::not_found(CREATE_REVIEW_COMMENT_DOCS),
            }
        } else {
            let Some(commit_id) = request.commit_id.clone() else {
                return Reply::validation_failed(
                    "PullRequestReviewComment",
                    "commit_id",
                    "missing_field",
                    CREATE_REVIEW_COMMENT_DOCS,
                );
            };
            let Some(anchor) = &request.anchor else {
                return Reply::validation_failed(
                    "PullRequestReviewComment",
                    "path",
                    "missing_field",
                    CREATE_REVIEW_COMMENT_DOCS,
                );
            };
            let Some(changes) = pull.changes.get(&commit_id) else {
                return not_in_diff("commit_id", "commit_id is not part of the pull request");
            };
            let placement = match place(changes, state.max_patch_bytes, anchor) {
                Ok(placement) => placement,
                Err(crate::routes::reviews::Misplaced::Path) => {
                    return not_in_diff(
                        "pull_request_review_thread.path",
                        "pull_request_review_thread.path is invalid",
                    );
                }
                Err(_) => {
                    return not_in_diff(
                        "pull_request_review_thread.line",
                        "pull_request_review_thread.line must be part of the diff",
                    );
                }
            };
            placement.into_comment(&commit_id, String::new(), &user, &now)
        }
    };
    let review_id = state.next_id();
    let comment = ReviewComment {
        id: state.next_id(),
        review_id,
        body: request.body,
        user: user.clone(),
        created_at: now.clone(),
        updated_at: now.clone(),
        ..template
    };
    let id = comment.id;
    let review = Review {
        id: review_id,
        user,
        body: String::new(),
        state: ReviewState::Commented,
        commit_id: comment.commit_id.clone(),
        submitted_at: Some(now),
        comments: vec![comment],
    };
    add_review(state, repo_name, number, review);
    let mut reply = get_review_comment(state, repo_name, id);
    if reply.status.is_success() {
        reply.status = axum::http::StatusCode::CREATED;
    }
    reply
}

pub(crate) fn edit_review_comment(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    id: u64,
) -> Reply {
    let body = match required_body(call, "PullRequestReviewComment", REVIEW_COMMENTS_DOCS) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(repo) = state.repos.get_mut(repo_name) else {
        return Reply::not_found(REVIEW_COMMENTS_DOCS);
    };
    let found = repo
        .pulls
        .values_mut()
        .flat_map(|p| &mut p.reviews)
        .flat_map(|r| &mut r.comments)
        .find(|c| c.id == id);
    let Some(comment) = found else {
        return Reply::not_found(REVIEW_COMMENTS_DOCS);
    };
    comment.body = body;
    comment.updated_at = now_timestamp();
    get_review_comment(state, repo_name, id)
}

pub(crate) fn delete_review_comment(state: &mut State, repo_name: &str, id: u64) -> Reply {
    let Some(repo) = state.repos.get_mut(repo_name) else {
        return Reply::not_found(REVIEW_COMMENTS_DOCS);
    };
    for review in repo.pulls.values_mut().flat_map(|p| &mut p.reviews) {
        if let Some(index) = review.comments.iter().position(|c| c.id == id) {
            review.comments.remove(index);
            return Reply::no_content();
        }
    }
    Reply::not_found(REVIEW_COMMENTS_DOCS)
}

fn issue_comment_json(state: &State, repo: &Repo, comment: &IssueComment) -> Value {
    let app = comment.via_app.and_then(|id| state.apps.get(&id));
    shapes::issue_comment(&state.urls, repo, comment, app)
}

pub(crate) fn list_issue_comments(state: &State, call: &Call, repo: &str, number: u64) -> Reply {
    let (repo, _) = match find_pull(state, repo, number, ISSUE_COMMENTS_DOCS) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let listed: Vec<Value> = repo
        .issue_comments
        .iter()
        .filter(|c| c.number == number)
        .map(|c| issue_comment_json(state, repo, c))
        .collect();
    page_reply(
        &listed,
        &call.query,
        &list_url(state, repo, &format!("issues/{number}/comments")),
    )
}

pub(crate) fn get_issue_comment(state: &State, repo: &str, id: u64) -> Reply {
    let Some(repo) = state.repos.get(repo) else {
        return Reply::not_found(ISSUE_COMMENTS_DOCS);
    };
    match repo.issue_comments.iter().find(|c| c.id == id) {
        Some(comment) => Reply::ok(&issue_comment_json(state, repo, comment)),
        None => Reply::not_found(ISSUE_COMMENTS_DOCS),
    }
}

pub(crate) fn create_issue_comment(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    number: u64,
) -> Reply {
    let body = match required_body(call, "IssueComment", CREATE_ISSUE_COMMENT_DOCS) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if let Err(reply) = find_pull(state, repo_name, number, CREATE_ISSUE_COMMENT_DOCS) {
        return reply;
    }
    let via_app = match &call.caller {
        Caller::Token {
            kind: TokenKind::Installation { app_id, .. },
            ..
        } => Some(*app_id),
        _ => None,
    };
    let id = state.next_id();
    let now = now_timestamp();
    let comment = IssueComment {
        id,
        number,
        body,
        user: writer(call),
        via_app,
        created_at: now.clone(),
        updated_at: now,
    };
    if let Some(repo) = state.repos.get_mut(repo_name) {
        repo.issue_comments.push(comment);
    }
    let mut reply = get_issue_comment(state, repo_name, id);
    if reply.status.is_success() {
        reply.status = axum::http::StatusCode::CREATED;
    }
    reply
}

pub(crate) fn edit_issue_comment(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    id: u64,
) -> Reply {
    let body = match required_body(call, "IssueComment", ISSUE_COMMENTS_DOCS) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(comment) = state
        .repos
        .get_mut(repo_name)
        .and_then(|r| r.issue_comments.iter_mut().find(|c| c.id == id))
    else {
        return Reply::not_found(ISSUE_COMMENTS_DOCS);
    };
    comment.body = body;
    comment.updated_at = now_timestamp();
    get_issue_comment(state, repo_name, id)
}

pub(crate) fn delete_issue_comment(state: &mut State, repo_name: &str, id: u64) -> Reply {
    let Some(repo) = state.repos.get_mut(repo_name) else {
        return Reply::not_found(ISSUE_COMMENTS_DOCS);
    };
    match repo.issue_comments.iter().position(|c| c.id == id) {
        Some(index) => {
            repo.issue_comments.remove(index);
            Reply::no_content()
        }
        None => Reply::not_found(ISSUE_COMMENTS_DOCS),
    }
}
