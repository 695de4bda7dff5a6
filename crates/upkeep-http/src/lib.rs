//! One HTTP client for the whole run of upkeep: every datasource and the vulnerability
//! source talk to registries through it.
//!
//! What it guarantees, so datasources do not each reinvent it:
//! - **credentials** come from `hostRules` ([`HostRules`], Renovate's matching and
//!   order) and are only ever sent to their own origin, redirects included;
//! - **failures are typed** ([`HttpError`]): a host failure (unreachable, timeout, 5xx
//!   after retries, 401/403, 429, oversized or invalid body) is told apart from a
//!   package failure (404/410), and every message names the URL, redacted
//!   ([`RedactedUrl`]), in backticks;
//! - **an unreachable registry costs seconds, not minutes**: one connect retry, then
//!   the host is marked down and the rest of the run fails fast for it;
//! - **politeness**: per-host concurrency limits, exponential backoff with jitter on
//!   429/5xx honouring `Retry-After`, a response size cap enforced while streaming;
//! - **one request per resource**: identical calls of a run share one request and its
//!   result, and a cache keyed by the caller (a directory, or Redis shared by a
//!   fleet; TTLs per namespace) serves fresh entries and revalidates stale ones with
//!   `ETag`/`Last-Modified`; a cache that fails is turned off with one warning.
//!
//! Request bodies exist for one purpose: JSON queries such as OSV's `querybatch`
//! ([`HttpClient::post_json`]); a POST is memoised and cached only under a key the
//! caller gives.
//!
//! Non-goals: uploads (datasources only read), cookies, HTTP/2
//! (not enabled, to keep the build lean; registries all speak HTTP/1.1), an offline
//! switch, and serving stale cache entries when the host fails.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use upkeep_http::{HostRules, HttpClient, HttpOptions, Request};
//!
//! let client = HttpClient::new(HttpOptions::default(), HostRules::default())?;
//! let url = url::Url::parse("https://registry.npmjs.org/react")?;
//! let packument = client
//!     .get_json::<serde_json::Value>(
//!         Request::new(url).host_type("npm").cache("npm:registry.npmjs.org:react", Duration::from_secs(900)),
//!     )
//!     .await?;
//! println!("{} from {:?}", packument.url, packument.source);
//! # Ok(()) }
//! ```

mod cache;
mod client;
mod error;
mod host_rules;
mod hosts;
mod memo;
mod options;
mod redacted;
mod request;
mod retry;
mod stats;
mod transport;

pub use cache::{CacheTtls, DEFAULT_HARD_TTL};
pub use client::HttpClient;
pub use error::{HttpError, SetupError, summarize_error_body};
pub use host_rules::{AuthType, Credential, HostRule, HostRules, HostSettings, rules_from_env};
pub use hosts::DownHost;
pub use options::{HttpOptions, RetryOptions};
pub use redacted::RedactedUrl;
pub use request::{CachePolicy, Request, Response, Source};
pub use reqwest::header;
pub use reqwest::{Method, StatusCode};
pub use secrecy::SecretString;
pub use stats::{HostStats, StatsSnapshot};
pub use url::Url;
