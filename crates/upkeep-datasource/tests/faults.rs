//! Registries misbehaving, seen through the datasources: rate limits with
//! `Retry-After`, 5xx, timeouts, garbage bodies, a 200 MB packument, a redirect to
//! another host (credentials must not follow), and a registry that is not there.
//!
//! The registries are small in-process mocks on loopback (axum, or a raw TCP socket
//! where the fault lives below HTTP). Nothing here asserts on wall-clock time: delays
//! are shrunk through [`RetryOptions`], and what happened is read from the mocks'
//! request logs and the HTTP client's counters.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use upkeep_datasource::{
    Crate, DatasourceApi, DatasourceError, LookupContext, Npm, RegistryConfig, ReleaseQuery,
    TerraformProvider, apply_npmrc,
};
use upkeep_http::{
    HostRule, HostRules, HttpClient, HttpError, HttpOptions, RetryOptions, SecretString,
};

const PACKUMENT: &str = r#"{"name":"left-pad","dist-tags":{"latest":"1.1.0"},
"versions":{"1.0.0":{"version":"1.0.0"},"1.1.0":{"version":"1.1.0"}},
"time":{"1.0.0":"2016-01-01T00:00:00.000Z","1.1.0":"2017-01-01T00:00:00.000Z"}}"#;

/// What a mock answers: given the path and how many times it was asked (1 for the first).
type Handler = dyn Fn(&str, u64) -> Response + Send + Sync;

struct MockState {
    handler: Box<Handler>,
    /// (path, `Authorization` header) of every request.
    seen: Mutex<Vec<(String, Option<String>)>>,
    counts: Mutex<HashMap<String, u64>>,
}

/// An axum registry on 127.0.0.1 answering through a closure.
struct Mock {
    addr: SocketAddr,
    state: Arc<MockState>,
}

