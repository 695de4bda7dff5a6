//! `upkeep run --platform local` through the binary: argument and global-config wiring
//! on checkouts that need no registry (the pipeline against real registries, branches
//! and lock files is tested in upkeep-worker, on loopback).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn upkeep() -> Command {
    let mut command = crate::upkeep();
    command
        .env_remove("UPKEEP_GIT_AUTHOR")
        .env_remove("UPKEEP_DRY_RUN")
        .env_remove("UPKEEP_OSV_DB")
        // these tests never reach the OSV API
        .env("UPKEEP_OSV_API", "off");
    command
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A committed repository whose only dependency uses a file: spec (skipped, so no
/// registry is asked), plus an uncommitted dependency that must not be seen.
fn repository() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"local": "file:../local"}}"#,
    )
    .unwrap();
    git(root.path(), &["init", "--quiet", "--initial-branch=trunk"]);
    git(root.path(), &["add", "--all"]);
    git(root.path(), &["commit", "--quiet", "-m", "init"]);
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"local": "file:../local", "uncommitted": "file:../x"}}"#,
    )
    .unwrap();
    root
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn run_reads_the_committed_base_and_reports_branches_as_json() {
    let root = repository();
    let output = upkeep()
        .args(["run", "--platform", "local", "--json"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = json(&output);
    assert_eq!(report["baseBranch"], "trunk");
    assert_eq!(
        report["baseCommit"],
        git(root.path(), &["rev-parse", "HEAD"])
    );
    assert_eq!(report["branches"], Value::Array(Vec::new()));
    let deps = &report["packageFiles"]["npm"][0]["deps"];
    let names: Vec<&str> = deps
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["depName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["local"], "the working tree's edit is not the base");
}

#[test]
fn dry_run_comes_from_a_flag_the_environment_or_the_config_file() {
    let root = repository();
    // `--dry-run` alone is `full`, and does not take the path as its value
    let output = upkeep()
        .args(["run", "--json", "--dry-run"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(json(&output)["dryRun"], "full");

    let output = upkeep()
        .args(["run", "--json"])
        .arg(root.path())
        .env("UPKEEP_DRY_RUN", "extract")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(json(&output)["dryRun"], "extract");

    let config = root.path().join("bot.json5");
    fs::write(
        &config,
        "{ dryRun: 'lookup', gitAuthor: 'Bot <bot@example.com>' }",
    )
    .unwrap();
    let output = upkeep()
        .args(["run", "--json", "--config"])
        .arg(&config)
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(json(&output)["dryRun"], "lookup");
    // a flag wins over the environment and the file
    let output = upkeep()
        .args(["run", "--json", "--dry-run=extract", "--config"])
        .arg(&config)
        .arg(root.path())
        .env("UPKEEP_DRY_RUN", "full")
        .output()
        .unwrap();
    assert_eq!(json(&output)["dryRun"], "extract");
}

#[test]
fn bad_global_options_stop_the_run_with_a_message() {
    let root = repository();
    let output = upkeep()
        .args(["run", "--git-author", "<no name"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("gitAuthor"),
        "{output:?}"
    );
    let output = upkeep()
        .args(["run", "--platform", "github"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let not_a_repository = tempfile::tempdir().unwrap();
    let output = upkeep()
        .arg("run")
        .arg(not_a_repository.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot run on"),
        "{output:?}"
    );
}
