//! `argus pr` against a fake GitHub API on loopback: the review it posts for a fixture
//! pull request, re-runs that post nothing new, fixed findings, GitHub's failures, fork
//! tokens and large pull requests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;
use std::time::Duration;

use argus_fake_github::{
    Access, FakeGithub, Fault, Files, NewPullRequest, PullRequest, Push, ReviewState,
};
use common::{Run, argus, repo};

const REPO: &str = "acme/shop";
const NUMBER: u64 = 7;
const TOKEN: &str = "ghs_pull_request_token";

/// The first bytes of a PNG: not text, so GitHub shows no patch for it.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn files_under(root: &Path) -> Files {
    fn walk(root: &Path, dir: &Path, files: &mut Files) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = Files::new();
    walk(root, root, &mut files);
    files
}

fn fixture(side: &str) -> Files {
    files_under(&repo().join("fixtures/github/pull-request").join(side))
}

fn fixture_head() -> Files {
    let mut head = fixture("head");
    head.insert("assets/logo.png".into(), PNG.to_vec());
    head
}

/// The fixture pull request on a fresh fake, with a write token.
fn fixture_pr() -> (FakeGithub, PullRequest) {
    let github = FakeGithub::start().unwrap();
    github.add_token(TOKEN, Access::Write);
    let pr = github
        .add_pull_request(
            NewPullRequest::new(REPO, fixture("base"), fixture_head())
                .number(NUMBER)
                .rename("app/legacy_client.py", "app/client.py"),
        )
        .unwrap();
    (github, pr)
}

/// `argus pr` on the fixture pull request, as a user would run it outside Actions.
fn argus_pr(github: &FakeGithub, token: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let number = NUMBER.to_string();
    let mut args = vec![
        "pr",
        "--repo",
        REPO,
        "--pr",
        &number,
        "--api-url",
        github.url(),
    ];
    args.extend_from_slice(extra);
    argus(dir.path())
        .args(&args)
        .env("GITHUB_TOKEN", token)
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .output()
        .unwrap()
        .into()
}

fn positions(github: &FakeGithub) -> Vec<(String, Option<u64>)> {
    github
        .review_comments(REPO, NUMBER)
        .into_iter()
        .map(|c| (c.path, c.line))
        .collect()
}

fn summary_bodies(github: &FakeGithub) -> Vec<String> {
    github
        .issue_comments(REPO, NUMBER)
        .into_iter()
        .map(|c| c.body)
        .filter(|b| b.contains("<!-- argus:summary -->"))
        .collect()
}

const JAVA: &str = "src/main/java/shop/OrderRepository.java";

/// The findings on lines the fixture pull request adds, most severe first.
fn expected_positions() -> Vec<(String, Option<u64>)> {
    [
        ("app/orders.py", 17),
        (JAVA, 24),
        ("app/client.py", 13),
        (JAVA, 23),
        (JAVA, 28),
    ]
    .into_iter()
    .map(|(p, l)| (p.to_string(), Some(l)))
    .collect()
}

#[test]
fn the_fixture_pull_request_gets_one_review_on_its_added_lines_only() {
    let (github, pr) = fixture_pr();
    let out = argus_pr(&github, TOKEN, &[]);
    // Errors are at or above the default `--fail-on warning`.
    assert_eq!(out.code, 1, "{}", out.stderr);

    let reviews = github.reviews(REPO, NUMBER);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    let review = &reviews[0];
    assert_eq!(review.state, ReviewState::Commented);
    assert_eq!(review.commit_id, pr.head_sha);
    // The MD5 on an unchanged line, the eval suppressed inline, the mutable default that
    // the head's argus.toml ignores, the deleted file's pickle and the binary file are
    // not commented on.
    let mut got = positions(&github);
    got.sort();
    let mut want = expected_positions();
    want.sort();
    assert_eq!(got, want);
    let comments = github.review_comments(REPO, NUMBER);
    let sql = comments.iter().find(|c| c.path == "app/orders.py").unwrap();
    insta::assert_snapshot!("inline_comment_sql_injection", sql.body);

    let summaries = summary_bodies(&github);
    assert_eq!(summaries.len(), 1);
    insta::assert_snapshot!("summary_first_run", summaries[0]);

    let statuses = github.statuses(REPO, &pr.head_sha);
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].context, "argus");
    assert_eq!(statuses[0].state, "failure");
    assert!(out.stderr.contains("5 findings"), "{}", out.stderr);

    // Writes are paced under GitHub's secondary rate limit (80 a minute).
    let writes: Vec<Duration> = github
        .requests()
        .iter()
        .filter(|r| r.is_write())
        .map(|r| r.since_start)
        .collect();
    assert_eq!(writes.len(), 3, "review, summary, status");
    for pair in writes.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(740),
            "{writes:?}"
        );
    }
}

