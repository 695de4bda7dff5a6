//! The response cache: a directory on disk, or a Redis server shared by every pod of a
//! fleet, behind one small interface.
//!
//! # Keys
//!
//! The caller picks the key (`npm:registry.npmjs.org:react`), because it knows what
//! identifies the resource. An entry's id is the SHA-256 of the key and of a
//! fingerprint of the credential that fetched it, so a private package fetched with
//! one token is never served to a request made with another (or none), a changed token
//! simply misses, and neither keys nor tokens appear in the store. SHA-256 rather than
//! `std`'s `DefaultHasher`: the id must be stable across Rust versions and processes,
//! because workers on different machines share the store.
//!
//! # Freshness
//!
//! An entry younger than its TTL ([`CacheTtls`]: the datasource's, or the operator's
//! `cacheTtlOverride`) is served without a request. An older one is revalidated
//! (`If-None-Match` with its `ETag`, `If-Modified-Since` with its `Last-Modified`); a
//! 304 serves the stored body and stores the entry again with a new age. Response
//! `Cache-Control` is deliberately ignored: registries send `max-age` values tuned for
//! browsers, and the TTL is the policy.
//!
//! # Failure
//!
//! The cache is an optimisation only. A corrupted entry is a miss (debug log). A
//! backend that fails — Redis down, killed mid-run, answering garbage, a directory
//! that cannot be written — turns the cache off for the rest of this client's life
//! with exactly one warning naming the backend and the reason; every later call goes
//! to the network as if no cache was configured.

mod disk;
mod entry;
mod redis;
mod ttl;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub(crate) use entry::CacheEntry;
pub use ttl::{CacheTtls, DEFAULT_HARD_TTL};

use self::disk::DiskCache;
use self::redis::RedisCache;
use crate::{HttpOptions, SetupError};

/// Why a backend failed; the text goes into the one warning.
#[derive(Debug)]
pub(crate) struct CacheFailure(pub(crate) String);

#[derive(Debug)]
enum Backend {
    Disk(DiskCache),
    Redis(RedisCache),
}

/// The cache of one client: a backend, the TTL policy, and the off switch.
#[derive(Debug)]
pub(crate) struct Cache {
    backend: Backend,
    ttls: CacheTtls,
    hard_ttl: Duration,
    off: AtomicBool,
}

impl Cache {
    /// The cache the options ask for: Redis when `redis_url` is set (like Renovate's
    /// `redisUrl`, it wins over `cacheDir`), else the directory, else none.
    pub(crate) fn from_options(options: &HttpOptions) -> Result<Option<Self>, SetupError> {
        let backend = if let Some(url) = &options.redis_url {
            let backend = RedisCache::new(url, options.connect_timeout).map_err(|reason| {
                SetupError::CacheUrl {
                    url: crate::RedactedUrl::new(url.clone()),
                    reason,
                }
            })?;
            Backend::Redis(backend)
        } else if let Some(directory) = &options.cache_dir {
            let backend =
                DiskCache::open(directory.clone()).map_err(|source| SetupError::CacheDir {
                    path: directory.clone(),
                    source,
                })?;
            Backend::Disk(backend)
        } else {
            return Ok(None);
        };
        Ok(Some(Self {
            backend,
            ttls: options.cache_ttls.clone(),
            hard_ttl: options.cache_hard_ttl,
            off: AtomicBool::new(false),
        }))
    }

    /// The id of the entry for `key` fetched with `credential_fingerprint` (empty for none).
    pub(crate) fn entry_id(key: &str, credential_fingerprint: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(credential_fingerprint.as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The TTL of an entry under `key` whose caller asked for `requested`.
    pub(crate) fn ttl(&self, key: &str, requested: Duration) -> Duration {
        self.ttls.ttl(key, requested)
    }

    /// True once the backend failed and the cache is off.
    pub(crate) fn is_off(&self) -> bool {
        self.off.load(Ordering::Relaxed)
    }

    /// The entry `id` holds for `key`; `None` when missing, corrupted or the cache is off.
    pub(crate) async fn read(&self, id: &str, key: &str) -> Option<CacheEntry> {
        if self.is_off() {
            return None;
        }
        let bytes = match &self.backend {
            Backend::Disk(disk) => disk.get(id).await,
            Backend::Redis(redis) => redis.get(id).await,
        };
        let bytes = match bytes {
            Ok(bytes) => bytes?,
            Err(failure) => {
                self.turn_off(failure);
                return None;
            }
        };
        match CacheEntry::decode(bytes, key) {
            Ok(entry) => Some(entry),
            Err(reason) => {
                tracing::debug!(key, reason, "cache entry corrupted; treated as a miss");
                None
            }
        }
    }

    /// Stores `entry` under `id`; a failure turns the cache off, never fails the call.
    pub(crate) async fn write(&self, id: &str, entry: &CacheEntry, ttl: Duration) {
        if self.is_off() {
            return;
        }
        let bytes = entry.encode();
        let written = match &self.backend {
            Backend::Disk(disk) => disk.set(id, bytes).await,
            Backend::Redis(redis) => redis.set(id, bytes, ttl.max(self.hard_ttl)).await,
        };
        if let Err(failure) = written {
            self.turn_off(failure);
        }
    }

    fn turn_off(&self, failure: CacheFailure) {
        // Many lookups run at once; only the first to fail warns.
        if !self.off.swap(true, Ordering::Relaxed) {
            let backend = match &self.backend {
                Backend::Disk(disk) => disk.describe(),
                Backend::Redis(redis) => redis.describe(),
            };
            tracing::warn!(
                cache = %backend,
                reason = %failure.0,
                "the HTTP cache failed and is off for the rest of the run; registries are asked directly"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_change_the_entry_id() {
        assert_ne!(
            Cache::entry_id("k", ""),
            Cache::entry_id("k", "fingerprint")
        );
        assert_eq!(Cache::entry_id("k", "f"), Cache::entry_id("k", "f"));
        assert_eq!(Cache::entry_id("k", "f").len(), 64);
    }

    #[tokio::test]
    async fn a_failing_directory_turns_the_cache_off_and_reads_become_misses() {
        let directory = tempfile::tempdir().unwrap();
        let options = HttpOptions {
            cache_dir: Some(directory.path().join("cache")),
            ..HttpOptions::default()
        };
        let cache = Cache::from_options(&options).unwrap().unwrap();
        let entry = entry::tests::entry();
        let id = Cache::entry_id("npm:react", "");
        cache.write(&id, &entry, Duration::from_secs(60)).await;
        assert!(cache.read(&id, "npm:react").await.is_some());
        std::fs::remove_dir_all(directory.path().join("cache")).unwrap();
        cache.write(&id, &entry, Duration::from_secs(60)).await;
        assert!(cache.is_off());
        std::fs::create_dir_all(directory.path().join("cache")).unwrap();
        assert!(cache.read(&id, "npm:react").await.is_none());
    }
}
