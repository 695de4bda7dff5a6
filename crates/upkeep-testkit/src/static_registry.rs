//! An in-process HTTP server for fixed files, with ETag revalidation, optional added
//! latency and request counters.
//!
//! Paths are matched exactly (without the query string). Every response carries an
//! `ETag`; a request whose `If-None-Match` names it gets `304 Not Modified`. Files can be
//! added or replaced while the server runs (their ETag changes with their content).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::runtime::Server;

#[derive(Clone)]
struct File {
    body: axum::body::Bytes,
    content_type: String,
    etag: String,
}

#[derive(Default)]
struct Inner {
    files: HashMap<String, File>,
    latency: Duration,
    counters: Counters,
}

/// What a [`StaticRegistry`] has served so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests per path (including 304s and 404s).
    pub requests: HashMap<String, u64>,
    /// All requests.
    pub total: u64,
    /// Requests answered `304 Not Modified`.
    pub not_modified: u64,
    /// Requests answered `404 Not Found`.
    pub not_found: u64,
}

impl Counters {
    /// Requests for `path` so far.
    pub fn for_path(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }
}

/// A static file server on a free loopback port; shuts down when dropped.
pub struct StaticRegistry {
    inner: Arc<Mutex<Inner>>,
    server: Server,
}

impl StaticRegistry {
    /// Starts an empty server.
    pub fn start() -> StaticRegistry {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = axum::Router::new()
            .fallback(serve)
            .with_state(inner.clone());
        StaticRegistry {
            inner,
            server: Server::start(router),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// Serves `body` at `path` (which starts with `/`) with `content_type`, replacing what
    /// was there.
    pub fn insert(&self, path: &str, body: impl Into<Vec<u8>>, content_type: &str) {
        assert!(path.starts_with('/'), "path must start with '/': {path}");
        let body: Vec<u8> = body.into();
        let etag = format!("\"{}\"", &crate::sha256_hex(&body)[..32]);
        self.inner.lock().unwrap().files.insert(
            path.to_string(),
            File {
                body: body.into(),
                content_type: content_type.to_string(),
                etag,
            },
        );
    }

    /// Serves `value` as `application/json` at `path`.
    pub fn insert_json(&self, path: &str, value: &serde_json::Value) {
        self.insert(
            path,
            serde_json::to_vec_pretty(value).unwrap(),
            "application/json",
        );
    }

    /// Stops serving `path` (it answers 404 from now on).
    pub fn remove(&self, path: &str) {
        self.inner.lock().unwrap().files.remove(path);
    }

    /// The body served at `path`, if any.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        let inner = self.inner.lock().unwrap();
        inner.files.get(path).map(|f| f.body.to_vec())
    }

    /// Delays every response from now on by `latency` (0 to turn it off).
    pub fn set_latency(&self, latency: Duration) {
        self.inner.lock().unwrap().latency = latency;
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.inner.lock().unwrap().counters.clone()
    }

    /// Sets all counters back to zero.
    pub fn reset_counters(&self) {
        self.inner.lock().unwrap().counters = Counters::default();
    }
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

async fn serve(State(inner): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let (file, latency) = {
        let mut inner = inner.lock().unwrap();
        inner.counters.total += 1;
        *inner.counters.requests.entry(path.clone()).or_default() += 1;
        (inner.files.get(&path).cloned(), inner.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(file) = file else {
        inner.lock().unwrap().counters.not_found += 1;
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("not found\n"))
            .unwrap();
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &file.etag));
    let etag = HeaderValue::from_str(&file.etag).unwrap();
    if not_modified {
        inner.lock().unwrap().counters.not_modified += 1;
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap();
    }
    let head = req.method() == axum::http::Method::HEAD;
    Response::builder()
        .status(StatusCode::OK)
        .header(header::ETAG, etag)
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::CONTENT_LENGTH, file.body.len())
        .body(if head {
            Body::empty()
        } else {
            Body::from(file.body)
        })
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: String, etag: Option<String>) -> (u16, Option<String>, Vec<u8>) {
        crate::runtime::block_on(async move {
            let mut req = crate::runtime::client().get(url);
            if let Some(etag) = etag {
                req = req.header("if-none-match", etag);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let etag = resp
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_string());
            (status, etag, resp.bytes().await.unwrap().to_vec())
        })
    }

    #[test]
    fn serves_files_with_etag_304_and_counters() {
        let reg = StaticRegistry::start();
        reg.insert("/a/b.json", "{\"x\":1}", "application/json");
        let (status, etag, body) = get(format!("{}/a/b.json?q=1", reg.url()), None);
        assert_eq!(status, 200);
        assert_eq!(body, b"{\"x\":1}");
        let etag = etag.unwrap();
        let (status, _, body) = get(format!("{}/a/b.json", reg.url()), Some(etag.clone()));
        assert_eq!(status, 304);
        assert!(body.is_empty());
        let (status, ..) = get(format!("{}/missing", reg.url()), None);
        assert_eq!(status, 404);
        // A changed file gets a new ETag: the old one no longer revalidates.
        reg.insert("/a/b.json", "{\"x\":2}", "application/json");
        let (status, new_etag, _) = get(format!("{}/a/b.json", reg.url()), Some(etag.clone()));
        assert_eq!(status, 200);
        assert_ne!(new_etag.unwrap(), etag);

        let c = reg.counters();
        assert_eq!(c.for_path("/a/b.json"), 3);
        assert_eq!(c.total, 4);
        assert_eq!(c.not_modified, 1);
        assert_eq!(c.not_found, 1);
        reg.reset_counters();
        assert_eq!(reg.counters(), Counters::default());
    }

    #[test]
    fn added_latency_still_serves() {
        let reg = StaticRegistry::start();
        reg.insert("/x", "x", "text/plain");
        reg.set_latency(Duration::from_millis(20));
        let (status, ..) = get(format!("{}/x", reg.url()), None);
        assert_eq!(status, 200);
    }

    #[test]
    fn weak_and_listed_etags_match() {
        assert!(etag_matches("W/\"abc\", \"def\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"def\"", "\"def\""));
        assert!(etag_matches("*", "\"def\""));
        assert!(!etag_matches("\"x\"", "\"def\""));
    }
}
