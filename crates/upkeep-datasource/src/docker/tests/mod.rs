//! Protocol tests: the datasource against an in-process registry on 127.0.0.1
//! ([`server`]), checking paths, headers and request counts. Real-registry tests
//! (docker-registry from the testkit) need only another base URL: a loopback image
//! name (`127.0.0.1:PORT/repo`) or [`DockerDatasource::with_docker_hub`].

mod server;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use upkeep_http::{HostRule, HostRules, HttpClient, HttpOptions, RetryOptions, SecretString};
use url::Url;

use self::server::{Auth, Config, Repo, Server};
use super::DockerDatasource;
use super::parse::{DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, sha256_digest};
use crate::{DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery};

fn context(rules: HostRules) -> LookupContext {
    let options = HttpOptions {
        retry: RetryOptions {
            max_retries: 1,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retry_after: Duration::from_secs(1),
            jitter: false,
        },
        timeout: Duration::from_secs(10),
        use_env_proxy: false,
        ..HttpOptions::default()
    };
    LookupContext {
        http: Arc::new(HttpClient::new(options, rules).unwrap()),
        registries: RegistryConfig::default(),
    }
}

fn anonymous() -> LookupContext {
    context(HostRules::default())
}

fn basic_rule(match_host: &str, username: &str, password: &str) -> HostRules {
    HostRules::new([HostRule {
        match_host: Some(match_host.to_owned()),
        username: Some(username.to_owned()),
        password: Some(SecretString::from(password)),
        ..HostRule::default()
    }])
}

fn query(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        ..ReleaseQuery::default()
    }
}

fn versions(result: &crate::ReleaseResult) -> Vec<&str> {
    result.releases.iter().map(|r| r.version.as_str()).collect()
}

/// A single-platform image: manifest → config with `created`; returns the manifest digest.
fn add_image(repo: &mut Repo, tag: Option<&str>, created: &str) -> String {
    let config = repo.add_blob(&format!(
        r#"{{"architecture":"amd64","os":"linux","created":"{created}","config":{{"Labels":{{"org.opencontainers.image.source":"https://github.com/example/app"}}}}}}"#
    ));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":1}},"layers":[]}}"#
    );
    repo.add_manifest(tag, OCI_MANIFEST, &manifest)
}

/// A multi-arch tag: an index over arm64 (listed first) and amd64 images.
fn add_multi_arch(repo: &mut Repo, tag: &str, amd64_created: &str) -> String {
    let arm64 = add_image(repo, None, "2020-02-02T02:02:02Z");
    let amd64 = add_image(repo, None, amd64_created);
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[
          {{"mediaType":"{OCI_MANIFEST}","digest":"{arm64}","size":1,"platform":{{"architecture":"arm64","os":"linux"}}}},
          {{"mediaType":"{OCI_MANIFEST}","digest":"{amd64}","size":1,"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#
    );
    repo.add_manifest(Some(tag), OCI_INDEX, &index)
}

fn registry(auth: Auth, name: &str, tags: &[&str]) -> Config {
    let mut repo = Repo::default();
    for (day, tag) in tags.iter().enumerate() {
        add_image(
            &mut repo,
            Some(tag),
            &format!("2024-01-{:02}T00:00:00Z", day + 1),
        );
    }
    let mut config = Config {
        auth,
        ..Config::default()
    };
    config.repos.insert(name.to_owned(), repo);
    config
}

#[tokio::test]
async fn anonymous_tags_become_releases() {
    let server = Server::start(registry(
        Auth::Anonymous,
        "team/app",
        &["1.0", "1.1", "latest"],
    ))
    .await;
    let name = format!("{}/team/app", server.host());
    let result = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1.0", "1.1", "latest"]);
    assert_eq!(result.registry_url.as_deref(), Some(server.base.as_str()));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v2/team/app/tags/list");
    assert_eq!(requests[0].query, "n=1000");
}

#[tokio::test]
async fn registry_urls_send_names_without_a_registry_to_a_mirror() {
    let server = Server::start(registry(Auth::Token(None), "team/app", &["1.0"])).await;
    let mut query = query("team/app");
    query.registry_urls = vec![server.base.clone(), "https://unused.example.com".to_owned()];
    let result = DockerDatasource::new()
        .get_releases(&anonymous(), &query)
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1.0"]);
    assert_eq!(result.registry_url.as_deref(), Some(server.base.as_str()));
}

#[tokio::test]
async fn official_images_are_asked_under_library_on_docker_hub() {
    let server = Server::start(registry(Auth::Anonymous, "library/node", &["20"])).await;
    let datasource = DockerDatasource::with_docker_hub(Url::parse(&server.base).unwrap());
    for name in ["node", "docker.io/node", "index.docker.io/library/node"] {
        let result = datasource
            .get_releases(&anonymous(), &query(name))
            .await
            .unwrap();
        assert_eq!(versions(&result), ["20"], "{name}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path == "/v2/library/node/tags/list")
    );
}

#[tokio::test]
async fn basic_credentials_come_from_host_rules() {
    let server = Server::start(registry(
        Auth::Basic("bot".into(), "s3cret".into()),
        "team/app",
        &["1.0"],
    ))
    .await;
    let name = format!("{}/team/app", server.host());
    let rules = basic_rule("127.0.0.1", "bot", "s3cret");
    let result = DockerDatasource::new()
        .get_releases(&context(rules), &query(&name))
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1.0"]);

    let error = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("add a hostRule") && message.contains("UNAUTHORIZED"),
        "{message}"
    );
    assert!(message.contains("/v2/team/app/tags/list"), "{message}");
}

#[tokio::test]
async fn the_token_flow_asks_for_a_pull_scope_and_reuses_the_token() {
    let server = Server::start(registry(Auth::Token(None), "team/app", &["1.0", "2.0"])).await;
    let name = format!("{}/team/app", server.host());
    let datasource = DockerDatasource::new();
    let context = anonymous();
    let result = datasource
        .get_releases(&context, &query(&name))
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1.0", "2.0"]);
    let tokens: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .collect();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        tokens[0].query,
        "service=test-registry&scope=repository%3Ateam%2Fapp%3Apull"
    );
    assert_eq!(tokens[0].header("authorization"), None);

    // Later requests for the repository go straight out with the cached token.
    let before = server.requests().len();
    datasource
        .get_digest(&context, &query(&name), Some("2.0"))
        .await
        .unwrap();
    let after = server.requests();
    assert_eq!(after.len(), before + 1);
    assert_eq!(
        after[before].header("authorization"),
        Some("Bearer token-for-team/app")
    );
}

#[tokio::test]
async fn the_token_endpoint_gets_the_realm_hosts_credentials() {
    let auth = Auth::Token(Some(("bot".into(), "s3cret".into())));
    let server = Server::start(registry(auth, "team/app", &["1.0"])).await;
    let name = format!("{}/team/app", server.host());
    let rules = basic_rule("127.0.0.1", "bot", "s3cret");
    let result = DockerDatasource::new()
        .get_releases(&context(rules), &query(&name))
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1.0"]);
    let token = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(
        token.header("authorization"),
        Some(server::basic("bot", "s3cret").as_str())
    );

    let error = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error}");
}

