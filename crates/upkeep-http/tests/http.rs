//! The client against a real HTTP server on 127.0.0.1. Assertions are on counts and
//! error kinds, never on elapsed time; retry delays are shrunk through the options.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Reply, TestServer, closed_port};
use upkeep_http::{
    HostRule, HostRules, HttpClient, HttpError, HttpOptions, Request, RetryOptions, SecretString,
    Source, Url,
};

fn options() -> HttpOptions {
    HttpOptions {
        retry: RetryOptions {
            max_retries: 3,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
            jitter: false,
        },
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        use_env_proxy: false,
        ..HttpOptions::default()
    }
}

fn client() -> HttpClient {
    HttpClient::new(options(), HostRules::default()).unwrap()
}

fn token_for(match_host: &str, token: &str) -> HostRules {
    HostRules::new([HostRule {
        match_host: Some(match_host.to_owned()),
        token: Some(SecretString::from(token)),
        ..HostRule::default()
    }])
}

#[tokio::test]
async fn rate_limited_request_waits_for_retry_after_then_succeeds() {
    let server = TestServer::start(|_, earlier| match earlier {
        0 => Reply::status(429).header("retry-after", "1"),
        _ => Reply::json(r#"{"ok": true}"#),
    })
    .await;
    let client = client();
    let response = client
        .get_json::<Value>(Request::new(server.url("/pkg")))
        .await
        .unwrap();
    assert_eq!(response.body["ok"], true);
    assert_eq!(server.hits("/pkg"), 2);
    let stats = client.stats().total();
    assert_eq!((stats.requests, stats.retries, stats.errors), (2, 1, 0));
}

#[tokio::test]
async fn retry_after_beyond_the_cap_fails_at_once_as_rate_limited() {
    let server = TestServer::start(|_, _| Reply::status(429).header("retry-after", "3600")).await;
    let error = client()
        .get_bytes(Request::new(server.url("/pkg")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::RateLimited { attempts: 1, .. }),
        "{error:?}"
    );
    assert!(error.is_host_failure());
    assert_eq!(server.hits("/pkg"), 1);
}

#[tokio::test]
async fn server_errors_exhaust_the_retries_and_are_a_host_failure() {
    let server = TestServer::start(|_, _| Reply::status(500)).await;
    let error = client()
        .get_bytes(Request::new(server.url("/pkg")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            HttpError::ServerError {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_host_failure());
    assert_eq!(server.hits("/pkg"), 4);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let server = TestServer::start(|_, earlier| {
        if earlier == 0 {
            Reply::reset()
        } else {
            Reply::json("[]")
        }
    })
    .await;
    let response = client()
        .get_bytes(Request::new(server.url("/pkg")))
        .await
        .unwrap();
    assert_eq!(&response.body[..], b"[]");
    assert_eq!(server.hits("/pkg"), 2);
}

#[tokio::test]
async fn not_found_is_a_package_failure_and_not_retried() {
    let server = TestServer::start(|_, _| Reply::status(404)).await;
    let error = client()
        .get_bytes(Request::new(server.url("/missing")))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert!(!error.is_host_failure());
    assert_eq!(server.hits("/missing"), 1);
}

#[tokio::test]
async fn unauthorised_carries_the_challenge_and_whether_credentials_were_sent() {
    let server = TestServer::start(|_, _| {
        Reply::status(401).header(
            "www-authenticate",
            r#"Bearer realm="http://auth.test/token",service="registry""#,
        )
    })
    .await;
    let error = client()
        .get_bytes(Request::new(server.url("/v2/")))
        .await
        .unwrap_err();
    let HttpError::Auth {
        status: 401,
        sent_credentials: false,
        challenge: Some(challenge),
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(challenge.starts_with("Bearer realm="));
    assert!(error.is_host_failure());
}

#[tokio::test]
async fn a_slow_endpoint_hits_the_timeout_without_retrying() {
    let server = TestServer::start(|_, _| Reply::json("{}").delay(Duration::from_secs(30))).await;
    let client = HttpClient::new(
        HttpOptions {
            timeout: Duration::from_millis(200),
            ..options()
        },
        HostRules::default(),
    )
    .unwrap();
    let error = client
        .get_bytes(Request::new(server.url("/slow")))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Timeout { .. }), "{error:?}");
    assert!(error.is_host_failure());
    assert_eq!(server.hits("/slow"), 1);
}

#[tokio::test]
async fn garbage_json_is_an_invalid_body_naming_the_url() {
    let server = TestServer::start(|_, _| Reply::status(200).body(b"<html>not json</html>")).await;
    let url = server.url("/pkg");
    let error = client()
        .get_json::<Value>(Request::new(url.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::InvalidBody { .. }), "{error:?}");
    assert!(error.to_string().contains(&format!("`{url}`")), "{error}");
}

#[tokio::test]
async fn a_200_megabyte_stream_is_stopped_at_the_cap() {
    const TOTAL: u64 = 200 * 1024 * 1024;
    let server = TestServer::start(|request, _| {
        Reply::status(200).stream(TOTAL, request.path == "/chunked")
    })
    .await;
    let client = client();
    for path in ["/chunked", "/declared"] {
        let request = Request::new(server.url(path)).max_body_bytes(1024 * 1024);
        let error = client.get_bytes(request).await.unwrap_err();
        assert!(
            matches!(
                error,
                HttpError::BodyTooLarge {
                    limit: 1_048_576,
                    ..
                }
            ),
            "{path}: {error:?}"
        );
        assert!(error.is_host_failure());
        assert_eq!(
            server.hits(path),
            1,
            "{path}: an oversized body is not retried"
        );
    }
}

#[tokio::test]
async fn credentials_follow_same_origin_redirects_only() {
    let other = TestServer::start(|_, _| Reply::json("{}")).await;
    let target = other.url("/target");
    let server = TestServer::start(move |request, _| match request.path.as_str() {
        "/cross" => Reply::status(302).header("location", target.as_str()),
        "/same" => Reply::status(301).header("location", "/target"),
        _ => Reply::json("{}"),
    })
    .await;
    // The rule names the host without a port, so it would match both servers: only the
    // redirect logic keeps the token away from the other port.
    let client = HttpClient::new(options(), token_for("127.0.0.1", "s3cret")).unwrap();

    client
        .get_bytes(Request::new(server.url("/same")))
        .await
        .unwrap();
    assert_eq!(
        server.requests("/same")[0].header("authorization"),
        Some("Bearer s3cret")
    );
    assert_eq!(
        server.requests("/target")[0].header("authorization"),
        Some("Bearer s3cret")
    );

    client
        .get_bytes(Request::new(server.url("/cross")))
        .await
        .unwrap();
    assert_eq!(
        server.requests("/cross")[0].header("authorization"),
        Some("Bearer s3cret")
    );
    assert_eq!(other.requests("/target")[0].header("authorization"), None);

    // A header the caller set itself (a registry token) is treated the same way.
    let explicit = Request::new(server.url("/cross"))
        .authorization(&SecretString::from("Bearer registry-jwt"));
    client.clear_memo();
    client.get_bytes(explicit).await.unwrap();
    assert_eq!(
        server.requests("/cross")[1].header("authorization"),
        Some("Bearer registry-jwt")
    );
    assert_eq!(other.requests("/target")[1].header("authorization"), None);
}

#[tokio::test]
async fn fifty_concurrent_identical_calls_send_one_request() {
    let server = TestServer::start(|_, _| {
        Reply::json(r#"{"name": "react"}"#).delay(Duration::from_millis(50))
    })
    .await;
    let client = client();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let client = client.clone();
        let url = server.url("/react");
        calls.spawn(async move {
            client
                .get_json::<Value>(Request::new(url).host_type("npm"))
                .await
        });
    }
    while let Some(result) = calls.join_next().await {
        assert_eq!(result.unwrap().unwrap().body["name"], "react");
    }
    assert_eq!(server.hits("/react"), 1);
    let stats = client.stats().total();
    assert_eq!((stats.requests, stats.coalesced), (1, 49));
}

#[tokio::test]
async fn failures_are_shared_too_but_other_credentials_ask_again() {
    let server = TestServer::start(|_, _| Reply::status(404)).await;
    let rules = HostRules::new([HostRule {
        host_type: Some("npm".into()),
        token: Some(SecretString::from("t")),
        ..HostRule::default()
    }]);
    let client = HttpClient::new(options(), rules).unwrap();
    for _ in 0..3 {
        assert!(
            client
                .get_bytes(Request::new(server.url("/gone")))
                .await
                .unwrap_err()
                .is_not_found()
        );
    }
    assert_eq!(server.hits("/gone"), 1);
    // Same URL, but the npm rule now adds a token: a different call.
    assert!(
        client
            .get_bytes(Request::new(server.url("/gone")).host_type("npm"))
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(server.hits("/gone"), 2);
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

fn cached_client(directory: &std::path::Path) -> HttpClient {
    HttpClient::new(
        HttpOptions {
            cache_dir: Some(directory.to_owned()),
            ..options()
        },
        HostRules::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_stale_entry_is_revalidated_with_its_etag_by_another_client() {
    let server = TestServer::start(etag_server()).await;
    let directory = tempfile::tempdir().unwrap();
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::ZERO);

    let first = cached_client(directory.path())
        .get_json::<Value>(request())
        .await
        .unwrap();
    assert_eq!(first.source, Source::Network);

    let second_client = cached_client(directory.path());
    let second = second_client.get_json::<Value>(request()).await.unwrap();
    assert_eq!(second.source, Source::Revalidated);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), Some("\"v1\""));
    let requests = server.requests("/pkg");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    let stats = second_client.stats().total();
    assert_eq!(
        (stats.requests, stats.revalidations, stats.cache_hits),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn a_fresh_entry_is_served_without_a_request() {
    let server = TestServer::start(etag_server()).await;
    let directory = tempfile::tempdir().unwrap();
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::from_secs(3600));
    cached_client(directory.path())
        .get_bytes(request())
        .await
        .unwrap();
    let client = cached_client(directory.path());
    let response = client.get_bytes(request()).await.unwrap();
    assert_eq!(response.source, Source::Cache);
    assert_eq!(server.hits("/pkg"), 1);
    assert_eq!(client.stats().total().cache_hits, 1);
}

#[tokio::test]
async fn a_corrupted_entry_is_a_miss() {
    let server = TestServer::start(etag_server()).await;
    let directory = tempfile::tempdir().unwrap();
    let request = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::from_secs(3600));
    cached_client(directory.path())
        .get_bytes(request())
        .await
        .unwrap();
    for entry in std::fs::read_dir(directory.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"upkeep-http-cache 1\n{not json").unwrap();
    }
    let response = cached_client(directory.path())
        .get_json::<Value>(request())
        .await
        .unwrap();
    assert_eq!(response.source, Source::Network);
    assert_eq!(response.body["versions"][0], "1.0.0");
    assert_eq!(server.hits("/pkg"), 2);
}

#[tokio::test]
async fn a_refused_connection_fails_fast_once_and_marks_the_host_down() {
    let port = closed_port().await;
    let client = client();
    let url = |path: &str| Url::parse(&format!("http://127.0.0.1:{port}{path}")).unwrap();
    let host = format!("127.0.0.1:{port}");

    let error = client.get_bytes(Request::new(url("/a"))).await.unwrap_err();
    assert!(
        matches!(&error, HttpError::Unreachable { host: failed, .. } if *failed == host),
        "{error:?}"
    );
    assert!(error.is_host_failure());
    assert!(error.to_string().contains(&format!("`{host}`")), "{error}");
    assert!(error.to_string().contains("Connection refused"), "{error}");
    assert_eq!(
        client.stats().host(&host).requests,
        2,
        "a connect failure is retried once only"
    );

    for path in ["/b", "/c"] {
        let error = client.get_bytes(Request::new(url(path))).await.unwrap_err();
        assert!(matches!(error, HttpError::HostDown { .. }), "{error:?}");
    }
    assert_eq!(
        client.stats().host(&host).requests,
        2,
        "no new connection attempts"
    );
    let down = client.down_hosts();
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].host, host);
}

