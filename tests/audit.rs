//! `upkeep audit` end to end on the fixture repositories in `fixtures/audit` (a Cargo
//! and an npm project with lock files) against the real advisory records beside them.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit")
}

fn audit(path: &Path, extra: &[&str]) -> (Output, Value) {
    let output = crate::upkeep()
        .arg("audit")
        .arg(path)
        .args(["--json"])
        .args(extra)
        .env_remove("UPKEEP_OSV_DB")
        .env_remove("UPKEEP_OSV_API")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn offline(path: &Path, extra: &[&str]) -> (Output, Value) {
    let database = fixtures().join("osv");
    let mut args = vec!["--osv-db", database.to_str().unwrap()];
    args.extend_from_slice(extra);
    audit(path, &args)
}

fn entry<'r>(report: &'r Value, name: &str, version: &str) -> &'r Value {
    report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["packageName"] == name && v["version"] == version)
        .unwrap_or_else(|| panic!("no {name} {version} in {report:#}"))
}

#[test]
fn audit_fails_on_high_with_every_vulnerable_package_and_its_fix() {
    let (output, report) = offline(&fixtures(), &["--fail-on", "high"]);
    assert_eq!(output.status.code(), Some(4), "{report:#}");
    let found: Vec<(&str, &str, bool)> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["packageName"].as_str().unwrap(),
                v["version"].as_str().unwrap(),
                v["direct"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        // most severe first, then by ecosystem and name
        [
            ("smallvec", "1.6.0", true),
            ("minimist", "0.0.10", false),
            ("minimist", "1.2.5", false),
            ("regex", "1.5.4", false),
            ("lodash", "4.17.19", true),
            ("time", "0.1.43", false),
            ("request", "2.88.2", true),
        ]
    );
    assert_eq!(
        report["summary"],
        json!({"critical": 3, "high": 3, "medium": 2, "low": 0, "none": 0, "unknown": 0, "total": 8})
    );
    assert_eq!(report["unavailable"], json!([]));
}

#[test]
fn a_vulnerable_locked_version_gets_the_lowest_version_fixing_every_advisory() {
    let (_, report) = offline(&fixtures(), &[]);
    let lodash = entry(&report, "lodash", "4.17.19");
    assert_eq!(lodash["packageFile"], "npm/package.json");
    assert_eq!(lodash["fixVersion"], "4.17.21");
    assert_eq!(lodash["fix"], json!({"kind": "direct"}));
    let fixed_in: Vec<(&str, &str)> = lodash["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["fixedIn"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fixed_in,
        [
            ("GHSA-35jh-r3h4-6jhm", "4.17.21"),
            ("GHSA-p6mc-m468-83gw", "4.17.20")
        ]
    );
    assert!(
        lodash["reason"]
            .as_str()
            .unwrap()
            .contains("no registry was asked"),
        "{lodash:#}"
    );
}

#[test]
fn last_affected_without_a_fix_has_a_null_fix_version_and_a_reason() {
    let (_, report) = offline(&fixtures(), &[]);
    let request = entry(&report, "request", "2.88.2");
    assert_eq!(request["fixVersion"], Value::Null);
    assert_eq!(request["advisories"][0]["fixedIn"], Value::Null);
    assert_eq!(request["advisories"][0]["severity"], "medium");
    assert_eq!(
        request["reason"],
        "no fixed version of request is published for GHSA-p8p7-x288-28g6"
    );
}

#[test]
fn withdrawn_advisories_are_ignored_and_aliases_reported_once() {
    let (_, report) = offline(&fixtures(), &[]);
    let names: Vec<&str> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["packageName"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"jsonwebtoken"), "withdrawn: {names:?}");
    let smallvec = entry(&report, "smallvec", "1.6.0");
    assert_eq!(smallvec["advisories"].as_array().unwrap().len(), 1);
    assert_eq!(smallvec["advisories"][0]["id"], "GHSA-43w2-9j62-hq99");
    assert_eq!(
        smallvec["advisories"][0]["aliases"],
        json!(["CVE-2021-25900", "RUSTSEC-2021-0003"])
    );
    assert_eq!(smallvec["advisories"][0]["severity"], "critical");
    assert_eq!(smallvec["fixVersion"], "1.6.1");
    assert_eq!(smallvec["packageFile"], "cargo/Cargo.toml");
}

#[test]
fn transitive_npm_packages_are_fixed_in_the_lock_file_or_need_their_parent() {
    let (_, report) = offline(&fixtures().join("npm"), &[]);
    let hoisted = entry(&report, "minimist", "1.2.5");
    assert_eq!(hoisted["direct"], false);
    assert_eq!(hoisted["packageFile"], "package-lock.json");
    assert_eq!(hoisted["fixVersion"], "1.2.6");
    assert_eq!(hoisted["fix"], json!({"kind": "lockfileOnly"}));
    assert_eq!(
        hoisted["dependedOnBy"],
        json!([{"name": "mkdirp", "version": "0.5.5", "requirement": "^1.2.5"}])
    );
    let nested = entry(&report, "minimist", "0.0.10");
    assert_eq!(nested["fixVersion"], "0.2.4");
    assert_eq!(
        nested["fix"],
        json!({"kind": "needsParentUpdate", "parents": [
            {"name": "optimist", "version": "0.6.1", "requirement": "~0.0.1"}
        ]})
    );
    assert!(
        nested["reason"]
            .as_str()
            .unwrap()
            .starts_with("needs a parent update: optimist 0.6.1"),
        "{nested:#}"
    );
}

#[test]
fn transitive_crates_name_their_parent_and_say_its_requirement_is_unknown_offline() {
    let (_, report) = offline(&fixtures().join("cargo"), &[]);
    let time = entry(&report, "time", "0.1.43");
    assert_eq!(time["direct"], false);
    assert_eq!(time["packageFile"], "Cargo.lock");
    assert_eq!(time["fixVersion"], "0.2.23");
    assert_eq!(time["fix"]["kind"], "requirementUnknown");
    assert_eq!(time["dependedOnBy"][0]["name"], "chrono");
}

#[test]
fn fail_on_critical_ignores_a_repository_with_only_lesser_advisories() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"request": "2.88.2", "lodash": "4.17.21"}}"#,
    )
    .unwrap();
    let (output, report) = offline(root.path(), &["--fail-on", "critical"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    // an exact pin without a lock file is still audited
    assert_eq!(entry(&report, "request", "2.88.2")["direct"], true);
    let (output, _) = offline(root.path(), &["--fail-on", "medium"]);
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn an_unreachable_osv_api_is_reported_unavailable_not_clean() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let (output, report) = audit(&fixtures(), &["--osv-api", &api]);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["vulnerabilities"], json!([]));
    let ecosystems: Vec<&str> = report["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(ecosystems, ["npm", "crates.io"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unavailable"), "{stderr}");
}
