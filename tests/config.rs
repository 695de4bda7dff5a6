//! `upkeep validate-config` and `upkeep explain` end to end.

use std::fs;
use std::path::Path;
use std::process::Command;

fn upkeep() -> Command {
    crate::upkeep()
}

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

#[test]
fn the_demo_config_is_valid() {
    let output = upkeep()
        .arg("validate-config")
        .arg(demo().join("renovate.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("0 errors"), "{stdout}");
}

#[test]
fn a_broken_config_names_file_line_column_and_option() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("renovate.json");
    fs::write(
        &file,
        "{\n  \"extends\": [\"config:base\"],\n  \"packageRules\": [\n    {\"matchPackageNames\": [\"/(unclosed/\"], \"automerge\": true}\n  ],\n  \"timezone\": \"Mars/Olympus\",\n  \"notAnOption\": 1\n}\n",
    )
    .unwrap();
    let output = upkeep()
        .args(["validate-config", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let diagnostics: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let find = |path: &str| {
        diagnostics
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["path"].as_str().is_some_and(|p| p.starts_with(path)))
            .unwrap_or_else(|| panic!("no diagnostic for {path}: {diagnostics:#}"))
            .clone()
    };
    let regex = find("packageRules[0].matchPackageNames");
    assert_eq!(regex["severity"], "error");
    assert_eq!(regex["line"], 4);
    assert_eq!(find("timezone")["severity"], "error");
    assert_eq!(find("notAnOption")["line"], 7);
    // the legacy preset is a warning that shows the modern form
    let legacy = find("extends[0]");
    assert_eq!(legacy["severity"], "warning");
    assert!(
        legacy["message"]
            .as_str()
            .unwrap()
            .contains("config:recommended"),
        "{legacy:#}"
    );
}

#[test]
fn strict_mode_fails_on_migrations() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("renovate.json");
    fs::write(&file, "{\"extends\": [\"config:base\"]}\n").unwrap();
    let lenient = upkeep().arg("validate-config").arg(&file).output().unwrap();
    assert!(lenient.status.success());
    let strict = upkeep()
        .args(["validate-config", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn explain_names_the_rules_that_matched_a_dependency() {
    let output = upkeep()
        .args(["explain", "vite", "--json"])
        .arg(demo())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let explained: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let entry = &explained[0];
    assert_eq!(entry["packageFile"], "services/web/package.json");
    assert_eq!(entry["settings"]["groupName"], "frontend toolchain");
    assert_eq!(
        entry["explanation"]["sources"]["groupName"],
        "renovate.json packageRules[0]"
    );
}

#[test]
fn explain_of_an_unknown_dependency_fails_clearly() {
    let output = upkeep()
        .args(["explain", "no-such-package"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`no-such-package` is not a dependency")
    );
}
