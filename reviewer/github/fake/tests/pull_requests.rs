//! Reading a pull request over HTTP: its JSON, its paginated files with patches as git
//! writes them, file contents and trees.

mod common;

use argus_fake_github::{Files, NewPullRequest};
use common::{TOKEN, client, fake, fake_with_pr, files, get, links, path_of, send};
use octocrab::models::repos::{DiffEntry, DiffEntryStatus};
use octocrab::{Octocrab, Page};

#[tokio::test]
async fn a_pull_request_reads_into_octocrab_models() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let pull = octo.pulls("acme", "shop").get(7).await.unwrap();
    assert_eq!(pull.number, 7);
    assert_eq!(pull.head.sha, pr.head_sha);
    assert_eq!(pull.base.sha, pr.base_sha);
    assert_eq!(pull.head.ref_field, "feature");
    assert_eq!(pull.base.ref_field, "main");
    assert_eq!(
        pull.head.repo.as_ref().and_then(|r| r.full_name.as_deref()),
        Some("acme/shop")
    );
    assert_eq!(pull.changed_files, Some(2));
    assert_eq!(pull.draft, Some(false));
    assert_eq!(pull.user.map(|u| u.login).as_deref(), Some("octocat"));
    assert!(
        pull.html_url
            .is_some_and(|u| u.as_str().ends_with("/acme/shop/pull/7"))
    );

    let page = octo.pulls("acme", "shop").list_files(7).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["app.py", "docs.md"]);
    assert_eq!(page.items[1].status, DiffEntryStatus::Added);
}

#[tokio::test]
async fn a_fork_pull_request_names_the_fork_as_head_repository() {
    let github = fake();
    github
        .add_pull_request(
            NewPullRequest::new("acme/shop", files(&[("a", "1\n")]), files(&[("a", "2\n")]))
                .from_fork("mallory/shop")
                .draft(),
        )
        .unwrap();
    let raw = get(&client(&github, TOKEN), "/repos/acme/shop/pulls/1").await;
    let pull = raw.json();
    assert_eq!(pull["head"]["repo"]["full_name"], "mallory/shop");
    assert_eq!(pull["head"]["repo"]["fork"], true);
    assert_eq!(pull["head"]["label"], "mallory:feature");
    assert_eq!(pull["base"]["repo"]["full_name"], "acme/shop");
    assert_eq!(pull["draft"], true);
}

fn many_files(count: usize) -> (Files, Files) {
    let base = Files::new();
    let head: Files = (0..count)
        .map(|i| (format!("src/f{i:04}.py"), format!("x = {i}\n").into_bytes()))
        .collect();
    (base, head)
}

#[tokio::test]
async fn files_are_paginated_with_link_headers_as_github_writes_them() {
    let github = fake();
    let (base, head) = many_files(320);
    github
        .add_pull_request(NewPullRequest::new("acme/big", base, head))
        .unwrap();
    let repo_id = github.add_repo("acme/big").unwrap();
    let octo = client(&github, TOKEN);

    let first = get(&octo, "/repos/acme/big/pulls/1/files?per_page=100").await;
    assert_eq!(first.json().as_array().map(Vec::len), Some(100));
    let url = |page: usize| {
        format!(
            "{}/repositories/{repo_id}/pulls/1/files?per_page=100&page={page}",
            github.url()
        )
    };
    assert_eq!(
        first.header("link"),
        format!("<{}>; rel=\"next\", <{}>; rel=\"last\"", url(2), url(4))
    );

    let mut names = Vec::new();
    let mut next = Some("/repos/acme/big/pulls/1/files?per_page=100".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = get(&octo, &path).await;
        assert_eq!(page.status, 200);
        pages += 1;
        for entry in page.json().as_array().unwrap() {
            names.push(entry["filename"].as_str().unwrap().to_owned());
        }
        next = page.headers.get("link").and_then(|link| {
            links(link.to_str().unwrap())
                .into_iter()
                .find(|(rel, _)| rel == "next")
                .map(|(_, url)| path_of(&url, &github))
        });
    }
    assert_eq!(pages, 4);
    let expected: Vec<String> = (0..320).map(|i| format!("src/f{i:04}.py")).collect();
    assert_eq!(names, expected);

    let middle = get(&octo, &path_of(&url(2), &github)).await;
    let rels: Vec<String> = links(middle.header("link"))
        .into_iter()
        .map(|(rel, _)| rel)
        .collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);
    let last = get(&octo, &path_of(&url(4), &github)).await;
    assert_eq!(last.json().as_array().map(Vec::len), Some(20));

    // Without per_page GitHub sends 30 a page.
    let default = get(&octo, "/repos/acme/big/pulls/1/files").await;
    assert_eq!(default.json().as_array().map(Vec::len), Some(30));
    let last_default = links(default.header("link")).pop().unwrap();
    assert_eq!(
        last_default,
        (
            "last".to_owned(),
            format!(
                "{}/repositories/{repo_id}/pulls/1/files?page=11",
                github.url()
            )
        )
    );
}

