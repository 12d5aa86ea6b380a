//! Who may do what: tokens, read-only tokens, anonymous callers, GitHub App JWTs and the
//! installation tokens they mint, and the rate-limit headers on every answer.

mod common;

use argus_fake_github::{Files, NewPullRequest};
use common::{
    READ_ONLY, TOKEN, anonymous, app_client, client, fake, fake_with_pr, files, get, jwt, post,
    send,
};
use octocrab::Page;
use octocrab::models::InstallationId;
use octocrab::models::repos::DiffEntry;
use serde_json::json;

#[tokio::test]
async fn an_unknown_token_gets_401_bad_credentials() {
    let (github, _) = fake_with_pr();
    let refused = get(&client(&github, "ghp_nobody"), "/repos/acme/shop/pulls/7").await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.json(),
        json!({
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        })
    );
}

#[tokio::test]
async fn a_read_only_token_reads_but_every_write_gets_403() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, READ_ONLY);
    assert_eq!(
        get(&octo, "/repos/acme/shop/pulls/7/files").await.status,
        200
    );

    let review = post(
        &octo,
        "/repos/acme/shop/pulls/7/reviews",
        &json!({ "event": "COMMENT", "body": "x", "comments": [] }),
    )
    .await;
    assert_eq!(review.status, 403);
    assert_eq!(
        review.json(),
        json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
            "status": "403",
        })
    );
    let comment = post(
        &octo,
        "/repos/acme/shop/issues/7/comments",
        &json!({ "body": "x" }),
    )
    .await;
    let status = post(
        &octo,
        &format!("/repos/acme/shop/statuses/{}", pr.head_sha),
        &json!({ "state": "success" }),
    )
    .await;
    let edit = send(
        &octo,
        "PATCH",
        "/repos/acme/shop/issues/comments/1",
        Some(&json!({ "body": "x" })),
        &[],
    )
    .await;
    for refused in [&comment, &status, &edit] {
        assert_eq!(refused.status, 403);
        assert_eq!(
            refused.json()["message"],
            "Resource not accessible by integration"
        );
    }
    assert!(github.reviews("acme/shop", 7).is_empty());
    assert!(github.issue_comments("acme/shop", 7).is_empty());
    assert!(github.statuses("acme/shop", &pr.head_sha).is_empty());
    assert_eq!(github.writes(), 4);
}

#[tokio::test]
async fn anonymous_callers_read_public_repositories_only() {
    let (github, _) = fake_with_pr();
    let octo = anonymous(&github);
    let read = get(&octo, "/repos/acme/shop/pulls/7").await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("x-ratelimit-limit"), "60");
    let write = post(
        &octo,
        "/repos/acme/shop/issues/7/comments",
        &json!({ "body": "x" }),
    )
    .await;
    assert_eq!(write.status, 401);
    assert_eq!(write.json()["message"], "Requires authentication");

    github.add_private_repo("acme/shop").unwrap();
    assert_eq!(get(&octo, "/repos/acme/shop/pulls/7").await.status, 404);
    assert_eq!(
        get(&client(&github, TOKEN), "/repos/acme/shop/pulls/7")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers_and_a_request_id() {
    let (github, _) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let first = get(&octo, "/repos/acme/shop/pulls/7").await;
    let second = get(&octo, "/repos/acme/shop/pulls/404").await;
    assert_eq!(second.status, 404);
    assert_eq!(first.header("x-ratelimit-limit"), "1000");
    assert_eq!(first.header("x-ratelimit-remaining"), "999");
    assert_eq!(first.header("x-ratelimit-used"), "1");
    assert_eq!(second.header("x-ratelimit-remaining"), "998");
    assert_eq!(second.header("x-ratelimit-used"), "2");
    assert_eq!(first.header("x-ratelimit-resource"), "core");
    let reset: u64 = first.header("x-ratelimit-reset").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset > now && reset <= now + 3600, "{reset} vs {now}");
    assert_ne!(
        first.header("x-github-request-id"),
        second.header("x-github-request-id")
    );
    assert_eq!(
        first.header("content-type"),
        "application/json; charset=utf-8"
    );
    // A personal token has GitHub's 5,000 an hour.
    github.add_user_token("ghp_user", argus_fake_github::Access::Write, "alice");
    let user = get(&client(&github, "ghp_user"), "/repos/acme/shop").await;
    assert_eq!(user.header("x-ratelimit-limit"), "5000");
}

