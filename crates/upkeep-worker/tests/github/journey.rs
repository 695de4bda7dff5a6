//! The issue's scenario in one repository's life: onboarding → config merged → grouped
//! PRs → rerun with zero writes → the base moves → a PR closed by a user → a dependency
//! removed → a dashboard checkbox ticked.

use serde_json::json;
use upkeep_worker::platform_run::{DashboardAction, PrAction};
use upkeep_worker::run::BranchAction;

use super::harness::{self, REPO, World, body, branch, labels};
use super::versions;

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
    // git: the clone, the branch listing, and one fetch of every existing branch
    // together (not one per branch)
    assert_eq!(counted.fetches, 3, "{counted:?}");
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