#[tokio::test]
async fn a_disabled_host_is_never_contacted() {
    let server = TestServer::start(|_, _| Reply::json("{}")).await;
    let rules = HostRules::new([HostRule {
        match_host: Some("127.0.0.1".into()),
        enabled: Some(false),
        ..HostRule::default()
    }]);
    let client = HttpClient::new(options(), rules).unwrap();
    let error = client
        .get_bytes(Request::new(server.url("/x")))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::HostDisabled { .. }), "{error:?}");
    assert_eq!(server.hits("/x"), 0);
}

#[tokio::test]
async fn head_returns_headers_and_sends_custom_accept_and_user_agent() {
    let server =
        TestServer::start(|_, _| Reply::status(200).header("docker-content-digest", "sha256:abc"))
            .await;
    let request = Request::new(server.url("/v2/library/alpine/manifests/3.20"))
        .accept("application/vnd.oci.image.index.v1+json")
        .accept("application/vnd.docker.distribution.manifest.list.v2+json");
    let response = client().head(request).await.unwrap();
    assert_eq!(response.header("docker-content-digest"), Some("sha256:abc"));
    assert!(response.body.is_empty());
    let seen = &server.requests("/v2/library/alpine/manifests/3.20")[0];
    assert_eq!(seen.method, "HEAD");
    assert!(
        seen.header("accept")
            .unwrap()
            .contains("application/vnd.oci.image.index.v1+json")
    );
    assert!(seen.header("user-agent").unwrap().starts_with("upkeep/"));
}

