//! Pull requests: list, create, update, labels, comments, merge, checks, auto-merge.

use upkeep_platform::{
    ChecksState, MergeMethod, NewPullRequest, Platform, PlatformError, PrState, PrUpdate,
};

use super::{acme, app};

fn serde_pr() -> NewPullRequest {
    NewPullRequest {
        branch_name: "upkeep/serde-1.x".to_string(),
        base_branch: "main".to_string(),
        title: "Update serde to 1.0.200".to_string(),
        body: "| package | change |\n|---|---|\n| serde | 1.0.0 → 1.0.200 |\n".to_string(),
        ..NewPullRequest::default()
    }
}

#[tokio::test]
async fn a_pull_request_is_created_with_labels_reviewers_assignees_and_draft() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let pr = upkeep
        .create_pull_request(
            "acme/app",
            &NewPullRequest {
                labels: vec!["dependencies".to_string(), "rust".to_string()],
                reviewers: vec!["alice".to_string(), "team:platform".to_string()],
                assignees: vec!["bob".to_string()],
                draft: true,
                ..serde_pr()
            },
        )
        .await
        .unwrap();
    assert_eq!(pr.number, 1);
    assert_eq!(pr.state, PrState::Open);
    assert!(pr.draft);
    assert_eq!(pr.labels, ["dependencies", "rust"]);
    assert_eq!(pr.branch_name, "upkeep/serde-1.x");
    assert_eq!(
        pr.head_sha,
        gh.branch_sha("acme/app", "upkeep/serde-1.x").unwrap()
    );
    assert!(pr.node_id.starts_with("PR_"));

    let on_github = &gh.pulls("acme/app")[0];
    assert_eq!(on_github["draft"], true);
    assert_eq!(on_github["user"]["login"], "upkeep-fake[bot]");
    assert_eq!(on_github["requested_reviewers"][0]["login"], "alice");
    assert_eq!(on_github["assignees"][0]["login"], "bob");
    // One create, one edit for labels and assignees, one review request.
    assert_eq!(upkeep.api_calls("acme/app").writes, 3);
    assert_eq!(gh.counters().repo("acme/app").writes, 3);
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_plain_pull_request_costs_one_write() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    assert_eq!(upkeep.api_calls("acme/app").writes, 1);
    gh.assert_no_violations();
}

#[tokio::test]
async fn listing_keeps_upkeeps_branches_and_tells_merged_from_closed() {
    let (gh, _) = acme();
    for branch in ["upkeep/tokio-1.x", "upkeep/anyhow-1.x", "feature/login"] {
        gh.create_branch("acme/app", branch, "main");
        gh.push_files(
            "acme/app",
            branch,
            &[(&format!("{branch}.txt"), Some("x"))],
            "change",
        );
    }
    let upkeep = app(&gh);
    let mut numbers = Vec::new();
    for branch in [
        "upkeep/serde-1.x",
        "upkeep/tokio-1.x",
        "upkeep/anyhow-1.x",
        "feature/login",
    ] {
        let pr = upkeep
            .create_pull_request(
                "acme/app",
                &NewPullRequest {
                    branch_name: branch.to_string(),
                    title: format!("PR from {branch}"),
                    ..serde_pr()
                },
            )
            .await
            .unwrap();
        numbers.push(pr.number);
    }
    let human = gh.human("alice");
    human.close_pull("acme/app", numbers[1]);
    human.merge_pull("acme/app", numbers[2], "squash");

    let pulls = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    let seen: Vec<(u64, PrState)> = pulls.iter().map(|p| (p.number, p.state)).collect();
    assert_eq!(
        seen,
        [
            (numbers[2], PrState::Merged),
            (numbers[1], PrState::Closed),
            (numbers[0], PrState::Open),
        ]
    );
    assert!(pulls[0].closed_at.is_some() && pulls[2].closed_at.is_none());
    gh.assert_no_violations();
}

