//! The Redis backend: one key per entry, shared by every pod of a fleet
//! (`redis://` or, with TLS, `rediss://`; user, password and database number in the
//! URL as Redis clients always take them).
//!
//! The connection is opened on first use, not when the client is built, so a run that
//! never looks anything up never needs Redis, and building the client stays
//! synchronous. One multiplexed connection carries every request of the run.
//! Keys are `upkeep:http:<entry id>` and expire after the hard TTL (Renovate's
//! `cacheHardTtlMinutes`) or the entry's own TTL if longer: a stale entry must outlive
//! its TTL so that it can still be revalidated with its `ETag`, but not forever — the
//! server should run with a `maxmemory` and `maxmemory-policy allkeys-lru` as well.

use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::MultiplexedConnection;
use tokio::sync::OnceCell;

use super::CacheFailure;
use crate::RedactedUrl;

const KEY_PREFIX: &str = "upkeep:http:";

/// A Redis server used as the cache.
pub(crate) struct RedisCache {
    client: redis::Client,
    url: RedactedUrl,
    timeout: Duration,
    connection: OnceCell<MultiplexedConnection>,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RedisCache")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RedisCache {
    /// Checks the URL; connects later. `timeout` bounds connecting and every command,
    /// so a hung server costs one timeout, after which the cache is off.
    pub(crate) fn new(url: &url::Url, timeout: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url.as_str()).map_err(|error| error.to_string())?;
        Ok(Self {
            client,
            url: RedactedUrl::new(url.clone()),
            timeout,
            connection: OnceCell::new(),
        })
    }

    /// What the warnings call this cache (credentials masked).
    pub(crate) fn describe(&self) -> String {
        format!("Redis `{}`", self.url)
    }

    async fn connection(&self) -> Result<MultiplexedConnection, CacheFailure> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        self.connection
            .get_or_try_init(|| {
                self.client
                    .get_multiplexed_async_connection_with_config(&config)
            })
            .await
            .cloned()
            .map_err(|error| CacheFailure(format!("cannot connect: {}", describe(&error))))
    }

    /// The bytes stored under `id`; `None` when there is no such key.
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Vec<u8>>, CacheFailure> {
        let mut connection = self.connection().await?;
        connection
            .get::<_, Option<Vec<u8>>>(format!("{KEY_PREFIX}{id}"))
            .await
            .map_err(|error| CacheFailure(format!("GET failed: {}", describe(&error))))
    }

    /// Stores `bytes` under `id` for `expire` (at least a millisecond).
    pub(crate) async fn set(
        &self,
        id: &str,
        bytes: Vec<u8>,
        expire: Duration,
    ) -> Result<(), CacheFailure> {
        let mut connection = self.connection().await?;
        let milliseconds = u64::try_from(expire.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(format!("{KEY_PREFIX}{id}"))
            .arg(bytes)
            .arg("PX")
            .arg(milliseconds)
            .query_async::<()>(&mut connection)
            .await
            .map_err(|error| CacheFailure(format!("SET failed: {}", describe(&error))))
    }
}

/// The error's text; Redis errors carry no URL, so nothing secret is in it.
fn describe(error: &redis::RedisError) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_masks_the_password() {
        let url = url::Url::parse("redis://:hunter2@127.0.0.1:6379/0").unwrap();
        let cache = RedisCache::new(&url, Duration::from_secs(1)).unwrap();
        let text = cache.describe();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{cache:?}").contains("hunter2"));
        assert!(text.contains("127.0.0.1:6379"), "{text}");
    }

    #[test]
    fn a_url_of_another_scheme_is_refused() {
        let url = url::Url::parse("memcached://127.0.0.1:11211").unwrap();
        assert!(RedisCache::new(&url, Duration::from_secs(1)).is_err());
    }
}
