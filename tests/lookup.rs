//! `upkeep lookup` end to end through the binary, on checkouts that need no registry
//! (the lookup itself against a registry is tested in upkeep-worker, on loopback).

use std::fs;
use std::process::Command;

use serde_json::{Value, json};
use upkeep_testkit::StaticRegistry;

/// The binary, with vulnerability data off: these tests never reach the OSV API.
fn upkeep() -> Command {
    let mut command = crate::upkeep();
    command
        .env_remove("UPKEEP_OSV_DB")
        .env("UPKEEP_OSV_API", "off");
    command
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
fn stats_count_one_request_per_package_then_cache_hits() {
    let registry = StaticRegistry::start();
    registry.insert_json(
        "/left-pad",
        &json!({
            "name": "left-pad",
            "dist-tags": {"latest": "1.3.0"},
            "versions": {"1.0.0": {}, "1.3.0": {}},
            "time": {"1.0.0": "2016-01-01T00:00:00Z", "1.3.0": "2018-01-01T00:00:00Z"}
        }),
    );
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join(".npmrc"),
        format!("registry={}/\n", registry.url()),
    )
    .unwrap();
    for directory in ["a", "b"] {
        fs::create_dir(root.path().join(directory)).unwrap();
        fs::write(
            root.path().join(directory).join("package.json"),
            r#"{"dependencies": {"left-pad": "1.0.0"}}"#,
        )
        .unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let lookup = || {
        let output = upkeep()
            .args(["lookup", "--json", "--stats", "--cache-dir"])
            .arg(cache.path())
            .arg(root.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["httpStats"].clone()
    };
    let host = format!("127.0.0.1:{}", registry.port());
    let cold = lookup();
    assert_eq!(cold["hosts"][&host]["requests"], 1, "{cold:#}");
    assert_eq!(cold["total"]["requests"], 1, "{cold:#}");
    assert_eq!(cold["total"]["cacheHits"], 0, "{cold:#}");
    let warm = lookup();
    assert_eq!(warm["total"]["requests"], 0, "{warm:#}");
    assert_eq!(warm["total"]["cacheHits"], 1, "{warm:#}");
    assert_eq!(registry.counters().total, 1);
}

#[test]
fn stats_of_a_checkout_without_registries_are_zero() {
    let root = tempfile::tempdir().unwrap();
    let output = upkeep()
        .args(["lookup", "--json", "--stats"])
        .arg(root.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["httpStats"]["hosts"], json!({}));
    assert_eq!(report["httpStats"]["total"]["requests"], 0);
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
