//! Commits through the Git Data API, refs, fast-forwards, branch deletion.

use upkeep_platform::{ApiCommit, FileChange, Platform, PlatformError};

use super::{acme, app};

fn text(path: &str, contents: &str) -> FileChange {
    FileChange {
        path: path.to_string(),
        contents: Some(contents.as_bytes().to_vec()),
        executable: false,
    }
}

#[tokio::test]
async fn a_commit_creates_a_branch_with_text_binary_executable_and_deleted_files() {
    let (gh, _) = acme();
    gh.push_files("acme/app", "main", &[("old.txt", Some("old"))], "old file");
    let main = gh.branch_sha("acme/app", "main").unwrap();
    let upkeep = app(&gh);
    let sha = upkeep
        .create_commit(
            "acme/app",
            &ApiCommit {
                branch_name: "upkeep/tokio-1.x".to_string(),
                parent: main.clone(),
                message: "Update tokio to 1.48.0\n\nBody.".to_string(),
                changes: vec![
                    text("Cargo.toml", "[dependencies]\ntokio = \"1.48.0\"\n"),
                    FileChange {
                        path: "bin/blob.bin".to_string(),
                        contents: Some(vec![0, 159, 146, 150, 255]),
                        executable: false,
                    },
                    FileChange {
                        path: "scripts/run.sh".to_string(),
                        contents: Some(b"#!/bin/sh\n".to_vec()),
                        executable: true,
                    },
                    FileChange {
                        path: "old.txt".to_string(),
                        contents: None,
                        executable: false,
                    },
                ],
                expected_head: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        gh.branch_sha("acme/app", "upkeep/tokio-1.x").as_deref(),
        Some(sha.as_str())
    );
    assert_eq!(gh.commit_parents("acme/app", &sha), [main]);
    assert_eq!(
        gh.file_at("acme/app", &sha, "Cargo.toml").as_deref(),
        Some("[dependencies]\ntokio = \"1.48.0\"\n")
    );
    assert_eq!(gh.file_at("acme/app", &sha, "old.txt"), None);
    assert!(gh.file_at("acme/app", &sha, "bin/blob.bin").is_some());
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(gh.bare_path("acme/app"))
        .args(["ls-tree", &sha, "scripts/run.sh", "bin/blob.bin"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("100755 blob"), "{listing}");
    // One blob (the binary file), tree, commit, ref; the parent's tree was one read.
    assert_eq!(upkeep.api_calls("acme/app").writes, 4);
    assert_eq!(gh.counters().operation("git/create-blob"), 1);
    let commit = gh.request(
        Some(&gh.user_token("alice")),
        "GET",
        &format!("/repos/acme/app/git/commits/{sha}"),
        None,
    );
    assert_eq!(
        commit.body["verification"]["verified"], true,
        "{}",
        commit.body
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_branch_is_moved_only_from_its_expected_head() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let head = gh.branch_sha("acme/app", "upkeep/serde-1.x").unwrap();
    let main = gh.branch_sha("acme/app", "main").unwrap();
    // Rebase: a new commit on main replaces the branch's.
    let commit = ApiCommit {
        branch_name: "upkeep/serde-1.x".to_string(),
        parent: main.clone(),
        message: "Update serde to 1.0.201".to_string(),
        changes: vec![text("Cargo.toml", "[dependencies]\nserde = \"1.0.201\"\n")],
        expected_head: Some(head.clone()),
    };
    let sha = upkeep.create_commit("acme/app", &commit).await.unwrap();
    assert_eq!(
        gh.branch_sha("acme/app", "upkeep/serde-1.x"),
        Some(sha.clone())
    );

    // Someone pushed meanwhile: upkeep's expectation is stale.
    let err = upkeep.create_commit("acme/app", &commit).await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::RefMoved { branch, expected, .. } if branch == "upkeep/serde-1.x" && *expected == head),
        "{err}"
    );
    assert_eq!(
        gh.branch_sha("acme/app", "upkeep/serde-1.x"),
        Some(sha.clone())
    );

    // A branch that must not exist yet but does.
    let err = upkeep
        .create_commit(
            "acme/app",
            &ApiCommit {
                expected_head: None,
                changes: vec![text("Cargo.toml", "[dependencies]\nserde = \"1.0.202\"\n")],
                ..commit.clone()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::RefMoved { .. }), "{err}");
    gh.assert_no_violations();
}

#[tokio::test]
async fn fast_forward_moves_the_base_only_forward_and_branches_are_deleted_once() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let head = gh.branch_sha("acme/app", "upkeep/serde-1.x").unwrap();
    assert!(
        upkeep
            .fast_forward("acme/app", "main", &head)
            .await
            .unwrap()
    );
    assert_eq!(gh.branch_sha("acme/app", "main"), Some(head.clone()));

    gh.push_files("acme/app", "main", &[("x.txt", Some("x"))], "diverge");
    gh.create_branch("acme/app", "upkeep/stale", &head);
    let stale = gh.push_files("acme/app", "upkeep/stale", &[("y.txt", Some("y"))], "y");
    assert!(
        !upkeep
            .fast_forward("acme/app", "main", &stale)
            .await
            .unwrap()
    );

    upkeep
        .delete_branch("acme/app", "upkeep/stale")
        .await
        .unwrap();
    assert_eq!(gh.branch_sha("acme/app", "upkeep/stale"), None);
    upkeep
        .delete_branch("acme/app", "upkeep/stale")
        .await
        .unwrap();
    gh.assert_no_violations();
}