#[test]
fn max_comments_caps_the_inline_comments_and_the_summary_lists_the_rest() {
    let (github, _) = fixture_pr();
    let out = argus_pr(&github, TOKEN, &["--max-comments", "2"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // The two errors go inline; the three warnings are listed in the summary.
    assert_eq!(positions(&github), expected_positions()[..2].to_vec());
    let summary = &summary_bodies(&github)[0];
    for (path, line) in &expected_positions()[2..] {
        let at = format!("{path}:{}", line.unwrap());
        assert!(summary.contains(&at), "{at} missing from\n{summary}");
    }
    assert!(
        summary.contains("over the inline comment limit"),
        "{summary}"
    );
}

#[test]
fn a_rerun_on_the_same_head_posts_nothing_new() {
    let (github, pr) = fixture_pr();
    argus_pr(&github, TOKEN, &[]);
    let comments = github.review_comments(REPO, NUMBER).len();
    github.clear_requests();

    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(github.reviews(REPO, NUMBER).len(), 1);
    assert_eq!(github.review_comments(REPO, NUMBER).len(), comments);
    assert_eq!(summary_bodies(&github).len(), 1);
    // The only write is the commit status; the summary is unchanged, so not edited.
    let writes: Vec<String> = github
        .requests()
        .into_iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        [format!("POST /repos/{REPO}/statuses/{}", pr.head_sha)]
    );
    assert!(out.stderr.contains("5 already posted"), "{}", out.stderr);
}

#[test]
fn a_force_push_with_the_same_findings_posts_no_duplicates() {
    let (github, _) = fixture_pr();
    argus_pr(&github, TOKEN, &[]);
    // The same change rebased: a line added at the top moves every finding down one.
    let mut head = fixture_head();
    let orders = head.get_mut("app/orders.py").unwrap();
    orders.splice(0..0, b"# Rebased onto the new main.\n".iter().copied());
    let new_head = github
        .push(
            REPO,
            NUMBER,
            head,
            &[("app/legacy_client.py", "app/client.py")],
            Push::Force,
        )
        .unwrap();
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(github.reviews(REPO, NUMBER).len(), 1);
    assert_eq!(github.review_comments(REPO, NUMBER).len(), 5);
    assert_eq!(github.statuses(REPO, &new_head).len(), 1);
}

#[test]
fn a_push_that_fixes_a_finding_marks_its_comment_fixed() {
    let (github, _) = fixture_pr();
    argus_pr(&github, TOKEN, &[]);
    let mut head = fixture_head();
    let orders = String::from_utf8(head["app/orders.py"].clone()).unwrap();
    let fixed = orders.replace(
        "db.execute(f\"SELECT * FROM orders WHERE customer = '{customer}'\")",
        "db.execute(\"SELECT * FROM orders WHERE customer = ?\", (customer,))",
    );
    assert_ne!(fixed, orders);
    head.insert("app/orders.py".into(), fixed.into_bytes());
    let new_head = github
        .push(
            REPO,
            NUMBER,
            head,
            &[("app/legacy_client.py", "app/client.py")],
            Push::Normal,
        )
        .unwrap();

    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("1 marked fixed"), "{}", out.stderr);
    assert_eq!(github.reviews(REPO, NUMBER).len(), 1, "no new review");
    let comments = github.review_comments(REPO, NUMBER);
    let sql = comments
        .iter()
        .find(|c| c.body.contains("py-sql-injection"))
        .unwrap();
    let short = &new_head[..7];
    assert!(
        sql.body.starts_with(&format!("✅ **Fixed** in {short}")),
        "{}",
        sql.body
    );
    let others = comments
        .iter()
        .filter(|c| c.body.contains("**Fixed**"))
        .count();
    assert_eq!(others, 1, "only the fixed finding is marked");
    // A third run leaves the marked comment alone.
    github.clear_requests();
    argus_pr(&github, TOKEN, &[]);
    assert!(
        !github
            .requests()
            .iter()
            .any(|r| r.path.contains("/pulls/comments/")),
        "a comment already marked fixed is not edited again"
    );
}

