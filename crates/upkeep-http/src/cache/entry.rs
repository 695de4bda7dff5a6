//! One stored response and its byte format, the same for every backend.
//!
//! ```text
//! upkeep-http-cache 1\n
//! {"key": …, "url": …, "storedAtMs": …, "status": …, "headers": [[name, value]…], "bodyLength": …}\n
//! <body bytes>
//! ```
//!
//! The body stays raw bytes (no JSON escaping of a 10 MB packument). An entry whose
//! magic line, metadata, key or body length does not check out is a miss, never an
//! error: a corrupted entry says nothing about the health of the backend.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

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

    pub(crate) fn encode(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&self.meta).unwrap_or_default();
        let mut bytes = Vec::with_capacity(MAGIC.len() + meta.len() + 1 + self.body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&meta);
        bytes.push(b'\n');
        bytes.extend_from_slice(&self.body);
        bytes
    }

    pub(crate) fn decode(bytes: Vec<u8>, key: &str) -> Result<Self, String> {
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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn entry() -> CacheEntry {
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

    #[test]
    fn entries_round_trip_without_cookies() {
        let read = CacheEntry::decode(entry().encode(), "npm:react").unwrap();
        assert_eq!(read.body, Bytes::from_static(b"{\"a\":1}\n"));
        assert_eq!(read.header("ETag"), Some("\"v1\""));
        assert_eq!(read.header("set-cookie"), None);
        assert!(read.is_fresh(Duration::from_secs(60)));
        assert!(!read.is_fresh(Duration::ZERO));
    }

    #[test]
    fn corrupted_truncated_or_foreign_entries_do_not_decode() {
        assert!(CacheEntry::decode(b"garbage".to_vec(), "npm:react").is_err());
        let mut truncated = entry().encode();
        truncated.truncate(truncated.len() - 2);
        assert!(CacheEntry::decode(truncated, "npm:react").is_err());
        assert!(CacheEntry::decode(entry().encode(), "npm:vue").is_err());
    }
}
