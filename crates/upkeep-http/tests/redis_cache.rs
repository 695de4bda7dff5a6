//! The shared cache against a real `redis-server` on loopback: answers shared between
//! clients (pods), revalidation, TTL overrides, and degradation to no cache with one
//! warning when Redis dies, is unreachable or is not Redis at all.

mod support;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use support::{Reply, TestServer, closed_port};
use upkeep_http::{
    CacheTtls, HostRules, HttpClient, HttpOptions, Request, RetryOptions, Source, Url,
};
use upkeep_testkit::RedisServer;

fn client(redis_url: &str, ttls: CacheTtls) -> HttpClient {
    let options = HttpOptions {
        retry: RetryOptions {
            max_retries: 1,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
            jitter: false,
        },
        connect_timeout: Duration::from_secs(5),
        use_env_proxy: false,
        redis_url: Some(Url::parse(redis_url).unwrap()),
        cache_ttls: ttls,
        ..HttpOptions::default()
    };
    HttpClient::new(options, HostRules::default()).unwrap()
}

fn etag_server() -> impl Fn(&support::Recorded, usize) -> Reply + Send + Sync + 'static {
    |request, _| {
        if request.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304).header("etag", "\"v1\"")
        } else {
            Reply::json(r#"{"versions": ["1.0.0"]}"#).header("etag", "\"v1\"")
        }
    }
}

/// Log lines written while a test runs, as the binary would print them.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .without_time()
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn warnings(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .filter(|line| line.contains("WARN"))
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_second_pod_is_served_from_redis_without_a_request() {
    let redis = RedisServer::start();
    let server = TestServer::start(etag_server()).await;
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::from_secs(3600));

    let first = client(&redis.url(), CacheTtls::default())
        .get_json::<Value>(request())
        .await
        .unwrap();
    assert_eq!(first.source, Source::Network);
    assert_eq!(redis.key_count(), 1);

    let other_pod = client(&redis.url(), CacheTtls::default());
    let second = other_pod.get_json::<Value>(request()).await.unwrap();
    assert_eq!(second.source, Source::Cache);
    assert_eq!(second.body, first.body);
    assert_eq!(server.hits("/pkg"), 1);
    assert_eq!(other_pod.stats().total().cache_hits, 1);
    assert!(other_pod.cache_is_working());
}

#[tokio::test]
async fn a_stale_redis_entry_is_revalidated_with_its_etag() {
    let redis = RedisServer::start();
    let server = TestServer::start(etag_server()).await;
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::ZERO);

    client(&redis.url(), CacheTtls::default())
        .get_bytes(request())
        .await
        .unwrap();
    let other_pod = client(&redis.url(), CacheTtls::default());
    let second = other_pod.get_json::<Value>(request()).await.unwrap();
    assert_eq!(second.source, Source::Revalidated);
    assert_eq!(second.body["versions"][0], "1.0.0");
    let requests = server.requests("/pkg");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
}

#[tokio::test]
async fn a_ttl_override_for_the_namespace_wins_over_the_datasource_ttl() {
    let redis = RedisServer::start();
    let server = TestServer::start(etag_server()).await;
    // The datasource asks for no freshness at all; the operator allows an hour.
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::ZERO);
    let ttls = CacheTtls::from_json_minutes(r#"{"test": 60}"#).unwrap();

    client(&redis.url(), ttls.clone())
        .get_bytes(request())
        .await
        .unwrap();
    let response = client(&redis.url(), ttls)
        .get_bytes(request())
        .await
        .unwrap();
    assert_eq!(response.source, Source::Cache);
    assert_eq!(server.hits("/pkg"), 1);
}

#[tokio::test]
async fn redis_killed_mid_run_warns_once_and_lookups_still_work() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let mut redis = RedisServer::start();
    let server = TestServer::start(etag_server()).await;
    let client = client(&redis.url(), CacheTtls::default());
    let request = |path: &str| {
        Request::new(server.url(path)).cache(format!("test:{path}"), Duration::from_secs(3600))
    };

    client.get_bytes(request("/a")).await.unwrap();
    assert!(client.cache_is_working());
    redis.kill();

    let paths = ["/b", "/c", "/d", "/e", "/f"];
    let responses = futures_join(
        paths
            .iter()
            .map(|path| client.get_json::<Value>(request(path))),
    )
    .await;
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.source, Source::Network);
        assert_eq!(response.body["versions"][0], "1.0.0");
    }
    // And again, sequentially, once the cache is known to be off.
    client.clear_memo();
    let again = client.get_bytes(request("/a")).await.unwrap();
    assert_eq!(again.source, Source::Network);

    assert!(!client.cache_is_working());
    let warnings = logs.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("HTTP cache failed"), "{}", warnings[0]);
    assert!(warnings[0].contains(&format!("127.0.0.1:{}", redis.port())));
}

#[tokio::test]
async fn unreachable_redis_means_no_cache_and_one_warning() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let server = TestServer::start(etag_server()).await;
    let port = closed_port().await;
    let client = client(
        &format!("redis://:hunter2@127.0.0.1:{port}/0"),
        CacheTtls::default(),
    );
    for path in ["/a", "/b", "/c"] {
        let response = client
            .get_bytes(
                Request::new(server.url(path))
                    .cache(format!("test:{path}"), Duration::from_secs(60)),
            )
            .await
            .unwrap();
        assert_eq!(response.source, Source::Network);
    }
    let warnings = logs.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("cannot connect"), "{}", warnings[0]);
    assert!(!warnings[0].contains("hunter2"), "{}", warnings[0]);
}

#[tokio::test]
async fn a_server_that_is_not_redis_means_no_cache_and_one_warning() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let garbage = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = garbage.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in garbage.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff garbage\r\n");
        }
    });
    let server = TestServer::start(etag_server()).await;
    let client = client(&format!("redis://127.0.0.1:{port}/0"), CacheTtls::default());
    for path in ["/a", "/b"] {
        let response = client
            .get_bytes(
                Request::new(server.url(path))
                    .cache(format!("test:{path}"), Duration::from_secs(60)),
            )
            .await
            .unwrap();
        assert_eq!(response.source, Source::Network);
    }
    assert!(!client.cache_is_working());
    assert_eq!(logs.warnings().len(), 1, "{:#?}", logs.warnings());
}

/// Runs the futures concurrently on this task and collects their outputs in order.
async fn futures_join<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|context| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(context) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}
