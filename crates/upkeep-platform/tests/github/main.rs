//! The GitHub platform against the fake GitHub (`upkeep_testkit::github::FakeGitHub`):
//! real requests on loopback, every one checked against GitHub's REST description.

mod auth;
mod counts;
mod git_data;
mod issues;
mod pulls;
mod rate_limits;
mod repos;

use std::time::Duration;

use upkeep_platform::github::Limits;
use upkeep_platform::{GitHub, GitHubAuth, GitHubConfig};
use upkeep_testkit::github::FakeGitHub;

/// Limits for tests: short backoffs, no pacing to speak of.
pub fn test_limits() -> Limits {
    Limits {
        max_rate_limit_wait: Duration::from_secs(5),
        content_per_minute: 10_000,
        content_per_hour: 100_000,
        retries: 3,
        retry_backoff: Duration::from_millis(10),
        ..Limits::default()
    }
}

/// upkeep as the fake's GitHub App, key read from its file.
pub fn app(gh: &FakeGitHub) -> GitHub {
    app_with(gh, test_limits())
}

/// upkeep as the fake's GitHub App with `limits`.
pub fn app_with(gh: &FakeGitHub, limits: Limits) -> GitHub {
    let auth = GitHubAuth::app_from_file(gh.app_id(), gh.app_key().private_key_path())
        .expect("the fake's key");
    GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth,
        limits,
    })
    .expect("client")
}

/// upkeep with a personal access token.
pub fn with_token(gh: &FakeGitHub, token: &str) -> GitHub {
    GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth: GitHubAuth::token(token),
        limits: test_limits(),
    })
    .expect("client")
}

/// A fake with one installation on `acme` and `acme/app` holding a manifest, plus a
/// branch `upkeep/serde-1.x` one commit ahead of `main`.
pub fn acme() -> (FakeGitHub, u64) {
    let gh = FakeGitHub::start();
    let installation = gh.create_installation("acme");
    gh.create_repo(
        "acme/app",
        &[("Cargo.toml", "[dependencies]\nserde = \"1.0.0\"\n")],
    );
    gh.create_branch("acme/app", "upkeep/serde-1.x", "main");
    gh.push_files(
        "acme/app",
        "upkeep/serde-1.x",
        &[("Cargo.toml", Some("[dependencies]\nserde = \"1.0.200\"\n"))],
        "Update serde to 1.0.200",
    );
    (gh, installation)
}
