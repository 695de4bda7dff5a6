//! The on-disk response cache: one file per (caller's key, credential) pair.
//!
//! # Keys and file names
//!
//! The caller picks the key (`npm:registry.npmjs.org:react`), because it knows what
//! identifies the resource. The file name is the SHA-256 of the key and of a
//! fingerprint of the credential that fetched it, so a private package fetched with
//! one token is never served to a request made with another (or none), a changed token
//! simply misses, and neither keys nor tokens appear on disk. SHA-256 rather than
//! `std`'s `DefaultHasher`: the name must be stable across Rust versions and
//! processes, because workers on different machines may share the directory.
//!
//! # Format
//!
//! ```text
//! upkeep-http-cache 1\n
//! {"key": …, "url": …, "storedAtMs": …, "status": …, "headers": [[name, value]…], "bodyLength": …}\n
//! <body bytes>
//! ```
//!
//! The body stays raw bytes (no JSON escaping of a 10 MB packument). A file whose
//! magic line, metadata, key or body length does not check out is treated as a miss
//! and logged at debug level, never an error: the cache is an optimisation only.
//!
//! # Concurrency
//!
//! Writes go to a temporary file in the same directory, then `rename` over the entry,
//! which is atomic on POSIX file systems: concurrent workers sharing the directory see
//! either the old or the new entry, never half of one. Last writer wins, which is fine
//! for entries that both describe the same resource.
//!
//! # Freshness
//!
//! An entry younger than the request's TTL is served without a request. An older one
//! is revalidated (`If-None-Match` with its `ETag`, `If-Modified-Since` with its
//! `Last-Modified`); a 304 serves the stored body and rewrites the entry with a new
//! age. Response `Cache-Control` is deliberately ignored: registries send `max-age`
//! values tuned for browsers, and the caller's TTL is the policy.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const MAGIC: &[u8] = b"upkeep-http-cache 1\n";

/// Headers never written to disk.
const UNSTORED_HEADERS: &[&str] = &[
    "set-cookie",
    "authorization",
    "proxy-authenticate",
    "www-authenticate",
];

/// A stored response.
#[derive(Debug, Clone)]
pub(crate) struct CacheEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) body: Bytes,
}

/// The metadata line of an entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EntryMeta {
    pub(crate) key: String,
    /// The redacted URL, for people reading the directory.
    pub(crate) url: String,
    pub(crate) stored_at_ms: u64,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body_length: u64,
}

impl CacheEntry {
    /// An entry for a response received now.
    pub(crate) fn new(
        key: &str,
        url: String,
        status: u16,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Self {
        let headers = headers
            .iter()
            .filter(|(name, _)| !UNSTORED_HEADERS.contains(&name.as_str()))
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let meta = EntryMeta {
            key: key.to_owned(),
            url,
            stored_at_ms: now_ms(),
            status,
            headers,
            body_length: body.len() as u64,
        };
        Self { meta, body }
    }

    /// True while younger than `ttl`. An entry from the future (clock skew between
    /// workers) is not trusted.
    pub(crate) fn is_fresh(&self, ttl: Duration) -> bool {
        let now = now_ms();
        now >= self.meta.stored_at_ms && u128::from(now - self.meta.stored_at_ms) < ttl.as_millis()
    }

    /// Marks the entry as just validated.
    pub(crate) fn touch(&mut self) {
        self.meta.stored_at_ms = now_ms();
    }

    /// The stored headers as a header map (invalid ones skipped).
    pub(crate) fn headers(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.meta.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    /// A stored header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.meta
            .headers
            .iter()
            .find(|(stored, _)| stored.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn encode(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&self.meta).unwrap_or_default();
        let mut bytes = Vec::with_capacity(MAGIC.len() + meta.len() + 1 + self.body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&meta);
        bytes.push(b'\n');
        bytes.extend_from_slice(&self.body);
        bytes
    }

    fn decode(bytes: Vec<u8>, key: &str) -> Result<Self, String> {
        let rest = bytes.strip_prefix(MAGIC).ok_or("unknown format")?;
        let newline = rest
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or("no metadata line")?;
        let meta: EntryMeta = serde_json::from_slice(&rest[..newline])
            .map_err(|error| format!("bad metadata: {error}"))?;
        if meta.key != key {
            return Err(format!("entry is for key `{}`", meta.key));
        }
        let offset = MAGIC.len() + newline + 1;
        if (bytes.len() - offset) as u64 != meta.body_length {
            return Err("body length does not match".to_owned());
        }
        let body = Bytes::from(bytes).slice(offset..);
        Ok(Self { meta, body })
    }
}

/// A cache directory.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    directory: PathBuf,
}

impl DiskCache {
    pub(crate) fn new(directory: PathBuf) -> Self {
        Self { directory }
    }

