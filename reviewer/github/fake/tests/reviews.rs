//! Writing to a pull request: reviews (submitted and pending), review comments, issue
//! comments and commit statuses, validated as GitHub validates them.

mod common;

use argus_fake_github::{Push, ReviewState, Side};
use common::{TOKEN, client, fake_with_pr, files, get, post, send, twenty_lines};
use octocrab::models::pulls::ReviewComment;
use serde_json::{Value, json};

async fn create_review(octo: &octocrab::Octocrab, body: &Value) -> common::Raw {
    post(octo, "/repos/acme/shop/pulls/7/reviews", body).await
}

fn comment(path: &str, line: u64, body: &str) -> Value {
    json!({ "path": path, "line": line, "side": "RIGHT", "body": body })
}

#[tokio::test]
async fn a_submitted_review_turns_its_comments_into_review_comments() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let created = create_review(
        &octo,
        &json!({
            "commit_id": pr.head_sha,
            "body": "Two findings.",
            "event": "COMMENT",
            "comments": [comment("app.py", 10, "changed line"), comment("app.py", 8, "context line")],
        }),
    )
    .await;
    assert_eq!(created.status, 200);
    let review = created.json();
    assert_eq!(review["state"], "COMMENTED");
    assert_eq!(review["body"], "Two findings.");
    assert_eq!(review["commit_id"], pr.head_sha.as_str());
    assert_eq!(review["user"]["login"], "github-actions[bot]");
    assert!(review["submitted_at"].is_string());
    let review: octocrab::models::pulls::Review = serde_json::from_value(review).unwrap();

    let listed = get(&octo, "/repos/acme/shop/pulls/7/comments").await.json();
    let typed: Vec<ReviewComment> = serde_json::from_value(listed.clone()).unwrap();
    assert_eq!(typed.len(), 2);
    let first = &listed[0];
    assert_eq!(first["path"], "app.py");
    assert_eq!(first["line"], 10);
    assert_eq!(first["original_line"], 10);
    assert_eq!(first["side"], "RIGHT");
    assert_eq!(first["commit_id"], pr.head_sha.as_str());
    assert_eq!(first["original_commit_id"], pr.head_sha.as_str());
    assert_eq!(first["pull_request_review_id"], review.id.0);
    assert_eq!(first["body"], "changed line");
    assert_eq!(first["user"]["type"], "Bot");
    assert_eq!(
        first["diff_hunk"],
        "@@ -7,7 +7,7 @@ line 6\n line 7\n line 8\n line 9\n-line 10\n+line ten"
    );
    assert_eq!(first["position"], 5);
    for field in [
        "id",
        "node_id",
        "html_url",
        "created_at",
        "updated_at",
        "url",
    ] {
        assert!(!first[field].is_null(), "{field} is missing");
    }
    let stored = github.review_comments("acme/shop", 7);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].side, Side::Right);
    assert_eq!(stored[1].line, Some(8));
    assert_eq!(
        github.reviews("acme/shop", 7)[0].state,
        ReviewState::Commented
    );
}

#[tokio::test]
async fn a_comment_outside_the_hunks_fails_the_whole_review_with_422() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let refused = create_review(
        &octo,
        &json!({
            "commit_id": pr.head_sha,
            "body": "",
            "event": "COMMENT",
            "comments": [comment("app.py", 10, "fine"), comment("app.py", 2, "outside")],
        }),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.json(),
        json!({
            "message": "Unprocessable Entity",
            "errors": ["Line could not be resolved"],
            "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
            "status": "422",
        })
    );
    let not_in_pr = create_review(
        &octo,
        &json!({ "event": "COMMENT", "comments": [comment("keep.txt", 1, "not changed")] }),
    )
    .await;
    assert_eq!(
        not_in_pr.json()["errors"],
        json!(["Path could not be resolved"])
    );
    // A LEFT-side line must be a removed or context line of the base.
    let left = create_review(
        &octo,
        &json!({ "event": "COMMENT", "comments": [
            { "path": "app.py", "line": 10, "side": "LEFT", "body": "removed line" },
        ] }),
    )
    .await;
    assert_eq!(left.status, 200);
    assert!(github.reviews("acme/shop", 7).len() == 1);
    assert_eq!(github.review_comments("acme/shop", 7)[0].side, Side::Left);
}

