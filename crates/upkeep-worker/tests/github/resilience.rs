//! GitHub pushing back mid-run: expired installation tokens, secondary rate limits, a
//! write that happened behind an error.

use serde_json::json;
use upkeep_worker::platform_run::PrAction;

use super::harness::{self, REPO, branch, labels};
use super::{configured, plain_config};

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
