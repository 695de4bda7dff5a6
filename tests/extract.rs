//! `upkeep extract` on the demo repository and on broken input.

use std::process::Command;

fn upkeep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upkeep"))
}

#[test]
fn extract_json_on_an_empty_directory_reports_nothing() {
    let root = tempfile::tempdir().unwrap();
    let output = upkeep()
        .args(["extract", "--json"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"packageFiles": {}, "errors": []})
    );
}