#[tokio::test]
async fn a_pending_review_hides_its_comments_until_it_is_deleted() {
    let (github, _) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let pending = create_review(
        &octo,
        &json!({ "body": "probe", "comments": [comment("docs.md", 1, "probe")] }),
    )
    .await
    .json();
    assert_eq!(pending["state"], "PENDING");
    assert!(pending.get("submitted_at").is_none());
    let id = pending["id"].as_u64().unwrap();

    let comments = get(&octo, "/repos/acme/shop/pulls/7/comments").await.json();
    assert_eq!(comments, json!([]));
    let reviews = get(&octo, "/repos/acme/shop/pulls/7/reviews").await.json();
    assert_eq!(reviews[0]["state"], "PENDING");
    assert_eq!(github.reviews("acme/shop", 7)[0].comments.len(), 1);

    let second = create_review(
        &octo,
        &json!({ "comments": [comment("docs.md", 2, "another")] }),
    )
    .await;
    assert_eq!(second.status, 422);
    assert_eq!(
        second.json()["errors"],
        json!(["User can only have one pending review per pull request"])
    );

    let path = format!("/repos/acme/shop/pulls/7/reviews/{id}");
    let deleted = send(&octo, "DELETE", &path, None, &[]).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json()["id"], id);
    assert!(github.reviews("acme/shop", 7).is_empty());
    assert_eq!(send(&octo, "DELETE", &path, None, &[]).await.status, 404);
}

#[tokio::test]
async fn only_a_pending_review_can_be_deleted_and_submitting_one_publishes_it() {
    let (github, _) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let pending = create_review(
        &octo,
        &json!({ "comments": [comment("docs.md", 3, "later")] }),
    )
    .await
    .json();
    let id = pending["id"].as_u64().unwrap();
    let submitted = post(
        &octo,
        &format!("/repos/acme/shop/pulls/7/reviews/{id}/events"),
        &json!({ "event": "REQUEST_CHANGES", "body": "Please fix." }),
    )
    .await
    .json();
    assert_eq!(submitted["state"], "CHANGES_REQUESTED");
    assert_eq!(submitted["body"], "Please fix.");
    assert_eq!(github.review_comments("acme/shop", 7).len(), 1);

    let refused = send(
        &octo,
        "DELETE",
        &format!("/repos/acme/shop/pulls/7/reviews/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.json()["errors"],
        json!(["Can not delete a non-pending pull request review"])
    );
}

#[tokio::test]
async fn a_push_moves_comments_on_unchanged_files_and_outdates_the_others() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let created = create_review(
        &octo,
        &json!({
            "commit_id": pr.head_sha,
            "event": "COMMENT",
            "comments": [comment("app.py", 10, "on app"), comment("docs.md", 1, "on docs")],
        }),
    )
    .await;
    assert_eq!(created.status, 200);

    let changed_app = twenty_lines().replace("line 10\n", "line TEN\n");
    let head = files(&[
        ("app.py", &changed_app),
        ("keep.txt", "same\n"),
        ("docs.md", "# Docs\n\nHello.\n"),
    ]);
    let second = github
        .push("acme/shop", 7, head.clone(), &[], Push::Normal)
        .unwrap();
    let listed = get(&octo, "/repos/acme/shop/pulls/7/comments").await.json();
    let app = &listed[0];
    assert_eq!(app["line"], Value::Null);
    assert_eq!(app["position"], Value::Null);
    assert_eq!(app["original_line"], 10);
    assert_eq!(app["commit_id"], pr.head_sha.as_str());
    let docs = &listed[1];
    assert_eq!(docs["line"], 1);
    assert_eq!(docs["commit_id"], second.as_str());
    assert_eq!(docs["original_commit_id"], pr.head_sha.as_str());

    let pull = get(&octo, "/repos/acme/shop/pulls/7").await.json();
    assert_eq!(pull["head"]["sha"], second.as_str());
    assert_eq!(pull["commits"], 2);

    // After a normal push the first commit is still part of the PR.
    let on_first = create_review(
        &octo,
        &json!({ "commit_id": pr.head_sha, "event": "COMMENT", "comments": [comment("docs.md", 2, "old")] }),
    )
    .await;
    assert_eq!(on_first.status, 200);

    // A force-push rewrites history: the earlier commits leave the PR.
    let third = github.push("acme/shop", 7, head, &[], Push::Force).unwrap();
    assert_ne!(third, second);
    let stale = create_review(
        &octo,
        &json!({ "commit_id": second, "event": "COMMENT", "comments": [comment("docs.md", 2, "stale")] }),
    )
    .await;
    assert_eq!(stale.status, 422);
    assert_eq!(
        stale.json()["errors"],
        json!(["commit_id is not part of the pull request"])
    );
    let pull = get(&octo, "/repos/acme/shop/pulls/7").await.json();
    assert_eq!(pull["commits"], 1);
    // The files are recomputed against the base, whatever the push.
    let listed = get(&octo, "/repos/acme/shop/pulls/7/files").await.json();
    assert_eq!(
        listed[0]["patch"],
        "@@ -7,7 +7,7 @@ line 6\n line 7\n line 8\n line 9\n-line 10\n+line TEN\n line 11\n line 12\n line 13"
    );
}

