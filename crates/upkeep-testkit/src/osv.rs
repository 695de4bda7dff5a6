//! [`OsvServer`]: the OSV API (`api.osv.dev`) served in-process from a directory of
//! OSV records, as the real service answers the two calls upkeep makes:
//!
//! - `POST /v1/querybatch` with `{"queries": [{"package": {"name", "ecosystem"},
//!   "page_token"?}]}` (at most 1,000 queries, else `400`) answers
//!   `{"results": [{"vulns": [{"id", "modified"}], "next_page_token"?}]}`, one result per
//!   query in order; a query without a version gets every record naming the package.
//!   Results are paged ([`OsvServer::set_page_size`]) with the offset as the token;
//! - `GET /v1/vulns/{id}` answers the record as stored, `404` for an unknown id.
//!
//! Requests are counted per kind ([`OsvCounters`]); [`OsvServer::set_down`] makes every
//! call answer `500`, as an outage would.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::runtime::Server;

/// The most queries one `querybatch` call may carry (the real API's limit).
pub const OSV_BATCH_LIMIT: usize = 1000;

/// What an [`OsvServer`] has answered so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OsvCounters {
    /// `POST /v1/querybatch` calls.
    pub batches: u64,
    /// Queries over all batch calls.
    pub queries: u64,
    /// `GET /v1/vulns/{id}` calls per id.
    pub details: HashMap<String, u64>,
    /// Calls answered `500` while down.
    pub failed: u64,
}

impl OsvCounters {
    /// All `GET /v1/vulns/{id}` calls.
    pub fn detail_total(&self) -> u64 {
        self.details.values().sum()
    }
}

struct Record {
    body: axum::body::Bytes,
    modified: String,
}

#[derive(Default)]
struct Inner {
    records: HashMap<String, Record>,
    /// (ecosystem, package name) → ids, sorted.
    packages: BTreeMap<(String, String), Vec<String>>,
    page_size: usize,
    down: bool,
    counters: OsvCounters,
}

type Shared = Arc<Mutex<Inner>>;

/// An OSV API on a free loopback port; shuts down when dropped.
pub struct OsvServer {
    inner: Shared,
    server: Server,
}

impl OsvServer {
    /// Serves every `*.json` record under `directory` (recursively).
    pub fn start(directory: &Path) -> OsvServer {
        let server = OsvServer::empty();
        server.add_directory(directory);
        server
    }

    /// Serves no records yet.
    pub fn empty() -> OsvServer {
        let inner = Arc::new(Mutex::new(Inner {
            page_size: 1000,
            ..Inner::default()
        }));
        let router = axum::Router::new()
            .route("/v1/querybatch", post(query_batch))
            .route("/v1/vulns/{id}", get(vulnerability))
            .with_state(inner.clone());
        OsvServer {
            inner,
            server: Server::start(router),
        }
    }

    /// Adds every `*.json` record under `directory` (recursively; broken files are
    /// skipped, as the real service would never serve them).
    pub fn add_directory(&self, directory: &Path) {
        let mut entries: Vec<_> = std::fs::read_dir(directory)
            .unwrap_or_else(|error| panic!("read {}: {error}", directory.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                self.add_directory(&path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                let bytes = std::fs::read(&path).unwrap();
                if serde_json::from_slice::<Value>(&bytes).is_ok() {
                    self.add_record(bytes);
                }
            }
        }
    }

    /// Adds one record (its JSON text, served byte for byte).
    pub fn add_record(&self, bytes: impl Into<Vec<u8>>) {
        let bytes: Vec<u8> = bytes.into();
        let value: Value = serde_json::from_slice(&bytes).expect("an OSV record is JSON");
        let id = value["id"]
            .as_str()
            .expect("an OSV record has an id")
            .to_owned();
        let modified = value["modified"].as_str().unwrap_or_default().to_owned();
        let mut inner = self.inner.lock().unwrap();
        for affected in value["affected"].as_array().into_iter().flatten() {
            let package = &affected["package"];
            if let (Some(ecosystem), Some(name)) =
                (package["ecosystem"].as_str(), package["name"].as_str())
            {
                let ids = inner
                    .packages
                    .entry((ecosystem.to_owned(), name.to_owned()))
                    .or_default();
                if !ids.contains(&id) {
                    ids.push(id.clone());
                    ids.sort();
                }
            }
        }
        inner.records.insert(
            id,
            Record {
                body: bytes.into(),
                modified,
            },
        );
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the endpoint to configure.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// How many vulnerabilities one query result holds before it is paged.
    pub fn set_page_size(&self, size: usize) {
        self.inner.lock().unwrap().page_size = size.max(1);
    }

    /// While down, every call answers `500 Internal Server Error`.
    pub fn set_down(&self, down: bool) {
        self.inner.lock().unwrap().down = down;
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> OsvCounters {
        self.inner.lock().unwrap().counters.clone()
    }

    /// Sets the counters back to zero.
    pub fn reset_counters(&self) {
        self.inner.lock().unwrap().counters = OsvCounters::default();
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16(), "message": message})),
    )
        .into_response()
}

async fn query_batch(State(inner): State<Shared>, body: axum::body::Bytes) -> Response {
    let mut inner = inner.lock().unwrap();
    if inner.down {
        inner.counters.failed += 1;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the OSV test server is down",
        );
    }
    inner.counters.batches += 1;
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let Some(queries) = request["queries"].as_array() else {
        return error(StatusCode::BAD_REQUEST, "`queries` is missing");
    };
    if queries.len() > OSV_BATCH_LIMIT {
        return error(StatusCode::BAD_REQUEST, "too many queries");
    }
    inner.counters.queries += queries.len() as u64;
    let mut results = Vec::with_capacity(queries.len());
    for query in queries {
        let package = &query["package"];
        let (Some(name), Some(ecosystem)) =
            (package["name"].as_str(), package["ecosystem"].as_str())
        else {
            return error(
                StatusCode::BAD_REQUEST,
                "a query needs a package name and ecosystem",
            );
        };
        let offset: usize = match query.get("page_token").and_then(Value::as_str) {
            Some(token) => match token.parse() {
                Ok(offset) => offset,
                Err(_) => return error(StatusCode::BAD_REQUEST, "invalid page token"),
            },
            None => 0,
        };
        let ids = inner
            .packages
            .get(&(ecosystem.to_owned(), name.to_owned()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let page: Vec<Value> = ids
            .iter()
            .skip(offset)
            .take(inner.page_size)
            .map(|id| json!({"id": id, "modified": inner.records[id].modified}))
            .collect();
        let mut result = serde_json::Map::new();
        let next = offset + page.len();
        if !page.is_empty() {
            result.insert("vulns".to_owned(), Value::Array(page));
        }
        if next < ids.len() {
            result.insert(
                "next_page_token".to_owned(),
                Value::String(next.to_string()),
            );
        }
        results.push(Value::Object(result));
    }
    Json(json!({ "results": results })).into_response()
}

async fn vulnerability(State(inner): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let mut inner = inner.lock().unwrap();
    if inner.down {
        inner.counters.failed += 1;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the OSV test server is down",
        );
    }
    *inner.counters.details.entry(id.clone()).or_default() += 1;
    match inner.records.get(&id) {
        Some(record) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            record.body.clone(),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "Bug not found."),
    }
}
