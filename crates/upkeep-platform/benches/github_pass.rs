//! A pass over 100 repositories of one installation in the fake GitHub, as the
//! publish stage drives the platform: discovery, then per repository the pull
//! requests under `upkeep/` and upkeep's own issues; 10 repositories get a new pull
//! request (labels and a reviewer). Then the same pass again with nothing new (a
//! rerun). Prints API calls per repository with nothing to do, writes per new pull
//! request, and wall time of each pass.
//!
//! `cargo bench -p upkeep-platform --bench github_pass`

use std::time::{Duration, Instant};

use upkeep_platform::github::Limits;
use upkeep_platform::{GitHub, GitHubAuth, GitHubConfig, NewPullRequest, Platform};
use upkeep_testkit::github::FakeGitHub;

const REPOS: usize = 100;
const WITH_UPDATES: usize = 10;

fn name(i: usize) -> String {
    format!("acme/repo-{i:03}")
}

async fn pass(upkeep: &GitHub, create: bool) -> Duration {
    let start = Instant::now();
    let repos = upkeep.discover_repositories().await.expect("discover");
    assert_eq!(repos.len(), REPOS);
    for (i, repo) in repos.iter().enumerate() {
        let name = &repo.full_name;
        let pulls = upkeep
            .list_pull_requests(name, "upkeep/")
            .await
            .expect("pulls");
        upkeep.list_own_issues(name).await.expect("issues");
        if create && i < WITH_UPDATES && pulls.is_empty() {
            upkeep
                .create_pull_request(
                    name,
                    &NewPullRequest {
                        branch_name: "upkeep/serde-1.x".to_string(),
                        base_branch: repo.default_branch.clone(),
                        title: "Update serde to 1.0.200".to_string(),
                        body: "| package | change |\n|---|---|\n| serde | 1.0.0 → 1.0.200 |\n"
                            .to_string(),
                        labels: vec!["dependencies".to_string()],
                        reviewers: vec!["alice".to_string()],
                        ..NewPullRequest::default()
                    },
                )
                .await
                .expect("create");
        }
    }
    start.elapsed()
}

fn main() {
    let gh = FakeGitHub::start();
    gh.create_installation("acme");
    for i in 0..REPOS {
        gh.create_repo(
            &name(i),
            &[("Cargo.toml", "[dependencies]\nserde = \"1.0.0\"\n")],
        );
        if i < WITH_UPDATES {
            gh.create_branch(&name(i), "upkeep/serde-1.x", "main");
            gh.push_files(
                &name(i),
                "upkeep/serde-1.x",
                &[("Cargo.toml", Some("[dependencies]\nserde = \"1.0.200\"\n"))],
                "Update serde to 1.0.200",
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // octocrab's client lives on the runtime it is built in.
    let _guard = runtime.enter();
    let auth =
        GitHubAuth::app_from_file(gh.app_id(), gh.app_key().private_key_path()).expect("key");
    let upkeep = GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth,
        limits: Limits::default(),
    })
    .expect("client");

    let first = runtime.block_on(pass(&upkeep, true));
    let idle: Vec<_> = (WITH_UPDATES..REPOS)
        .map(|i| upkeep.api_calls(&name(i)))
        .collect();
    let busy: Vec<_> = (0..WITH_UPDATES)
        .map(|i| upkeep.api_calls(&name(i)))
        .collect();
    let idle_calls = idle.iter().map(|c| c.reads + c.writes).max().unwrap_or(0);
    let writes_per_pr = busy.iter().map(|c| c.writes).sum::<u64>() / WITH_UPDATES as u64;
    let counters_before = gh.counters();

    let second = runtime.block_on(pass(&upkeep, true));
    let counters_after = gh.counters();
    let rerun_calls: Vec<u64> = (0..REPOS)
        .map(|i| {
            let after = counters_after.repo(&name(i));
            let before = counters_before.repo(&name(i));
            after.total() - before.total()
        })
        .collect();
    let rerun_max = rerun_calls.iter().max().copied().unwrap_or(0);
    let rerun_writes: u64 = (0..REPOS)
        .map(|i| counters_after.repo(&name(i)).writes - counters_before.repo(&name(i)).writes)
        .sum();
    let not_modified: u64 = (0..REPOS)
        .map(|i| {
            counters_after.repo(&name(i)).not_modified - counters_before.repo(&name(i)).not_modified
        })
        .sum();

    println!("github_pass: {REPOS} repositories, {WITH_UPDATES} with a new pull request");
    println!("| measure | value |");
    println!("| --- | --- |");
    println!("| API calls per repository with nothing to do (first pass) | {idle_calls} |");
    println!("| writes per new pull request (create + labels + reviewers) | {writes_per_pr} |");
    println!("| API calls per repository on the rerun (max) | {rerun_max} |");
    println!("| writes on the rerun | {rerun_writes} |");
    println!(
        "| rerun reads answered 304 (free of rate limit) | {not_modified} of {} |",
        rerun_calls.iter().sum::<u64>()
    );
    println!(
        "| App calls (installations, token, /app) | {:?} |",
        upkeep.app_calls()
    );
    println!("| wall time, first pass | {:.3} s |", first.as_secs_f64());
    println!("| wall time, rerun | {:.3} s |", second.as_secs_f64());
    gh.assert_no_violations();
}
