//! `upkeep run --platform github` and `upkeep serve` as processes, against the fake
//! GitHub (an App installation, real bare repositories over smart HTTP, every request
//! checked against GitHub's REST description) and a crates sparse index on loopback.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use upkeep_server::serve::signature::sign;
use upkeep_testkit::SparseIndex;
use upkeep_testkit::github::{FakeGitHub, RepoOptions};

const CONFIG: &str = "{\"extends\": [\"config:recommended\"]}\n";

use crate::serve::request;
use crate::upkeep;

/// The flags that make upkeep the fake's App.
fn app_flags(gh: &FakeGitHub) -> Vec<String> {
    vec![
        "--platform".into(),
        "github".into(),
        "--endpoint".into(),
        gh.url(),
        "--github-app-id".into(),
        gh.app_id().to_string(),
        "--github-app-key-file".into(),
        gh.app_key().private_key_path().display().to_string(),
    ]
}

fn cargo_files(index: &SparseIndex, version: &str) -> Vec<(String, String)> {
    vec![
        (
            ".cargo/config.toml".into(),
            format!("[registries.local]\nindex = \"{}\"\n", index.index_url()),
        ),
        (
            "Cargo.toml".into(),
            format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nalpha = {{ version = \"={version}\", registry = \"local\" }}\n"
            ),
        ),
        ("src/main.rs".into(), "fn main() {}\n".into()),
    ]
}

fn create_repo(gh: &FakeGitHub, name: &str, options: RepoOptions, files: &[(String, String)]) {
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    gh.create_repo_with(name, options, &files);
}

/// The fleet of the issue: `acme/app` onboarded with an outdated dependency,
/// `acme/new` without config, `acme/old` archived.
fn fleet() -> (FakeGitHub, SparseIndex, u64) {
    let index = SparseIndex::start();
    index.add_versions("alpha", &["1.0.0", "1.1.0"]);
    let gh = FakeGitHub::start();
    let mut app = cargo_files(&index, "1.0.0");
    app.push(("renovate.json".into(), CONFIG.into()));
    create_repo(&gh, "acme/app", RepoOptions::default(), &app);
    create_repo(
        &gh,
        "acme/new",
        RepoOptions::default(),
        &cargo_files(&index, "1.1.0"),
    );
    let archived = RepoOptions {
        archived: true,
        ..RepoOptions::default()
    };
    create_repo(&gh, "acme/old", archived, &app);
    let installation = gh.create_installation("acme");
    (gh, index, installation)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn repository<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repository"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report:#}"))
}

