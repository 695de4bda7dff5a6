//! What a caller asks for ([`Request`]) and what it gets back ([`Response`]).
//!
//! A request is a URL plus the few things a datasource decides: its `hostType` (which
//! host rules apply), extra headers (`Accept` for OCI manifests, an `Authorization`
//! the datasource obtained itself, such as a Docker registry bearer token), a size cap,
//! and a cache policy whose key the caller picks, because only the caller knows what
//! identifies a resource (uv's `CachedClient` makes the same choice): an npm packument
//! is "npm registry + package name", whatever URL encoding reached it.
//! The method is chosen by the call (`get_bytes`, `get_json`, `head`, `post_json`), not
//! the request. A body ([`Request::json_body`]) is only sent by `post_json`: POST exists
//! for query APIs such as OSV's `querybatch`, which take their question as JSON.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::RedactedUrl;

/// One request, built with chained setters.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) url: Url,
    pub(crate) host_type: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) cache: Option<CachePolicy>,
    pub(crate) max_body_bytes: Option<u64>,
    pub(crate) body: Option<Bytes>,
}

impl Request {
    /// A request for `url` with no host type, no extra header and no caching.
    pub fn new(url: Url) -> Self {
        Self {
            url,
            host_type: None,
            headers: HeaderMap::new(),
            cache: None,
            max_body_bytes: None,
            body: None,
        }
    }

    /// The datasource or platform id that host rules' `hostType` is compared with.
    pub fn host_type(mut self, host_type: impl Into<String>) -> Self {
        self.host_type = Some(host_type.into());
        self
    }

    /// Adds a header (repeated names are all sent).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Adds an `Accept` header; several calls send several values.
    pub fn accept(self, media_type: &'static str) -> Self {
        self.header(ACCEPT, HeaderValue::from_static(media_type))
    }

    /// Sends this `Authorization` value instead of what host rules would choose. Like a
    /// host-rule credential it is only sent to the URL's own origin, never across a
    /// redirect to another one.
    pub fn authorization(mut self, value: &SecretString) -> Self {
        if let Ok(mut header) = HeaderValue::from_str(value.expose_secret()) {
            header.set_sensitive(true);
            self.headers.insert(AUTHORIZATION, header);
        }
        self
    }

    /// Serve from the on-disk cache under `key` while the entry is younger than `ttl`;
    /// revalidate it with `If-None-Match`/`If-Modified-Since` once it is older.
    /// Applies to `GET` only (and only when the client has a cache directory); only
    /// `200` responses are stored.
    pub fn cache(mut self, key: impl Into<String>, ttl: Duration) -> Self {
        self.cache = Some(CachePolicy {
            key: key.into(),
            ttl,
        });
        self
    }

    /// Sends `value` as the JSON request body (`Content-Type: application/json`); only
    /// [`HttpClient::post_json`](crate::HttpClient::post_json) sends a body. Fails only
    /// when `value` cannot be serialised (a map with non-string keys).
    pub fn json_body<T: serde::Serialize + ?Sized>(
        mut self,
        value: &T,
    ) -> Result<Self, serde_json::Error> {
        self.body = Some(Bytes::from(serde_json::to_vec(value)?));
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(self)
    }

    /// Overrides the client's body size cap for this request.
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// The URL requested.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// How a response may be cached on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    /// What identifies the resource, chosen by the caller.
    pub key: String,
    /// How long an entry is served without asking the host.
    pub ttl: Duration,
}

/// Where a response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Fetched from the host.
    Network,
    /// Served from a fresh cache entry without a request.
    Cache,
    /// The host answered 304 to a conditional request; the cached body was served.
    Revalidated,
}

/// A successful (2xx, or 304 the caller asked for) response.
#[derive(Debug, Clone)]
pub struct Response<B = Bytes> {
    /// The URL that answered, after redirects.
    pub url: RedactedUrl,
    /// The status code.
    pub status: StatusCode,
    /// The response headers (for a cached body: those stored with it).
    pub headers: HeaderMap,
    /// The body: bytes, or the decoded JSON value.
    pub body: B,
    /// Network, cache, or revalidated cache.
    pub source: Source,
}

impl<B> Response<B> {
    /// A header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Replaces the body, keeping everything else.
    pub(crate) fn with_body<C>(self, body: C) -> Response<C> {
        Response {
            url: self.url,
            status: self.status,
            headers: self.headers,
            body,
            source: self.source,
        }
    }
}
