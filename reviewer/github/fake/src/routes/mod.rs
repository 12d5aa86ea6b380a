//! The endpoints, one module per area of the REST API, and the table that sends each
//! `/repos/{owner}/{name}/…` request to its handler. A method and path GitHub does not
//! serve answer 404, as GitHub does.

pub(crate) mod apps;
pub(crate) mod comments;
pub(crate) mod contents;
pub(crate) mod pulls;
pub(crate) mod reviews;
pub(crate) mod statuses;

use axum::http::Method;

use crate::reply::{DOCS, Reply};
use crate::server::Call;
use crate::state::{Pull, Repo, State};

pub(crate) fn repo_route(state: &mut State, call: &Call, repo: &str, rest: &[&str]) -> Reply {
    let get = call.method == Method::GET;
    let post = call.method == Method::POST;
    let patch = call.method == Method::PATCH;
    let delete = call.method == Method::DELETE;
    let docs = docs_for(&call.method, rest);
    let number = |text: &str| text.parse::<u64>().ok();
    match rest {
        [] if get => contents::repository(state, repo),
        ["installation"] if get => apps::repo_installation(state, call, repo),
        ["pulls", n] if get => match number(n) {
            Some(n) => pulls::get(state, repo, n),
            None => Reply::not_found(docs),
        },
        ["pulls", n, "files"] if get => match number(n) {
            Some(n) => pulls::files(state, call, repo, n),
            None => Reply::not_found(docs),
        },
        ["pulls", "comments", id] if get || patch => match number(id) {
            Some(id) if get => comments::get_review_comment(state, repo, id),
            Some(id) => comments::edit_review_comment(state, call, repo, id),
            None => Reply::not_found(docs),
        },
        ["pulls", "comments", id] if delete => match number(id) {
            Some(id) => comments::delete_review_comment(state, repo, id),
            None => Reply::not_found(docs),
        },
        ["pulls", n, "comments"] if get || post => match number(n) {
            Some(n) if get => comments::list_review_comments(state, call, repo, n),
            Some(n) => comments::create_review_comment(state, call, repo, n),
            None => Reply::not_found(docs),
        },
        ["pulls", n, "reviews"] if get || post => match number(n) {
            Some(n) if get => reviews::list(state, call, repo, n),
            Some(n) => reviews::create(state, call, repo, n),
            None => Reply::not_found(docs),
        },
        ["pulls", n, "reviews", id] if get || delete => match (number(n), number(id)) {
            (Some(n), Some(id)) if get => reviews::get(state, repo, n, id),
            (Some(n), Some(id)) => reviews::delete_pending(state, call, repo, n, id),
            _ => Reply::not_found(docs),
        },
        ["pulls", n, "reviews", id, "events"] if post => match (number(n), number(id)) {
            (Some(n), Some(id)) => reviews::submit(state, call, repo, n, id),
            _ => Reply::not_found(docs),
        },
        ["pulls", n, "reviews", id, "comments"] if get => match (number(n), number(id)) {
            (Some(n), Some(id)) => reviews::comments(state, call, repo, n, id),
            _ => Reply::not_found(docs),
        },
        ["issues", n, "comments"] if get || post => match number(n) {
            Some(n) if get => comments::list_issue_comments(state, call, repo, n),
            Some(n) => comments::create_issue_comment(state, call, repo, n),
            None => Reply::not_found(docs),
        },
        // octocrab's `update_comment` sends POST, which GitHub accepts here.
        ["issues", "comments", id] if get || patch || post => match number(id) {
            Some(id) if get => comments::get_issue_comment(state, repo, id),
            Some(id) => comments::edit_issue_comment(state, call, repo, id),
            None => Reply::not_found(docs),
        },
        ["issues", "comments", id] if delete => match number(id) {
            Some(id) => comments::delete_issue_comment(state, repo, id),
            None => Reply::not_found(docs),
        },
        ["contents", path @ ..] if get => contents::contents(state, call, repo, &path.join("/")),
        ["git", "trees", sha] if get => contents::tree(state, call, repo, sha),
        ["git", "blobs", sha] if get => contents::blob(state, call, repo, sha),
        ["statuses", sha] if post => statuses::create(state, call, repo, sha),
        ["statuses", reference] | ["commits", reference, "statuses"] if get => {
            statuses::list(state, call, repo, reference)
        }
        ["commits", reference, "status"] if get => statuses::combined(state, repo, reference),
        _ => Reply::not_found(DOCS),
    }
}

/// The documentation link GitHub puts in errors of an endpoint.
pub(crate) fn docs_for(method: &Method, rest: &[&str]) -> &'static str {
    let post = *method == Method::POST;
    match rest {
        ["pulls", _] => "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
        ["pulls", _, "files"] => {
            "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"
        }
        ["pulls", _, "reviews"] if post => {
            "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
        }
        ["pulls", _, "reviews", ..] => "https://docs.github.com/rest/pulls/reviews",
        ["pulls", "comments", _] => {
            "https://docs.github.com/rest/pulls/comments#update-a-review-comment-for-a-pull-request"
        }
        ["pulls", _, "comments"] if post => {
            "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request"
        }
        ["pulls", _, "comments"] => {
            "https://docs.github.com/rest/pulls/comments#list-review-comments-on-a-pull-request"
        }
        ["issues", _, "comments"] if post => {
            "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
        }
        ["issues", _, "comments"] => {
            "https://docs.github.com/rest/issues/comments#list-issue-comments"
        }
        ["issues", "comments", _] => {
            "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
        }
        ["contents", ..] => "https://docs.github.com/rest/repos/contents#get-repository-content",
        ["git", "trees", _] => "https://docs.github.com/rest/git/trees#get-a-tree",
        ["git", "blobs", _] => "https://docs.github.com/rest/git/blobs#get-a-blob",
        ["statuses", _] if post => {
            "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
        }
        ["statuses", _] | ["commits", _, "statuses"] => {
            "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference"
        }
        ["installation"] => {
            "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app"
        }
        _ => DOCS,
    }
}

/// The repository and one of its pull requests, or GitHub's 404.
pub(crate) fn find_pull<'a>(
    state: &'a State,
    repo: &str,
    number: u64,
    docs: &str,
) -> Result<(&'a Repo, &'a Pull), Reply> {
    let repo = state
        .repos
        .get(repo)
        .ok_or_else(|| Reply::not_found(docs))?;
    let pull = repo
        .pulls
        .get(&number)
        .ok_or_else(|| Reply::not_found(docs))?;
    Ok((repo, pull))
}

/// The address of a list for its `Link` header: `/repositories/{id}/…`, as GitHub writes
/// the links of repository lists.
pub(crate) fn list_url(state: &State, repo: &Repo, rest: &str) -> String {
    state.urls.api(&format!("/repositories/{}/{rest}", repo.id))
}