#[tokio::test]
async fn a_single_review_comment_must_be_on_the_diff() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let refused = post(
        &octo,
        "/repos/acme/shop/pulls/7/comments",
        &json!({ "body": "x", "commit_id": pr.head_sha, "path": "app.py", "line": 1, "side": "RIGHT" }),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.json()["errors"][0]["message"],
        "pull_request_review_thread.line must be part of the diff"
    );
    let created = post(
        &octo,
        "/repos/acme/shop/pulls/7/comments",
        &json!({ "body": "ok", "commit_id": pr.head_sha, "path": "app.py", "line": 11, "side": "RIGHT" }),
    )
    .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_u64().unwrap();
    let reply = post(
        &octo,
        "/repos/acme/shop/pulls/7/comments",
        &json!({ "body": "reply", "in_reply_to": id }),
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["in_reply_to_id"], id);
    assert_eq!(reply.json()["line"], 11);
    assert_eq!(github.review_comments("acme/shop", 7).len(), 2);
}

#[tokio::test]
async fn issue_and_review_comments_are_edited_in_place() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let summary = post(
        &octo,
        "/repos/acme/shop/issues/7/comments",
        &json!({ "body": "summary v1" }),
    )
    .await;
    assert_eq!(summary.status, 201);
    let id = summary.json()["id"].as_u64().unwrap();
    let patched = send(
        &octo,
        "PATCH",
        &format!("/repos/acme/shop/issues/comments/{id}"),
        Some(&json!({ "body": "summary v2" })),
        &[],
    )
    .await;
    assert_eq!(patched.status, 200);
    // octocrab's `update_comment` sends POST, which GitHub accepts too.
    let updated = octo
        .issues("acme", "shop")
        .update_comment(octocrab::models::CommentId(id), "summary v3")
        .await
        .unwrap();
    assert_eq!(updated.body.as_deref(), Some("summary v3"));
    let listed: Vec<octocrab::models::issues::Comment> = serde_json::from_value(
        get(&octo, "/repos/acme/shop/issues/7/comments")
            .await
            .json(),
    )
    .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(github.issue_comments("acme/shop", 7)[0].body, "summary v3");

    create_review(
        &octo,
        &json!({ "commit_id": pr.head_sha, "event": "COMMENT", "comments": [comment("app.py", 10, "open")] }),
    )
    .await;
    let comment_id = github.review_comments("acme/shop", 7)[0].id;
    let fixed = send(
        &octo,
        "PATCH",
        &format!("/repos/acme/shop/pulls/comments/{comment_id}"),
        Some(&json!({ "body": "fixed" })),
        &[],
    )
    .await;
    assert_eq!(fixed.status, 200);
    assert_eq!(fixed.json()["body"], "fixed");
    assert_eq!(github.review_comments("acme/shop", 7)[0].body, "fixed");
    let missing_body = send(
        &octo,
        "PATCH",
        &format!("/repos/acme/shop/pulls/comments/{comment_id}"),
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(missing_body.status, 422);
}

#[tokio::test]
async fn commit_statuses_are_kept_per_commit_and_validated() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let path = format!("/repos/acme/shop/statuses/{}", pr.head_sha);
    let created = post(
        &octo,
        &path,
        &json!({ "state": "failure", "context": "argus", "description": "2 findings" }),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["state"], "failure");
    post(
        &octo,
        &path,
        &json!({ "state": "success", "context": "argus" }),
    )
    .await;

    let listed = get(
        &octo,
        &format!("/repos/acme/shop/commits/{}/statuses", pr.head_sha),
    )
    .await
    .json();
    assert_eq!(listed[0]["state"], "success");
    assert_eq!(listed[1]["state"], "failure");
    let combined = get(
        &octo,
        &format!("/repos/acme/shop/commits/{}/status", pr.head_sha),
    )
    .await
    .json();
    assert_eq!(combined["state"], "success");
    assert_eq!(combined["total_count"], 1);
    let stored = github.statuses("acme/shop", &pr.head_sha);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].description.as_deref(), Some("2 findings"));

    let bad_state = post(&octo, &path, &json!({ "state": "green" })).await;
    assert_eq!(bad_state.status, 422);
    assert_eq!(bad_state.json()["message"], "Validation Failed");
    let too_long = post(
        &octo,
        &path,
        &json!({ "state": "success", "description": "x".repeat(141) }),
    )
    .await;
    assert_eq!(too_long.status, 422);
    let unknown = post(
        &octo,
        "/repos/acme/shop/statuses/0123456789012345678901234567890123456789",
        &json!({ "state": "success" }),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.json()["message"],
        "No commit found for SHA: 0123456789012345678901234567890123456789"
    );
}
