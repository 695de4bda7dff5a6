//! An in-process registry for protocol tests: an axum server on 127.0.0.1 serving fixed
//! bodies by path, recording every request (raw path and headers) so tests can assert
//! on what went over the wire and how many requests were made.
//!
//! Datasources take their registry as a base URL, so the same tests can later point at
//! a real registry (verdaccio, a sparse index on disk) from `upkeep-testkit`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use upkeep_http::{HostRules, HttpClient, HttpOptions, RetryOptions};

use crate::{LookupContext, RegistryConfig};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Path and query exactly as sent (percent-encoding kept).
    pub path: String,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Shared {
    routes: BTreeMap<String, (u16, String)>,
    seen: Mutex<Vec<Seen>>,
    delay: Duration,
}

/// A running server; stops when the test's runtime ends.
pub(crate) struct TestServer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    shared: Arc<Shared>,
}

impl TestServer {
    /// Serves `routes` (path → status, body); anything else is a 404.
    pub async fn start(routes: &[(&str, u16, &str)]) -> Self {
        Self::start_with_delay(routes, Duration::ZERO).await
    }

    /// Like [`TestServer::start`], answering each request after `delay`.
    pub async fn start_with_delay(routes: &[(&str, u16, &str)], delay: Duration) -> Self {
        let shared = Arc::new(Shared {
            routes: routes
                .iter()
                .map(|(path, status, body)| ((*path).to_owned(), (*status, (*body).to_owned())))
                .collect(),
            seen: Mutex::default(),
            delay,
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{address}"),
            shared,
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.seen().into_iter().map(|seen| seen.path).collect()
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    shared.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        headers: request.headers().clone(),
    });
    if !shared.delay.is_zero() {
        tokio::time::sleep(shared.delay).await;
    }
    let (status, body) = shared
        .routes
        .get(&path)
        .cloned()
        .unwrap_or((404, "{\"error\":\"Not found\"}".to_owned()));
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// A lookup context whose client never retries slowly and ignores proxy variables.
pub(crate) fn context(registries: RegistryConfig) -> LookupContext {
    let options = HttpOptions {
        use_env_proxy: false,
        retry: RetryOptions {
            max_retries: 0,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            max_retry_after: Duration::from_millis(1),
            jitter: false,
        },
        ..HttpOptions::default()
    };
    LookupContext {
        http: Arc::new(HttpClient::new(options, HostRules::default()).unwrap()),
        registries,
    }
}
