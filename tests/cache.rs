//! `--cache URL|DIR`: two processes (two pods) share registry answers through a real
//! `redis-server`; a dead Redis costs one warning, not the lookup.

use std::fs;

use serde_json::{Value, json};
use upkeep_testkit::{RedisServer, StaticRegistry};

fn checkout(registry: &StaticRegistry) -> tempfile::TempDir {
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
    fs::write(
        root.path().join("package.json"),
        r#"{"dependencies": {"left-pad": "1.0.0"}}"#,
    )
    .unwrap();
    root
}

fn lookup(root: &std::path::Path, cache: &str) -> (Value, String) {
    let output = crate::upkeep()
        .args(["lookup", "--json", "--stats", "--cache", cache])
        .arg(root)
        .env_remove("UPKEEP_LOG_LEVEL")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    (
        report["httpStats"]["total"].clone(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_second_process_is_served_from_redis() {
    let redis = RedisServer::start();
    let registry = StaticRegistry::start();
    let root = checkout(&registry);
    let (cold, _) = lookup(root.path(), &redis.url());
    assert_eq!(cold["requests"], 1, "{cold:#}");
    let (warm, stderr) = lookup(root.path(), &redis.url());
    assert_eq!(warm["requests"], 0, "{warm:#}");
    assert_eq!(warm["cacheHits"], 1, "{warm:#}");
    assert_eq!(registry.counters().total, 1);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_dead_redis_costs_one_warning_and_the_lookup_goes_on() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.kill();
    let registry = StaticRegistry::start();
    let root = checkout(&registry);
    let (totals, stderr) = lookup(root.path(), &url);
    assert_eq!(totals["requests"], 1, "{totals:#}");
    assert_eq!(totals["errors"], 0, "{totals:#}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("HTTP cache failed"), "{stderr}");
}

#[test]
fn a_rediss_url_shares_answers_over_tls() {
    let redis = RedisServer::start_tls();
    let registry = StaticRegistry::start();
    let root = checkout(&registry);
    let lookup = || {
        let output = crate::upkeep()
            .args(["lookup", "--json", "--stats", "--cache", &redis.tls_url()])
            .arg(root.path())
            // The test CA, through the system trust store's own override.
            .env("SSL_CERT_FILE", redis.ca_certificate())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.is_empty(), "{stderr}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["httpStats"]["total"].clone()
    };
    assert_eq!(lookup()["requests"], 1);
    let warm = lookup();
    assert_eq!(
        (warm["requests"].as_u64(), warm["cacheHits"].as_u64()),
        (Some(0), Some(1)),
        "{warm:#}"
    );
    assert_eq!(redis.key_count(), 1);
}