#[tokio::test]
async fn title_body_and_state_are_edited_and_an_empty_edit_costs_nothing() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    let before = upkeep.api_calls("acme/app");
    upkeep
        .update_pull_request("acme/app", pr.number, &PrUpdate::default())
        .await
        .unwrap();
    assert_eq!(upkeep.api_calls("acme/app"), before);

    upkeep
        .update_pull_request(
            "acme/app",
            pr.number,
            &PrUpdate {
                title: Some("Update serde to 1.0.201".to_string()),
                body: Some("new body".to_string()),
                state: None,
            },
        )
        .await
        .unwrap();
    let on_github = &gh.pulls("acme/app")[0];
    assert_eq!(on_github["title"], "Update serde to 1.0.201");
    assert_eq!(on_github["body"], "new body");

    upkeep
        .update_pull_request(
            "acme/app",
            pr.number,
            &PrUpdate {
                state: Some(PrState::Closed),
                ..PrUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(gh.pulls("acme/app")[0]["state"], "closed");
    let err = upkeep
        .update_pull_request(
            "acme/app",
            99,
            &PrUpdate {
                title: Some("x".to_string()),
                ..PrUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::NotFound { .. }), "{err}");
    gh.assert_no_violations();
}

#[tokio::test]
async fn labels_and_comments_are_added_and_comments_read_back_across_pages() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    upkeep
        .add_labels("acme/app", pr.number, &["automerge".to_string()])
        .await
        .unwrap();
    upkeep
        .add_comment("acme/app", pr.number, "This PR was closed as obsolete.")
        .await
        .unwrap();
    let human = gh.human("alice");
    for i in 0..110 {
        human.comment("acme/app", pr.number, &format!("comment {i}"));
    }
    let before = upkeep.api_calls("acme/app").reads;
    let comments = upkeep.list_comments("acme/app", pr.number).await.unwrap();
    assert_eq!(comments.len(), 111);
    assert_eq!(comments[0].body, "This PR was closed as obsolete.");
    assert_eq!(comments[110].body, "comment 109");
    assert_eq!(
        upkeep.api_calls("acme/app").reads - before,
        2,
        "two pages of 100"
    );
    assert_eq!(gh.pulls("acme/app")[0]["labels"][0]["name"], "automerge");
    gh.assert_no_violations();
}

#[tokio::test]
async fn checks_combine_commit_statuses_and_check_runs() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let sha = gh.branch_sha("acme/app", "upkeep/serde-1.x").unwrap();
    assert_eq!(
        upkeep.checks_state("acme/app", &sha).await.unwrap(),
        ChecksState::None
    );
    let ci = gh.human("ci");
    ci.set_status("acme/app", &sha, "build", "pending");
    assert_eq!(
        upkeep.checks_state("acme/app", &sha).await.unwrap(),
        ChecksState::Yellow
    );
    ci.set_status("acme/app", &sha, "build", "success");
    gh.add_check_run("acme/app", &sha, "test", "in_progress", None);
    assert_eq!(
        upkeep.checks_state("acme/app", &sha).await.unwrap(),
        ChecksState::Yellow
    );
    gh.add_check_run("acme/app", &sha, "lint", "completed", Some("failure"));
    assert_eq!(
        upkeep.checks_state("acme/app", &sha).await.unwrap(),
        ChecksState::Red
    );

    let other = gh.push_files(
        "acme/app",
        "upkeep/serde-1.x",
        &[("a.txt", Some("a"))],
        "more",
    );
    ci.set_status("acme/app", &other, "build", "success");
    gh.add_check_run("acme/app", &other, "test", "completed", Some("success"));
    assert_eq!(
        upkeep.checks_state("acme/app", &other).await.unwrap(),
        ChecksState::Green
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn merging_needs_the_expected_head() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    let merged = upkeep
        .merge_pull_request("acme/app", pr.number, &"0".repeat(40), MergeMethod::Squash)
        .await
        .unwrap();
    assert!(!merged, "a moved head is refused");
    let merged = upkeep
        .merge_pull_request("acme/app", pr.number, &pr.head_sha, MergeMethod::Squash)
        .await
        .unwrap();
    assert!(merged);
    assert_eq!(
        gh.file_at("acme/app", "main", "Cargo.toml").as_deref(),
        Some("[dependencies]\nserde = \"1.0.200\"\n")
    );
    let pulls = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    assert_eq!(pulls[0].state, PrState::Merged);
    gh.assert_no_violations();
}

#[tokio::test]
async fn native_auto_merge_is_enabled_through_graphql_and_merges_when_checks_pass() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let pr = upkeep
        .create_pull_request("acme/app", &serde_pr())
        .await
        .unwrap();
    let ci = gh.human("ci");
    ci.set_status("acme/app", &pr.head_sha, "build", "pending");
    upkeep
        .enable_auto_merge("acme/app", &pr, MergeMethod::Squash)
        .await
        .unwrap();
    let listed = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    assert!(listed[0].auto_merge);
    assert_eq!(gh.counters().operation("graphql"), 1);
    // Already on: nothing to do.
    upkeep
        .enable_auto_merge("acme/app", &listed[0], MergeMethod::Squash)
        .await
        .unwrap();
    assert_eq!(gh.counters().operation("graphql"), 1);

    ci.set_status("acme/app", &pr.head_sha, "build", "success");
    let listed = upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    assert_eq!(listed[0].state, PrState::Merged);

    gh.set_allow_auto_merge("acme/app", false);
    gh.create_branch("acme/app", "upkeep/other", "main");
    gh.push_files("acme/app", "upkeep/other", &[("b.txt", Some("b"))], "b");
    let second = upkeep
        .create_pull_request(
            "acme/app",
            &NewPullRequest {
                branch_name: "upkeep/other".to_string(),
                ..serde_pr()
            },
        )
        .await
        .unwrap();
    let err = upkeep
        .enable_auto_merge("acme/app", &second, MergeMethod::Merge)
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::Rejected { .. }), "{err}");
    assert!(err.to_string().contains("not allowed"), "{err}");
    gh.assert_no_violations();
}
