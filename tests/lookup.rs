//! `upkeep lookup` end to end through the binary, on checkouts that need no registry
//! (the lookup itself against a registry is tested in upkeep-worker, on loopback).

use std::fs;
use std::process::Command;

use serde_json::{Value, json};

fn upkeep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upkeep"))
}

#[test]
fn lookup_json_on_an_empty_directory_reports_nothing() {
    let root = tempfile::tempdir().unwrap();
    let output = upkeep()
        .args(["lookup", "--json"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report,
        json!({"packageFiles": {}, "errors": [], "hostErrors": [], "lookupErrors": []})
    );
}

#[test]
fn skipped_dependencies_pass_through_with_their_skip_reason() {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"local": "file:../local", "sibling": "workspace:*"}}"#,
    )
    .unwrap();
    let output = upkeep()
        .args(["lookup", "--json"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let deps = report["packageFiles"]["npm"][0]["deps"].as_array().unwrap();
    assert_eq!(deps.len(), 2);
    for dep in deps {
        assert!(dep["skipReason"].is_string(), "{dep:#}");
        assert_eq!(dep["updates"], json!([]));
    }
}

#[test]
fn the_table_summarises_a_checkout_without_updates() {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"local": "file:../local"}}"#,
    )
    .unwrap();
    let output = upkeep().arg("lookup").arg(root.path()).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let table = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        table,
        "0 updates in 1 files; 0 dependencies up to date, 1 skipped\n"
    );
    assert!(output.stderr.is_empty(), "no progress bar off a terminal");
}

#[test]
fn invalid_settings_are_refused_before_any_lookup() {
    let root = tempfile::tempdir().unwrap();
    let output = upkeep()
        .args(["lookup", "--allowed-versions", "/(/"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("invalid allowedVersions `/(/`"), "{stderr}");

    let output = upkeep()
        .args(["lookup", "--minimum-release-age", "soon"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "clap refuses it");
}