fn run_fleet(gh: &FakeGitHub, extra: &[&str], dir: &Path) -> Output {
    upkeep()
        .arg("run")
        .args(app_flags(gh))
        .args(["--autodiscover", "--json", "--base-dir"])
        .arg(dir.join("base"))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_fleet_run_opens_a_pr_onboards_skips_archived_and_reruns_without_writes() {
    let (gh, index, installation) = fleet();
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("metrics.prom");
    let output = run_fleet(
        &gh,
        &["--metrics-file", metrics.to_str().unwrap()],
        dir.path(),
    );
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");

    let app = repository(&report, "acme/app");
    let branch = &app["branches"][0];
    assert_eq!(branch["branchName"], "upkeep/alpha-1.x", "{app:#}");
    assert_eq!(branch["pr"], "created", "{app:#}");
    let pulls = gh.pulls("acme/app");
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0]["head"]["ref"], "upkeep/alpha-1.x");
    let new = repository(&report, "acme/new");
    assert_eq!(new["onboarding"]["pr"], "created", "{new:#}");
    assert_eq!(gh.pulls("acme/new")[0]["head"]["ref"], "upkeep/configure");
    assert_eq!(
        repository(&report, "acme/old")["skipped"],
        "the repository is archived"
    );
    assert!(gh.pulls("acme/old").is_empty());
    assert_eq!(gh.counters().repo("acme/old").total(), 0, "never touched");
    let summary = &report["summary"];
    assert_eq!(
        (
            &summary["succeeded"],
            &summary["skipped"],
            &summary["exitCode"]
        ),
        (&json!(2), &json!(1), &json!(0)),
        "{summary:#}"
    );
    assert_eq!(
        app["apiCalls"]["reads"].as_u64().unwrap() + app["apiCalls"]["writes"].as_u64().unwrap(),
        gh.counters().repo("acme/app").total(),
        "the report counts what GitHub saw"
    );

    let exposition = std::fs::read_to_string(&metrics).unwrap();
    let series = parse_exposition(&exposition);
    let value = |name: &str| {
        *series
            .get(name)
            .unwrap_or_else(|| panic!("no `{name}` in\n{exposition}"))
    };
    assert_eq!(
        value(r#"upkeep_dependencies{repository="acme/app",manager="cargo"}"#),
        1.0
    );
    assert_eq!(
        value(r#"upkeep_outdated_dependencies{repository="acme/app",update_type="minor"}"#),
        1.0
    );
    assert_eq!(value(r#"upkeep_pull_requests_total{action="opened"}"#), 2.0);
    assert_eq!(value(r#"upkeep_runs_total{result="success"}"#), 2.0);
    assert_eq!(value(r#"upkeep_repositories_total{result="skipped"}"#), 1.0);
    assert_eq!(
        value(r#"upkeep_run_duration_seconds_count{stage="total"}"#),
        2.0
    );
    let label = installation.to_string();
    let writes = value(&format!(
        r#"upkeep_github_api_calls_total{{installation="{label}",kind="write"}}"#
    ));
    assert!(writes >= 2.0, "{exposition}");
    assert!(
        value(&format!(
            r#"upkeep_github_rate_limit_remaining{{installation="{label}"}}"#
        )) > 0.0
    );
    let host = index
        .index_url()
        .trim_start_matches("sparse+http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        value(&format!(
            r#"upkeep_registry_requests_total{{host="{host}"}}"#
        )) >= 1.0
    );

    // Nothing changed: a rerun costs no write anywhere.
    gh.reset_counters();
    let output = run_fleet(&gh, &[], dir.path());
    let rerun = json(&output);
    assert_eq!(output.status.code(), Some(0), "{rerun:#}");
    let counters = gh.counters();
    for repo in ["acme/app", "acme/new", "acme/old"] {
        assert_eq!(counters.repo(repo).writes, 0, "{repo}: {counters:#?}");
    }
    assert_eq!(
        repository(&rerun, "acme/app")["branches"][0]["pr"],
        "unchanged"
    );
    assert_eq!(gh.pulls("acme/app").len(), 1);
    gh.assert_no_violations();
}

/// Metric series (`name{labels}`) and their values from a text exposition.
fn parse_exposition(text: &str) -> std::collections::BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            (series.to_owned(), value)
        })
        .collect()
}

#[test]
fn two_shards_cover_the_fleet_exactly_once() {
    let gh = FakeGitHub::start();
    let names: Vec<String> = (0..8).map(|i| format!("acme/service-{i}")).collect();
    for name in &names {
        gh.create_repo(name, &[("renovate.json", CONFIG)]);
    }
    gh.create_installation("acme");
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let output = run_fleet(&gh, &["--shard", shard], dir.path());
        let report = json(&output);
        assert_eq!(output.status.code(), Some(0), "{report:#}");
        assert_eq!(report["summary"]["shard"], shard);
        let ran: Vec<String> = report["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["repository"].as_str().unwrap().to_owned())
            .collect();
        assert!(!ran.is_empty(), "shard {shard} got nothing: {report:#}");
        seen.extend(ran);
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), names.len(), "each exactly once: {seen:?}");
    assert_eq!(unique, names.iter().collect::<BTreeSet<_>>());

    // An Indexed Job: JOB_COMPLETION_INDEX 1 of UPKEEP_SHARD_COUNT 2 is shard 2/2.
    let output = upkeep()
        .arg("run")
        .args(app_flags(&gh))
        .args(["--autodiscover", "--json", "--dry-run"])
        .env("JOB_COMPLETION_INDEX", "1")
        .env("UPKEEP_SHARD_COUNT", "2")
        .output()
        .unwrap();
    assert_eq!(json(&output)["summary"]["shard"], "2/2");
    gh.assert_no_violations();
}

#[test]
fn a_fleet_run_without_credentials_or_repositories_says_what_is_missing() {
    let output = upkeep()
        .args(["run", "--platform", "github", "acme/app"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("UPKEEP_TOKEN"), "{stderr}");
    let output = upkeep()
        .args(["run", "--platform", "github", "--token", "ghp_x"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--autodiscover"), "{stderr}");
}

/// Waits for `done`, failing (with the service's log) if the service exits first. The
/// bound only keeps a broken service from hanging the suite.
fn wait_for(
    child: &mut std::process::Child,
    log: &Path,
    what: &str,
    mut done: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !done() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "upkeep serve exited ({status}): {}",
                std::fs::read_to_string(log).unwrap()
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{what} never happened: {}",
            std::fs::read_to_string(log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_runs_the_repository_a_signed_push_names() {
    const SECRET: &str = "e2e webhook secret";
    let (gh, _index, installation) = fleet();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, json!({"webhookSecret": SECRET}).to_string()).unwrap();
    let log = dir.path().join("serve.log");
    let mut args = app_flags(&gh);
    args.drain(..2); // serve is always GitHub
    let mut child = upkeep()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--config",
        ])
        .arg(&config)
        .args(args)
        .arg("--base-dir")
        .arg(dir.path().join("base"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_for(&mut child, &log, "/healthz", || {
        matches!(request(port, "GET", "/healthz", &[], b""), Some((200, _)))
    });

    let body = json!({
        "ref": "refs/heads/main",
        "before": "0".repeat(40),
        "after": gh.branch_sha("acme/app", "main").unwrap(),
        "repository": {"full_name": "acme/app", "name": "app", "default_branch": "main"},
        "installation": {"id": installation},
    })
    .to_string();
    let headers = vec![
        ("X-GitHub-Event", "push".to_owned()),
        ("Content-Type", "application/json".to_owned()),
        (
            "X-Hub-Signature-256",
            sign(SECRET.as_bytes(), body.as_bytes()),
        ),
    ];
    let (status, answer) =
        request(port, "POST", "/webhooks/github", &headers, body.as_bytes()).unwrap();
    assert_eq!(status, 202, "{answer}");
    wait_for(&mut child, &log, "the PR", || {
        !gh.pulls("acme/app").is_empty()
    });
    wait_for(&mut child, &log, "the run's metrics", || {
        request(port, "GET", "/metrics", &[], b"")
            .is_some_and(|(_, m)| m.contains(r#"upkeep_runs_total{result="success"} 1"#))
    });
    let (_, metrics) = request(port, "GET", "/metrics", &[], b"").unwrap();
    assert!(
        metrics.contains(r#"upkeep_dependencies{repository="acme/app",manager="cargo"} 1"#),
        "{metrics}"
    );
    assert!(
        gh.pulls("acme/new").is_empty(),
        "only the pushed repository ran"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(SECRET), "the secret is never logged");
    gh.assert_no_violations();
}

/// SIGTERM in the middle of a fleet run (as Kubernetes sends it to a CronJob pod):
/// whenever it arrives, no new repository starts, a running one stops before its next
/// branch, and every branch upkeep pushed has its pull request — nothing is left
/// half-published. The property is checked on the fake's real state, so it holds
/// whatever the signal's timing.
#[test]
fn sigterm_mid_fleet_leaves_no_branch_without_its_pull_request() {
    let index = SparseIndex::start();
    let crates = ["alpha", "beta", "gamma"];
    for name in crates {
        index.add_versions(name, &["1.0.0", "2.0.0"]);
    }
    let gh = FakeGitHub::start();
    let repos: Vec<String> = (0..12).map(|i| format!("acme/service-{i:02}")).collect();
    let manifest = format!(
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{}",
        crates
            .iter()
            .map(|c| format!("{c} = {{ version = \"=1.0.0\", registry = \"local\" }}\n"))
            .collect::<String>()
    );
    for repo in &repos {
        let files = vec![
            (
                ".cargo/config.toml".to_owned(),
                format!("[registries.local]\nindex = \"{}\"\n", index.index_url()),
            ),
            ("Cargo.toml".to_owned(), manifest.clone()),
            ("src/main.rs".to_owned(), "fn main() {}\n".to_owned()),
            (
                "renovate.json".to_owned(),
                "{\"extends\": [\"config:recommended\"], \"dependencyDashboard\": false}\n"
                    .to_owned(),
            ),
        ];
        create_repo(&gh, repo, RepoOptions::default(), &files);
    }
    gh.create_installation("acme");
    let dir = tempfile::tempdir().unwrap();
    let mut child = upkeep()
        .arg("run")
        .args(app_flags(&gh))
        .args(["--autodiscover", "--json", "--concurrency", "1"])
        .args(["--github-content-limit", "off", "--base-dir"])
        .arg(dir.path().join("base"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the signal lands once the first pull request exists (mid-repository or between
    // repositories, whichever comes)
    let running = loop {
        if repos.iter().any(|repo| !gh.pulls(repo).is_empty()) {
            break true;
        }
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success() || !running);
    let output = child.wait_with_output().unwrap();
    let report = json(&output);
    if running && report["summary"]["interrupted"] == true {
        // stopped early: some repositories never started
        assert!(
            !report["summary"]["notStarted"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{report:#}"
        );
        // an interrupted run never reports success
        assert_ne!(output.status.code(), Some(0), "{report:#}");
    }
    let mut pushed = 0;
    for repo in &repos {
        let heads: BTreeSet<String> = gh
            .pulls(repo)
            .iter()
            .map(|pull| pull["head"]["ref"].as_str().unwrap().to_owned())
            .collect();
        for branch in gh
            .branches(repo)
            .keys()
            .filter(|b| b.starts_with("upkeep/"))
        {
            pushed += 1;
            assert!(
                heads.contains(branch),
                "{repo}: `{branch}` was pushed without its pull request"
            );
        }
    }
    assert!(pushed > 0);
    gh.assert_no_violations();
}