#[tokio::test]
async fn octocrab_follows_the_next_links_to_every_file() {
    let github = fake();
    let (base, head) = many_files(250);
    github
        .add_pull_request(NewPullRequest::new("acme/big", base, head))
        .unwrap();
    let octo = client(&github, TOKEN);
    let first: Page<DiffEntry> = octo
        .get("/repos/acme/big/pulls/1/files", Some(&[("per_page", 100)]))
        .await
        .unwrap();
    let all = octo.all_pages(first).await.unwrap();
    assert_eq!(all.len(), 250);
    // A personal token goes to every URL on the base URI's host, absolute links included.
    let tokens: Vec<Option<String>> = github.requests().into_iter().map(|r| r.token).collect();
    assert_eq!(tokens, vec![Some(TOKEN.to_owned()); 3]);
    let paths: Vec<String> = github.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/repos/acme/big/pulls/1/files".to_owned(); 3]);
}

#[tokio::test]
async fn the_files_list_stops_at_3000_files() {
    let github = fake();
    let (base, head) = many_files(3005);
    github
        .add_pull_request(NewPullRequest::new("acme/huge", base, head))
        .unwrap();
    let octo = client(&github, TOKEN);
    let pull = get(&octo, "/repos/acme/huge/pulls/1").await.json();
    assert_eq!(pull["changed_files"], 3005);
    let first = get(&octo, "/repos/acme/huge/pulls/1/files?per_page=100").await;
    let (rel, last) = links(first.header("link")).pop().unwrap();
    assert_eq!(rel, "last");
    assert!(last.ends_with("page=30"), "{last}");
    let last_page = get(&octo, &path_of(&last, &github)).await.json();
    assert_eq!(last_page.as_array().map(Vec::len), Some(100));
    assert_eq!(last_page[99]["filename"], "src/f2999.py");
    let beyond = get(&octo, "/repos/acme/huge/pulls/1/files?per_page=100&page=31").await;
    assert_eq!(beyond.json(), serde_json::json!([]));
}

const CART_BASE: &str = r#"import json
import os


class Cart:
    """A shopping cart."""

    def __init__(self, owner):
        self.owner = owner
        self.items = []

    def add(self, sku, quantity=1):
        self.items.append((sku, quantity))

    def remove(self, sku):
        self.items = [i for i in self.items if i[0] != sku]

    def total(self, prices):
        return sum(prices[sku] * q for sku, q in self.items)


def load(path):
    with open(path) as f:
        return json.load(f)


def save(cart, path):
    with open(path, "w") as f:
        json.dump(cart.items, f)


def main():
    cart = Cart(os.environ["USER"])
    cart.add("apple")
    print(cart.total({"apple": 3}))
"#;

const UTIL_BASE: &str = r#"def money(cents):
    return f"{cents / 100:.2f}"


def clamp(x, low, high):
    return max(low, min(x, high))


def parse(text):
    return int(text)
"#;

fn cart_head() -> String {
    CART_BASE
        .replace("import os\n", "import os\nimport sys\n")
        .replace(
            "        return sum(prices[sku] * q for sku, q in self.items)\n",
            "        total = 0\n        for sku, q in self.items:\n            total += prices[sku] * q\n        return total\n",
        )
        .replace(
            "    print(cart.total({\"apple\": 3}))\n",
            "    print(cart.total({\"apple\": 3}), file=sys.stderr)",
        )
}

/// `git diff -U3 -M` (git 2.47) of the same change, file headers removed.
const CART_PATCH: &str = r#"@@ -1,5 +1,6 @@
 import json
 import os
+import sys
 
 
 class Cart:
