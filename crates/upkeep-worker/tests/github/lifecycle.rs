//! The PR lifecycle: ignored, recreated, closed as obsolete, created from the
//! dashboard; the dashboard itself.

use serde_json::json;
use upkeep_worker::platform_run::{DashboardAction, PrAction};
use upkeep_worker::run::BranchAction;

use super::harness::{self, REPO, body, branch};
use super::{configured, plain_config};

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
