//! upkeep's work clone: clone, branch, commit, push, lease, branch state.

use upkeep_git::{
    BranchDecision, CommitMessage, CommitOutcome, GitError, Lease, RebasePolicy, WorkDir, decide,
};

use crate::support::{BOT_EMAIL, HUMAN_EMAIL, PREFIX, Remote, human, upkeep_git};

const BRANCH: &str = "upkeep/serde-1.x";

fn remote() -> Remote {
    Remote::new(&[
        ("Cargo.toml", "[dependencies]\nserde = \"1.0.100\"\n"),
        ("README.md", "hello\n"),
    ])
}

fn clone(remote: &Remote) -> (tempfile::TempDir, WorkDir) {
    let dir = tempfile::tempdir().unwrap();
    let workdir = WorkDir::clone_base(
        &upkeep_git(),
        &remote.url(),
        "main",
        &dir.path().join("w"),
        PREFIX,
    )
    .unwrap();
    (dir, workdir)
}

/// Builds the serde update on the base head in `workdir`; returns the new commit.
fn build_update(workdir: &WorkDir, version: &str) -> String {
    workdir.checkout_from_base(BRANCH).unwrap();
    let manifest = format!("[dependencies]\nserde = \"{version}\"\n");
    workdir
        .write_file("Cargo.toml", manifest.as_bytes())
        .unwrap();
    let message = CommitMessage::new(format!("chore(deps): update serde to {version}"))
        .with_body("| package | change |\n# not a comment\n");
    match workdir.commit(&message).unwrap() {
        CommitOutcome::Committed { commit } => commit,
        CommitOutcome::NothingToCommit => panic!("expected a commit"),
    }
}

#[test]
fn shallow_clone_branch_and_push_round_trip() {
    let remote = remote();
    let (_dir, workdir) = clone(&remote);
    assert_eq!(workdir.base_head(), remote.head("main"));
    assert!(
        workdir.path().join(".git/shallow").exists(),
        "the clone is shallow"
    );
    let commit = build_update(&workdir, "1.0.200");
    workdir.push(BRANCH, &commit, &Lease::Absent).unwrap();

    assert_eq!(remote.head(BRANCH), commit);
    assert_eq!(
        remote.show(BRANCH, "Cargo.toml"),
        "[dependencies]\nserde = \"1.0.200\""
    );
    let bare = remote.bare();
    assert_eq!(
        human(&bare, &["rev-parse", &format!("{commit}^")]),
        remote.head("main")
    );
    assert_eq!(
        human(&bare, &["log", "-1", "--format=%an <%ae>", &commit]),
        format!("upkeep-bot <{BOT_EMAIL}>")
    );
    assert_eq!(
        human(&bare, &["log", "-1", "--format=%B", &commit]),
        "chore(deps): update serde to 1.0.200\n\n| package | change |\n# not a comment"
    );
    let listed = workdir.list_remote_branches().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].commit.as_str()),
        (BRANCH, commit.as_str())
    );
}

#[test]
fn unchanged_files_make_no_commit() {
    let remote = remote();
    let (_dir, workdir) = clone(&remote);
    workdir.checkout_from_base(BRANCH).unwrap();
    workdir.write_file("README.md", b"hello\n").unwrap();
    let outcome = workdir.commit(&CommitMessage::new("nothing")).unwrap();
    assert_eq!(outcome, CommitOutcome::NothingToCommit);
}

#[test]
fn pushing_outside_the_prefix_is_refused() {
    let remote = remote();
    let (_dir, workdir) = clone(&remote);
    let commit = build_update(&workdir, "1.0.200");
    let error = workdir
        .push("main", &commit, &Lease::At(remote.head("main")))
        .unwrap_err();
    assert!(matches!(error, GitError::NotOwnedBranch { .. }), "{error}");
    let error = workdir
        .delete_remote_branch("main", &remote.head("main"))
        .unwrap_err();
    assert!(matches!(error, GitError::NotOwnedBranch { .. }), "{error}");
}

#[test]
fn force_with_lease_refuses_when_the_remote_moved() {
    let remote = remote();
    let (_dir, workdir) = clone(&remote);
    let first = build_update(&workdir, "1.0.200");
    workdir.push(BRANCH, &first, &Lease::Absent).unwrap();
    let human_head = remote.human_commit(BRANCH, &[("NOTES.md", "mine\n")], "human fix");

    let second = build_update(&workdir, "1.0.201");
    let error = workdir
        .push(BRANCH, &second, &Lease::At(first.clone()))
        .unwrap_err();
    assert!(matches!(error, GitError::StaleLease { .. }), "{error}");
    let error = workdir.push(BRANCH, &second, &Lease::Absent).unwrap_err();
    assert!(matches!(error, GitError::StaleLease { .. }), "{error}");
    let error = workdir.delete_remote_branch(BRANCH, &first).unwrap_err();
    assert!(matches!(error, GitError::StaleLease { .. }), "{error}");
    assert_eq!(
        remote.head(BRANCH),
        human_head,
        "the human's commit survives"
    );

    workdir
        .push(BRANCH, &second, &Lease::At(human_head.clone()))
        .unwrap();
    assert_eq!(remote.head(BRANCH), second);
    workdir.delete_remote_branch(BRANCH, &second).unwrap();
    assert!(workdir.list_remote_branches().unwrap().is_empty());
}

