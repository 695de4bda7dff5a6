//! In-run coalescing and memoisation: one request per identical call.
//!
//! Fifty package files naming the same package turn into fifty lookups of one URL.
//! Each call computes a [`MemoKey`] (method, URL, host type, caller headers, and a
//! fingerprint of the credential that will be sent) and takes the shared cell for it:
//! the first caller runs the request, callers arriving while it runs wait for the same
//! result, and callers arriving later get the stored result without waiting. Failures
//! are shared too: a 404 or a dead host is not asked again in the same run.
//!
//! The cell is a `tokio::sync::OnceCell`: if the caller running the request is
//! cancelled, a waiting caller takes over, so a dropped future never wedges a key.
//! Results live until [`HttpClient::clear_memo`](crate::HttpClient::clear_memo) (the
//! worker calls it between repositories, as Renovate resets its memory cache), which
//! bounds memory on long runs; the on-disk cache is what persists across runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use url::Url;

use crate::{HttpError, Response};

/// What makes two calls identical.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MemoKey {
    method: Method,
    url: String,
    host_type: Option<String>,
    /// Caller headers, sorted; sensitive values replaced by their digest.
    headers: Vec<(String, Vec<u8>)>,
    credential: String,
    /// The caller's cache key: what identifies a POST's body.
    cache_key: Option<String>,
}

impl MemoKey {
    pub(crate) fn new(
        method: &Method,
        url: &Url,
        host_type: Option<&str>,
        headers: &HeaderMap,
        credential_fingerprint: &str,
    ) -> Self {
        let mut pairs: Vec<(String, Vec<u8>)> = headers
            .iter()
            .map(|(name, value)| {
                let value = if value.is_sensitive() {
                    fingerprint(value.as_bytes()).into_bytes()
                } else {
                    value.as_bytes().to_vec()
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        pairs.sort();
        Self {
            method: method.clone(),
            url: url.as_str().to_owned(),
            host_type: host_type.map(str::to_owned),
            headers: pairs,
            credential: credential_fingerprint.to_owned(),
            cache_key: None,
        }
    }

    /// Adds the caller's cache key: two posts to one URL are the same call only when
    /// their keys (which name their bodies) are equal.
    pub(crate) fn with_cache_key(mut self, key: Option<&str>) -> Self {
        self.cache_key = key.map(str::to_owned);
        self
    }
}

/// A stable, non-reversible identifier of a secret (hex SHA-256), so that memo keys
/// and cache file names can tell credentials apart without holding them.
pub(crate) fn fingerprint(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

type Cell = Arc<OnceCell<Result<Response, HttpError>>>;

/// The shared results of this run.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    cells: Mutex<HashMap<MemoKey, Cell>>,
}

impl Memo {
    /// The cell for a key, created empty on first use.
    pub(crate) fn cell(&self, key: MemoKey) -> Cell {
        let mut cells = self.cells.lock().unwrap();
        Arc::clone(cells.entry(key).or_default())
    }

    /// Forgets every result; requests in flight finish for their current callers.
    pub(crate) fn clear(&self) {
        self.cells.lock().unwrap().clear();
    }
}
