//! The fake GitHub as a process, for benchmarks driven from outside Rust.
//!
//! ```text
//! fake-github SPEC.json
//! ```
//!
//! `SPEC.json`: `{"installations": [{"account": "acme", "repos": [{"name": "acme/app",
//! "files": {"path": "content"}, "archived": false}], "rateLimit": 12500}],
//! "tokenLifetimeSeconds": 3600}` (`rateLimit`: the installation's hourly budget,
//! default 5000).
//! Prints one JSON line `{"url", "appId", "privateKeyPath"}` once it serves, then serves
//! until its standard input ends; a line `counters` on standard input prints the API
//! counters so far (`{"byRepo": {...}, "byOperation": {...}, "git": {...}}`) and a line
//! `reset` resets them. Exits 0 on end of input, 2 on a bad spec.

use std::io::{BufRead, Write};
use std::time::Duration;

use serde_json::{Map, Value, json};
use upkeep_testkit::github::{ApiCounters, FakeGitHub, RepoOptions};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: fake-github SPEC.json");
        std::process::exit(2);
    };
    let spec: Value = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(spec) => spec,
        Err(error) => {
            eprintln!("fake-github: cannot read {path}: {error}");
            std::process::exit(2);
        }
    };
    let gh = FakeGitHub::start();
    if let Some(seconds) = spec["tokenLifetimeSeconds"].as_u64() {
        gh.set_token_lifetime(Duration::from_secs(seconds));
    }
    for installation in spec["installations"].as_array().into_iter().flatten() {
        let account = installation["account"].as_str().unwrap_or("acme");
        for repo in installation["repos"].as_array().into_iter().flatten() {
            let Some(name) = repo["name"].as_str() else {
                eprintln!("fake-github: a repository without a name");
                std::process::exit(2);
            };
            let files: Vec<(String, String)> = repo["files"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(path, content)| (path.clone(), content.as_str().unwrap_or("").to_owned()))
                .collect();
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_str()))
                .collect();
            let options = RepoOptions {
                archived: repo["archived"].as_bool().unwrap_or(false),
                ..RepoOptions::default()
            };
            gh.create_repo_with(name, options, &files);
        }
        let id = gh.create_installation(account);
        if let Some(limit) = installation["rateLimit"].as_u64() {
            gh.set_rate_limit(id, limit, limit);
        }
    }
    let hello = json!({
        "url": gh.url(),
        "appId": gh.app_id(),
        "privateKeyPath": gh.app_key().private_key_path(),
    });
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{hello}")
        .and_then(|()| stdout.flush())
        .ok();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "counters" => {
                let counters = counters_json(&gh.counters());
                writeln!(stdout, "{counters}")
                    .and_then(|()| stdout.flush())
                    .ok();
            }
            "reset" => gh.reset_counters(),
            _ => {}
        }
    }
}

fn counters_json(counters: &ApiCounters) -> Value {
    let tally = |t: &upkeep_testkit::github::Tally| json!({"reads": t.reads, "writes": t.writes, "notModified": t.not_modified});
    let by_repo: Map<String, Value> = counters
        .by_repo
        .iter()
        .map(|(repo, t)| (repo.clone(), tally(t)))
        .collect();
    let by_installation: Map<String, Value> = counters
        .by_installation
        .iter()
        .map(|(id, t)| (id.to_string(), tally(t)))
        .collect();
    json!({
        "byRepo": by_repo,
        "byInstallation": by_installation,
        "byOperation": counters.by_operation,
        "git": counters.git,
        "humans": tally(&counters.humans),
    })
}