#[tokio::test]
async fn an_app_jwt_mints_an_installation_token_that_writes_as_the_app() {
    let (github, _) = fake_with_pr();
    let credentials = github.add_app(4242, "argus-bot").unwrap();
    github.add_installation(4242, 99, &["acme/shop"]).unwrap();
    let app = app_client(
        &github,
        4242,
        credentials.private_key_pem.as_deref().unwrap(),
    );

    let me = app.current().app().await.unwrap();
    assert_eq!(me.slug.as_deref(), Some("argus-bot"));
    let installation = app.apps().installation(InstallationId(99)).await.unwrap();
    assert_eq!(installation.id, InstallationId(99));
    assert_eq!(installation.account.login, "acme");
    let by_repo = app.repos("acme", "shop").installation().await.unwrap();
    assert_eq!(by_repo.id, InstallationId(99));

    let (installed, token) = app
        .installation_and_token(InstallationId(99))
        .await
        .unwrap();
    use octocrab::secrecy::ExposeSecret;
    assert!(token.expose_secret().starts_with("ghs_"));
    assert_eq!(
        github.installation_tokens(99),
        [token.expose_secret().to_owned()]
    );
    let comment = installed
        .issues("acme", "shop")
        .create_comment(7, "from the app")
        .await
        .unwrap();
    assert_eq!(comment.user.login, "argus-bot[bot]");
    assert_eq!(comment.user.r#type, "Bot");
    let stored = github.issue_comments("acme/shop", 7);
    assert_eq!(stored[0].via_app, Some(4242));

    let minted = github
        .requests()
        .into_iter()
        .find(|r| r.path == "/app/installations/99/access_tokens")
        .unwrap();
    assert_eq!(minted.status, 201);

    // The JWT is for /app routes and the installation lookup only; a token is not a JWT.
    let jwt_on_repo = get(&app, "/repos/acme/shop/pulls/7").await;
    assert_eq!(jwt_on_repo.status, 403);
    let token_on_app = get(&client(&github, TOKEN), "/app").await;
    assert_eq!(token_on_app.status, 401);
    assert_eq!(
        token_on_app.json()["message"],
        "A JSON web token could not be decoded"
    );
}

#[tokio::test]
async fn installation_tokens_reach_only_the_installed_repositories() {
    let github = fake();
    for repo in ["acme/shop", "acme/other", "acme/secret"] {
        github
            .add_pull_request(NewPullRequest::new(
                repo,
                Files::new(),
                files(&[("a", "1\n")]),
            ))
            .unwrap();
    }
    github.add_private_repo("acme/secret").unwrap();
    let credentials = github.add_app(7, "argus-bot").unwrap();
    github.add_installation(7, 70, &["acme/shop"]).unwrap();
    let app = app_client(&github, 7, credentials.private_key_pem.as_deref().unwrap());
    let installed = app.installation(InstallationId(70)).unwrap();

    let body = json!({ "body": "x" });
    assert_eq!(
        post(&installed, "/repos/acme/shop/issues/1/comments", &body)
            .await
            .status,
        201
    );
    assert_eq!(
        post(&installed, "/repos/acme/other/issues/1/comments", &body)
            .await
            .status,
        403
    );
    assert_eq!(
        get(&installed, "/repos/acme/other/pulls/1").await.status,
        200
    );
    assert_eq!(
        get(&installed, "/repos/acme/secret/pulls/1").await.status,
        404
    );
    assert!(app.repos("acme", "other").installation().await.is_err());
}

#[tokio::test]
async fn an_installation_client_sends_no_token_to_absolute_next_links() {
    let github = fake();
    let head: Files = (0..150)
        .map(|i| (format!("f{i:03}.py"), b"x\n".to_vec()))
        .collect();
    github
        .add_pull_request(NewPullRequest::new("acme/shop", Files::new(), head))
        .unwrap();
    let credentials = github.add_app(8, "argus-bot").unwrap();
    github.add_installation(8, 80, &["acme/shop"]).unwrap();
    let app = app_client(&github, 8, credentials.private_key_pem.as_deref().unwrap());
    let installed = app.installation(InstallationId(80)).unwrap();
    let first: Page<DiffEntry> = installed
        .get("/repos/acme/shop/pulls/1/files", Some(&[("per_page", 100)]))
        .await
        .unwrap();
    let rest = installed.all_pages(first).await.unwrap();
    assert_eq!(rest.len(), 150);
    // octocrab adds an installation token only to relative paths and api.github.com, so
    // the page it reached through the absolute `next` link went out anonymously. On a
    // private repository that page would be a 404.
    let files_requests: Vec<Option<String>> = github
        .requests()
        .into_iter()
        .filter(|r| r.path == "/repos/acme/shop/pulls/1/files")
        .map(|r| r.token)
        .collect();
    assert_eq!(files_requests.len(), 2);
    assert!(files_requests[0].is_some());
    assert_eq!(files_requests[1], None);
}

#[tokio::test]
async fn a_jwt_github_would_refuse_gets_401() {
    let github = fake();
    let first = github.add_app(1, "first").unwrap();
    let second = github.add_app(2, "second").unwrap();
    let first_key = first.private_key_pem.as_deref().unwrap();
    assert_ne!(first.public_key_pem, second.public_key_pem);
    let refusal = |token: String| {
        let github = &github;
        async move {
            let raw = get(&client(github, &token), "/app").await;
            (
                raw.status,
                raw.json()["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    };
    assert_eq!(refusal(jwt(first_key, 1, -60, 540)).await.0, 200);
    assert_eq!(
        refusal(jwt(first_key, 2, -60, 540)).await,
        (401, "A JSON web token could not be decoded".to_owned())
    );
    assert_eq!(
        refusal(jwt(first_key, 3, -60, 540)).await,
        (401, "A JSON web token could not be decoded".to_owned())
    );
    assert_eq!(
        refusal(jwt(first_key, 1, -700, -60)).await,
        (
            401,
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires".to_owned()
        )
    );
    assert_eq!(
        refusal(jwt(first_key, 1, -60, 3600)).await,
        (
            401,
            "'Expiration time' claim ('exp') is too far in the future".to_owned()
        )
    );
}