#[test]
fn secondary_rate_limits_and_bad_gateways_are_waited_out() {
    let (github, _) = fixture_pr();
    github.fail(
        "POST",
        "/repos/acme/shop/pulls/7/reviews",
        1,
        Fault::SecondaryRateLimit {
            retry_after_secs: 2,
        },
    );
    github.fail(
        "GET",
        "/repos/acme/shop/pulls/7/files",
        2,
        Fault::BadGateway,
    );
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(github.review_comments(REPO, NUMBER).len(), 5);

    let requests = github.requests();
    let reviews: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/pulls/7/reviews") && r.method == "POST")
        .collect();
    assert_eq!(reviews.len(), 2, "one refused, one retried");
    assert_eq!(reviews[0].status, 403);
    let waited = reviews[1].since_start - reviews[0].since_start;
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    let files = requests
        .iter()
        .filter(|r| r.path.ends_with("/pulls/7/files"))
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert_eq!(files[..3], [502, 502, 200]);
}

#[test]
fn an_exhausted_primary_rate_limit_is_waited_out_until_the_reset() {
    let (github, _) = fixture_pr();
    github.fail(
        "GET",
        "/repos/acme/shop/pulls/7",
        1,
        Fault::RateLimitExhausted {
            status: 429,
            reset_in_secs: 2,
        },
    );
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(github.reviews(REPO, NUMBER).len(), 1);
}

#[test]
fn a_server_error_that_persists_names_the_call_its_status_and_message() {
    let (github, _) = fixture_pr();
    github.fail(
        "GET",
        "/repos/acme/shop/pulls/7/files",
        100,
        Fault::Status {
            status: 503,
            body: serde_json::json!({"message": "Service Unavailable"}),
        },
    );
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("GET /repos/acme/shop/pulls/7/files"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("503"), "{}", out.stderr);
    assert!(out.stderr.contains("Service Unavailable"), "{}", out.stderr);
    assert!(github.reviews(REPO, NUMBER).is_empty());
}

#[test]
fn a_bad_token_is_named_with_github_s_message() {
    let (github, _) = fixture_pr();
    let out = argus_pr(&github, "not-a-token", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(out.stderr.contains("Bad credentials"), "{}", out.stderr);
}

#[test]
fn a_position_github_refuses_moves_to_the_summary_and_the_rest_is_posted() {
    let (github, _) = fixture_pr();
    github.refuse_line(REPO, NUMBER, JAVA, 28);
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let mut got = positions(&github);
    got.sort();
    let mut want = expected_positions();
    want.retain(|(p, l)| !(p == JAVA && *l == Some(28)));
    want.sort();
    assert_eq!(got, want);
    // Pending reviews used to find the refused comment are deleted, never shown.
    let reviews = github.reviews(REPO, NUMBER);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    let summary = &summary_bodies(&github)[0];
    assert!(summary.contains(&format!("{JAVA}:28")), "{summary}");
    assert!(summary.contains("GitHub refused the position"), "{summary}");
}

#[test]
fn a_read_only_fork_token_falls_back_to_annotations() {
    let github = FakeGithub::start().unwrap();
    github.add_token(TOKEN, Access::ReadOnly);
    github
        .add_pull_request(
            NewPullRequest::new(REPO, fixture("base"), fixture_head())
                .number(NUMBER)
                .rename("app/legacy_client.py", "app/client.py")
                .from_fork("contributor/shop"),
        )
        .unwrap();
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("read-only"), "{}", out.stderr);
    assert!(
        out.stdout.contains("::error file=app/orders.py,line=17"),
        "{}",
        out.stdout
    );
    let annotations = out.stdout.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(annotations, 5, "{}", out.stdout);
    assert!(github.reviews(REPO, NUMBER).is_empty());
}

