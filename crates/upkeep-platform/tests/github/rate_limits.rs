//! Primary and secondary rate limits, server errors, ambiguous failures.

use std::time::Duration;

use upkeep_platform::github::{Identity, Limits};
use upkeep_platform::{NewPullRequest, Platform, PlatformError};

use super::{acme, app, app_with, test_limits};

fn serde_pr() -> NewPullRequest {
    NewPullRequest {
        branch_name: "upkeep/serde-1.x".to_string(),
        base_branch: "main".to_string(),
        title: "Update serde to 1.0.200".to_string(),
        body: "body".to_string(),
        ..NewPullRequest::default()
    }
}

#[tokio::test]
async fn a_secondary_rate_limit_is_backed_off_and_exactly_one_pull_request_is_created() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.secondary_rate_limit(2, 1);
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    assert_eq!(pr.number, 1);
    assert_eq!(gh.pulls("acme/app").len(), 1);
    let refused = gh.requests().iter().filter(|r| r.status == 403).count();
    assert_eq!(refused, 2);
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_secondary_rate_limit_longer_than_the_allowed_wait_yields() {
    let (gh, _) = acme();
    let upkeep = app_with(
        &gh,
        Limits {
            max_rate_limit_wait: Duration::from_secs(1),
            ..test_limits()
        },
    );
    upkeep.get_repo("acme/app").await.unwrap();
    gh.secondary_rate_limit(1, 600);
    let err = upkeep.get_repo("acme/app").await.unwrap_err();
    assert!(matches!(err, PlatformError::RateLimited { .. }), "{err}");
    gh.assert_no_violations();
}

#[tokio::test]
async fn an_exhausted_installation_yields_until_its_reset_without_asking_github_again() {
    let (gh, installation) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.set_rate_limit(installation, 100, 1);
    // The last request of the budget works and reports it is gone.
    upkeep.list_own_issues("acme/app").await.unwrap();
    assert_eq!(
        upkeep.rate_limit_remaining(Identity::Installation(installation)),
        Some(0)
    );
    let before = gh.requests().len();
    let err = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap_err();
    match &err {
        PlatformError::RateLimited { request, reset } => {
            assert!(request.contains("/repos/acme/app/pulls"), "{request}");
            assert!(*reset > jiff::Timestamp::now());
        }
        other => panic!("{other}"),
    }
    assert_eq!(gh.requests().len(), before, "yielding costs no request");
    gh.assert_no_violations();
}

#[tokio::test]
async fn an_exhausted_installation_whose_reset_is_near_waits_for_it() {
    let (gh, installation) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.set_rate_limit_resetting(installation, 100, 0, Duration::from_secs(1));
    // GitHub refuses the first try (403, remaining 0); upkeep waits for the reset.
    let info = upkeep.get_repo("acme/app").await.unwrap();
    assert_eq!(info.full_name, "acme/app");
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&403), "{statuses:?}");
    assert!(statuses.last().is_some_and(|s| *s < 400), "{statuses:?}");
    gh.assert_no_violations();
}

#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.fail(Some("GET"), "/repos/acme/app/pulls", Some(2));
    let pulls = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    assert!(pulls.is_empty());
    gh.fail(Some("GET"), "/repos/acme/app/pulls", None);
    let err = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("GET /repos/acme/app/pulls"),
        "{err}"
    );
    assert!(err.to_string().contains("500"), "{err}");
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_pull_request_created_before_an_ambiguous_failure_is_found_not_duplicated() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    gh.fail_after_handling(Some("POST"), "/repos/acme/app/pulls", Some(1));
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    assert_eq!(pr.number, 1);
    assert_eq!(pr.branch_name, "upkeep/serde-1.x");
    assert_eq!(gh.pulls("acme/app").len(), 1);
    assert_eq!(gh.counters().operation("pulls/create"), 1);
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_pull_request_not_created_before_a_failure_is_created_once_on_the_second_try() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    gh.fail(Some("POST"), "/repos/acme/app/pulls", Some(1));
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    assert_eq!(pr.number, 1);
    assert_eq!(gh.pulls("acme/app").len(), 1);
    let creates = gh
        .requests()
        .iter()
        .filter(|r| r.operation == "pulls/create")
        .count();
    assert_eq!(creates, 2, "the failed try, then the one that worked");
    gh.assert_no_violations();
}

#[tokio::test]
async fn comments_and_issues_are_not_duplicated_after_an_ambiguous_failure() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    gh.fail_after_handling(Some("POST"), "/repos/acme/app/issues", Some(2));
    let issue = upkeep
        .create_issue("acme/app", "Dependency Dashboard", "body", &[])
        .await
        .unwrap();
    assert_eq!(gh.issues("acme/app").len(), 1);
    upkeep
        .add_comment("acme/app", issue.number, "hello")
        .await
        .unwrap();
    assert_eq!(gh.comments("acme/app", issue.number), ["hello"]);
    gh.assert_no_violations();
}
