//! `upkeep extract` end to end: the demo repository, and broken input that must be
//! reported per file while everything else is still extracted.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn upkeep() -> Command {
    crate::upkeep()
}

fn extract_json(path: &Path) -> (Output, Value) {
    let output = upkeep()
        .args(["extract", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)));
    (output, report)
}

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

/// The dependency names a manager found in one package file.
fn dep_names(report: &Value, manager: &str, package_file: &str) -> Vec<String> {
    report["packageFiles"][manager]
        .as_array()
        .unwrap_or_else(|| panic!("no {manager} files in {report:#}"))
        .iter()
        .find(|file| file["packageFile"] == package_file)
        .unwrap_or_else(|| panic!("no {package_file} in {report:#}"))["deps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dep| dep["depName"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn extract_json_on_an_empty_directory_reports_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (output, report) = extract_json(root.path());
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        report,
        serde_json::json!({"packageFiles": {}, "errors": []})
    );
}

#[test]
fn demo_repository_extracts_every_manager_without_errors() {
    let (output, report) = extract_json(demo());
    assert!(output.status.success(), "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]));
    for manager in [
        "cargo",
        "docker-compose",
        "dockerfile",
        "kubernetes",
        "npm",
        "terraform",
    ] {
        assert!(
            report["packageFiles"][manager]
                .as_array()
                .is_some_and(|files| !files.is_empty()),
            "{manager} found nothing in the demo: {report:#}"
        );
    }
    assert!(dep_names(&report, "cargo", "services/api/Cargo.toml").contains(&"axum".to_owned()));
    assert!(dep_names(&report, "npm", "services/web/package.json").contains(&"react".to_owned()));
    assert!(
        dep_names(&report, "terraform", "infra/main.tf")
            .contains(&"terraform-aws-modules/vpc/aws".to_owned())
    );
    assert!(
        dep_names(&report, "dockerfile", "services/web/Dockerfile").contains(&"nginx".to_owned())
    );
    assert!(
        dep_names(&report, "kubernetes", "deploy/api.yaml")
            .contains(&"ghcr.io/example/demo-api".to_owned())
    );
    assert!(
        dep_names(&report, "docker-compose", "docker-compose.yml").contains(&"postgres".to_owned())
    );
}

#[test]
fn locked_versions_come_from_the_lock_files() {
    let (_, report) = extract_json(demo());
    let locked = |manager: &str, file: &str, name: &str| -> Value {
        report["packageFiles"][manager]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["packageFile"] == file)
            .unwrap()["deps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|dep| dep["depName"] == name)
            .unwrap_or_else(|| panic!("{name} not in {file}"))["lockedVersion"]
            .clone()
    };
    assert_eq!(
        locked("cargo", "services/api/Cargo.toml", "tower-http"),
        "0.4.4"
    );
    assert_eq!(locked("npm", "services/web/package.json", "vite"), "4.4.11");
    assert_eq!(locked("terraform", "infra/versions.tf", "aws"), "5.21.0");
}

#[test]
fn broken_files_are_reported_and_the_rest_is_still_extracted() {
    let root = tempfile::tempdir().unwrap();
    let write = |path: &str, content: &[u8]| {
        let full = root.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    };
    write(
        "good/package.json",
        br#"{"dependencies": {"left-pad": "^1.3.0"}}"#,
    );
    write("good/Cargo.toml", b"[dependencies]\nserde = \"1\"\n");
    write(
        "broken/package.json",
        b"{\"dependencies\": {\"a\": \"1\",}\n",
    );
    write("broken/Cargo.toml", b"[dependencies\nserde = \"1\"\n");
    write("binary/package.json", b"\x00\x01\x02\xff\xfe\x00garbage");
    write("deep/package.json", "[".repeat(100_000).as_bytes());
    write("latin1/Cargo.toml", b"[package]\nname = \"caf\xe9\"\n");
    let mut huge = b"{\"dependencies\": {\"x\": \"1\"}, \"pad\": \"".to_vec();
    huge.resize(50 * 1024 * 1024, b'a');
    huge.extend_from_slice(b"\"}");
    write("huge/package.json", &huge);

    let (output, report) = extract_json(root.path());
    assert_eq!(output.status.code(), Some(3), "{report:#}");
    assert_eq!(dep_names(&report, "npm", "good/package.json"), ["left-pad"]);
    assert_eq!(dep_names(&report, "cargo", "good/Cargo.toml"), ["serde"]);
    let errors = report["errors"].as_array().unwrap();
    for file in [
        "broken/package.json",
        "broken/Cargo.toml",
        "binary/package.json",
        "deep/package.json",
        "latin1/Cargo.toml",
        "huge/package.json",
    ] {
        let error = errors
            .iter()
            .find(|error| error["packageFile"] == file)
            .unwrap_or_else(|| panic!("no error for {file}: {report:#}"));
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let position = |file: &str| {
        let error = errors
            .iter()
            .find(|error| error["packageFile"] == file)
            .unwrap();
        (error["line"].as_u64(), error["column"].as_u64())
    };
    assert_eq!(position("broken/Cargo.toml").0, Some(1));
    assert_eq!(position("latin1/Cargo.toml"), (Some(2), Some(12)));
}

#[test]
fn table_output_names_files_and_errors() {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("Cargo.toml"),
        "[dependencies]\nserde = \"1.0\"\n",
    )
    .unwrap();
    fs::create_dir(root.path().join("bad")).unwrap();
    fs::write(root.path().join("bad/Cargo.toml"), "[dependencies\n").unwrap();
    let output = upkeep().arg("extract").arg(root.path()).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stdout.contains("serde"), "{stdout}");
    assert!(stdout.contains("error: bad/Cargo.toml:1"), "{stdout}");
}