#[test]
fn human_commit_on_upkeep_branch_is_detected_as_foreign() {
    let remote = remote();
    let (_dir, first) = clone(&remote);
    let commit = build_update(&first, "1.0.200");
    first.push(BRANCH, &commit, &Lease::Absent).unwrap();
    remote.human_commit(BRANCH, &[("NOTES.md", "mine\n")], "human fix");

    let (_dir2, workdir) = clone(&remote);
    workdir.fetch_branches(&[BRANCH]).unwrap();
    let state = workdir.analyze_branch(BRANCH, &[]).unwrap();
    assert_eq!(state.modified_by, vec![HUMAN_EMAIL.to_owned()]);
    assert!(!state.behind_base);
    let rebuilt = build_update(&workdir, "1.0.200");
    assert!(!workdir.content_matches(&rebuilt, &state).unwrap());
    assert_eq!(
        decide(Some(&state), false, RebasePolicy::BehindBase),
        BranchDecision::KeepModified {
            authors: vec![HUMAN_EMAIL.to_owned()]
        }
    );

    let ignored = vec!["Human@Example.test".to_owned()];
    let state = workdir.analyze_branch(BRANCH, &ignored).unwrap();
    assert!(
        !state.is_modified(),
        "gitIgnoredAuthors are not modifications"
    );
}

#[test]
fn identical_content_on_a_current_branch_is_not_touched() {
    let remote = remote();
    let (_dir, first) = clone(&remote);
    let commit = build_update(&first, "1.0.200");
    first.push(BRANCH, &commit, &Lease::Absent).unwrap();

    let (_dir2, workdir) = clone(&remote);
    workdir.fetch_branches(&[BRANCH]).unwrap();
    let state = workdir.analyze_branch(BRANCH, &[]).unwrap();
    assert!(!state.behind_base && !state.is_modified());
    let again = build_update(&workdir, "1.0.200");
    assert!(workdir.content_matches(&again, &state).unwrap());
    assert_eq!(
        decide(Some(&state), true, RebasePolicy::BehindBase),
        BranchDecision::Unchanged
    );
    let newer = build_update(&workdir, "1.0.201");
    assert!(!workdir.content_matches(&newer, &state).unwrap());
}

#[test]
fn branch_behind_a_moved_base_is_found_through_deepening() {
    let remote = remote();
    let (_dir, first) = clone(&remote);
    let commit = build_update(&first, "1.0.200");
    first.push(BRANCH, &commit, &Lease::Absent).unwrap();
    // More base commits than the first fetch depth, so the histories must be deepened.
    for n in 0..20 {
        remote.human_commit("main", &[("README.md", &format!("hello {n}\n"))], "docs");
    }

    let (_dir2, workdir) = clone(&remote);
    workdir.fetch_branches(&[BRANCH]).unwrap();
    let state = workdir.analyze_branch(BRANCH, &[]).unwrap();
    assert!(state.behind_base);
    assert!(!state.conflicted);
    assert!(
        !state.is_modified(),
        "base commits by humans are not branch modifications"
    );
    assert_eq!(state.merge_base.as_deref(), Some(first.base_head()));

    let same = build_update(&workdir, "1.0.200");
    assert!(
        workdir.content_matches(&same, &state).unwrap(),
        "only the base moved"
    );
    assert_eq!(
        decide(Some(&state), true, RebasePolicy::BehindBase),
        BranchDecision::Rebuild
    );
    assert_eq!(
        decide(Some(&state), true, RebasePolicy::Conflicted),
        BranchDecision::Unchanged
    );
    let newer = build_update(&workdir, "1.0.201");
    assert!(!workdir.content_matches(&newer, &state).unwrap());
}

#[test]
fn branch_conflicting_with_its_base_is_reported() {
    let remote = remote();
    let (_dir, first) = clone(&remote);
    let commit = build_update(&first, "1.0.200");
    first.push(BRANCH, &commit, &Lease::Absent).unwrap();
    remote.human_commit(
        "main",
        &[("Cargo.toml", "[dependencies]\nserde = \"1.0.150\"\n")],
        "bump",
    );

    let (_dir2, workdir) = clone(&remote);
    workdir.fetch_branches(&[BRANCH]).unwrap();
    let state = workdir.analyze_branch(BRANCH, &[]).unwrap();
    assert!(state.behind_base && state.conflicted);
    assert_eq!(
        decide(Some(&state), true, RebasePolicy::Conflicted),
        BranchDecision::Rebuild
    );
}

#[test]
fn credentials_in_a_remote_url_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = WorkDir::clone_base(
        &upkeep_git(),
        "https://x-access-token:secret@github.com/o/r.git",
        "main",
        &dir.path().join("w"),
        PREFIX,
    )
    .unwrap_err();
    assert!(matches!(error, GitError::CredentialInUrl { .. }));
    assert!(!error.to_string().contains("secret"));
}

#[test]
fn local_remotes_are_refused_unless_allowed() {
    let remote = remote();
    let dir = tempfile::tempdir().unwrap();
    let git = upkeep_git().allow_local_remotes(false);
    let error = WorkDir::clone_base(&git, &remote.url(), "main", &dir.path().join("w"), PREFIX)
        .unwrap_err();
    assert!(matches!(error, GitError::Failed { .. }), "{error}");
}
