//! Automerge: GitHub's native auto-merge, upkeep merging once checks pass, branch
//! automerge fast-forwarding the base.

use serde_json::json;
use upkeep_worker::platform_run::PrAction;

use super::configured;
use super::harness::{REPO, branch};

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
