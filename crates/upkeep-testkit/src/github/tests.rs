//! Tests of the fake GitHub itself: it checks what it receives, its own answers pass
//! GitHub's description, and its state is real.

use base64::Engine;
use serde_json::{Value, json};

use super::*;

/// A fake with installation `acme` and `acme/app` holding a renovate.json.
fn setup() -> (FakeGitHub, u64, String) {
    let gh = FakeGitHub::start();
    let inst = gh.create_installation("acme");
    gh.create_repo(
        "acme/app",
        &[
            ("renovate.json", "{\"extends\": [\"config:recommended\"]}\n"),
            ("src/lib.rs", ""),
        ],
    );
    let token = gh.installation_token(inst);
    (gh, inst, token)
}

fn branch_with_change(gh: &FakeGitHub, branch: &str, path: &str, content: &str) -> String {
    gh.create_branch("acme/app", branch, "main");
    gh.push_files(
        "acme/app",
        branch,
        &[(path, Some(content))],
        &format!("update {path}"),
    )
}

#[test]
fn app_jwt_is_checked_with_the_apps_public_key() {
    let gh = FakeGitHub::start();
    let ok = gh.request(Some(&gh.app_jwt()), "GET", "/app", None);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["id"], APP_ID);

    let dir = tempfile::tempdir().unwrap();
    let other = AppKey::generate(dir.path());
    let now = now() as i64;
    let wrong_key = other.jwt(APP_ID, now - 60, now + 300);
    let expired = gh.app_key().jwt(APP_ID, now - 900, now - 300);
    let too_long = gh.app_key().jwt(APP_ID, now - 10, now + 3600);
    let wrong_iss = gh.app_key().jwt(APP_ID + 1, now - 10, now + 300);
    for (jwt, what) in [
        (wrong_key.as_str(), "decoded"),
        (expired.as_str(), "'exp'"),
        (too_long.as_str(), "too far in the future"),
        (wrong_iss.as_str(), "'iss'"),
        ("not.a.jwt", "decoded"),
    ] {
        let r = gh.request(Some(jwt), "GET", "/app", None);
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains(what),
            "{}",
            r.body
        );
    }
    assert_eq!(gh.request(None, "GET", "/app", None).status, 401);
    // An installation token is no app JWT.
    let inst = gh.create_installation("acme");
    let token = gh.installation_token(inst);
    assert_eq!(gh.request(Some(&token), "GET", "/app", None).status, 401);
    gh.assert_no_violations();
}

#[test]
fn installation_tokens_are_minted_and_expire() {
    let (gh, inst, _) = setup();
    let jwt = gh.app_jwt();
    let list = gh.request(Some(&jwt), "GET", "/app/installations", None);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body[0]["id"], inst);
    assert_eq!(list.body[0]["account"]["login"], "acme");

    let path = format!("/app/installations/{inst}/access_tokens");
    let minted = gh.request(Some(&jwt), "POST", &path, None);
    assert_eq!(minted.status, 201, "{}", minted.body);
    let token = minted.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ghs_"));
    assert!(minted.body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/acme/app", None)
            .status,
        200
    );

    gh.expire_tokens(inst);
    let r = gh.request(Some(&token), "GET", "/repos/acme/app", None);
    assert_eq!(
        (r.status, r.body["message"].as_str()),
        (401, Some("Bad credentials"))
    );
    let fresh = gh.request(Some(&jwt), "POST", &path, None).body["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        gh.request(Some(&fresh), "GET", "/repos/acme/app", None)
            .status,
        200
    );
    gh.expire_token(&fresh);
    assert_eq!(
        gh.request(Some(&fresh), "GET", "/repos/acme/app", None)
            .status,
        401
    );

    // Tokens of a short lifetime are dead on arrival at zero.
    gh.set_token_lifetime(Duration::ZERO);
    let dead = gh.request(Some(&jwt), "POST", &path, None).body["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        gh.request(Some(&dead), "GET", "/repos/acme/app", None)
            .status,
        401
    );
    assert_eq!(
        gh.request(
            Some(&jwt),
            "POST",
            "/app/installations/1/access_tokens",
            None
        )
        .status,
        404
    );
    gh.assert_no_violations();
}

