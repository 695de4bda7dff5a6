//! The GitHub platform: github.com or GitHub Enterprise Server, as a GitHub App (its
//! installations discovered through the API, their tokens minted and refreshed) or
//! with a personal access token.
//!
//! Layers, bottom up: `transport` (octocrab's raw requests), `client` (the request
//! loop: tokens, rate limits, pacing, retries, ETags, counters), then one module per
//! concern of the [`Platform`](crate::Platform) trait: `repos` (discovery,
//! repositories, files), `pulls`, `issues`, `git_data` (API commits, refs, merges),
//! `graphql` (native auto-merge). `platform_impl` wires the trait to them.
//!
//! Non-goals: webhooks (the server's), git transport (git itself, given
//! [`GitCredentials`](crate::GitCredentials)).

mod auth;
mod client;
mod counters;
mod git_data;
mod graphql;
mod issues;
mod platform_impl;
mod pulls;
mod rate_limit;
mod repos;
mod transport;
mod wire;

use std::collections::HashMap;

pub use auth::{GitHubAuth, Identity};
pub use client::Limits;

use crate::error::PlatformError;
use crate::types::ApiCalls;

use client::Client;
use transport::{Endpoint, Timeouts, Transport};

type Result<T> = std::result::Result<T, PlatformError>;

/// github.com's REST endpoint.
pub const GITHUB_COM: &str = "https://api.github.com";

/// How to reach GitHub.
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// The REST endpoint (`https://api.github.com`, or `https://ghe.example/api/v3`
    /// for GitHub Enterprise Server) — Renovate's `endpoint`.
    pub endpoint: String,
    /// App or token.
    pub auth: GitHubAuth,
    /// Rate limits, pacing, retries, timeouts.
    pub limits: Limits,
}

impl GitHubConfig {
    /// github.com with default limits.
    pub fn new(auth: GitHubAuth) -> GitHubConfig {
        GitHubConfig {
            endpoint: GITHUB_COM.to_string(),
            auth,
            limits: Limits::default(),
        }
    }
}

/// The GitHub platform.
pub struct GitHub {
    client: Client,
    app: bool,
    /// Installation id by account login (lower case), once listed.
    installations: tokio::sync::Mutex<Option<HashMap<String, u64>>>,
    /// The login upkeep acts as (`slug[bot]` for an App), once known.
    own_login: tokio::sync::OnceCell<String>,
}

impl GitHub {
    /// A client for `config` (no request is made yet). Call it inside a Tokio runtime:
    /// octocrab's HTTP client is bound to the runtime it is built in.
    pub fn new(config: GitHubConfig) -> Result<GitHub> {
        let endpoint = Endpoint::parse(&config.endpoint)?;
        let timeouts = Timeouts {
            connect: config.limits.connect_timeout,
            read: config.limits.read_timeout,
        };
        let (app, pat) = match &config.auth {
            GitHubAuth::App {
                app_id,
                private_key,
            } => (Some((*app_id, private_key)), None),
            GitHubAuth::Token(token) => (None, Some(token.clone())),
        };
        let transport = Transport::new(endpoint, app, timeouts)?;
        Ok(GitHub {
            client: Client::new(transport, config.limits, pat),
            app: app.is_some(),
            installations: tokio::sync::Mutex::new(None),
            own_login: tokio::sync::OnceCell::new(),
        })
    }

    /// Requests made with an installation's tokens (every repository of it).
    pub fn installation_calls(&self, installation: u64) -> ApiCalls {
        self.client
            .counters
            .identity(Identity::Installation(installation))
    }

    /// Requests made with the personal access token.
    pub fn token_calls(&self) -> ApiCalls {
        self.client.counters.identity(Identity::Token)
    }

    /// Requests per identity so far (installations, the token), each with the
    /// primary rate-limit budget GitHub last reported for it — for metrics.
    pub fn calls_by_identity(&self) -> Vec<(Identity, ApiCalls, Option<u64>)> {
        self.client.counters.identities()
    }

    /// Requests made as the App itself (listing installations, minting tokens).
    pub fn app_calls(&self) -> ApiCalls {
        self.client.counters.app()
    }

    /// The primary rate-limit budget GitHub last reported for `identity`.
    pub fn rate_limit_remaining(&self, identity: Identity) -> Option<u64> {
        self.client.counters.remaining(identity)
    }

    /// Reads answered `304 Not Modified` (counted as reads, free of rate limit).
    pub fn not_modified_reads(&self) -> u64 {
        self.client.counters.not_modified()
    }

    fn rest(&self, route: &str) -> String {
        self.client.endpoint().rest(route)
    }
}

/// `owner/repo` split, or a clear error.
fn split(repo: &str) -> Result<(&str, &str)> {
    match repo.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((owner, name))
        }
        _ => Err(PlatformError::Config(format!(
            "repository `{repo}` is not `owner/name`"
        ))),
    }
}

/// Percent-encodes a path (a branch name, a file path), keeping its slashes.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Percent-encodes a query value.
fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_keep_their_slashes_and_lose_nothing_else() {
        assert_eq!(encode_path("upkeep/serde-1.x"), "upkeep/serde-1.x");
        assert_eq!(encode_path("upkeep/a b#c"), "upkeep/a%20b%23c");
        assert_eq!(encode_query("acme:upkeep/x"), "acme%3Aupkeep%2Fx");
    }

    #[test]
    fn repositories_must_be_owner_slash_name() {
        assert_eq!(split("acme/app").unwrap(), ("acme", "app"));
        assert!(split("acme").is_err());
        assert!(split("acme/app/x").is_err());
    }
}
