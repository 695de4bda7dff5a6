//! Settings of the client, with defaults chosen for "report an unreachable registry
//! within seconds, never after minutes".
//!
//! The worst case for one dead host is `connect_timeout × 2` (one retry), after which
//! the host is marked down for the rest of the run. A host that answers but is
//! failing costs at most `max_retries` backoff delays (capped by `max_delay`), and a
//! `Retry-After` longer than `max_retry_after` is not waited for at all. Tests shrink
//! every delay through these fields instead of asserting on wall-clock time.

use std::path::PathBuf;
use std::time::Duration;

use backon::ExponentialBuilder;

use crate::cache::{CacheTtls, DEFAULT_HARD_TTL};

/// How the client behaves; build one with `HttpOptions::default()` and adjust fields.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The `User-Agent` header; `upkeep/<version>` by default.
    pub user_agent: String,
    /// Time allowed to establish a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included; a host rule's `timeout`
    /// overrides it.
    pub timeout: Duration,
    /// Largest body accepted, checked while streaming; a request can lower or raise it.
    pub max_body_bytes: u64,
    /// Requests in flight to one host at once, unless a host rule's
    /// `concurrentRequestLimit` says otherwise.
    pub host_concurrency: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Retry policy for 429, 5xx and dropped connections.
    pub retry: RetryOptions,
    /// Where the on-disk cache lives (`cacheDir`); without it and without
    /// `redis_url` requests with a cache policy simply go to the network.
    pub cache_dir: Option<PathBuf>,
    /// A Redis server shared by every worker (`redisUrl`: `redis://` or `rediss://`);
    /// when set it is the cache and `cache_dir` is not used.
    pub redis_url: Option<url::Url>,
    /// TTL overrides per cache namespace (`cacheTtlOverride`).
    pub cache_ttls: CacheTtls,
    /// How long Redis keeps an entry at least, so it can still be revalidated when
    /// stale (`cacheHardTtlMinutes`).
    pub cache_hard_ttl: Duration,
    /// Honour `HTTP(S)_PROXY`/`NO_PROXY` from the environment.
    pub use_env_proxy: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            user_agent: concat!("upkeep/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_body_bytes: 128 * 1024 * 1024,
            host_concurrency: 16,
            max_redirects: 10,
            retry: RetryOptions::default(),
            cache_dir: None,
            redis_url: None,
            cache_ttls: CacheTtls::default(),
            cache_hard_ttl: DEFAULT_HARD_TTL,
            use_env_proxy: true,
        }
    }
}

/// Exponential backoff with jitter, and the `Retry-After` cap.
#[derive(Debug, Clone)]
pub struct RetryOptions {
    /// Retries after the first attempt (so `max_retries + 1` requests at most).
    pub max_retries: usize,
    /// The first backoff delay.
    pub min_delay: Duration,
    /// The largest backoff delay.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails at once
    /// as rate-limited (Renovate's `maxRetryAfter`).
    pub max_retry_after: Duration,
    /// Randomise delays so that concurrent workers do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryOptions {
    /// The sequence of backoff delays for one request.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        use backon::BackoffBuilder as _;
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries);
        if self.jitter {
            builder.with_jitter().build()
        } else {
            builder.build()
        }
    }
}