#[test]
fn installation_repositories_paginate_with_link_headers() {
    let gh = FakeGitHub::start();
    let inst = gh.create_installation("acme");
    for i in 0..5 {
        gh.create_repo(&format!("acme/r{i}"), &[]);
    }
    gh.create_repo("other/x", &[]);
    gh.create_repo_with(
        "acme/old",
        RepoOptions {
            archived: true,
            ..RepoOptions::default()
        },
        &[],
    );
    let token = gh.installation_token(inst);
    let mut names = Vec::new();
    let mut next = Some(format!("{}/installation/repositories?per_page=2", gh.url()));
    let mut pages = 0;
    while let Some(url) = next {
        let r = gh.request(
            Some(&token),
            "GET",
            url.strip_prefix(&gh.url()).unwrap(),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["total_count"], 6);
        for repo in r.body["repositories"].as_array().unwrap() {
            names.push(repo["full_name"].as_str().unwrap().to_string());
            assert_eq!(repo["archived"], repo["name"] == "old");
        }
        next = r.header("link").and_then(|l| {
            l.split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| p[1..p.find('>').unwrap()].to_string())
        });
        pages += 1;
    }
    assert_eq!(pages, 3);
    names.sort();
    assert_eq!(
        names,
        [
            "acme/old", "acme/r0", "acme/r1", "acme/r2", "acme/r3", "acme/r4"
        ]
    );
    // Another organisation's repository is invisible to this installation.
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/other/x", None)
            .status,
        404
    );
    gh.assert_no_violations();
}

#[test]
fn wrong_requests_get_422_naming_the_field_and_are_recorded() {
    let (gh, _, token) = setup();
    branch_with_change(&gh, "upkeep/a", "a.txt", "a\n");
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/pulls",
        Some(json!({"head": "upkeep/a", "base": "main", "title": 5})),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body["message"].as_str().unwrap().contains("body.title"),
        "{}",
        r.body
    );
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/pulls",
        Some(json!({"head": "upkeep/a", "base": "main", "title": "t", "labels": ["x"]})),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "body.labels");
    let r = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/pulls?state=merged",
        None,
    );
    assert_eq!(
        (r.status, r.body["errors"][0]["field"].as_str()),
        (422, Some("query.state"))
    );
    let r = gh.request(Some(&token), "GET", "/repos/acme/app/branches", None);
    assert_eq!(r.status, 404);
    let violations = gh.take_violations();
    assert_eq!(violations.len(), 4, "{violations:#?}");
    assert!(violations.iter().all(|v| v.direction == Direction::Request));
    assert_eq!(violations[3].operation, "GET /repos/acme/app/branches");
    // Nothing was created by the rejected requests.
    assert!(gh.pulls("acme/app").is_empty());
    gh.assert_no_violations();
}