#[test]
fn dry_run_prints_the_review_and_writes_nothing() {
    let (github, pr) = fixture_pr();
    let out = argus_pr(&github, TOKEN, &["--dry-run"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(github.writes(), 0);
    let plan = out.json();
    assert_eq!(plan["head_sha"], pr.head_sha.as_str());
    assert_eq!(plan["review"]["comments"].as_array().unwrap().len(), 5);
    assert_eq!(plan["review"]["event"], "COMMENT");
}

#[test]
fn request_changes_on_error_requests_changes() {
    let (github, _) = fixture_pr();
    argus_pr(&github, TOKEN, &["--request-changes-on", "error"]);
    assert_eq!(
        github.reviews(REPO, NUMBER)[0].state,
        ReviewState::ChangesRequested
    );
}

#[test]
fn a_pull_request_of_320_files_and_3200_added_lines_is_read_across_pages() {
    let github = FakeGithub::start().unwrap();
    github.add_token(TOKEN, Access::Write);
    let mut base = Files::new();
    let mut head = Files::new();
    for i in 0..320 {
        let path = format!("jobs/job_{i:03}.py");
        let old: String = (0..5).map(|n| format!("STEP_{n} = {n}\n")).collect();
        let mut new = format!(
            "import hashlib\n\n\ndef digest_{i}(data):\n    return hashlib.md5(data).hexdigest()\n"
        );
        new.push_str(&old);
        // Five more added lines each: 3,200 added lines in all.
        new.extend((0..5).map(|n| format!("LIMIT_{n} = {}\n", n * 10)));
        base.insert(path.clone(), old.into_bytes());
        head.insert(path, new.into_bytes());
    }
    github
        .add_pull_request(NewPullRequest::new(REPO, base, head).number(NUMBER))
        .unwrap();
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("320 findings"), "{}", out.stderr);
    let pages: Vec<String> = github
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/pulls/7/files"))
        .map(|r| r.query_param("page").unwrap_or("1").to_string())
        .collect();
    assert_eq!(pages, ["1", "2", "3", "4"]);
    assert_eq!(github.review_comments(REPO, NUMBER).len(), 25);
    let summary = &summary_bodies(&github)[0];
    assert!(summary.contains("320"), "{summary}");
}

#[test]
fn the_action_reviews_the_pull_request_of_its_event() {
    let (github, _) = fixture_pr();
    let action: serde_json::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(repo().join("action.yml")).unwrap())
            .unwrap();
    let steps = action["runs"]["steps"].as_array().unwrap();
    let review = steps.iter().find(|s| s["id"] == "review").unwrap();
    let script = review["run"].as_str().unwrap();

    // The action's folder, with the binary where its build step leaves it.
    let action_path = tempfile::tempdir().unwrap();
    let release = action_path.path().join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_argus"), release.join("argus")).unwrap();
    let event = action_path.path().join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({
            "action": "opened",
            "number": NUMBER,
            "pull_request": {"number": NUMBER},
            "repository": {"full_name": REPO},
        })
        .to_string(),
    )
    .unwrap();
    let output = action_path.path().join("github_output");
    let out: Run = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(action_path.path())
        .env("GITHUB_ACTION_PATH", action_path.path())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_TOKEN", TOKEN)
        .env("ARGUS_FILTER", "added")
        .env("ARGUS_MAX_COMMENTS", "25")
        .env("ARGUS_FAIL_ON", "error")
        .env("ARGUS_REQUEST_CHANGES_ON", "")
        .env("ARGUS_SARIF", "argus.sarif")
        .env("ARGUS_PATHS", ".")
        .env("ARGUS_ARGS", "")
        .env("ARGUS_ACTION_REPOSITORY", "owner/argus")
        .env("ARGUS_ACTION_REF", "v1")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let comments = github.review_comments(REPO, NUMBER);
    assert_eq!(comments.len(), 5);
    let link = "https://github.com/owner/argus/blob/v1/docs/rules.md#py-sql-injection";
    assert!(
        comments.iter().any(|c| c.body.contains(link)),
        "{}",
        comments[0].body
    );
}