@@ -16,7 +17,10 @@ class Cart:
         self.items = [i for i in self.items if i[0] != sku]
 
     def total(self, prices):
-        return sum(prices[sku] * q for sku, q in self.items)
+        total = 0
+        for sku, q in self.items:
+            total += prices[sku] * q
+        return total
 
 
 def load(path):
@@ -32,4 +36,4 @@ def save(cart, path):
 def main():
     cart = Cart(os.environ["USER"])
     cart.add("apple")
-    print(cart.total({"apple": 3}))
+    print(cart.total({"apple": 3}), file=sys.stderr)
\ No newline at end of file"#;

const UTIL_PATCH: &str = r#"@@ -7,4 +7,4 @@ def clamp(x, low, high):
 
 
 def parse(text):
-    return int(text)
+    return int(text.strip())"#;

#[tokio::test]
async fn patches_match_git_diff_for_a_modification_and_a_rename() {
    let github = fake();
    let base = files(&[("shop/cart.py", CART_BASE), ("shop/util.py", UTIL_BASE)]);
    let head = files(&[
        ("shop/cart.py", &cart_head()),
        (
            "shop/helpers.py",
            &UTIL_BASE.replace("int(text)", "int(text.strip())"),
        ),
    ]);
    let pr = github
        .add_pull_request(
            NewPullRequest::new("acme/shop", base, head).rename("shop/util.py", "shop/helpers.py"),
        )
        .unwrap();
    let listed = get(&client(&github, TOKEN), "/repos/acme/shop/pulls/1/files")
        .await
        .json();
    let cart = &listed[0];
    assert_eq!(cart["filename"], "shop/cart.py");
    assert_eq!(cart["status"], "modified");
    assert_eq!(cart["patch"], CART_PATCH);
    assert_eq!(
        (&cart["additions"], &cart["deletions"], &cart["changes"]),
        (&6.into(), &2.into(), &8.into())
    );
    let helpers = &listed[1];
    assert_eq!(helpers["filename"], "shop/helpers.py");
    assert_eq!(helpers["status"], "renamed");
    assert_eq!(helpers["previous_filename"], "shop/util.py");
    assert_eq!(helpers["patch"], UTIL_PATCH);
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert_eq!(
        cart["contents_url"],
        format!(
            "{}/repos/acme/shop/contents/shop/cart.py?ref={}",
            github.url(),
            pr.head_sha
        )
    );
}

#[tokio::test]
async fn binary_and_oversized_diffs_come_without_a_patch() {
    let github = fake();
    let mut base = files(&[("big.py", &"a = 1\n".repeat(50)), ("small.py", "x\n")]);
    base.insert("logo.png".to_owned(), vec![0x89, b'P', b'N', b'G', 0, 1]);
    let mut head = files(&[("big.py", &"a = 2\n".repeat(50)), ("small.py", "y\n")]);
    head.insert("logo.png".to_owned(), vec![0x89, b'P', b'N', b'G', 0, 2]);
    github
        .add_pull_request(NewPullRequest::new("acme/shop", base, head))
        .unwrap();
    github.set_max_patch_bytes(200);
    let listed = get(&client(&github, TOKEN), "/repos/acme/shop/pulls/1/files")
        .await
        .json();
    let by_name = |name: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filename"] == name)
            .unwrap()
            .clone()
    };
    assert!(by_name("big.py").get("patch").is_none());
    assert_eq!(by_name("big.py")["additions"], 50);
    assert!(by_name("logo.png").get("patch").is_none());
    assert_eq!(by_name("logo.png")["status"], "modified");
    assert_eq!(by_name("small.py")["patch"], "@@ -1 +1 @@\n-x\n+y");
    // Without a patch there is no line a comment could sit on.
    let review = common::post(
        &client(&github, TOKEN),
        "/repos/acme/shop/pulls/1/reviews",
        &serde_json::json!({ "event": "COMMENT", "comments": [
            { "path": "big.py", "line": 1, "side": "RIGHT", "body": "x" },
        ] }),
    )
    .await;
    assert_eq!(review.status, 422);
    assert_eq!(review.json()["errors"][0], "Line could not be resolved");
}

async fn raw_contents(octo: &Octocrab, path: &str, accept: &str) -> common::Raw {
    send(octo, "GET", path, None, &[("accept", accept)]).await
}

