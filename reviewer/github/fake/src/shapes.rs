//! GitHub's JSON shapes for what the fake serves: field names, types and nesting as the
//! REST API documents them, with the commonly used fields filled in. Typed clients
//! (octocrab's models) reject an answer that misses a field they require, so these are
//! kept complete rather than minimal.

use base64::Engine;
use serde_json::{Value, json};

use crate::diff::FileChange;
use crate::model::{Account, AccountKind, CommitStatus, IssueComment, Review, ReviewComment};
use crate::state::{App, Installation, Pull, Repo, Urls, served_patch};

/// A path segment or file path for a URL: `[`, `]`, spaces and the like escaped, `/` kept.
pub(crate) fn escape(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const PATH: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'?')
        .add(b'<')
        .add(b'>')
        .add(b'[')
        .add(b']')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    utf8_percent_encode(path, PATH).to_string()
}

/// GitHub's node ids are opaque base64 strings with a type prefix.
pub(crate) fn node_id(prefix: &str, id: u64) -> String {
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(id.to_be_bytes());
    format!("{prefix}_kwDO{encoded}")
}

/// A `simple-user`.
pub(crate) fn user(urls: &Urls, account: &Account) -> Value {
    let login = escape(&account.login);
    let api = urls.api(&format!("/users/{login}"));
    let prefix = match account.kind {
        AccountKind::User => "U",
        AccountKind::Bot => "BOT",
        AccountKind::Organization => "O",
    };
    json!({
        "login": account.login,
        "id": account.id,
        "node_id": node_id(prefix, account.id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", account.id),
        "gravatar_id": "",
        "url": api,
        "html_url": urls.web(&format!("/{login}")),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": account.kind.as_str(),
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// What a repository's JSON is made from; a fork the fake does not hold is described by
/// its base repository's values.
struct RepoFacts<'a> {
    id: u64,
    owner: &'a Account,
    name: &'a str,
    private: bool,
    fork: bool,
    default_branch: &'a str,
    created_at: &'a str,
}

/// A repository as it appears inside a pull request's `head`/`base`, or on its own.
fn repository(urls: &Urls, facts: &RepoFacts<'_>) -> Value {
    let RepoFacts {
        id,
        owner,
        name,
        private,
        fork,
        default_branch,
        created_at,
    } = *facts;
    let full_name = format!("{}/{name}", owner.login);
    let api = urls.api(&format!("/repos/{full_name}"));
    json!({
        "id": id,
        "node_id": node_id("R", id),
        "name": name,
        "full_name": full_name,
        "private": private,
        "owner": user(urls, owner),
        "html_url": urls.web(&format!("/{full_name}")),
        "description": null,
        "fork": fork,
        "url": api,
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "commits_url": format!("{api}/commits{{/sha}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "git_trees_url": format!("{api}/git/trees{{/sha}}"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "git_url": format!("git://{}/{full_name}.git", host(urls)),
        "ssh_url": format!("git@{}:{full_name}.git", host(urls)),
        "clone_url": urls.web(&format!("/{full_name}.git")),
        "created_at": created_at,
        "updated_at": created_at,
        "pushed_at": created_at,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "forks_count": 0,
        "archived": false,
        "disabled": false,
        "open_issues_count": 0,
        "visibility": if private { "private" } else { "public" },
        "default_branch": default_branch,
    })
}

fn host(urls: &Urls) -> &str {
    urls.base
        .split_once("://")
        .map_or(urls.base.as_str(), |(_, host)| host)
}

pub(crate) fn repo(urls: &Urls, repo: &Repo) -> Value {
    repository(
        urls,
        &RepoFacts {
            id: repo.id,
            owner: &repo.owner,
            name: &repo.name,
            private: repo.private,
            fork: false,
            default_branch: &repo.default_branch,
            created_at: &repo.created_at,
        },
    )
}

fn association(repo: &Repo, account: &Account) -> &'static str {
    if account.login == repo.owner.login {
        "OWNER"
    } else if account.kind == AccountKind::Bot {
        "NONE"
    } else {
        "CONTRIBUTOR"
    }
}

fn href(url: String) -> Value {
    json!({ "href": url })
}

/// A full `pull-request`.
pub(crate) fn pull(urls: &Urls, repo: &Repo, pull: &Pull) -> Value {
    let full_name = repo.full_name();
    let n = pull.number;
    let api = urls.api(&format!("/repos/{full_name}/pulls/{n}"));
    let issue = urls.api(&format!("/repos/{full_name}/issues/{n}"));
    let html = urls.web(&format!("/{full_name}/pull/{n}"));
    let head = pull.head();
    let base_repo = self::repo(urls, repo);
    let (head_owner, head_repo) = match &pull.head_repo {
        Some(fork) => {
            let (owner, name) = fork.split_once('/').unwrap_or((fork.as_str(), ""));
            let owner = Account::user(owner);
            let value = repository(
                urls,
                &RepoFacts {
                    id: crate::model::stable_id(fork),
                    owner: &owner,
                    name,
                    private: repo.private,
                    fork: true,
                    default_branch: &repo.default_branch,
                    created_at: &repo.created_at,
                },
            );
            (owner, value)
        }
        None => (repo.owner.clone(), base_repo.clone()),
    };
    let files = pull.files();
    let review_comments: usize = pull
        .reviews
        .iter()
        .filter(|r| r.state != crate::model::ReviewState::Pending)
        .map(|r| r.comments.len())
        .sum();
    let comments = repo.issue_comments.iter().filter(|c| c.number == n).count();
    let statuses = urls.api(&format!("/repos/{full_name}/statuses/{head}"));
    let review_comment = urls.api(&format!("/repos/{full_name}/pulls/comments{{/number}}"));
    let head_ref = json!({
        "label": format!("{}:{}", head_owner.login, pull.head_ref),
        "ref": pull.head_ref,
        "sha": head,
        "user": user(urls, &head_owner),
        "repo": head_repo,
    });
    let base_ref = json!({
        "label": format!("{}:{}", repo.owner.login, pull.base_ref),
        "ref": pull.base_ref,
        "sha": pull.base_sha,
        "user": user(urls, &repo.owner),
        "repo": base_repo,
    });
    let links = json!({
        "self": href(api.clone()),
        "html": href(html.clone()),
        "issue": href(issue.clone()),
        "comments": href(format!("{issue}/comments")),
        "review_comments": href(format!("{api}/comments")),
        "review_comment": href(review_comment.clone()),
        "commits": href(format!("{api}/commits")),
        "statuses": href(statuses.clone()),
    });
    let mut value = json!({
        "url": api,
        "id": pull.id,
        "node_id": node_id("PR", pull.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue,
        "commits_url": format!("{api}/commits"),
        "review_comments_url": format!("{api}/comments"),
        "review_comment_url": review_comment,
        "comments_url": format!("{issue}/comments"),
        "statuses_url": statuses,
        "number": n,
        "state": if pull.closed { "closed" } else { "open" },
        "locked": false,
        "title": pull.title,
        "user": user(urls, &pull.author),
        "body": if pull.body.is_empty() { Value::Null } else { Value::String(pull.body.clone()) },
        "labels": [],
        "milestone": null,
        "active_lock_reason": null,
        "created_at": pull.created_at,
        "updated_at": pull.updated_at,
        "closed_at": if pull.closed { Value::String(pull.updated_at.clone()) } else { Value::Null },
        "merged_at": null,
        "merge_commit_sha": null,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": head_ref,
        "base": base_ref,
        "_links": links,
        "author_association": association(repo, &pull.author),
        "auto_merge": null,
        "draft": pull.draft,
    });
    let counts = json!({
        "merged": false,
        "mergeable": true,
        "rebaseable": true,
        "mergeable_state": "clean",
        "merged_by": null,
        "comments": comments,
        "review_comments": review_comments,
        "maintainer_can_modify": false,
        "commits": pull.commits.len(),
        "additions": files.iter().map(|f| f.additions).sum::<u64>(),
        "deletions": files.iter().map(|f| f.deletions).sum::<u64>(),
        "changed_files": files.len(),
    });
    if let (Some(map), Value::Object(extra)) = (value.as_object_mut(), counts) {
        map.extend(extra);
    }
    value
}

/// One entry of `GET /repos/{o}/{r}/pulls/{n}/files`.
pub(crate) fn file(
    urls: &Urls,
    full_name: &str,
    head: &str,
    change: &FileChange,
    max_patch_bytes: usize,
) -> Value {
    let path = escape(&change.filename);
    let mut entry = json!({
        "sha": change.sha,
        "filename": change.filename,
        "status": change.status.as_str(),
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": urls.web(&format!("/{full_name}/blob/{head}/{path}")),
        "raw_url": urls.web(&format!("/{full_name}/raw/{head}/{path}")),
        "contents_url": urls.api(&format!("/repos/{full_name}/contents/{path}?ref={head}")),
    });
    if let Some(map) = entry.as_object_mut() {
        if let Some(patch) = served_patch(change, max_patch_bytes) {
            map.insert("patch".to_owned(), Value::String(patch.text.clone()));
        }
        if let Some(previous) = &change.previous_filename {
            map.insert(
                "previous_filename".to_owned(),
                Value::String(previous.clone()),
            );
        }
    }
    entry
}

fn reactions(url: String) -> Value {
    json!({
        "url": url,
        "total_count": 0,
        "+1": 0,
        "-1": 0,
        "laugh": 0,
        "hooray": 0,
        "confused": 0,
        "heart": 0,
        "rocket": 0,
        "eyes": 0,
    })
}

/// A pull request review.
pub(crate) fn review(urls: &Urls, repo: &Repo, number: u64, review: &Review) -> Value {
    let full_name = repo.full_name();
    let html = urls.web(&format!(
        "/{full_name}/pull/{number}#pullrequestreview-{}",
        review.id
    ));
    let pull_url = urls.api(&format!("/repos/{full_name}/pulls/{number}"));
    let mut value = json!({
        "id": review.id,
        "node_id": node_id("PRR", review.id),
        "user": user(urls, &review.user),
        "body": review.body,
        "state": review.state.as_str(),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(repo, &review.user),
        "_links": {
            "html": href(html.clone()),
            "pull_request": href(pull_url.clone()),
        },
        "commit_id": review.commit_id,
    });
    if let (Some(at), Some(map)) = (&review.submitted_at, value.as_object_mut()) {
        map.insert("submitted_at".to_owned(), Value::String(at.clone()));
    }
    value
}

/// A pull request review comment.
pub(crate) fn review_comment(
    urls: &Urls,
    repo: &Repo,
    number: u64,
    comment: &ReviewComment,
) -> Value {
    let full_name = repo.full_name();
    let url = urls.api(&format!("/repos/{full_name}/pulls/comments/{}", comment.id));
    let html = urls.web(&format!(
        "/{full_name}/pull/{number}#discussion_r{}",
        comment.id
    ));
    let pull_url = urls.api(&format!("/repos/{full_name}/pulls/{number}"));
    let mut value = json!({
        "url": url,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": node_id("PRRC", comment.id),
        "diff_hunk": comment.diff_hunk,
        "path": comment.path,
        "position": comment.position,
        "original_position": comment.original_position,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.original_commit_id,
        "user": user(urls, &comment.user),
        "body": comment.body,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(repo, &comment.user),
        "_links": {
            "self": href(url.clone()),
            "html": href(html.clone()),
            "pull_request": href(pull_url.clone()),
        },
        "reactions": reactions(format!("{url}/reactions")),
        "start_line": comment.start_line,
        "original_start_line": comment.start_line,
        "start_side": comment.start_side.map(|s| s.as_str()),
        "line": comment.line,
        "original_line": comment.original_line,
        "side": comment.side.as_str(),
        "subject_type": "line",
    });
    if let (Some(to), Some(map)) = (comment.in_reply_to_id, value.as_object_mut()) {
        map.insert("in_reply_to_id".to_owned(), json!(to));
    }
    value
}

/// An issue comment.
pub(crate) fn issue_comment(
    urls: &Urls,
    repo: &Repo,
    comment: &IssueComment,
    app: Option<&App>,
) -> Value {
    let full_name = repo.full_name();
    let url = urls.api(&format!(
        "/repos/{full_name}/issues/comments/{}",
        comment.id
    ));
    json!({
        "url": url,
        "html_url": urls.web(&format!("/{full_name}/pull/{}#issuecomment-{}", comment.number, comment.id)),
        "issue_url": urls.api(&format!("/repos/{full_name}/issues/{}", comment.number)),
        "id": comment.id,
        "node_id": node_id("IC", comment.id),
        "user": user(urls, &comment.user),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": association(repo, &comment.user),
        "body": comment.body,
        "reactions": reactions(format!("{url}/reactions")),
        "performed_via_github_app": app.map(|a| self::app(urls, a)),
    })
}

/// A commit status.
pub(crate) fn status(urls: &Urls, repo: &Repo, status: &CommitStatus) -> Value {
    json!({
        "url": urls.api(&format!("/repos/{}/statuses/{}", repo.full_name(), status.sha)),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", status.creator.id),
        "id": status.id,
        "node_id": node_id("SC", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": status.created_at,
        "updated_at": status.created_at,
        "creator": user(urls, &status.creator),
    })
}

/// The permissions the fake's apps ask for: what the PR bot needs.
pub(crate) fn app_permissions() -> Value {
    json!({
        "checks": "write",
        "contents": "read",
        "issues": "write",
        "metadata": "read",
        "pull_requests": "write",
        "statuses": "write",
    })
}

/// A GitHub App (`integration`).
pub(crate) fn app(urls: &Urls, app: &App) -> Value {
    json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("A", app.id),
        "client_id": app.client_id(),
        "owner": user(urls, &app.owner),
        "name": app.slug,
        "description": "",
        "external_url": urls.web(&format!("/apps/{}", app.slug)),
        "html_url": urls.web(&format!("/apps/{}", app.slug)),
        "created_at": app.created_at,
        "updated_at": app.created_at,
        "permissions": app_permissions(),
        "events": ["pull_request"],
        "installations_count": 1,
    })
}

/// An app installation.
pub(crate) fn installation(urls: &Urls, installation: &Installation, app: &App) -> Value {
    let id = installation.id;
    json!({
        "id": id,
        "account": user(urls, &installation.account),
        "repository_selection": "selected",
        "access_tokens_url": urls.api(&format!("/app/installations/{id}/access_tokens")),
        "repositories_url": urls.api("/installation/repositories"),
        "html_url": urls.web(&format!("/settings/installations/{id}")),
        "app_id": installation.app_id,
        "app_slug": app.slug,
        "target_id": installation.account.id,
        "target_type": installation.account.kind.as_str(),
        "permissions": app_permissions(),
        "events": ["pull_request"],
        "created_at": installation.created_at,
        "updated_at": installation.created_at,
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": null,
        "suspended_at": null,
    })
}

/// `content` as GitHub encodes it: base64 in lines of 60 characters, each ending in `\n`.
pub(crate) fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_content_is_wrapped_at_60_characters() {
        let text = wrapped_base64(&[b'a'; 90]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 60);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn bot_logins_are_escaped_in_urls() {
        let urls = Urls {
            base: "http://127.0.0.1:1".to_owned(),
        };
        let value = user(&urls, &Account::github_actions());
        assert_eq!(
            value["url"],
            "http://127.0.0.1:1/users/github-actions%5Bbot%5D"
        );
        assert_eq!(value["type"], "Bot");
    }
}
