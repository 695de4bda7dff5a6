//! `run_on_platform` end to end with the real GitHub platform (`upkeep_platform`'s
//! `GitHub`, authenticated as a GitHub App) against the fake GitHub of upkeep-testkit —
//! real bare repositories over smart HTTP, App JWTs, installation tokens, every request
//! and response checked against GitHub's REST description — and a crates sparse index
//! on loopback. Each step ends with the fake's own state checked: pull requests, issues,
//! comments, branches, counters.

#[path = "github/harness.rs"]
mod harness;

use serde_json::json;
use upkeep_worker::platform_run::{DashboardAction, PrAction};
use upkeep_worker::run::BranchAction;

use harness::{REPO, World, body, branch, labels};

/// The config the onboarding PR proposes: a group, an automerged patch, a package
/// behind dashboard approval.
fn onboarding_config() -> serde_json::Value {
    json!({
        "extends": ["config:recommended"],
        "labels": ["dependencies"],
        "prHourlyLimit": 0,
        "prConcurrentLimit": 0,
        "rebaseWhen": "behind-base-branch",
        "packageRules": [
            {
                "matchPackageNames": ["alpha", "delta"],
                "matchUpdateTypes": ["minor", "patch"],
                "groupName": "core crates"
            },
            {"matchPackageNames": ["gamma"], "dependencyDashboardApproval": true},
            {"matchUpdateTypes": ["patch"], "matchPackageNames": ["beta"], "automerge": true}
        ]
    })
}

fn versions() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("alpha", &["1.0.0", "1.1.0", "2.0.0"][..]),
        ("beta", &["1.0.0", "1.0.1"][..]),
        ("gamma", &["1.0.0", "1.2.0"][..]),
        ("delta", &["1.0.0", "1.3.0"][..]),
    ]
}

