//! `--platform local`: branches in a user's checkout, working tree untouched.

use std::path::Path;

use upkeep_git::{CommitMessage, CommitOutcome, FileChange, GitError, Lease, LocalRepo};

use crate::support::{BOT_EMAIL, PREFIX, human, snapshot, upkeep_git, write};

const BRANCH: &str = "upkeep/serde-1.x";

/// A user's repository on `main`, with a staged change, an unstaged change and an
/// untracked file.
fn busy_checkout() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    human(dir, &["init", "--quiet", "--initial-branch=main"]);
    write(
        &dir.join("Cargo.toml"),
        "[dependencies]\nserde = \"1.0.100\"\n",
    );
    write(&dir.join("src/main.rs"), "fn main() {}\n");
    write(&dir.join("run.sh"), "#!/bin/sh\n");
    human(dir, &["add", "--all"]);
    human(dir, &["update-index", "--chmod=+x", "run.sh"]);
    human(dir, &["commit", "--quiet", "-m", "initial"]);
    write(
        &dir.join("Cargo.toml"),
        "[dependencies]\nserde = \"1.0.100\" # editing\n",
    );
    write(&dir.join("src/lib.rs"), "// staged\n");
    human(dir, &["add", "src/lib.rs"]);
    write(&dir.join("scratch.txt"), "untracked\n");
    root
}

fn commit_of(outcome: CommitOutcome) -> String {
    match outcome {
        CommitOutcome::Committed { commit } => commit,
        CommitOutcome::NothingToCommit => panic!("expected a commit"),
    }
}

#[test]
fn branch_is_built_without_touching_worktree_index_or_head() {
    let root = busy_checkout();
    let dir = root.path();
    let before = snapshot(dir);
    let status_before = human(dir, &["status", "--porcelain=v1"]);
    let repo = LocalRepo::open(&upkeep_git(), dir, PREFIX).unwrap();
    let base = repo.resolve("main").unwrap().unwrap();

    let changes = [
        FileChange::Write {
            path: "Cargo.toml".into(),
            contents: b"[dependencies]\nserde = \"1.0.200\"\n".to_vec(),
        },
        FileChange::Write {
            path: "run.sh".into(),
            contents: b"#!/bin/sh\nexit 0\n".to_vec(),
        },
        FileChange::Write {
            path: "new dir/a:b.txt".into(),
            contents: b"new\n".to_vec(),
        },
        FileChange::Delete {
            path: "src/main.rs".into(),
        },
    ];
    let message = CommitMessage::new("chore(deps): update serde").with_body("body");
    let commit = commit_of(repo.commit_changes(&base, &changes, &message).unwrap());
    repo.update_branch(BRANCH, &commit, &Lease::Absent).unwrap();

    assert_eq!(snapshot(dir), before, "working tree, index or HEAD changed");
    assert_eq!(human(dir, &["status", "--porcelain=v1"]), status_before);
    assert_eq!(repo.current_branch().unwrap().as_deref(), Some("main"));
    assert_eq!(
        repo.resolve(BRANCH).unwrap().as_deref(),
        Some(commit.as_str())
    );
    assert_eq!(
        repo.read_file(&commit, "Cargo.toml").unwrap().unwrap(),
        b"[dependencies]\nserde = \"1.0.200\"\n"
    );
    assert_eq!(repo.read_file(&commit, "src/main.rs").unwrap(), None);
    assert_eq!(
        repo.read_file(&commit, "new dir/a:b.txt").unwrap().unwrap(),
        b"new\n"
    );
    let tree = human(dir, &["ls-tree", &commit, "run.sh"]);
    assert!(tree.starts_with("100755"), "executable bit kept: {tree}");
    assert_eq!(human(dir, &["rev-parse", &format!("{commit}^")]), base);
    assert_eq!(
        human(dir, &["log", "-1", "--format=%ae %ce", &commit]),
        format!("{BOT_EMAIL} {BOT_EMAIL}")
    );
    let names: Vec<String> = repo
        .list_branches()
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, vec![BRANCH.to_owned()]);
}

#[test]
fn second_run_with_the_same_content_changes_nothing() {
    let root = busy_checkout();
    let repo = LocalRepo::open(&upkeep_git(), root.path(), PREFIX).unwrap();
    let base = repo.resolve("main").unwrap().unwrap();
    let changes = [FileChange::Write {
        path: "Cargo.toml".into(),
        contents: b"[dependencies]\nserde = \"1.0.200\"\n".to_vec(),
    }];
    let message = CommitMessage::new("update");
    let first = commit_of(repo.commit_changes(&base, &changes, &message).unwrap());
    repo.update_branch(BRANCH, &first, &Lease::Absent).unwrap();
    let second = commit_of(repo.commit_changes(&base, &changes, &message).unwrap());
    assert_eq!(repo.tree(&second).unwrap(), repo.tree(&first).unwrap());

    let unchanged = [FileChange::Write {
        path: "src/main.rs".into(),
        contents: b"fn main() {}\n".to_vec(),
    }];
    assert_eq!(
        repo.commit_changes(&base, &unchanged, &message).unwrap(),
        CommitOutcome::NothingToCommit
    );
}

