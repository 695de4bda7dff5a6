//! Issues upkeep opens (the Dependency Dashboard).

use upkeep_platform::Platform;

use super::{acme, app, with_token};

#[tokio::test]
async fn own_issues_are_found_created_and_edited() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    assert!(upkeep.list_own_issues("acme/app").await.unwrap().is_empty());
    let issue = upkeep
        .create_issue(
            "acme/app",
            "Dependency Dashboard",
            "- [ ] <!-- rebase-all -->Rebase all",
            &["dependencies".to_string()],
        )
        .await
        .unwrap();
    assert!(issue.open);
    // Someone else's issue and a pull request are not upkeep's issues.
    gh.human("alice").request(
        "POST",
        "/repos/acme/app/issues",
        Some(serde_json::json!({"title": "Bug"})),
    );
    upkeep
        .create_pull_request(
            "acme/app",
            &upkeep_platform::NewPullRequest {
                branch_name: "upkeep/serde-1.x".to_string(),
                base_branch: "main".to_string(),
                title: "PR".to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let own = upkeep.list_own_issues("acme/app").await.unwrap();
    assert_eq!(own, std::slice::from_ref(&issue));
    assert_eq!(
        gh.issues("acme/app")[0]["labels"][0]["name"],
        "dependencies"
    );

    gh.human("alice")
        .tick_checkbox("acme/app", issue.number, "rebase-all");
    let read_back = upkeep.list_own_issues("acme/app").await.unwrap();
    assert!(read_back[0].body.contains("- [x] <!-- rebase-all -->"));

    let before = upkeep.api_calls("acme/app");
    upkeep
        .update_issue("acme/app", issue.number, None, None, None)
        .await
        .unwrap();
    assert_eq!(
        upkeep.api_calls("acme/app"),
        before,
        "nothing to edit, no call"
    );
    upkeep
        .update_issue(
            "acme/app",
            issue.number,
            Some("Dependency Dashboard (2)"),
            Some("new"),
            Some(false),
        )
        .await
        .unwrap();
    let on_github = &gh.issues("acme/app")[0];
    assert_eq!(on_github["title"], "Dependency Dashboard (2)");
    assert_eq!(on_github["state"], "closed");
    assert!(upkeep.list_own_issues("acme/app").await.unwrap().is_empty());
    gh.assert_no_violations();
}

#[tokio::test]
async fn with_a_token_own_issues_are_the_token_users() {
    let (gh, _) = acme();
    let token = gh.user_token("renovate-user");
    let upkeep = with_token(&gh, &token);
    let issue = upkeep
        .create_issue("acme/app", "Dependency Dashboard", "", &[])
        .await
        .unwrap();
    gh.human("alice").request(
        "POST",
        "/repos/acme/app/issues",
        Some(serde_json::json!({"title": "Bug"})),
    );
    let own = upkeep.list_own_issues("acme/app").await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].number, issue.number);
    gh.assert_no_violations();
}
