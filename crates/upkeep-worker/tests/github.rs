//! `run_on_platform` end to end with the real GitHub platform (`upkeep_platform`'s
//! `GitHub`, authenticated as a GitHub App) against the fake GitHub of upkeep-testkit —
//! real bare repositories over smart HTTP, App JWTs, installation tokens, every request
//! and response checked against GitHub's REST description — and a crates sparse index
//! on loopback. Each step ends with the fake's own state checked: pull requests, issues,
//! comments, branches, counters.

#[path = "github/automerge.rs"]
mod automerge;
#[path = "github/commits.rs"]
mod commits;
#[path = "github/harness.rs"]
mod harness;
#[path = "github/journey.rs"]
mod journey;
#[path = "github/lifecycle.rs"]
mod lifecycle;
#[path = "github/onboarding.rs"]
mod onboarding;
#[path = "github/resilience.rs"]
mod resilience;

use serde_json::json;

use harness::World;

fn versions() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("alpha", &["1.0.0", "1.1.0", "2.0.0"][..]),
        ("beta", &["1.0.0", "1.0.1"][..]),
        ("gamma", &["1.0.0", "1.2.0"][..]),
        ("delta", &["1.0.0", "1.3.0"][..]),
    ]
}

/// A repository that has a config already: four PRs to open.
fn configured(config: serde_json::Value) -> World {
    let text = harness::config_text(&config);
    World::new(
        &["alpha", "beta", "delta"],
        &versions(),
        &[("renovate.json", text.as_str())],
    )
}

fn plain_config() -> serde_json::Value {
    json!({"prHourlyLimit": 0, "prConcurrentLimit": 0, "labels": ["dependencies"]})
}