#[test]
fn exported_tree_edited_by_a_tool_becomes_a_commit() {
    let root = busy_checkout();
    let dir = root.path();
    let before = snapshot(dir);
    let repo = LocalRepo::open(&upkeep_git(), dir, PREFIX).unwrap();
    let base = repo.resolve("HEAD").unwrap().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    repo.export_tree(&base, scratch.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("Cargo.toml")).unwrap(),
        "[dependencies]\nserde = \"1.0.100\"\n",
        "the committed content, not the user's edit"
    );
    assert!(!scratch.path().join("scratch.txt").exists());
    write(&scratch.path().join("Cargo.lock"), "# lock\n");
    write(&scratch.path().join(".gitignore"), "target/\n");
    write(&scratch.path().join("target/junk"), "ignored\n");
    let commit = commit_of(
        repo.commit_directory(&base, scratch.path(), &CommitMessage::new("lock"))
            .unwrap(),
    );
    assert_eq!(
        repo.read_file(&commit, "Cargo.lock").unwrap().unwrap(),
        b"# lock\n"
    );
    assert_eq!(repo.read_file(&commit, "target/junk").unwrap(), None);
    assert_eq!(snapshot(dir), before);
}

#[test]
fn checked_out_or_foreign_branches_are_never_moved() {
    let root = busy_checkout();
    let dir = root.path();
    let repo = LocalRepo::open(&upkeep_git(), dir, PREFIX).unwrap();
    let base = repo.resolve("main").unwrap().unwrap();
    let error = repo
        .update_branch("main", &base, &Lease::At(base.clone()))
        .unwrap_err();
    assert!(matches!(error, GitError::NotOwnedBranch { .. }), "{error}");

    human(dir, &["branch", BRANCH]);
    let linked = dir.join("linked");
    human(dir, &["worktree", "add", "--quiet", path(&linked), BRANCH]);
    let changes = [FileChange::Write {
        path: "x".into(),
        contents: b"x\n".to_vec(),
    }];
    let commit = commit_of(
        repo.commit_changes(&base, &changes, &CommitMessage::new("x"))
            .unwrap(),
    );
    let error = repo
        .update_branch(BRANCH, &commit, &Lease::At(base.clone()))
        .unwrap_err();
    assert!(matches!(error, GitError::CheckedOut { .. }), "{error}");
    assert_eq!(
        repo.resolve(BRANCH).unwrap().as_deref(),
        Some(base.as_str())
    );
}

#[test]
fn stale_local_branch_is_not_overwritten() {
    let root = busy_checkout();
    let repo = LocalRepo::open(&upkeep_git(), root.path(), PREFIX).unwrap();
    let base = repo.resolve("main").unwrap().unwrap();
    let message = CommitMessage::new("x");
    let one = commit_of(
        repo.commit_changes(
            &base,
            &[FileChange::Write {
                path: "x".into(),
                contents: b"1".to_vec(),
            }],
            &message,
        )
        .unwrap(),
    );
    let two = commit_of(
        repo.commit_changes(
            &base,
            &[FileChange::Write {
                path: "x".into(),
                contents: b"2".to_vec(),
            }],
            &message,
        )
        .unwrap(),
    );
    repo.update_branch(BRANCH, &one, &Lease::Absent).unwrap();
    let error = repo
        .update_branch(BRANCH, &two, &Lease::Absent)
        .unwrap_err();
    assert!(matches!(error, GitError::StaleLease { .. }), "{error}");
    let error = repo
        .update_branch(BRANCH, &two, &Lease::At(base.clone()))
        .unwrap_err();
    assert!(matches!(error, GitError::StaleLease { .. }), "{error}");
    repo.update_branch(BRANCH, &two, &Lease::At(one.clone()))
        .unwrap();
    assert!(matches!(
        repo.delete_branch(BRANCH, &one),
        Err(GitError::StaleLease { .. })
    ));
    repo.delete_branch(BRANCH, &two).unwrap();
    assert_eq!(repo.resolve(BRANCH).unwrap(), None);
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn human_commit_on_a_local_upkeep_branch_is_seen_and_base_moves_are_behind() {
    let root = busy_checkout();
    let dir = root.path();
    let repo = LocalRepo::open(&upkeep_git(), dir, PREFIX).unwrap();
    let base = repo.resolve("main").unwrap().unwrap();
    let changes = [FileChange::Write {
        path: "Cargo.toml".into(),
        contents: b"[dependencies]\nserde = \"1.0.200\"\n".to_vec(),
    }];
    let message = CommitMessage::new("update");
    let commit = commit_of(repo.commit_changes(&base, &changes, &message).unwrap());
    repo.update_branch(BRANCH, &commit, &Lease::Absent).unwrap();

    let state = repo.analyze_branch(BRANCH, &base, &[]).unwrap();
    assert!(!state.behind_base && !state.is_modified());
    let again = commit_of(repo.commit_changes(&base, &changes, &message).unwrap());
    assert!(repo.content_matches(&again, &base, &state).unwrap());

    // The user commits to main (the base moves) without touching their branch's files.
    human(dir, &["commit", "--quiet", "-m", "user work"]);
    let moved = repo.resolve("main").unwrap().unwrap();
    let state = repo.analyze_branch(BRANCH, &moved, &[]).unwrap();
    assert!(state.behind_base && !state.is_modified());
    let rebuilt = commit_of(repo.commit_changes(&moved, &changes, &message).unwrap());
    assert!(repo.content_matches(&rebuilt, &moved, &state).unwrap());

    // A human commits on upkeep's branch (in a linked worktree, as a person would).
    let linked = dir.join("linked");
    human(dir, &["worktree", "add", "--quiet", path(&linked), BRANCH]);
    write(&linked.join("NOTES.md"), "mine\n");
    human(&linked, &["add", "NOTES.md"]);
    human(&linked, &["commit", "--quiet", "-m", "human fix"]);
    let state = repo.analyze_branch(BRANCH, &moved, &[]).unwrap();
    assert_eq!(
        state.modified_by,
        vec![crate::support::HUMAN_EMAIL.to_owned()]
    );
}