#[test]
fn a_repository_from_onboarding_to_a_removed_dependency() {
    let mut world = World::new(&["alpha", "beta", "gamma", "delta"], &versions(), &[]);
    world.set_onboarding_config(&onboarding_config());

    // 1. No config: only the onboarding PR, previewing what would follow.
    let (report, counted) = world.run_counting();
    let onboarding = report.onboarding.as_ref().expect("onboarding");
    assert_eq!(onboarding.pr, PrAction::Created);
    assert!(report.branches.is_empty());
    let pr = world.pull("upkeep/configure");
    assert_eq!(pr["title"], "Configure upkeep");
    assert!(body(&pr).contains("Update core crates"), "{}", body(&pr));
    assert!(body(&pr).contains("Update Rust crate alpha to v2"));
    let proposed = world
        .gh
        .file_at(REPO, "upkeep/configure", "renovate.json")
        .expect("the onboarding branch adds renovate.json");
    assert!(proposed.contains("\"core crates\""), "{proposed}");
    assert_eq!(
        counted.api.writes, 1,
        "one write: the PR (the branch is a git push)"
    );
    assert_eq!(counted.pushes, 1);
    world.assert_no_violations();

    // ... and a rerun writes nothing.
    let (report, counted) = world.run_counting();
    assert_eq!(report.onboarding.as_ref().unwrap().pr, PrAction::Unchanged);
    assert_eq!(counted.api.writes, 0);
    assert_eq!(counted.pushes, 0);

    // 2. A human merges the onboarding PR: the grouped PRs open, gamma waits.
    let number = pr["number"].as_u64().unwrap();
    world.gh.human("alice").merge_pull(REPO, number, "squash");
    let (report, counted) = world.run_counting();
    assert!(report.onboarding.is_none());
    assert_eq!(branch(&report, "upkeep/core-crates").pr, PrAction::Created);
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Created);
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Created);
    assert_eq!(
        beta.automerge_status.as_deref(),
        Some("native auto-merge enabled")
    );
    assert_eq!(
        branch(&report, "upkeep/gamma-1.x").action,
        BranchAction::AwaitingApproval
    );
    assert!(!world.has_branch("upkeep/gamma-1.x"));
    let group = world.pull("upkeep/core-crates");
    assert_eq!(group["title"], "Update core crates");
    assert_eq!(labels(&group), ["dependencies"]);
    assert_eq!(group["user"]["login"], "upkeep-fake[bot]");
    assert_eq!(group["base"]["ref"], "main");
    let text = body(&group);
    assert!(
        text.contains("| `alpha` | `=1.0.0` → `=1.1.0` | minor |"),
        "{text}"
    );
    assert!(
        text.contains("| `delta` | `=1.0.0` → `=1.3.0` | minor |"),
        "{text}"
    );
    assert!(text.contains("<!-- upkeep:{"), "the hidden marker: {text}");
    assert!(text.contains("<!-- rebase-check -->"), "{text}");
    assert_eq!(
        world.pull("upkeep/alpha-2.x")["title"],
        "Update Rust crate alpha to v2"
    );
    let beta = world.pull("upkeep/beta-1.x");
    assert_eq!(beta["title"], "Update Rust crate beta to v1.0.1");
    assert_eq!(beta["auto_merge"]["merge_method"], "merge", "{beta}");
    let core = world
        .gh
        .file_at(REPO, "upkeep/core-crates", "Cargo.toml")
        .unwrap();
    assert!(core.contains("alpha = { version = \"=1.1.0\""), "{core}");
    assert!(core.contains("delta = { version = \"=1.3.0\""), "{core}");
    assert!(core.contains("beta = { version = \"=1.0.0\""), "{core}");
    // Each new PR: one create, one issue edit for its labels; no reviewers configured.
    assert_eq!(counted.operation("pulls/create"), 3);
    assert_eq!(counted.operation("graphql"), 1);
    let Some(DashboardAction::Created(dashboard)) = report.dashboard else {
        panic!("dashboard: {:?}", report.dashboard)
    };
    let issues = world.gh.issues(REPO);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["number"], dashboard);
    assert_eq!(issues[0]["title"], "Dependency Dashboard");
    assert!(body(&issues[0]).contains("- [ ] <!-- upkeep-approve=upkeep/gamma-1.x -->"));
    world.assert_no_violations();

    // 3. A rerun with nothing new: at most three API calls besides git, zero writes.
    let (report, counted) = world.run_counting();
    assert!(counted.api.total() <= 3, "{counted:?}");
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.pushes, 0);
    assert!(
        counted.operations.keys().all(|op| op != "graphql"),
        "{counted:?}"
    );
    assert!(
        report
            .branches
            .iter()
            .filter(|b| b.action != BranchAction::AwaitingApproval)
            .all(|b| b.action == BranchAction::Unchanged && b.pr == PrAction::Unchanged),
        "{:#?}",
        report.branches
    );
    assert_eq!(
        report.dashboard,
        Some(DashboardAction::Unchanged(dashboard))
    );
    world.assert_no_violations();

    // 4. A human pushes to main: the branches are rebuilt on it, the PRs are left alone.
    let base = world.push_main(&[("README.md", Some("# app\n"))], "Add a README");
    let (report, counted) = world.run_counting();
    for name in ["upkeep/core-crates", "upkeep/alpha-2.x", "upkeep/beta-1.x"] {
        let published = branch(&report, name);
        assert_eq!(published.action, BranchAction::Rebuilt, "{name}");
        assert_eq!(published.pr, PrAction::Unchanged, "{name}");
        let head = world.gh.branch_sha(REPO, name).unwrap();
        assert_eq!(
            world.gh.commit_parents(REPO, &head),
            [base.as_str()],
            "{name}"
        );
        assert_eq!(world.pull(name)["head"]["sha"], head.as_str());
    }
    assert_eq!(counted.operation("pulls/update"), 0, "{counted:?}");
    assert_eq!(counted.operation("issues/update"), 0, "{counted:?}");
    assert_eq!(
        report.dashboard,
        Some(DashboardAction::Unchanged(dashboard))
    );
    let core = world.gh.file_at(REPO, "upkeep/core-crates", "README.md");
    assert_eq!(core.as_deref(), Some("# app\n"));
    world.assert_no_violations();

    // 5. A user closes the major PR: ignored with one comment, branch deleted, and it is
    //    not recreated.
    let major = world.pull("upkeep/alpha-2.x")["number"].as_u64().unwrap();
    world.gh.human("alice").close_pull(REPO, major);
    let report = world.run();
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Ignored);
    assert!(!world.has_branch("upkeep/alpha-2.x"));
    let comments = world.gh.comments(REPO, major);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].contains("ignores `alpha` v2"),
        "{}",
        comments[0]
    );
    let (report, counted) = world.run_counting();
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Ignored);
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.pushes, 0);
    assert_eq!(world.gh.comments(REPO, major).len(), 1);
    assert!(!world.has_branch("upkeep/alpha-2.x"));
    assert_eq!(world.pulls_from("upkeep/alpha-2.x").len(), 1);
    assert_eq!(world.pull("upkeep/alpha-2.x")["state"], "closed");
    world.assert_no_violations();

    // 6. beta is removed from the manifest: its PR is closed with a comment and its
    //    branch deleted.
    let beta = world.pull("upkeep/beta-1.x")["number"].as_u64().unwrap();
    let manifest = harness::manifest(&["alpha", "gamma", "delta"]);
    world.push_main(&[("Cargo.toml", Some(&manifest))], "Drop beta");
    let report = world.run();
    assert_eq!(report.closed_prs, [beta]);
    let closed = world.pull("upkeep/beta-1.x");
    assert_eq!(closed["state"], "closed");
    assert!(closed["merged_at"].is_null());
    assert!(!world.has_branch("upkeep/beta-1.x"));
    assert_eq!(world.gh.comments(REPO, beta).len(), 1);
    assert_eq!(world.pull("upkeep/core-crates")["state"], "open");
    world.assert_no_violations();

    // 7. The dashboard's approval box for gamma is ticked: its branch and PR appear, and
    //    the box is cleared.
    world
        .gh
        .human("alice")
        .tick_checkbox(REPO, dashboard, "upkeep-approve=upkeep/gamma-1.x");
    let (report, counted) = world.run_counting();
    assert_eq!(branch(&report, "upkeep/gamma-1.x").pr, PrAction::Created);
    assert!(world.has_branch("upkeep/gamma-1.x"));
    let gamma = world.pull("upkeep/gamma-1.x");
    assert_eq!(gamma["title"], "Update Rust crate gamma to v1.2.0");
    assert_eq!(gamma["state"], "open");
    assert_eq!(report.dashboard, Some(DashboardAction::Updated(dashboard)));
    let issue = world.gh.issues(REPO).remove(0);
    assert!(!body(&issue).contains("- [x]"), "{}", body(&issue));
    assert!(
        body(&issue).contains("upkeep-rebase=upkeep/gamma-1.x"),
        "{}",
        body(&issue)
    );
    assert_eq!(counted.operation("pulls/create"), 1, "{counted:?}");
    world.assert_no_violations();
}