#[tokio::test]
async fn a_refused_token_is_a_host_failure_naming_the_registry_error() {
    let mut config = registry(Auth::Token(None), "team/secret", &["1.0"]);
    config.denied.insert("team/secret".to_owned());
    let server = Server::start(config).await;
    let name = format!("{}/team/secret", server.host());
    let error = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("DENIED: requested access to the resource is denied"),
        "{message}"
    );
    assert!(
        message.contains("the credentials were refused"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_repository_is_the_packages_failure() {
    let server = Server::start(registry(Auth::Token(None), "team/app", &["1.0"])).await;
    let name = format!("{}/team/nope", server.host());
    let error = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );
    assert!(!error.is_host_failure());
    let message = error.to_string();
    assert!(
        message.contains(&name) && message.contains("/v2/team/nope/tags/list"),
        "{message}"
    );
}

#[tokio::test]
async fn tags_are_paged_through_link_headers() {
    let mut config = registry(Auth::Token(None), "team/app", &["1", "2", "3", "4", "5"]);
    config.page_size = Some(2);
    let server = Server::start(config).await;
    let name = format!("{}/team/app", server.host());
    let result = DockerDatasource::new()
        .get_releases(&anonymous(), &query(&name))
        .await
        .unwrap();
    assert_eq!(versions(&result), ["1", "2", "3", "4", "5"]);
    let pages: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v2/team/app/tags/list" && r.header("authorization").is_some())
        .map(|r| r.query)
        .collect();
    assert_eq!(pages, ["n=1000", "n=2&last=2", "n=2&last=4"]);
}

#[tokio::test]
async fn digests_come_from_a_head_accepting_every_manifest_type() {
    let mut config = registry(Auth::Anonymous, "team/app", &[]);
    let repo = config.repos.get_mut("team/app").unwrap();
    let index = add_multi_arch(repo, "1.0", "2024-03-03T03:03:03Z");
    let server = Server::start(config).await;
    let name = format!("{}/team/app", server.host());
    let context = anonymous();
    let digest = DockerDatasource::new()
        .get_digest(&context, &query(&name), Some("1.0"))
        .await
        .unwrap();
    assert_eq!(digest, Some(index));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, Method::HEAD);
    let accepted: Vec<&str> = requests[0]
        .headers
        .get_all("accept")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    for media_type in [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST] {
        assert!(accepted.contains(&media_type), "{accepted:?}");
    }

    // Like distribution 2.8, the server hides an index from a client that does not
    // accept it.
    let url = Url::parse(&format!("{}/v2/team/app/manifests/1.0", server.base)).unwrap();
    let error = context
        .http
        .head(upkeep_http::Request::new(url))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn without_a_digest_header_the_manifest_body_is_hashed() {
    let mut config = registry(Auth::Anonymous, "team/app", &["1.0"]);
    config.no_digest_header = true;
    let body = config.repos["team/app"].manifests["1.0"].1.clone();
    let server = Server::start(config).await;
    let mut query = query(&format!("{}/team/app", server.host()));
    query.current_value = Some("1.0".to_owned());
    let digest = DockerDatasource::new()
        .get_digest(&anonymous(), &query, None)
        .await
        .unwrap();
    assert_eq!(digest, Some(sha256_digest(&body)));
    assert_eq!(server.count(Method::HEAD, "/manifests/1.0"), 1);
    assert_eq!(server.count(Method::GET, "/manifests/1.0"), 1);
}

#[tokio::test]
async fn a_missing_tag_has_no_digest_and_fails_as_the_package() {
    let server = Server::start(registry(Auth::Anonymous, "team/app", &["1.0"])).await;
    let name = format!("{}/team/app", server.host());
    let error = DockerDatasource::new()
        .get_digest(&anonymous(), &query(&name), Some("9.9"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );
    let error = DockerDatasource::new()
        .get_digest(&anonymous(), &query(&name), Some("../x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::Unsupported { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn release_time_is_the_amd64_configs_created() {
    let mut config = registry(Auth::Token(None), "team/app", &[]);
    let repo = config.repos.get_mut("team/app").unwrap();
    add_multi_arch(repo, "1.0", "2024-03-03T03:03:03Z");
    let server = Server::start(config).await;
    let name = format!("{}/team/app", server.host());
    let datasource = DockerDatasource::new();
    let context = anonymous();
    let created = datasource
        .get_release_timestamp(&context, &query(&name), "1.0")
        .await
        .unwrap();
    assert_eq!(created.as_deref(), Some("2024-03-03T03:03:03Z"));
    let metadata = datasource
        .image_metadata(&context, &query(&name), "1.0")
        .await
        .unwrap();
    assert_eq!(
        metadata.source_url.as_deref(),
        Some("https://github.com/example/app")
    );
    // index, amd64 manifest, its config: arm64 is never fetched.
    let fetched: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| r.path)
        .collect();
    assert_eq!(fetched.len(), 3, "{fetched:?}");
    assert_eq!(fetched[0], "/v2/team/app/manifests/1.0");
}

#[tokio::test]
async fn a_blob_redirect_to_another_port_gets_no_credentials() {
    let storage = Server::start(registry(Auth::Anonymous, "team/app", &["1.0"])).await;
    let mut config = registry(Auth::Token(None), "team/app", &["1.0"]);
    config.blob_redirect = Some(storage.base.clone());
    let server = Server::start(config).await;
    let name = format!("{}/team/app", server.host());
    let created = DockerDatasource::new()
        .get_release_timestamp(&anonymous(), &query(&name), "1.0")
        .await
        .unwrap();
    assert_eq!(created.as_deref(), Some("2024-01-01T00:00:00Z"));
    let blobs = storage.requests();
    assert_eq!(blobs.len(), 1);
    assert!(blobs[0].path.starts_with("/blobs/sha256:"));
    assert_eq!(blobs[0].header("authorization"), None);
}

#[tokio::test]
async fn one_tags_request_per_package_and_configs_only_for_asked_versions() {
    let server = Server::start(registry(
        Auth::Token(None),
        "team/app",
        &["1", "2", "3", "4"],
    ))
    .await;
    let name = format!("{}/team/app", server.host());
    let datasource = DockerDatasource::new();
    let context = anonymous();
    let query = query(&name);
    let lookups = (0..20).map(|_| datasource.get_releases(&context, &query));
    for result in futures_join_all(lookups).await {
        assert_eq!(result.unwrap().releases.len(), 4);
    }
    let with_token = |path: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.path == path && r.header("authorization").is_some())
            .count()
    };
    assert_eq!(with_token("/v2/team/app/tags/list"), 1);
    assert_eq!(server.count(Method::GET, "/token"), 1);

    for version in ["3", "4"] {
        datasource
            .get_release_timestamp(&context, &query, version)
            .await
            .unwrap();
    }
    assert_eq!(server.count(Method::GET, "/manifests/3"), 1);
    assert_eq!(server.count(Method::GET, "/manifests/1"), 0);
    let configs = server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/team/app/blobs/"))
        .count();
    assert_eq!(configs, 2);
}

/// Runs futures concurrently on the current task (no extra dependency for `join_all`).
async fn futures_join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        outputs.push(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
}