#[tokio::test]
async fn contents_come_raw_or_as_base64_json_and_missing_files_are_404() {
    let (github, pr) = fake_with_pr();
    let octo = client(&github, TOKEN);
    let path = format!("/repos/acme/shop/contents/app.py?ref={}", pr.head_sha);
    for accept in [
        "application/vnd.github.raw",
        "application/vnd.github.raw+json",
    ] {
        let raw = raw_contents(&octo, &path, accept).await;
        assert_eq!(raw.status, 200);
        assert!(raw.body.contains("line ten\n"), "{accept}: {}", raw.body);
    }
    let base = raw_contents(
        &octo,
        &format!("/repos/acme/shop/contents/app.py?ref={}", pr.base_sha),
        "application/vnd.github.raw",
    )
    .await;
    assert!(base.body.contains("line 10\n"));

    let json = get(&octo, &path).await.json();
    assert_eq!(json["type"], "file");
    assert_eq!(json["encoding"], "base64");
    assert_eq!(json["path"], "app.py");
    assert_eq!(json["name"], "app.py");
    assert_eq!(json["size"], common::twenty_lines().len() + 1);
    let typed: octocrab::models::repos::Content = serde_json::from_value(json.clone()).unwrap();
    assert!(
        typed
            .decoded_content()
            .unwrap()
            .starts_with("line 1\nline 2\n")
    );

    let root = get(
        &octo,
        &format!("/repos/acme/shop/contents?ref={}", pr.head_sha),
    )
    .await
    .json();
    let listed: Vec<(&str, &str)> = root
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("app.py", "file"),
            ("docs.md", "file"),
            ("keep.txt", "file")
        ]
    );
    assert!(root[0].get("content").is_none());

    let missing = get(
        &octo,
        &format!("/repos/acme/shop/contents/nope.py?ref={}", pr.head_sha),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        serde_json::json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
            "status": "404",
        })
    );
    let bad_ref = get(&octo, "/repos/acme/shop/contents/app.py?ref=nowhere").await;
    assert_eq!(bad_ref.status, 404);
    assert_eq!(
        bad_ref.json()["message"],
        "No commit found for the ref nowhere"
    );
}

#[tokio::test]
async fn a_recursive_tree_lists_subtrees_before_their_entries_and_can_be_truncated() {
    let github = fake();
    let head = files(&[
        ("argus.toml", "[argus]\n"),
        ("src/pkg/mod.py", "x\n"),
        ("src/main.py", "y\n"),
    ]);
    let pr = github
        .add_pull_request(NewPullRequest::new("acme/shop", Files::new(), head))
        .unwrap();
    let octo = client(&github, TOKEN);
    let tree = get(
        &octo,
        &format!("/repos/acme/shop/git/trees/{}?recursive=1", pr.head_sha),
    )
    .await
    .json();
    let listed: Vec<(String, String)> = tree["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("argus.toml", "blob"),
        ("src", "tree"),
        ("src/main.py", "blob"),
        ("src/pkg", "tree"),
        ("src/pkg/mod.py", "blob"),
    ]
    .iter()
    .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
    .collect();
    assert_eq!(listed, expected);
    assert_eq!(tree["truncated"], false);
    assert_eq!(tree["tree"][0]["mode"], "100644");
    assert_eq!(tree["tree"][0]["size"], 8);
    assert_eq!(tree["tree"][1]["mode"], "040000");
    assert!(tree["tree"][1].get("size").is_none());

    let top = get(
        &octo,
        &format!("/repos/acme/shop/git/trees/{}", pr.head_sha),
    )
    .await
    .json();
    assert_eq!(top["tree"].as_array().map(Vec::len), Some(2));
    // A subtree is reachable by the sha its parent lists.
    let src_sha = tree["tree"][1]["sha"].as_str().unwrap();
    let src = get(&octo, &format!("/repos/acme/shop/git/trees/{src_sha}"))
        .await
        .json();
    assert_eq!(src["sha"], src_sha);
    assert_eq!(src["tree"][0]["path"], "main.py");

    github.set_tree_entry_limit(3);
    let cut = get(&octo, "/repos/acme/shop/git/trees/feature?recursive=1")
        .await
        .json();
    assert_eq!(cut["truncated"], true);
    assert_eq!(cut["tree"].as_array().map(Vec::len), Some(3));
}