/// A repository that has a config already: four PRs to open.
fn configured(config: serde_json::Value) -> World {
    let text = harness::config_text(&config);
    World::new(
        &["alpha", "beta", "delta"],
        &versions(),
        &[("renovate.json", text.as_str())],
    )
}

fn plain_config() -> serde_json::Value {
    json!({"prHourlyLimit": 0, "prConcurrentLimit": 0, "labels": ["dependencies"]})
}

#[test]
fn installation_tokens_that_expire_mid_run_are_refreshed_and_the_run_completes() {
    let mut config = plain_config();
    config["platformCommit"] = json!("disabled");
    let world = configured(config);
    let installation = world.installation;
    let gh = &world.gh;
    // Every token of the installation dies between the first PR and the second branch.
    let platform = harness::Hooked::new(&world.upkeep, "create_pull_request", 1, || {
        gh.expire_tokens(installation)
    });
    let before = gh.counters();
    let report = world.run_with(&platform);
    harness::assert_clean(&report);
    assert!(platform.fired());
    let after = gh.counters();
    let minted = |c: &upkeep_testkit::github::ApiCounters| {
        c.operation("apps/create-installation-access-token")
    };
    assert_eq!(minted(&after) - minted(&before), 2, "{after:#?}");
    let heads: Vec<String> = world
        .gh
        .pulls(REPO)
        .iter()
        .map(|p| p["head"]["ref"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(heads.len(), 4, "{heads:?}");
    for name in [
        "upkeep/alpha-1.x",
        "upkeep/alpha-2.x",
        "upkeep/beta-1.x",
        "upkeep/delta-1.x",
    ] {
        assert!(world.has_branch(name), "{name}");
    }
    let rejected = gh.requests().iter().filter(|r| r.status == 401).count();
    assert!(rejected >= 1, "the expired token was used and refused once");
    world.assert_no_violations();
}

#[test]
fn a_vulnerable_dependency_gets_a_security_pr() {
    let mut world = World::new(
        &["epsilon"],
        &[],
        &[("renovate.json", &harness::config_text(&plain_config()))],
    );
    world
        .index
        .add_versions("epsilon", &["1.0.0", "1.0.1", "1.0.2", "1.1.0"]);
    let database = upkeep_vuln::OfflineDatabase::open(&harness::fixtures().join("osv")).unwrap();
    assert!(
        database.report().errors.is_empty(),
        "{:?}",
        database.report()
    );
    world.set_vulnerabilities(std::sync::Arc::new(
        upkeep_worker::lookup::AdvisoryLookup::new(std::sync::Arc::new(database.into_index())),
    ));

    let report = world.run();
    let branch_name = "upkeep/crate-epsilon-vulnerability";
    assert_eq!(branch(&report, branch_name).pr, PrAction::Created);
    let fix = world.pull(branch_name);
    assert_eq!(
        fix["title"],
        "[SECURITY] Update Rust crate epsilon to v1.0.2"
    );
    assert_eq!(labels(&fix), ["dependencies", "security"]);
    let text = body(&fix);
    assert!(
        text.contains("| `epsilon` | `=1.0.0` → `=1.0.2` | patch |"),
        "{text}"
    );
    assert!(text.contains("### Vulnerabilities"), "{text}");
    assert!(
        text.contains("[RUSTSEC-2099-0001](https://rustsec.org/advisories/RUSTSEC-2099-0001.html)"),
        "{text}"
    );
    assert!(text.contains("CVE-2099-0001"), "{text}");
    assert!(text.contains("| high (7.5) |"), "{text}");
    assert!(text.contains("| `1.0.2` |"), "{text}");
    let manifest = world.gh.file_at(REPO, branch_name, "Cargo.toml").unwrap();
    assert!(
        manifest.contains("epsilon = { version = \"=1.0.2\""),
        "{manifest}"
    );
    // The regular update still comes on its own branch, without the security label.
    let regular = world.pull("upkeep/epsilon-1.x");
    assert_eq!(regular["title"], "Update Rust crate epsilon to v1.1.0");
    assert_eq!(labels(&regular), ["dependencies"]);
    world.assert_no_violations();

    let (_, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(world.gh.pulls(REPO).len(), 2);
    world.assert_no_violations();
}

#[test]
fn a_secondary_rate_limit_is_waited_out_without_a_duplicate_pr() {
    let world = configured(plain_config());
    let gh = &world.gh;
    // GitHub pushes back on the second PR: its creation is refused twice, then accepted.
    let platform = harness::Hooked::new(&world.upkeep, "create_pull_request", 2, || {
        gh.secondary_rate_limit(2, 1)
    });
    let report = world.run_with(&platform);
    harness::assert_clean(&report);
    assert!(platform.fired());
    let limited: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|r| r.status == 403)
        .collect();
    assert_eq!(limited.len(), 2, "{limited:#?}");
    assert!(
        limited.iter().all(|r| r.operation == "pulls/create"),
        "{limited:#?}"
    );
    let pulls = gh.pulls(REPO);
    assert_eq!(pulls.len(), 4);
    for name in [
        "upkeep/alpha-1.x",
        "upkeep/alpha-2.x",
        "upkeep/beta-1.x",
        "upkeep/delta-1.x",
    ] {
        assert_eq!(world.pulls_from(name).len(), 1, "{name}");
        assert_eq!(labels(&world.pull(name)), ["dependencies"], "{name}");
        assert_eq!(branch(&report, name).pr, PrAction::Created, "{name}");
    }
    world.assert_no_violations();

    // The next run finds everything in place.
    let (_, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(gh.pulls(REPO).len(), 4);
}

fn automerge_config() -> serde_json::Value {
    json!({
        "prHourlyLimit": 0,
        "packageRules": [
            {"matchPackageNames": ["alpha", "delta"], "enabled": false},
            {"matchUpdateTypes": ["patch"], "automerge": true}
        ]
    })
}

#[test]
fn automerge_on_a_patch_pr_turns_on_githubs_native_auto_merge() {
    let world = configured(automerge_config());
    let (report, counted) = world.run_counting();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Created);
    assert_eq!(
        beta.automerge_status.as_deref(),
        Some("native auto-merge enabled")
    );
    assert_eq!(counted.operation("graphql"), 1, "{counted:?}");
    let pr = world.pull("upkeep/beta-1.x");
    assert_eq!(pr["auto_merge"]["merge_method"], "merge", "{pr}");
    assert_eq!(pr["auto_merge"]["enabled_by"]["login"], "upkeep-fake[bot]");
    assert!(pr["merged_at"].is_null());
    world.assert_no_violations();

    // Once on, it stays on: the rerun writes nothing.
    let (report, counted) = world.run_counting();
    assert_eq!(
        branch(&report, "upkeep/beta-1.x")
            .automerge_status
            .as_deref(),
        Some("waiting: native auto-merge is on; the platform merges")
    );
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.operation("graphql"), 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn without_native_auto_merge_upkeep_merges_the_patch_pr_once_its_checks_pass() {
    let world = configured(automerge_config());
    world.gh.set_allow_auto_merge(REPO, false);

    // No CI has reported: upkeep waits (Renovate's rule without ignoreTests).
    let report = world.run();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Created);
    let status = beta.automerge_status.clone().unwrap_or_default();
    assert!(
        status.starts_with("waiting: the repository has no checks"),
        "{status}"
    );
    let head = world.gh.branch_sha(REPO, "upkeep/beta-1.x").unwrap();
    assert!(world.pull("upkeep/beta-1.x")["auto_merge"].is_null());

    // CI starts and is still running: still waiting.
    let ci = world.gh.human("ci");
    ci.set_status(REPO, &head, "build", "pending");
    let report = world.run();
    assert_eq!(
        branch(&report, "upkeep/beta-1.x")
            .automerge_status
            .as_deref(),
        Some("waiting: the checks are pending")
    );
    assert!(world.pull("upkeep/beta-1.x")["merged_at"].is_null());

    // Green: upkeep merges it.
    ci.set_status(REPO, &head, "build", "success");
    world
        .gh
        .add_check_run(REPO, &head, "test", "completed", Some("success"));
    let (report, counted) = world.run_counting();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Merged, "{beta:#?}");
    assert_eq!(counted.operation("pulls/merge"), 1, "{counted:?}");
    let merged = world.pull("upkeep/beta-1.x");
    assert_eq!(merged["state"], "closed");
    assert!(merged["merged_at"].is_string(), "{merged}");
    let main = world.gh.file_at(REPO, "main", "Cargo.toml").unwrap();
    assert!(main.contains("beta = { version = \"=1.0.1\""), "{main}");
    world.assert_no_violations();

    // Merged means done: no new PR for beta on the next run, and its branch is deleted.
    let (report, counted) = world.run_counting();
    assert!(
        report
            .branches
            .iter()
            .all(|b| b.branch.branch_name != "upkeep/beta-1.x")
    );
    assert_eq!(counted.operation("pulls/create"), 0, "{counted:?}");
    assert_eq!(world.pulls_from("upkeep/beta-1.x").len(), 1);
    assert!(
        !world.has_branch("upkeep/beta-1.x"),
        "the merged branch is cleaned up"
    );
    world.assert_no_violations();
}

#[test]
fn platform_commit_makes_verified_commits_through_the_git_data_api() {
    let mut config = plain_config();
    config["platformCommit"] = json!("enabled");
    config["rebaseWhen"] = json!("behind-base-branch");
    let world = configured(config);
    let (report, counted) = world.run_counting();
    assert_eq!(counted.pushes, 0, "no git push: {counted:?}");
    assert_eq!(counted.operation("git/create-commit"), 4, "{counted:?}");
    assert_eq!(counted.operation("git/create-ref"), 4, "{counted:?}");
    let alice = world.gh.human("alice");
    for published in &report.branches {
        let name = &published.branch.branch_name;
        let head = world.gh.branch_sha(REPO, name).unwrap();
        assert_eq!(published.commit.as_deref(), Some(head.as_str()));
        let commit = alice.request("GET", &format!("/repos/{REPO}/git/commits/{head}"), None);
        assert_eq!(commit.status, 200);
        assert_eq!(
            commit.body["verification"]["verified"], true,
            "{name}: {}",
            commit.body
        );
        assert!(
            commit.body["author"]["email"]
                .as_str()
                .unwrap()
                .ends_with("+upkeep-fake[bot]@users.noreply.github.com"),
            "{}",
            commit.body
        );
        let message = commit.body["message"].as_str().unwrap();
        assert!(
            message.contains(published.branch.commit_message.lines().next().unwrap()),
            "{message}"
        );
        let base = world.gh.branch_sha(REPO, "main").unwrap();
        assert_eq!(world.gh.commit_parents(REPO, &head), [base.as_str()]);
    }
    let manifest = world
        .gh
        .file_at(REPO, "upkeep/delta-1.x", "Cargo.toml")
        .unwrap();
    assert!(
        manifest.contains("delta = { version = \"=1.3.0\""),
        "{manifest}"
    );
    world.assert_no_violations();

    // The base moves: the branches are moved to new API commits, still verified.
    let base = world.push_main(&[("README.md", Some("# app\n"))], "Add a README");
    let (report, counted) = world.run_counting();
    assert_eq!(counted.pushes, 0);
    assert_eq!(counted.operation("git/update-ref"), 4, "{counted:?}");
    for published in &report.branches {
        assert_eq!(
            published.action,
            BranchAction::Rebuilt,
            "{}",
            published.branch.branch_name
        );
        let head = world
            .gh
            .branch_sha(REPO, &published.branch.branch_name)
            .unwrap();
        assert_eq!(world.gh.commit_parents(REPO, &head), [base.as_str()]);
        let commit = alice.request("GET", &format!("/repos/{REPO}/git/commits/{head}"), None);
        assert_eq!(commit.body["verification"]["verified"], true);
    }
    world.assert_no_violations();
}

#[test]
fn a_branch_deleted_by_a_human_is_ignored_like_a_closed_pr() {
    let world = configured(plain_config());
    world.run();
    let number = world.pull("upkeep/beta-1.x")["number"].as_u64().unwrap();
    world
        .gh
        .human("alice")
        .delete_branch(REPO, "upkeep/beta-1.x");
    assert_eq!(world.pull("upkeep/beta-1.x")["state"], "closed");

    let report = world.run();
    assert_eq!(branch(&report, "upkeep/beta-1.x").pr, PrAction::Ignored);
    assert!(!world.has_branch("upkeep/beta-1.x"));
    assert_eq!(world.gh.comments(REPO, number).len(), 1);
    let (report, counted) = world.run_counting();
    assert_eq!(branch(&report, "upkeep/beta-1.x").pr, PrAction::Ignored);
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(world.pulls_from("upkeep/beta-1.x").len(), 1);
    assert!(!world.has_branch("upkeep/beta-1.x"));
    world.assert_no_violations();
}

#[test]
fn ticking_a_prs_rebase_box_rebuilds_its_branch_and_clears_the_box() {
    let world = configured(plain_config());
    world.run();
    let pr = world.pull("upkeep/delta-1.x");
    let number = pr["number"].as_u64().unwrap();
    let before = pr["head"]["sha"].as_str().unwrap().to_owned();
    world
        .gh
        .human("alice")
        .tick_checkbox(REPO, number, "rebase-check");

    let report = world.run();
    let delta = branch(&report, "upkeep/delta-1.x");
    assert_eq!(delta.action, BranchAction::Rebuilt);
    let pr = world.pull("upkeep/delta-1.x");
    assert_ne!(pr["head"]["sha"], before.as_str());
    assert!(
        body(&pr).contains("- [ ] <!-- rebase-check -->"),
        "{}",
        body(&pr)
    );
    assert_eq!(delta.pr, PrAction::Updated);
    let (report, counted) = world.run_counting();
    assert_eq!(
        branch(&report, "upkeep/delta-1.x").action,
        BranchAction::Unchanged
    );
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn a_pr_created_behind_an_ambiguous_failure_is_not_duplicated() {
    let world = configured(plain_config());
    // GitHub opens the first PR but answers 502: upkeep cannot tell it happened, looks,
    // finds it, and labels it.
    world
        .gh
        .fail_after_handling(Some("POST"), "/repos/acme/app/pulls", Some(1));
    let report = world.run();
    let failed: Vec<_> = world
        .gh
        .requests()
        .into_iter()
        .filter(|r| r.status == 502)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].operation, "pulls/create");
    let pulls = world.gh.pulls(REPO);
    assert_eq!(pulls.len(), 4, "created once, not twice");
    for pr in &pulls {
        assert_eq!(labels(pr), ["dependencies"], "{}", pr["title"]);
        let name = pr["head"]["ref"].as_str().unwrap();
        assert_eq!(branch(&report, name).pr, PrAction::Created);
    }
    let (_, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn a_humans_commit_on_upkeeps_branch_is_kept() {
    let mut config = plain_config();
    config["rebaseWhen"] = json!("behind-base-branch");
    let world = configured(config);
    world.run();
    let head = world.gh.push_files(
        REPO,
        "upkeep/delta-1.x",
        &[("NOTES.md", Some("checked by hand\n"))],
        "A note",
    );
    world.push_main(&[("README.md", Some("# app\n"))], "Add a README");
    let (report, counted) = world.run_counting();
    assert_eq!(
        branch(&report, "upkeep/delta-1.x").action,
        BranchAction::KeptModified
    );
    assert_eq!(world.gh.branch_sha(REPO, "upkeep/delta-1.x").unwrap(), head);
    assert_eq!(
        branch(&report, "upkeep/beta-1.x").action,
        BranchAction::Rebuilt
    );
    assert_eq!(counted.operation("pulls/update"), 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn a_rate_limited_branch_is_created_from_the_dashboard() {
    let world = configured(json!({
        "prHourlyLimit": 1,
        "dependencyDashboard": true,
        "packageRules": [{"matchPackageNames": ["delta"], "enabled": false}]
    }));
    let report = world.run();
    let created: Vec<&str> = report
        .branches
        .iter()
        .filter(|b| b.pr == PrAction::Created)
        .map(|b| b.branch.branch_name.as_str())
        .collect();
    assert_eq!(created.len(), 1, "{:#?}", report.branches);
    let limited: Vec<&str> = report
        .branches
        .iter()
        .filter(|b| b.action == BranchAction::RateLimited)
        .map(|b| b.branch.branch_name.as_str())
        .collect();
    assert_eq!(limited.len(), 2, "{:#?}", report.branches);
    let Some(DashboardAction::Created(dashboard)) = report.dashboard else {
        panic!("{:?}", report.dashboard)
    };
    let issue = world.gh.issues(REPO).remove(0);
    assert!(body(&issue).contains("## Rate-Limited"), "{}", body(&issue));
    let target = limited[0].to_owned();
    world
        .gh
        .human("alice")
        .tick_checkbox(REPO, dashboard, &format!("={target} -->"));

    let report = world.run();
    assert_eq!(branch(&report, &target).pr, PrAction::Created);
    assert_eq!(world.pull(&target)["state"], "open");
    assert_eq!(report.dashboard, Some(DashboardAction::Updated(dashboard)));
    let issue = world.gh.issues(REPO).remove(0);
    assert!(!body(&issue).contains("[x]"), "{}", body(&issue));
    assert_eq!(world.gh.pulls(REPO).len(), 2, "only the one asked for");
    world.assert_no_violations();

    // Once created, it stays: the next run keeps its PR open and writes nothing.
    let (report, counted) = world.run_counting();
    assert_eq!(branch(&report, &target).pr, PrAction::Unchanged);
    assert_eq!(world.pull(&target)["state"], "open");
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn a_local_preset_is_read_through_the_platform() {
    let world = World::new(
        &["alpha", "beta", "delta"],
        &versions(),
        &[(
            "renovate.json",
            r#"{"extends": ["local>acme/renovate-config"]}"#,
        )],
    );
    world.gh.create_repo(
        "acme/renovate-config",
        &[(
            "default.json",
            r#"{"prHourlyLimit": 0, "labels": ["from-preset"], "packageRules": [{"matchPackageNames": ["alpha", "delta"], "enabled": false}]}"#,
        )],
    );
    let report = world.run();
    assert_eq!(report.branches.len(), 1, "{:#?}", report.branches);
    assert_eq!(labels(&world.pull("upkeep/beta-1.x")), ["from-preset"]);
    world.assert_no_violations();
}

#[test]
fn the_onboarding_pr_follows_edits_to_its_config_and_closing_it_leaves_the_repository_alone() {
    let world = World::new(&["alpha", "beta", "delta"], &versions(), &[]);
    world.run();
    let pr = world.pull("upkeep/configure");
    let number = pr["number"].as_u64().unwrap();
    assert!(body(&pr).contains("Update Rust crate beta to v1.0.1"));

    // A human edits the proposed config on the onboarding branch: the preview follows.
    let edited = harness::config_text(&json!({
        "extends": ["config:recommended"],
        "packageRules": [{"matchPackageNames": ["beta"], "enabled": false}]
    }));
    let head = world.gh.push_files(
        REPO,
        "upkeep/configure",
        &[("renovate.json", Some(&edited))],
        "Leave beta alone",
    );
    let report = world.run();
    assert_eq!(report.onboarding.as_ref().unwrap().pr, PrAction::Updated);
    assert_eq!(
        world.gh.branch_sha(REPO, "upkeep/configure").unwrap(),
        head,
        "kept"
    );
    let pr = world.pull("upkeep/configure");
    assert!(
        !body(&pr).contains("Update Rust crate beta"),
        "{}",
        body(&pr)
    );
    assert!(
        body(&pr).contains("Update Rust crate alpha to v2"),
        "{}",
        body(&pr)
    );
    let (_, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");

    // Closed unmerged: the repository is left alone, at no write.
    world.gh.human("alice").close_pull(REPO, number);
    let (report, counted) = world.run_skipped_counting();
    assert_eq!(
        report.skipped,
        Some(format!(
            "the onboarding PR #{number} was closed without merging"
        ))
    );
    assert!(report.branches.is_empty());
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.pushes, 0);
    assert_eq!(world.gh.pulls(REPO).len(), 1);
    world.assert_no_violations();
}

#[test]
fn a_closed_group_pr_is_recreated() {
    let world = configured(json!({
        "prHourlyLimit": 0,
        "packageRules": [
            {"matchPackageNames": ["alpha", "delta"], "matchUpdateTypes": ["minor"], "groupName": "core crates"}
        ]
    }));
    world.run();
    let first = world.pull("upkeep/core-crates")["number"].as_u64().unwrap();
    world.gh.human("alice").close_pull(REPO, first);
    let report = world.run();
    assert_eq!(branch(&report, "upkeep/core-crates").pr, PrAction::Created);
    let pulls = world.pulls_from("upkeep/core-crates");
    assert_eq!(pulls.len(), 2);
    assert_eq!(world.pull("upkeep/core-crates")["state"], "open");
    world.assert_no_violations();
}

#[test]
fn archived_disabled_and_switched_off_repositories_are_left_alone() {
    let world = configured(plain_config());
    world.gh.set_archived(REPO, true);
    let (report, counted) = world.run_skipped_counting();
    assert_eq!(
        report.skipped.as_deref(),
        Some("the repository is archived")
    );
    assert_eq!(
        counted.api.total(),
        1,
        "one read: the repository: {counted:?}"
    );
    assert_eq!(counted.fetches, 0);
    world.gh.set_archived(REPO, false);
    world.gh.set_disabled(REPO, true);
    let (report, counted) = world.run_skipped_counting();
    assert_eq!(
        report.skipped.as_deref(),
        Some("the repository is disabled")
    );
    assert_eq!(counted.api.total(), 1, "{counted:?}");
    world.assert_no_violations();

    let world = configured(json!({"enabled": false}));
    let (report, counted) = world.run_skipped_counting();
    assert_eq!(
        report.skipped.as_deref(),
        Some("the repository's config sets `enabled: false`")
    );
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.pushes, 0);
    assert!(world.gh.pulls(REPO).is_empty());
    world.assert_no_violations();
}

#[test]
fn turning_the_dashboard_off_closes_it() {
    let world = configured(json!({"dependencyDashboard": true, "prHourlyLimit": 0}));
    let report = world.run();
    let Some(DashboardAction::Created(number)) = report.dashboard else {
        panic!("{:?}", report.dashboard)
    };
    let text = harness::config_text(&json!({"dependencyDashboard": false, "prHourlyLimit": 0}));
    world.push_main(&[("renovate.json", Some(&text))], "No dashboard");
    let report = world.run();
    assert_eq!(report.dashboard, Some(DashboardAction::Closed(number)));
    assert_eq!(world.gh.issues(REPO)[0]["state"], "closed");
    let (report, counted) = world.run_counting();
    assert_eq!(report.dashboard, None);
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn branch_automerge_fast_forwards_the_base_without_a_pr() {
    let world = configured(json!({
        "prHourlyLimit": 0,
        "packageRules": [
            {"matchPackageNames": ["alpha", "delta"], "enabled": false},
            {
                "matchUpdateTypes": ["patch"],
                "automerge": true,
                "automergeType": "branch",
                "ignoreTests": true
            }
        ]
    }));
    let (report, counted) = world.run_counting();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(
        beta.automerge_status.as_deref(),
        Some("`main` fast-forwarded to the branch"),
        "{beta:#?}"
    );
    assert_eq!(counted.operation("pulls/create"), 0, "{counted:?}");
    assert!(world.gh.pulls(REPO).is_empty());
    let main = world.gh.file_at(REPO, "main", "Cargo.toml").unwrap();
    assert!(main.contains("beta = { version = \"=1.0.1\""), "{main}");
    assert_eq!(world.gh.branch_sha(REPO, "main"), beta.commit);
    assert!(!world.has_branch("upkeep/beta-1.x"));

    let (report, counted) = world.run_counting();
    assert!(report.branches.is_empty(), "{:#?}", report.branches);
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn a_branch_that_conflicts_with_the_base_is_rebuilt_on_it() {
    let world = configured(plain_config());
    world.run();
    let number = world.pull("upkeep/beta-1.x")["number"].as_u64().unwrap();
    // The same line changes on main: the branch conflicts (rebaseWhen: auto rebuilds).
    let manifest = harness::manifest(&["alpha", "beta", "delta"]).replace(
        "beta = { version = \"=1.0.0\", registry = \"local\" }",
        "beta = { version = \"=1.0.0\", registry = \"local\", default-features = false }",
    );
    let base = world.push_main(&[("Cargo.toml", Some(&manifest))], "beta without defaults");
    let report = world.run();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.action, BranchAction::Rebuilt);
    let head = world.gh.branch_sha(REPO, "upkeep/beta-1.x").unwrap();
    assert_eq!(world.gh.commit_parents(REPO, &head), [base.as_str()]);
    let rebuilt = world.gh.file_at(REPO, &head, "Cargo.toml").unwrap();
    assert!(
        rebuilt.contains(
            "beta = { version = \"=1.0.1\", registry = \"local\", default-features = false }"
        ),
        "{rebuilt}"
    );
    let pr = world.pull("upkeep/beta-1.x");
    assert_eq!(pr["number"], number);
    assert_eq!(pr["mergeable"], true, "{pr}");
    world.assert_no_violations();
}

#[test]
fn an_update_made_by_hand_closes_upkeeps_pr() {
    let world = configured(plain_config());
    world.run();
    let number = world.pull("upkeep/delta-1.x")["number"].as_u64().unwrap();
    let manifest = harness::manifest(&["alpha", "beta", "delta"]).replace(
        "delta = { version = \"=1.0.0\"",
        "delta = { version = \"=1.3.0\"",
    );
    world.push_main(&[("Cargo.toml", Some(&manifest))], "delta 1.3 by hand");
    let report = world.run();
    assert_eq!(report.closed_prs, [number]);
    assert_eq!(world.pull("upkeep/delta-1.x")["state"], "closed");
    assert!(!world.has_branch("upkeep/delta-1.x"));
    assert_eq!(world.gh.comments(REPO, number).len(), 1);
    world.assert_no_violations();
}

#[test]
fn a_new_pr_gets_its_reviewers_assignees_and_draft_in_three_writes() {
    let world = configured(json!({
        "prHourlyLimit": 0,
        "platformCommit": "disabled",
        "labels": ["dependencies"],
        "reviewers": ["alice"],
        "assignees": ["bob"],
        "draftPR": true,
        "packageRules": [{"matchPackageNames": ["alpha", "delta"], "enabled": false}]
    }));
    let (_, counted) = world.run_counting();
    let pr = world.pull("upkeep/beta-1.x");
    assert_eq!(pr["draft"], true);
    assert_eq!(pr["requested_reviewers"][0]["login"], "alice", "{pr}");
    assert_eq!(pr["assignees"][0]["login"], "bob", "{pr}");
    assert_eq!(labels(&pr), ["dependencies"]);
    // create, labels + assignees in one issue edit, review request — and the dashboard
    // is off: nothing else.
    assert_eq!(counted.api.writes, 3, "{counted:?}");
    assert_eq!(counted.pushes, 1);
    let (_, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}

#[test]
fn the_onboarding_pr_is_closed_when_a_config_lands_on_the_base_another_way() {
    let world = World::new(&["alpha", "beta", "delta"], &versions(), &[]);
    world.run();
    let number = world.pull("upkeep/configure")["number"].as_u64().unwrap();
    let text = harness::config_text(&plain_config());
    world.push_main(
        &[("renovate.json", Some(&text))],
        "Configure upkeep by hand",
    );
    let report = world.run();
    assert!(report.onboarding.is_none());
    assert!(
        report.closed_prs.contains(&number),
        "{:?}",
        report.closed_prs
    );
    assert_eq!(world.pull("upkeep/configure")["state"], "closed");
    assert!(!world.has_branch("upkeep/configure"));
    assert_eq!(world.gh.comments(REPO, number).len(), 1);
    assert_eq!(
        world.gh.pulls(REPO).len(),
        5,
        "the onboarding PR and four updates"
    );
    world.assert_no_violations();
}