#[tokio::test]
async fn concurrent_calls_to_a_dead_host_report_it_unreachable_once() {
    let port = closed_port().await;
    let client = client();
    let mut calls = tokio::task::JoinSet::new();
    for index in 0..20 {
        let client = client.clone();
        let url = Url::parse(&format!("http://127.0.0.1:{port}/package-{index}")).unwrap();
        calls.spawn(async move { client.get_bytes(Request::new(url)).await });
    }
    let (mut unreachable, mut down) = (0, 0);
    while let Some(result) = calls.join_next().await {
        match result.unwrap().unwrap_err() {
            HttpError::Unreachable { .. } => unreachable += 1,
            HttpError::HostDown { .. } => down += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((unreachable, down), (1, 19));
    assert_eq!(client.down_hosts().len(), 1);
}

#[tokio::test]
async fn a_host_rule_limits_requests_in_flight_to_its_host() {
    let server = TestServer::start(|_, _| Reply::json("{}").delay(Duration::from_millis(50))).await;
    let rules = HostRules::new([HostRule {
        match_host: Some("127.0.0.1".into()),
        concurrent_request_limit: Some(2),
        ..HostRule::default()
    }]);
    let client = HttpClient::new(options(), rules).unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for index in 0..8 {
        let client = client.clone();
        let url = server.url(&format!("/package-{index}"));
        calls.spawn(async move { client.get_bytes(Request::new(url)).await });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(client.stats().total().requests, 8);
    assert!(
        server.peak_in_flight() <= 2,
        "peak {}",
        server.peak_in_flight()
    );
}

#[tokio::test]
async fn a_redirect_loop_is_an_error_naming_the_url() {
    let server = TestServer::start(|_, _| Reply::status(302).header("location", "/loop")).await;
    let url = server.url("/loop");
    let error = client()
        .get_bytes(Request::new(url.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Redirect { .. }), "{error:?}");
    assert!(error.to_string().contains(&format!("`{url}`")), "{error}");
    assert_eq!(server.hits("/loop"), 11);
}

#[tokio::test]
async fn a_changed_resource_replaces_the_stale_entry() {
    let server = TestServer::start(|_, earlier| {
        Reply::json(&format!(r#"{{"revision": {earlier}}}"#))
            .header("etag", &format!("\"r{earlier}\""))
    })
    .await;
    let directory = tempfile::tempdir().unwrap();
    let stale = || Request::new(server.url("/pkg")).cache("test:pkg", Duration::ZERO);
    cached_client(directory.path())
        .get_bytes(stale())
        .await
        .unwrap();
    let changed = cached_client(directory.path())
        .get_json::<Value>(stale())
        .await
        .unwrap();
    assert_eq!(
        (changed.source, changed.body["revision"].as_i64()),
        (Source::Network, Some(1))
    );
    assert_eq!(
        server.requests("/pkg")[1].header("if-none-match"),
        Some("\"r0\"")
    );
    let fresh = Request::new(server.url("/pkg")).cache("test:pkg", Duration::from_secs(3600));
    let cached = cached_client(directory.path())
        .get_json::<Value>(fresh)
        .await
        .unwrap();
    assert_eq!(
        (cached.source, cached.body["revision"].as_i64()),
        (Source::Cache, Some(1))
    );
}

#[tokio::test]
async fn a_post_sends_its_json_body_and_is_not_memoised_without_a_key() {
    let server = TestServer::start(|request, _| {
        let question: Value = serde_json::from_slice(&request.body).unwrap();
        Reply::json(&format!(r#"{{"echo": {question}}}"#))
    })
    .await;
    let client = client();
    let post = || {
        Request::new(server.url("/v1/querybatch"))
            .json_body(&serde_json::json!({"queries": [{"package": {"name": "a"}}]}))
            .unwrap()
    };
    for _ in 0..2 {
        let response = client.post_json::<Value>(post()).await.unwrap();
        assert_eq!(response.body["echo"]["queries"][0]["package"]["name"], "a");
    }
    let requests = server.requests("/v1/querybatch");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].header("accept"), Some("application/json"));
}

#[tokio::test]
async fn a_post_with_a_cache_key_is_shared_in_the_run_and_stored_on_disk() {
    let server =
        TestServer::start(|_, earlier| Reply::json(&format!(r#"{{"n": {earlier}}}"#))).await;
    let directory = tempfile::tempdir().unwrap();
    let post = |key: &str| {
        Request::new(server.url("/q"))
            .json_body(&serde_json::json!({"question": key}))
            .unwrap()
            .cache(format!("q:{key}"), Duration::from_secs(600))
    };
    let client = cached_client(directory.path());
    let first = client.post_json::<Value>(post("a")).await.unwrap();
    let again = client.post_json::<Value>(post("a")).await.unwrap();
    let other = client.post_json::<Value>(post("b")).await.unwrap();
    assert_eq!(
        (first.body["n"].as_u64(), again.body["n"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(other.body["n"], 1);
    assert_eq!(server.hits("/q"), 2);
    let next_run = cached_client(directory.path());
    let cached = next_run.post_json::<Value>(post("a")).await.unwrap();
    assert_eq!(
        (cached.body["n"].as_u64(), cached.source),
        (Some(0), Source::Cache)
    );
    assert_eq!(server.hits("/q"), 2);
}
