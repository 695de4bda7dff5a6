//! What a repository with nothing to do costs: conditional reads on a rerun.

use upkeep_platform::{NewPullRequest, Platform};

use super::{acme, app};

#[tokio::test]
async fn a_rerun_with_nothing_to_do_reads_the_same_lists_conditionally_for_free() {
    let (gh, installation) = acme();
    let upkeep = app(&gh);
    upkeep
        .create_pull_request(
            "acme/app",
            &NewPullRequest {
                branch_name: "upkeep/serde-1.x".to_string(),
                base_branch: "main".to_string(),
                title: "Update serde".to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    upkeep
        .create_issue("acme/app", "Dependency Dashboard", "all good", &[])
        .await
        .unwrap();

    // The per-repository reads of a pass: pull requests and the dashboard.
    let first_pulls = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    let first_issues = upkeep.list_own_issues("acme/app").await.unwrap();
    let before = upkeep.api_calls("acme/app");
    let budget_before = gh
        .request(
            Some(&gh.installation_token(installation)),
            "GET",
            "/rate_limit",
            None,
        )
        .body["resources"]["core"]["used"]
        .as_u64()
        .unwrap();

    let again_pulls = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    let again_issues = upkeep.list_own_issues("acme/app").await.unwrap();
    assert_eq!(again_pulls, first_pulls);
    assert_eq!(again_issues, first_issues);
    let after = upkeep.api_calls("acme/app");
    assert_eq!(after.reads - before.reads, 2);
    assert_eq!(after.writes, before.writes);
    assert_eq!(upkeep.not_modified_reads(), 2);
    assert_eq!(gh.counters().repo("acme/app").not_modified, 2);
    let budget_after = gh
        .request(
            Some(&gh.installation_token(installation)),
            "GET",
            "/rate_limit",
            None,
        )
        .body["resources"]["core"]["used"]
        .as_u64()
        .unwrap();
    assert_eq!(budget_after, budget_before, "304s cost no rate limit");

    // A change is seen at once.
    gh.human("alice")
        .close_pull("acme/app", first_pulls[0].number);
    let changed = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    assert_eq!(changed[0].state, upkeep_platform::PrState::Closed);
    assert_eq!(upkeep.not_modified_reads(), 2);
    gh.assert_no_violations();
}
