//! How branches are built and kept: Git Data API commits, rebases, human commits,
//! the PR's rebase box, what a new PR costs, security fixes.

use serde_json::json;
use upkeep_worker::platform_run::PrAction;
use upkeep_worker::run::BranchAction;

use super::harness::{self, REPO, World, body, branch, labels};
use super::{configured, plain_config};

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
fn ticking_a_prs_rebase_box_rebuilds_its_branch_and_clears_the_box() {
    let world = configured(plain_config());
    world.run();
    let pr = world.pull("upkeep/delta-1.x");
    let number = pr["number"].as_u64().unwrap();
    world
        .gh
        .human("alice")
        .tick_checkbox(REPO, number, "rebase-check");

    let report = world.run();
    let delta = branch(&report, "upkeep/delta-1.x");
    assert_eq!(delta.action, BranchAction::Rebuilt);
    let pr = world.pull("upkeep/delta-1.x");
    // rebuilt on the base (the same second on the same base may give the very same
    // commit id: the content did not change, so the id is not what is checked)
    let head = pr["head"]["sha"].as_str().unwrap();
    let main = world.gh.branch_sha(REPO, "main").unwrap();
    assert_eq!(world.gh.commit_parents(REPO, head), vec![main]);
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
fn a_full_dry_run_builds_every_branch_and_writes_nothing() {
    let mut world = configured(plain_config());
    world.options.dry_run = Some(upkeep_config::global::DryRun::Full);
    let (report, counted) = world.run_counting();
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert_eq!(counted.pushes, 0, "{counted:?}");
    let ready: Vec<_> = report
        .branches
        .iter()
        .filter(|b| b.branch.state == upkeep_types::BranchState::Ready)
        .collect();
    assert!(!ready.is_empty(), "{report:#?}");
    for published in ready {
        assert_eq!(
            published.action,
            BranchAction::WouldCreate,
            "{}",
            published.branch.branch_name
        );
    }
    assert!(world.gh.pulls(REPO).is_empty());
    assert!(world.gh.issues(REPO).is_empty());
    assert!(!world.branches().keys().any(|b| b.starts_with("upkeep/")));
    world.assert_no_violations();
}