    /// The file of a key fetched with a credential fingerprint (empty for none).
    pub(crate) fn path(&self, key: &str, credential_fingerprint: &str) -> PathBuf {
        let mut hasher = Sha256::new();
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(credential_fingerprint.as_bytes());
        let digest = hasher.finalize();
        let name: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        self.directory.join(format!("{name}.entry"))
    }

    /// The entry at `path`, or `None` when missing or unreadable.
    pub(crate) async fn read(&self, path: &Path, key: &str) -> Option<CacheEntry> {
        let bytes = match tokio::fs::read(path).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => {
                tracing::debug!(path = %path.display(), %error, "cache entry unreadable; treated as a miss");
                return None;
            }
        };
        match CacheEntry::decode(bytes, key) {
            Ok(entry) => Some(entry),
            Err(reason) => {
                tracing::debug!(path = %path.display(), reason, "cache entry corrupted; treated as a miss");
                None
            }
        }
    }

    /// Writes the entry atomically; failures are logged, not returned.
    pub(crate) async fn write(&self, path: PathBuf, entry: &CacheEntry) {
        let bytes = entry.encode();
        let directory = self.directory.clone();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut file = tempfile::NamedTempFile::new_in(&directory)?;
            file.write_all(&bytes)?;
            file.persist(&path).map_err(|error| error.error)?;
            Ok(())
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(directory = %self.directory.display(), %error, "could not write a cache entry")
            }
            Err(error) => tracing::warn!(%error, "cache writer task failed"),
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> CacheEntry {
        let mut headers = HeaderMap::new();
        headers.insert("etag", HeaderValue::from_static("\"v1\""));
        headers.insert("set-cookie", HeaderValue::from_static("session=secret"));
        CacheEntry::new(
            "npm:react",
            "https://r.test/react".into(),
            200,
            &headers,
            Bytes::from_static(b"{\"a\":1}\n"),
        )
    }

    #[tokio::test]
    async fn entries_round_trip_without_cookies() {
        let directory = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(directory.path().to_owned());
        let path = cache.path("npm:react", "");
        cache.write(path.clone(), &entry()).await;
        let read = cache.read(&path, "npm:react").await.unwrap();
        assert_eq!(read.body, Bytes::from_static(b"{\"a\":1}\n"));
        assert_eq!(read.header("ETag"), Some("\"v1\""));
        assert_eq!(read.header("set-cookie"), None);
        assert!(read.is_fresh(Duration::from_secs(60)));
        assert!(!read.is_fresh(Duration::ZERO));
    }

    #[tokio::test]
    async fn corrupted_or_foreign_entries_are_misses() {
        let directory = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(directory.path().to_owned());
        let path = cache.path("npm:react", "");
        std::fs::write(&path, b"garbage").unwrap();
        assert!(cache.read(&path, "npm:react").await.is_none());
        let mut truncated = entry().encode();
        truncated.truncate(truncated.len() - 2);
        std::fs::write(&path, truncated).unwrap();
        assert!(cache.read(&path, "npm:react").await.is_none());
        std::fs::write(&path, entry().encode()).unwrap();
        assert!(cache.read(&path, "npm:vue").await.is_none());
        assert!(cache.read(&path, "npm:react").await.is_some());
    }

    #[test]
    fn credentials_change_the_file_name() {
        let cache = DiskCache::new(PathBuf::from("/cache"));
        assert_ne!(cache.path("k", ""), cache.path("k", "fingerprint"));
        assert_eq!(cache.path("k", "f"), cache.path("k", "f"));
    }
}