impl Mock {
    async fn start(handler: impl Fn(&str, u64) -> Response + Send + Sync + 'static) -> Mock {
        let state = Arc::new(MockState {
            handler: Box::new(handler),
            seen: Mutex::default(),
            counts: Mutex::default(),
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Mock { addr, state }
    }

    /// `http://127.0.0.1:PORT/`.
    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// `127.0.0.1:PORT`, the client's host key.
    fn host(&self) -> String {
        self.addr.to_string()
    }

    fn seen(&self) -> Vec<(String, Option<String>)> {
        self.state.seen.lock().unwrap().clone()
    }
}

async fn serve(State(state): State<Arc<MockState>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned());
    state
        .seen
        .lock()
        .unwrap()
        .push((path.clone(), authorization));
    let count = {
        let mut counts = state.counts.lock().unwrap();
        let count = counts.entry(path.clone()).or_default();
        *count += 1;
        *count
    };
    (state.handler)(&path, count)
}

fn respond(status: u16, body: &str) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// Retries that cost nothing: `max_retries` retries 1 ms apart.
fn quick_retries(max_retries: usize) -> RetryOptions {
    RetryOptions {
        max_retries,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
        max_retry_after: Duration::from_secs(60),
        jitter: false,
    }
}

fn options(retry: RetryOptions) -> HttpOptions {
    HttpOptions {
        use_env_proxy: false,
        retry,
        ..HttpOptions::default()
    }
}

fn context_with(options: HttpOptions, rules: HostRules, npmrc: &str) -> LookupContext {
    let mut registries = RegistryConfig::default();
    let problems = apply_npmrc(&mut registries, npmrc, &|_| None);
    assert!(problems.is_empty(), "{problems:?}");
    LookupContext {
        http: Arc::new(HttpClient::new(options, rules).unwrap()),
        registries,
    }
}

/// A context whose `.npmrc` points at `registry`.
fn context(options: HttpOptions, registry: &str) -> LookupContext {
    context_with(
        options,
        HostRules::default(),
        &format!("registry={registry}\n"),
    )
}

fn npm(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        ..ReleaseQuery::default()
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_asked_delay() {
    let mock = Mock::start(|_, count| match count {
        1 => Response::builder()
            .status(429)
            .header("retry-after", "1")
            .body(Body::empty())
            .unwrap(),
        _ => respond(200, PACKUMENT),
    })
    .await;
    // The backoff alone would wait an hour: only honouring `Retry-After: 1` lets the
    // retry happen during this test.
    let retry = RetryOptions {
        min_delay: Duration::from_secs(3600),
        max_delay: Duration::from_secs(3600),
        ..quick_retries(3)
    };
    let context = context(options(retry), &mock.url());
    let query = npm("left-pad");
    let lookup = Npm.get_releases(&context, &query);
    let result = tokio::time::timeout(Duration::from_secs(600), lookup)
        .await
        .expect("the retry waited for the backoff, not for Retry-After")
        .unwrap();
    assert_eq!(result.releases.len(), 2);
    assert_eq!(mock.seen().len(), 2);
    let stats = context.http.stats().host(&mock.host());
    assert_eq!(
        (stats.requests, stats.retries, stats.errors),
        (2, 1, 0),
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_at_once_as_rate_limited() {
    let mock = Mock::start(|_, _| {
        Response::builder()
            .status(429)
            .header("retry-after", "3600")
            .body(Body::empty())
            .unwrap()
    })
    .await;
    let context = context(options(quick_retries(3)), &mock.url());
    let error = Npm
        .get_releases(&context, &npm("left-pad"))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    assert!(
        matches!(
            &error,
            DatasourceError::Http(HttpError::RateLimited { attempts: 1, retry_after: Some(after), .. })
                if *after == Duration::from_secs(3600)
        ),
        "{error:?}"
    );
    assert_eq!(mock.seen().len(), 1, "no retry when the wait is too long");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_the_hosts_failure() {
    let mock = Mock::start(|path, count| match (path, count) {
        ("/flaky", 1) => respond(503, ""),
        ("/flaky", _) => respond(200, PACKUMENT),
        _ => respond(500, "{\"error\":\"internal\"}"),
    })
    .await;
    let context = context(options(quick_retries(2)), &mock.url());

    let error = Npm
        .get_releases(&context, &npm("left-pad"))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    assert!(
        matches!(
            &error,
            DatasourceError::Http(HttpError::ServerError {
                status: 500,
                attempts: 3,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains(&mock.url()), "{error}");
    assert_eq!(mock.seen().len(), 3);

    // One 503, then an answer: the retry hides it.
    let flaky = Npm.get_releases(&context, &npm("flaky")).await.unwrap();
    assert_eq!(flaky.releases.len(), 2);
    let stats = context.http.stats().host(&mock.host());
    assert_eq!(
        (stats.requests, stats.retries, stats.errors),
        (5, 3, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn garbage_is_an_invalid_response_naming_the_package_and_the_url() {
    let mock = Mock::start(|path, _| match path {
        "/left-pad" => respond(200, "<html><body>502 Bad Gateway</body></html>"),
        "/truncated" => respond(200, "{\"versions\":{\"1.0.0\":{\"vers"),
        "/index/config.json" => respond(200, "{\"dl\":\"http://127.0.0.1/dl\"}"),
        "/index/se/rd/serde" => respond(200, "<html>\n<body>oops</body>\n</html>\n"),
        "/.well-known/terraform.json" => respond(200, "{\"providers.v1\":\"/v1/providers/\"}"),
        "/v1/providers/hashicorp/aws/versions" => respond(200, "[1, 2, 3]"),
        _ => respond(404, ""),
    })
    .await;
    let context = context(options(quick_retries(0)), &mock.url());
    let base = mock.url();

    let cases = [
        (
            Npm.get_releases(&context, &npm("left-pad")).await,
            "left-pad",
            format!("{base}left-pad"),
        ),
        (
            Npm.get_releases(&context, &npm("truncated")).await,
            "truncated",
            format!("{base}truncated"),
        ),
        (
            Crate
                .get_releases(
                    &context,
                    &ReleaseQuery {
                        package_name: "serde".to_owned(),
                        registry_urls: vec![format!("sparse+{base}index/")],
                        ..ReleaseQuery::default()
                    },
                )
                .await,
            "serde",
            format!("{base}index/se/rd/serde"),
        ),
        (
            TerraformProvider
                .get_releases(
                    &context,
                    &ReleaseQuery {
                        package_name: "hashicorp/aws".to_owned(),
                        registry_urls: vec![base.clone()],
                        ..ReleaseQuery::default()
                    },
                )
                .await,
            "hashicorp/aws",
            format!("{base}v1/providers/hashicorp/aws/versions"),
        ),
    ];
    for (result, expected_package, expected_url) in cases {
        let error = result.unwrap_err();
        match &error {
            DatasourceError::InvalidResponse { package, url, .. } => {
                assert_eq!(package, expected_package);
                assert_eq!(url, &expected_url);
            }
            other => panic!("{expected_package}: {other:?}"),
        }
        let message = error.to_string();
        assert!(
            message.contains(expected_package) && message.contains(&expected_url),
            "{message}"
        );
    }
}

/// A raw HTTP server that answers every connection with a 200 whose body is
/// `total` bytes of JSON-ish filler, sent in 64 KiB chunks until the client hangs up.
/// Returns its address and the number of body bytes it managed to write.
async fn huge_body_server(total: u64, declare_length: bool) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let length = if declare_length {
                    format!("content-length: {total}\r\n")
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut chunk = vec![b' '; 64 * 1024];
                chunk[..14].copy_from_slice(b"{\"versions\":{ ");
                let mut sent = 0u64;
                while sent < total {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                    counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    chunk[..14].fill(b' ');
                }
            });
        }
    });
    (addr, written)
}

#[tokio::test]
async fn a_200_mb_packument_is_cut_off_at_the_size_cap() {
    const TOTAL: u64 = 200 * 1024 * 1024;
    const CAP: u64 = 1024 * 1024;
    for declare_length in [false, true] {
        let (addr, written) = huge_body_server(TOTAL, declare_length).await;
        let context = context(
            HttpOptions {
                max_body_bytes: CAP,
                ..options(quick_retries(2))
            },
            &format!("http://{addr}/"),
        );
        let error = Npm
            .get_releases(&context, &npm("left-pad"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                DatasourceError::Http(HttpError::BodyTooLarge { limit: CAP, .. })
            ),
            "{error:?}"
        );
        assert!(error.is_host_failure());
        assert!(error.to_string().contains("left-pad"), "{error}");
        // Not retried, and the server was stopped long before 200 MB: what it wrote
        // is the cap plus what loopback socket buffers hold.
        let stats = context.http.stats().host(&addr.to_string());
        assert_eq!(stats.requests, 1, "{stats:?}");
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 64 * 1024 * 1024,
            "declared length {declare_length}: the server wrote {sent} bytes"
        );
    }
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_token() {
    let target = Mock::start(|path, _| match path {
        "/left-pad" | "/react" => respond(200, PACKUMENT),
        _ => respond(404, ""),
    })
    .await;
    let location = target.url();
    let registry = Mock::start(move |path, _| {
        Response::builder()
            .status(302)
            .header(
                "location",
                format!("{location}{}", path.trim_start_matches('/')),
            )
            .body(Body::empty())
            .unwrap()
    })
    .await;

    // The token comes from `.npmrc`, keyed by the registry's `//host:port/`.
    let npmrc = format!(
        "registry={}\n//{}/:_authToken=npm-secret\n",
        registry.url(),
        registry.host()
    );
    let context = context_with(options(quick_retries(0)), HostRules::default(), &npmrc);
    let result = Npm.get_releases(&context, &npm("left-pad")).await.unwrap();
    assert_eq!(result.releases.len(), 2);
    assert_eq!(
        registry.seen(),
        [("/left-pad".to_owned(), Some("Bearer npm-secret".to_owned()))]
    );
    assert_eq!(target.seen(), [("/left-pad".to_owned(), None)]);

    // The same for a hostRules credential.
    let rules = HostRules::new([HostRule {
        match_host: Some(registry.host()),
        host_type: Some("npm".to_owned()),
        token: Some(SecretString::from("rule-secret")),
        ..HostRule::default()
    }]);
    let context = context_with(
        options(quick_retries(0)),
        rules,
        &format!("registry={}\n", registry.url()),
    );
    Npm.get_releases(&context, &npm("react")).await.unwrap();
    assert_eq!(
        registry.seen().last().unwrap(),
        &("/react".to_owned(), Some("Bearer rule-secret".to_owned()))
    );
    assert_eq!(target.seen().last().unwrap(), &("/react".to_owned(), None));
}

#[tokio::test]
async fn an_unreachable_registry_fails_once_then_fast_without_new_connections() {
    // A port nothing listens on any more.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let host = closed.to_string();
    let base = format!("http://{closed}/");
    let context = context(options(quick_retries(3)), &base);

    let first = Npm
        .get_releases(&context, &npm("left-pad"))
        .await
        .unwrap_err();
    assert!(first.is_host_failure(), "{first:?}");
    assert!(
        matches!(&first, DatasourceError::Http(HttpError::Unreachable { host: down, .. }) if *down == host),
        "{first:?}"
    );
    // One connection attempt and the one connect retry.
    let attempts = context.http.stats().host(&host).requests;
    assert_eq!(attempts, 2);

    // Every later lookup on that host, whatever the package or datasource, fails at
    // once without touching the network.
    let mut later = Vec::new();
    for name in ["react", "@acme/widget", "left-pad"] {
        later.push(Npm.get_releases(&context, &npm(name)).await);
    }
    later.push(
        Crate
            .get_releases(
                &context,
                &ReleaseQuery {
                    package_name: "serde".to_owned(),
                    registry_urls: vec![format!("sparse+{base}index/")],
                    ..ReleaseQuery::default()
                },
            )
            .await,
    );
    later.push(
        TerraformProvider
            .get_releases(
                &context,
                &ReleaseQuery {
                    package_name: "hashicorp/aws".to_owned(),
                    registry_urls: vec![base.clone()],
                    ..ReleaseQuery::default()
                },
            )
            .await,
    );
    for result in later {
        let error = result.unwrap_err();
        assert!(error.is_host_failure(), "{error:?}");
        assert!(
            matches!(
                &error,
                DatasourceError::Http(HttpError::Unreachable { .. } | HttpError::HostDown { .. })
            ),
            "{error:?}"
        );
    }
    let stats = context.http.stats().host(&host);
    assert_eq!(stats.requests, attempts, "no new connection: {stats:?}");
    let down = context.http.down_hosts();
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].host, host);
}

#[tokio::test]
async fn a_registry_that_never_answers_times_out_as_the_hosts_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    let context = context(
        HttpOptions {
            timeout: Duration::from_millis(300),
            ..options(quick_retries(2))
        },
        &format!("http://{addr}/"),
    );
    let error = Npm
        .get_releases(&context, &npm("left-pad"))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    assert!(
        matches!(
            &error,
            DatasourceError::Http(HttpError::Timeout { timeout, .. }) if *timeout == Duration::from_millis(300)
        ),
        "{error:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