#[test]
fn a_rule_with_a_safe_fix_gets_a_suggestion_block() {
    let (github, _) = fixture_pr();
    argus_pr(&github, TOKEN, &[]);
    let comments = github.review_comments(REPO, NUMBER);
    let comparison = comments
        .iter()
        .find(|c| c.path == JAVA && c.line == Some(28))
        .unwrap();
    assert!(
        comparison
            .body
            .contains("```suggestion\n        return \"open\".equals(status);\n```"),
        "{}",
        comparison.body
    );
    // A finding without a safe fix proposes nothing.
    let sql = comments.iter().find(|c| c.path == "app/orders.py").unwrap();
    assert!(!sql.body.contains("```suggestion"), "{}", sql.body);
}

/// Inline positions and summary lines of one run with `--filter MODE`.
fn filtered(mode: &str) -> (Vec<(String, Option<u64>)>, String) {
    let (github, _) = fixture_pr();
    let out = argus_pr(&github, TOKEN, &["--filter", mode, "--dry-run"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let plan = out.json();
    let mut inline: Vec<(String, Option<u64>)> = plan["review"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap().to_string(), c["line"].as_u64()))
        .collect();
    inline.sort();
    (
        inline,
        plan["summary"]["body"].as_str().unwrap().to_string(),
    )
}

#[test]
fn filter_modes_widen_from_added_lines_to_whole_files() {
    let mut added = expected_positions();
    added.sort();
    let (inline, summary) = filtered("added");
    assert_eq!(inline, added);
    assert!(!summary.contains("app/orders.py:8"), "{summary}");

    // The unchanged MD5 (orders.py:8) and the unchanged statement leak (Java line 17)
    // lie outside every hunk: `diff_context` still leaves them out, `file` and
    // `nofilter` list them in the summary, since GitHub cannot place them inline.
    let (inline, summary) = filtered("diff_context");
    assert_eq!(inline, added);
    assert!(!summary.contains("app/orders.py:8"), "{summary}");
    for mode in ["file", "nofilter"] {
        let (inline, summary) = filtered(mode);
        assert_eq!(inline, added, "{mode}");
        for at in ["`app/orders.py:8`", &format!("`{JAVA}:17`")] {
            assert!(summary.contains(at), "{mode}: {at} missing from\n{summary}");
        }
        assert!(summary.contains("outside the diff"), "{summary}");
    }
}

#[test]
fn a_file_whose_patch_github_leaves_out_is_diffed_locally() {
    let (github, _) = fixture_pr();
    // orders.py's patch is the longest; above this size GitHub omits it.
    github.set_max_patch_bytes(500);
    let out = argus_pr(&github, TOKEN, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !positions(&github)
            .iter()
            .any(|(path, _)| path == "app/orders.py"),
        "no inline comment where GitHub shows no diff"
    );
    let summary = &summary_bodies(&github)[0];
    // The added SQL line is found by diffing against the base; the old MD5 is not.
    assert!(summary.contains("`app/orders.py:17`"), "{summary}");
    assert!(
        summary.contains("GitHub shows no diff for this file"),
        "{summary}"
    );
    assert!(!summary.contains("app/orders.py:8"), "{summary}");
}
