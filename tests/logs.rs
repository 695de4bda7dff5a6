//! Logs of the binary: JSON lines on stderr carrying the repository, stdout untouched,
//! and a registry token from the environment never printed.

use std::fs;
use std::process::Command;

use serde_json::Value;
use upkeep_testkit::Verdaccio;

fn upkeep() -> Command {
    crate::upkeep()
}

#[test]
fn a_token_from_the_environment_is_used_but_never_logged_even_at_trace_level() {
    let registry = Verdaccio::start();
    registry.publish_versions("@private/thing", &["1.0.0", "1.1.0"]);
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join(".npmrc"),
        format!("registry={}\n", registry.registry_url()),
    )
    .unwrap();
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"@private/thing": "1.0.0"}}"#,
    )
    .unwrap();
    let token = registry.token().to_owned();
    assert!(token.len() >= 8, "verdaccio gave a usable token");

    let output = upkeep()
        .args(["--log-format", "json", "lookup", "--json"])
        .arg(root.path())
        .env("NPM_TOKEN", &token)
        .env("UPKEEP_LOG_LEVEL", "trace")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();

    // The private package was looked up, so the token was sent.
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let dependency = &report["packageFiles"]["npm"][0]["deps"][0];
    assert_eq!(dependency["depName"], "@private/thing", "{report:#}");
    assert_eq!(
        dependency["updates"][0]["newVersion"], "1.1.0",
        "{report:#}"
    );

    assert!(
        !stderr.contains(&token),
        "the token is in the logs:\n{stderr}"
    );
    assert!(!stdout.contains(&token));
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.len() > 1, "{stderr}");
    let finished = lines
        .iter()
        .find(|line| line["fields"]["message"] == "lookup finished")
        .unwrap_or_else(|| panic!("no `lookup finished` line:\n{stderr}"));
    assert_eq!(
        finished["span"]["repository"],
        root.path().display().to_string()
    );
    assert_eq!(finished["fields"]["errors"], 0);
    // upkeep's own lines carry the repository, those of spawned lookup tasks too
    for line in lines.iter().filter(|line| {
        line["target"]
            .as_str()
            .is_some_and(|target| target.starts_with("upkeep"))
    }) {
        assert_eq!(
            line["span"]["repository"],
            root.path().display().to_string(),
            "{line}"
        );
    }
}

#[test]
fn the_log_format_changes_stderr_only() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let run = |format: &str| {
        let output = upkeep()
            .args(["--log-format", format, "lookup"])
            .arg(root.path())
            .env("UPKEEP_LOG_LEVEL", "info")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (pretty_out, pretty_err) = run("pretty");
    let (json_out, json_err) = run("json");
    assert_eq!(pretty_out, json_out);
    assert!(pretty_err.contains("lookup finished"), "{pretty_err}");
    let line: Value = serde_json::from_str(json_err.lines().last().unwrap()).unwrap();
    assert_eq!(line["fields"]["message"], "lookup finished");
}

#[test]
fn an_unknown_log_format_is_refused() {
    let output = upkeep()
        .args(["--log-format", "xml", "extract", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
