//! Onboarding and repositories upkeep leaves alone; presets read through the platform.

use serde_json::json;
use upkeep_worker::platform_run::PrAction;

use super::harness::{self, REPO, World, body, labels};
use super::{configured, plain_config, versions};

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
fn forks_found_by_autodiscover_are_left_alone_unless_they_have_their_own_config() {
    // a fork without config, found by autodiscover: no onboarding PR, no write
    let mut world = World::new(&["alpha", "beta", "delta"], &versions(), &[]);
    world.gh.set_fork(REPO, true);
    world.options.autodiscovered = true;
    let (report, counted) = world.run_skipped_counting();
    assert!(
        report
            .skipped
            .as_deref()
            .is_some_and(|why| why.contains("fork")),
        "{report:#?}"
    );
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    assert!(world.gh.pulls(REPO).is_empty());
    // the same fork listed by name was chosen: it is onboarded
    world.options.autodiscovered = false;
    world.run();
    assert!(world.try_pull("upkeep/configure").is_some());
    world.assert_no_violations();

    // a fork with its own config is processed even when discovered ...
    let mut world = configured(plain_config());
    world.gh.set_fork(REPO, true);
    world.options.autodiscovered = true;
    let report = world.run();
    assert_eq!(report.skipped, None, "{report:#?}");
    assert!(world.try_pull("upkeep/delta-1.x").is_some());
    // ... unless it says `forkProcessing: disabled`
    let mut config = plain_config();
    config["forkProcessing"] = json!("disabled");
    let mut world = configured(config);
    world.gh.set_fork(REPO, true);
    world.options.autodiscovered = false;
    let (report, counted) = world.run_skipped_counting();
    assert!(report.skipped.is_some(), "{report:#?}");
    assert_eq!(counted.api.writes, 0, "{counted:?}");
    world.assert_no_violations();
}