#[test]
fn pull_request_lifecycle_moves_the_base_branch_in_git() {
    let (gh, _, token) = setup();
    let head = branch_with_change(
        &gh,
        "upkeep/serde-1.x",
        "Cargo.toml",
        "serde = \"1.0.210\"\n",
    );
    let create =
        json!({"head": "upkeep/serde-1.x", "base": "main", "title": "Update serde", "body": "old"});
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/pulls",
        Some(create.clone()),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.body["number"].as_u64().unwrap();
    assert_eq!(r.body["head"]["sha"], head.as_str());
    assert_eq!(r.body["user"]["login"], "upkeep-fake[bot]");
    assert_eq!(r.body["mergeable"], true);

    let dup = gh.request(Some(&token), "POST", "/repos/acme/app/pulls", Some(create));
    assert_eq!(dup.status, 422);
    assert!(
        dup.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );

    let list = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/pulls?head=acme:upkeep/serde-1.x&state=all",
        None,
    );
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.body);
    let none = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/pulls?head=acme:upkeep/other",
        None,
    );
    assert_eq!(none.body, json!([]));

    let upd = gh.request(
        Some(&token),
        "PATCH",
        &format!("/repos/acme/app/pulls/{number}"),
        Some(json!({"title": "Update serde to 1.0.210", "body": "new"})),
    );
    assert_eq!((upd.status, upd.body["body"].as_str()), (200, Some("new")));

    let stale = gh.request(
        Some(&token),
        "PUT",
        &format!("/repos/acme/app/pulls/{number}/merge"),
        Some(json!({"sha": "0".repeat(40)})),
    );
    assert_eq!(stale.status, 409);
    let merge = gh.request(
        Some(&token),
        "PUT",
        &format!("/repos/acme/app/pulls/{number}/merge"),
        Some(json!({"merge_method": "squash", "sha": head})),
    );
    assert_eq!(merge.status, 200, "{}", merge.body);
    let merged_sha = merge.body["sha"].as_str().unwrap();
    assert_eq!(
        gh.branch_sha("acme/app", "main").as_deref(),
        Some(merged_sha)
    );
    assert_eq!(
        gh.file_at("acme/app", "main", "Cargo.toml").unwrap(),
        "serde = \"1.0.210\"\n"
    );
    assert_eq!(gh.commit_parents("acme/app", merged_sha).len(), 1);

    let pr = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/pulls/{number}"),
        None,
    );
    assert_eq!(
        (pr.body["state"].as_str(), pr.body["merged"].as_bool()),
        (Some("closed"), Some(true))
    );
    assert_eq!(pr.body["merge_commit_sha"], merged_sha);
    let again = gh.request(
        Some(&token),
        "PUT",
        &format!("/repos/acme/app/pulls/{number}/merge"),
        None,
    );
    assert_eq!(again.status, 405);
    gh.assert_no_violations();
}

#[test]
fn merge_methods_and_conflicts() {
    let (gh, _, token) = setup();
    let open = |branch: &str| -> u64 {
        let r = gh.request(
            Some(&token),
            "POST",
            "/repos/acme/app/pulls",
            Some(json!({"head": branch, "base": "main", "title": branch})),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["number"].as_u64().unwrap()
    };
    let merge = |n: u64, method: &str| {
        gh.request(
            Some(&token),
            "PUT",
            &format!("/repos/acme/app/pulls/{n}/merge"),
            Some(json!({"merge_method": method})),
        )
    };
    branch_with_change(&gh, "a", "a.txt", "a\n");
    branch_with_change(&gh, "b", "b.txt", "b\n");
    branch_with_change(&gh, "c", "renovate.json", "{}\n");
    gh.push_files("acme/app", "c", &[("c.txt", Some("c\n"))], "second");
    branch_with_change(&gh, "d", "renovate.json", "{\"x\": 1}\n");
    let (a, b, c, d) = (open("a"), open("b"), open("c"), open("d"));

    let r = merge(a, "merge");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        gh.commit_parents("acme/app", r.body["sha"].as_str().unwrap())
            .len(),
        2
    );
    let r = merge(c, "rebase");
    assert_eq!(r.status, 200, "{}", r.body);
    let tip = r.body["sha"].as_str().unwrap().to_string();
    assert_eq!(gh.file_at("acme/app", &tip, "c.txt").unwrap(), "c\n");
    assert_eq!(gh.file_at("acme/app", &tip, "a.txt").unwrap(), "a\n");
    // d now conflicts with main (c changed renovate.json the other way).
    let pr = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/pulls/{d}"),
        None,
    );
    assert_eq!(
        (
            pr.body["mergeable"].as_bool(),
            pr.body["mergeable_state"].as_str()
        ),
        (Some(false), Some("dirty"))
    );
    assert_eq!(merge(d, "squash").status, 405);
    assert_eq!(merge(b, "squash").status, 200);
    gh.assert_no_violations();
}

#[test]
fn refs_and_contents_read_the_bare_repository() {
    let (gh, _, token) = setup();
    let sha = branch_with_change(&gh, "upkeep/x", "x.txt", "x\n");
    let get = |p: &str| gh.request(Some(&token), "GET", p, None);
    let r = get("/repos/acme/app/git/ref/heads/upkeep/x");
    assert_eq!(
        (r.status, r.body["object"]["sha"].as_str()),
        (200, Some(sha.as_str()))
    );
    assert_eq!(get("/repos/acme/app/git/ref/heads/upkeep").status, 404);
    let r = get("/repos/acme/app/git/matching-refs/heads/upkeep/");
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);

    let file = get("/repos/acme/app/contents/renovate.json");
    assert_eq!(file.status, 200, "{}", file.body);
    let b64 = file.body["content"].as_str().unwrap().replace('\n', "");
    let text = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(
        String::from_utf8(text)
            .unwrap()
            .contains("config:recommended")
    );
    assert_eq!(get("/repos/acme/app/contents/x.txt").status, 404);
    assert_eq!(
        get("/repos/acme/app/contents/x.txt?ref=upkeep/x").status,
        200
    );
    let dir = get("/repos/acme/app/contents/src");
    assert_eq!(dir.body[0]["name"], "lib.rs", "{}", dir.body);
    let raw = reqwest_raw(&gh, &token, "/repos/acme/app/contents/renovate.json");
    assert!(raw.starts_with("{\"extends\""));

    let main = gh.branch_sha("acme/app", "main").unwrap();
    let w = |m: &str, p: &str, b: Value| gh.request(Some(&token), m, p, Some(b));
    let r = w(
        "POST",
        "/repos/acme/app/git/refs",
        json!({"ref": "refs/heads/new", "sha": main}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        w(
            "POST",
            "/repos/acme/app/git/refs",
            json!({"ref": "refs/heads/new", "sha": main})
        )
        .status,
        422
    );
    let r = w(
        "PATCH",
        "/repos/acme/app/git/refs/heads/upkeep/x",
        json!({"sha": main}),
    );
    assert_eq!(r.status, 422, "not a fast forward: {}", r.body);
    let r = w(
        "PATCH",
        "/repos/acme/app/git/refs/heads/upkeep/x",
        json!({"sha": main, "force": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        gh.request(
            Some(&token),
            "DELETE",
            "/repos/acme/app/git/refs/heads/new",
            None
        )
        .status,
        204
    );
    assert_eq!(
        gh.request(
            Some(&token),
            "DELETE",
            "/repos/acme/app/git/refs/heads/new",
            None
        )
        .status,
        422
    );
    assert!(!gh.branches("acme/app").contains_key("new"));
    gh.assert_no_violations();
}

fn reqwest_raw(gh: &FakeGitHub, token: &str, path: &str) -> String {
    let url = format!("{}{path}", gh.url());
    let token = token.to_string();
    block_on(async move {
        client()
            .get(url)
            .bearer_auth(token)
            .header("accept", "application/vnd.github.raw+json")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

#[test]
fn issues_labels_comments_and_filters() {
    let (gh, _, token) = setup();
    let body = "## Dependency Dashboard\n\n - [ ] <!-- approve -->serde 1.0.210\n - [ ] <!-- rebase -->tokio\n";
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/issues",
        Some(json!({"title": "Dependency Dashboard", "body": body, "labels": ["dependencies"]})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.body["number"].as_u64().unwrap();
    gh.human("alice").request(
        "POST",
        "/repos/acme/app/issues",
        Some(json!({"title": "bug"})),
    );

    let list = |q: &str| {
        let r = gh.request(
            Some(&token),
            "GET",
            &format!("/repos/acme/app/issues{q}"),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(list("?creator=upkeep-fake[bot]"), ["Dependency Dashboard"]);
    assert_eq!(list("?labels=dependencies"), ["Dependency Dashboard"]);
    assert_eq!(list(""), ["bug", "Dependency Dashboard"]);
    assert_eq!(
        list("?direction=asc&state=all"),
        ["Dependency Dashboard", "bug"]
    );

    let r = gh.request(
        Some(&token),
        "POST",
        &format!("/repos/acme/app/issues/{n}/labels"),
        Some(json!({"labels": ["security", "dependencies"]})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    let r = gh.request(
        Some(&token),
        "POST",
        &format!("/repos/acme/app/issues/{n}/comments"),
        Some(json!({"body": "hi"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let cid = r.body["id"].as_u64().unwrap();
    let r = gh.request(
        Some(&token),
        "PATCH",
        &format!("/repos/acme/app/issues/comments/{cid}"),
        Some(json!({"body": "hello"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(gh.comments("acme/app", n), ["hello"]);
    let r = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/issues/{n}/comments"),
        None,
    );
    assert_eq!(r.body[0]["body"], "hello");

    // A human ticks a checkbox on the dashboard.
    gh.human("alice").tick_checkbox("acme/app", n, "approve");
    let r = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/issues/{n}"),
        None,
    );
    assert!(
        r.body["body"]
            .as_str()
            .unwrap()
            .contains("- [x] <!-- approve -->")
    );
    assert!(
        r.body["body"]
            .as_str()
            .unwrap()
            .contains("- [ ] <!-- rebase -->")
    );
    let r = gh.request(
        Some(&token),
        "PATCH",
        &format!("/repos/acme/app/issues/{n}"),
        Some(json!({"state": "closed"})),
    );
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("closed")));
    gh.assert_no_violations();
}

#[test]
fn humans_close_pull_requests_and_delete_branches() {
    let (gh, _, token) = setup();
    branch_with_change(&gh, "upkeep/a", "a", "1");
    branch_with_change(&gh, "upkeep/b", "b", "1");
    let mut numbers = Vec::new();
    for head in ["upkeep/a", "upkeep/b"] {
        let r = gh.request(
            Some(&token),
            "POST",
            "/repos/acme/app/pulls",
            Some(json!({"head": head, "base": "main", "title": head})),
        );
        numbers.push(r.body["number"].as_u64().unwrap());
    }
    let alice = gh.human("alice");
    alice.close_pull("acme/app", numbers[0]);
    alice.delete_branch("acme/app", "upkeep/b");
    let r = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/pulls?state=closed",
        None,
    );
    assert_eq!(r.body.as_array().unwrap().len(), 2, "{}", r.body);
    let pulls = gh.pulls("acme/app");
    assert!(
        pulls
            .iter()
            .all(|p| p["state"] == "closed" && p["merged"] == false)
    );
    // Human requests are not the app's.
    let counters = gh.counters();
    assert_eq!(counters.humans.writes, 2);
    assert_eq!(counters.repo("acme/app").writes, 2);
    gh.assert_no_violations();
}

#[test]
fn rate_limit_headers_decrement_and_exhaust() {
    let (gh, inst, token) = setup();
    let remaining = |r: &TestResponse| {
        r.header("x-ratelimit-remaining")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let a = gh.request(Some(&token), "GET", "/repos/acme/app", None);
    let b = gh.request(Some(&token), "GET", "/repos/acme/app", None);
    assert_eq!(a.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(remaining(&a), 4999);
    assert_eq!(remaining(&b), 4998);
    assert!(b.header("x-ratelimit-reset").is_some());
    let rl = gh.request(Some(&token), "GET", "/rate_limit", None);
    assert_eq!(
        rl.body["resources"]["core"]["remaining"], 4998,
        "{}",
        rl.body
    );

    gh.set_rate_limit(inst, 100, 1);
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/acme/app", None)
            .status,
        200
    );
    let r = gh.request(Some(&token), "GET", "/repos/acme/app", None);
    assert_eq!((r.status, remaining(&r)), (403, 0));
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("rate limit exceeded")
    );
    gh.assert_no_violations();
}

#[test]
fn secondary_rate_limit_then_recovery() {
    let (gh, _, token) = setup();
    gh.secondary_rate_limit(2, 7);
    // People (and the app's JWT) are not affected; only installation requests are.
    let human = gh.human("alice").request("GET", "/repos/acme/app", None);
    assert_eq!(human.status, 200);
    for _ in 0..2 {
        let r = gh.request(Some(&token), "GET", "/repos/acme/app", None);
        assert_eq!((r.status, r.header("retry-after")), (403, Some("7")));
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("secondary rate limit")
        );
    }
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/acme/app", None)
            .status,
        200
    );
}

#[test]
fn injected_server_errors() {
    let (gh, _, token) = setup();
    gh.fail(Some("GET"), "/repos/acme/app/pulls", Some(2));
    for expected in [500, 500, 200] {
        assert_eq!(
            gh.request(Some(&token), "GET", "/repos/acme/app/pulls", None)
                .status,
            expected
        );
    }
    gh.fail(None, "/repos/acme/app", None);
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/acme/app", None)
            .status,
        500
    );
    gh.clear_failures();
    assert_eq!(
        gh.request(Some(&token), "GET", "/repos/acme/app", None)
            .status,
        200
    );
}

#[test]
fn counters_per_installation_repository_and_operation() {
    let (gh, inst, token) = setup();
    gh.create_repo("acme/other", &[]);
    gh.request(Some(&token), "GET", "/repos/acme/app", None);
    gh.request(Some(&token), "GET", "/repos/acme/app/pulls", None);
    gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/issues",
        Some(json!({"title": "x"})),
    );
    gh.request(Some(&token), "GET", "/repos/acme/other", None);
    gh.request(Some(&token), "GET", "/installation/repositories", None);
    let c = gh.counters();
    assert_eq!(
        c.repo("acme/app"),
        Tally {
            reads: 2,
            writes: 1,
            not_modified: 0
        }
    );
    assert_eq!(
        c.repo("acme/other"),
        Tally {
            reads: 1,
            writes: 0,
            not_modified: 0
        }
    );
    assert_eq!(c.by_installation[&inst].total(), 5);
    assert_eq!(c.operation("issues/create"), 1);
    assert_eq!(gh.requests().len(), 5);
    gh.reset_counters();
    assert_eq!(gh.counters().repo("acme/app").total(), 0);
}

#[test]
fn git_over_smart_http_needs_a_live_token() {
    let (gh, inst, token) = setup();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("w");
    let url = gh.clone_url("acme/app");
    let authed = url.replace("http://", &format!("http://x-access-token:{token}@"));
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "credential.helper=",
            ])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    };
    assert!(
        !git(&["clone", "-q", &url, work.to_str().unwrap()])
            .status
            .success()
    );
    let out = git(&["clone", "-q", &authed, work.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(work.join("new.txt"), "new\n").unwrap();
    let w = work.to_str().unwrap();
    git(&["-C", w, "checkout", "-q", "-b", "upkeep/pushed"]);
    git(&["-C", w, "add", "new.txt"]);
    git(&["-C", w, "commit", "-qm", "pushed"]);
    let out = git(&["-C", w, "push", "-q", "origin", "upkeep/pushed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/git/ref/heads/upkeep/pushed",
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        gh.file_at("acme/app", "upkeep/pushed", "new.txt")
            .as_deref(),
        Some("new\n")
    );
    let c = gh.counters();
    assert_eq!((c.git["acme/app fetch"], c.git["acme/app push"]), (1, 1));
    gh.expire_tokens(inst);
    let out = git(&["-C", w, "fetch", "-q", "origin"]);
    assert!(!out.status.success(), "an expired token fetched");
}

#[test]
fn git_data_api_commits_are_verified_and_move_refs() {
    let (gh, _, token) = setup();
    let main = gh.branch_sha("acme/app", "main").unwrap();
    let post = |p: &str, b: Value| {
        let r = gh.request(
            Some(&token),
            "POST",
            &format!("/repos/acme/app{p}"),
            Some(b),
        );
        assert_eq!(r.status, 201, "{p}: {}", r.body);
        r.body
    };
    let blob = post(
        "/git/blobs",
        json!({"content": "aGVsbG8K", "encoding": "base64"}),
    );
    let base_tree = gh
        .request(
            Some(&token),
            "GET",
            &format!("/repos/acme/app/git/commits/{main}"),
            None,
        )
        .body["tree"]["sha"]
        .as_str()
        .unwrap()
        .to_string();
    let tree = post(
        "/git/trees",
        json!({"base_tree": base_tree, "tree": [
            {"path": "docs/hello.txt", "mode": "100644", "type": "blob", "sha": blob["sha"]},
            {"path": "renovate.json", "mode": "100644", "type": "blob", "content": "{}\n"},
            {"path": "src/lib.rs", "mode": "100644", "type": "blob", "sha": null},
        ]}),
    );
    let commit = post(
        "/git/commits",
        json!({"message": "chore(deps): update", "tree": tree["sha"], "parents": [main]}),
    );
    assert_eq!(commit["verification"]["verified"], true);
    let sha = commit["sha"].as_str().unwrap();
    post(
        "/git/refs",
        json!({"ref": "refs/heads/upkeep/api", "sha": sha}),
    );
    assert_eq!(
        gh.file_at("acme/app", "upkeep/api", "docs/hello.txt")
            .as_deref(),
        Some("hello\n")
    );
    assert_eq!(
        gh.file_at("acme/app", "upkeep/api", "renovate.json")
            .as_deref(),
        Some("{}\n")
    );
    assert_eq!(gh.file_at("acme/app", "upkeep/api", "src/lib.rs"), None);
    let got = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/git/commits/{sha}"),
        None,
    );
    assert_eq!(got.body["verification"]["verified"], true);
    gh.assert_no_violations();
}

#[test]
fn statuses_checks_and_graphql_auto_merge() {
    let (gh, _, token) = setup();
    let head = branch_with_change(&gh, "upkeep/patch", "p", "1");
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/pulls",
        Some(json!({"head": "upkeep/patch", "base": "main", "title": "patch"})),
    );
    let n = r.body["number"].as_u64().unwrap();
    let node = r.body["node_id"].as_str().unwrap().to_string();
    let status = |r: &str| {
        gh.request(
            Some(&token),
            "GET",
            &format!("/repos/acme/app/commits/{r}/status"),
            None,
        )
    };
    let s = status("upkeep/patch");
    assert_eq!(
        (
            s.status,
            s.body["state"].as_str(),
            s.body["total_count"].as_u64()
        ),
        (200, Some("pending"), Some(0)),
        "{}",
        s.body
    );

    let q = "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { pullRequest { id } } }";
    let r = gh.request(
        Some(&token),
        "POST",
        "/graphql",
        Some(json!({"query": q, "variables": {"id": node}})),
    );
    assert_eq!(r.status, 200);
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let pr = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/pulls/{n}"),
        None,
    );
    assert_eq!(
        pr.body["auto_merge"]["merge_method"], "squash",
        "{}",
        pr.body
    );

    let ci = gh.human("ci");
    ci.set_status("acme/app", &head, "ci/build", "pending");
    assert_eq!(status(&head).body["state"], "pending");
    gh.add_check_run("acme/app", &head, "build", "completed", Some("success"));
    let runs = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/commits/{head}/check-runs"),
        None,
    );
    assert_eq!(
        (runs.status, runs.body["total_count"].as_u64()),
        (200, Some(1)),
        "{}",
        runs.body
    );
    // A re-run of `build` replaces its result for `filter=latest` (the default); `all`
    // lists both.
    gh.add_check_run("acme/app", &head, "build", "in_progress", None);
    let runs = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/commits/{head}/check-runs"),
        None,
    );
    assert_eq!(runs.body["total_count"].as_u64(), Some(1), "{}", runs.body);
    assert_eq!(runs.body["check_runs"][0]["status"], "in_progress");
    let all = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/commits/{head}/check-runs?filter=all"),
        None,
    );
    assert_eq!(all.body["total_count"].as_u64(), Some(2), "{}", all.body);
    gh.add_check_run("acme/app", &head, "build", "completed", Some("success"));
    ci.set_status("acme/app", &head, "ci/build", "success");
    let s = status(&head);
    assert_eq!(
        (s.body["state"].as_str(), s.body["total_count"].as_u64()),
        (Some("success"), Some(1))
    );
    // Auto-merge merged it once checks passed.
    let pr = gh.request(
        Some(&token),
        "GET",
        &format!("/repos/acme/app/pulls/{n}"),
        None,
    );
    assert_eq!(pr.body["merged"], true, "{}", pr.body);
    assert_eq!(gh.file_at("acme/app", "main", "p").as_deref(), Some("1"));

    gh.set_allow_auto_merge("acme/app", false);
    branch_with_change(&gh, "upkeep/other", "o", "1");
    let r = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/pulls",
        Some(json!({"head": "upkeep/other", "base": "main", "title": "other"})),
    );
    let q2 = format!(
        "mutation {{ enablePullRequestAutoMerge(input: {{pullRequestId: \"{}\"}}) {{ clientMutationId }} }}",
        r.body["node_id"].as_str().unwrap()
    );
    let r = gh.request(Some(&token), "POST", "/graphql", Some(json!({"query": q2})));
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{}",
        r.body
    );
    assert_eq!(gh.counters().operation("graphql"), 2);
    gh.assert_no_violations();
}

#[test]
fn conditional_requests_answer_304_without_rate_limit_cost() {
    let (gh, _, token) = setup();
    let first = gh.request(
        Some(&token),
        "GET",
        "/repos/acme/app/contents/renovate.json",
        None,
    );
    let etag = first.header("etag").unwrap().to_string();
    let remaining = first.header("x-ratelimit-remaining").unwrap().to_string();
    let url = format!("{}/repos/acme/app/contents/renovate.json", gh.url());
    let (status, after) = block_on(async move {
        let r = client()
            .get(url)
            .bearer_auth(token)
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        let remaining = r.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .to_string();
        (r.status().as_u16(), remaining)
    });
    assert_eq!((status, after), (304, remaining));
    let c = gh.counters().repo("acme/app");
    assert_eq!((c.reads, c.not_modified), (2, 1));
    gh.assert_no_violations();
}

#[test]
#[ignore = "timing probe"]
fn probe_hundred_repositories() {
    let gh = FakeGitHub::start();
    let inst = gh.create_installation("acme");
    let t = std::time::Instant::now();
    for i in 0..100 {
        gh.create_repo(&format!("acme/r{i:03}"), &[("renovate.json", "{}")]);
    }
    eprintln!("create 100 repos: {:?}", t.elapsed());
    let token = gh.installation_token(inst);
    let t = std::time::Instant::now();
    let r = gh.request(
        Some(&token),
        "GET",
        "/installation/repositories?per_page=100",
        None,
    );
    assert_eq!(r.status, 200);
    eprintln!("list 100 repos: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for i in 0..100 {
        gh.request(
            Some(&token),
            "GET",
            &format!("/repos/acme/r{i:03}/pulls?state=all"),
            None,
        );
    }
    eprintln!("100 pull lists: {:?}", t.elapsed());
}

#[test]
fn a_user_token_sees_its_user_and_every_repository_and_an_installation_token_does_not() {
    let (gh, _, installation_token) = setup();
    gh.create_repo("other/lib", &[]);
    let token = gh.user_token("renovate-user");
    let me = gh.request(Some(&token), "GET", "/user", None);
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["login"], "renovate-user");
    let repos = gh.request(Some(&token), "GET", "/user/repos?per_page=1", None);
    assert_eq!(repos.status, 200, "{}", repos.body);
    assert_eq!(repos.body[0]["full_name"], "acme/app");
    assert!(repos.header("link").unwrap().contains("rel=\"next\""));
    let refused = gh.request(Some(&installation_token), "GET", "/user/repos", None);
    assert_eq!(refused.status, 403);
    gh.assert_no_violations();
}

#[test]
fn a_failure_after_handling_carries_the_request_out_then_answers_502() {
    let (gh, _, token) = setup();
    gh.fail_after_handling(Some("POST"), "/repos/acme/app/issues", Some(1));
    let first = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/issues",
        Some(json!({"title": "Dependency Dashboard"})),
    );
    assert_eq!(first.status, 502);
    assert_eq!(
        gh.issues("acme/app").len(),
        1,
        "the issue exists all the same"
    );
    let second = gh.request(
        Some(&token),
        "POST",
        "/repos/acme/app/issues",
        Some(json!({"title": "Dependency Dashboard"})),
    );
    assert_eq!(second.status, 201);
    gh.assert_no_violations();
}
