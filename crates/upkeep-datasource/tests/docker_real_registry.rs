//! The docker datasource against the real registry: Debian's `docker-registry`
//! (CNCF distribution 2.8) on loopback, started by `upkeep-testkit` and filled through
//! the registry HTTP API, once anonymous, once with basic auth, once with token auth
//! (credentials required, and anonymous pull tokens as Docker Hub hands out).
//!
//! Every registry gets the same images ([`fill`]): tag families with suffixes, single
//! manifests in OCI and Docker v2 media types, an OCI index and a Docker manifest list
//! whose platforms have different `created` times; [`check_everything`] then asks the
//! datasource for releases, digests and release times and compares with what was
//! pushed. Nothing here reads the clock.
//!
//! Needs `docker-registry` and `htpasswd`: `bash scripts/setup-test-env.sh`.

use std::sync::Arc;
use std::time::Duration;

use upkeep_datasource::docker::DockerDatasource;
use upkeep_datasource::{
    DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery,
};
use upkeep_http::{HostRule, HostRules, HttpClient, HttpOptions, RetryOptions, SecretString};
use upkeep_testkit::{OciAuth, OciRegistry};
use url::Url;

const REPO: &str = "team/app";

/// Single-platform OCI images: tag families with suffixes, prereleases, floating tags.
const OCI_TAGS: &[(&str, &str)] = &[
    ("18", "2024-01-02T10:00:00Z"),
    ("18-alpine", "2024-01-02T10:00:01Z"),
    ("18-alpine3.19", "2024-01-02T10:00:02Z"),
    ("18.19", "2024-01-02T10:00:03Z"),
    ("18.19-alpine3.19", "2024-01-02T10:00:04Z"),
    ("18.19.0", "2024-01-02T10:00:05Z"),
    ("18.19.0-alpine3.19", "2024-01-02T10:00:06Z"),
    ("18.19.0-bookworm", "2024-01-02T10:00:07Z"),
    ("18.19.0-bookworm-slim", "2024-01-02T10:00:08Z"),
    ("18.20.0-alpine3.19", "2024-03-26T08:00:00Z"),
    ("20-alpine", "2024-02-14T12:00:00Z"),
    ("20-alpine3.20", "2024-05-22T12:00:00Z"),
    ("20.11.1-alpine3.19", "2024-02-14T12:00:01Z"),
    ("20.11.1-alpine3.20", "2024-05-22T12:00:01Z"),
    ("20.11.1-bookworm", "2024-02-14T12:00:02Z"),
    ("20.11.1-bookworm-slim", "2024-02-14T12:00:03Z"),
    ("20.12.0", "2024-03-26T09:00:00Z"),
    ("21.0.0-rc.1", "2023-10-10T00:00:00Z"),
    ("1.2.3-rc1", "2022-06-01T00:00:00Z"),
    ("1.2.3-rc2", "2022-06-08T00:00:00Z"),
    ("1.2.3", "2022-06-15T00:00:00Z"),
    ("v1.2.4", "2022-07-01T00:00:00Z"),
    ("1.2.4_beta", "2022-06-20T00:00:00Z"),
    ("2024.01.15", "2024-01-15T00:00:00Z"),
    ("bookworm", "2024-02-14T12:00:04Z"),
    ("nightly", "2024-06-01T00:00:00Z"),
];

/// Single-platform images with Docker v2 schema 2 media types.
const DOCKER_TAGS: &[(&str, &str)] = &[
    ("16.20.2-bullseye", "2023-08-09T00:00:00Z"),
    ("16.20.2-buster-slim", "2023-08-09T00:00:01Z"),
    ("19.9.0-bullseye", "2023-04-11T00:00:00Z"),
];

/// Multi-arch tags: arm64 is listed first and created at another time than amd64, so
/// the release time shows which platform was read.
const INDEX_TAG: &str = "20.11.1";
const INDEX_AMD64: &str = "2024-02-14T12:34:56Z";
const INDEX_ARM64: &str = "2024-02-15T01:02:03Z";
const LIST_TAG: &str = "22.1.0-bookworm";
const LIST_AMD64: &str = "2024-04-25T07:08:09Z";
const LIST_ARM64: &str = "2024-04-26T00:00:00Z";

/// What was pushed: every tag with its manifest digest and the `created` a lookup
/// should report for it.
struct Pushed {
    tags: Vec<(String, String, String)>,
}

impl Pushed {
    fn digest(&self, tag: &str) -> &str {
        &self.tags.iter().find(|(t, ..)| t == tag).unwrap().1
    }

    fn sorted_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self.tags.iter().map(|(t, ..)| t.clone()).collect();
        tags.sort();
        tags
    }
}

/// Fills `REPO` with the tags above, plus `latest` as a retag of the OCI index.
fn fill(oci: &OciRegistry) -> Pushed {
    let mut tags = Vec::new();
    for (tag, digest) in OCI_TAGS.iter().zip(oci.push_images(REPO, OCI_TAGS)) {
        tags.push((tag.0.to_owned(), digest, tag.1.to_owned()));
    }
    for (tag, created) in DOCKER_TAGS {
        let digest = oci.push_docker_image(REPO, tag, created);
        tags.push(((*tag).to_owned(), digest, (*created).to_owned()));
    }
    let (index, _) = oci.push_multi_arch(
        REPO,
        INDEX_TAG,
        false,
        &[
            ("arm64", Some("v8"), INDEX_ARM64),
            ("amd64", None, INDEX_AMD64),
        ],
    );
    tags.push((INDEX_TAG.to_owned(), index.clone(), INDEX_AMD64.to_owned()));
    let (list, _) = oci.push_multi_arch(
        REPO,
        LIST_TAG,
        true,
        &[
            ("arm64", Some("v8"), LIST_ARM64),
            ("amd64", None, LIST_AMD64),
        ],
    );
    tags.push((LIST_TAG.to_owned(), list, LIST_AMD64.to_owned()));
    let latest = oci.retag(REPO, INDEX_TAG, "latest");
    assert_eq!(latest, index);
    tags.push(("latest".to_owned(), latest, INDEX_AMD64.to_owned()));
    Pushed { tags }
}

fn context(rules: HostRules) -> LookupContext {
    let options = HttpOptions {
        retry: RetryOptions {
            max_retries: 1,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retry_after: Duration::from_secs(1),
            jitter: false,
        },
        timeout: Duration::from_secs(30),
        use_env_proxy: false,
        ..HttpOptions::default()
    };
    LookupContext {
        http: Arc::new(HttpClient::new(options, rules).unwrap()),
        registries: RegistryConfig::default(),
    }
}

/// A Basic credential for `match_host` (a host, or `host:port`).
fn credentials_for(match_host: &str, user: &str, password: &str) -> HostRules {
    HostRules::new([HostRule {
        match_host: Some(match_host.to_owned()),
        username: Some(user.to_owned()),
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

/// `host:port` of a URL.
fn host_port(url: &str) -> String {
    let url = Url::parse(url).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
}

/// Releases, digests (also after a retag), release times, missing repositories and
/// tags: everything a lookup asks a registry, checked against what [`fill`] pushed.
async fn check_everything(oci: &OciRegistry, pushed: &Pushed, context: &LookupContext) {
    let datasource = DockerDatasource::new();
    let name = format!("{}/{REPO}", oci.host());
    let query = query(&name);

    let result = datasource.get_releases(context, &query).await.unwrap();
    let mut versions: Vec<String> = result.releases.iter().map(|r| r.version.clone()).collect();
    versions.sort();
    assert_eq!(versions, pushed.sorted_tags());
    assert_eq!(
        result.releases.len(),
        OCI_TAGS.len() + DOCKER_TAGS.len() + 3
    );
    assert_eq!(result.registry_url.as_deref(), Some(oci.url().as_str()));

    for (tag, digest, created) in &pushed.tags {
        let found = datasource
            .get_digest(context, &query, Some(tag))
            .await
            .unwrap();
        assert_eq!(found.as_deref(), Some(digest.as_str()), "digest of {tag}");
        let time = datasource
            .get_release_timestamp(context, &query, tag)
            .await
            .unwrap();
        assert_eq!(time.as_deref(), Some(created.as_str()), "created of {tag}");
    }

    // The current value, pinned or not, names the tag whose digest is asked.
    let mut pinned = query.clone();
    pinned.current_value = Some(format!("18-alpine3.19@{}", pushed.digest("latest")));
    let found = datasource.get_digest(context, &pinned, None).await.unwrap();
    assert_eq!(found.as_deref(), Some(pushed.digest("18-alpine3.19")));

    // `latest` moves: after the retag (and the memo cleared, as between repositories)
    // the digest is the new image's.
    let moved = oci.retag(REPO, "20.11.1-bookworm", "latest");
    assert_eq!(moved, pushed.digest("20.11.1-bookworm"));
    assert_ne!(moved, pushed.digest("latest"));
    context.http.clear_memo();
    let found = datasource
        .get_digest(context, &query, Some("latest"))
        .await
        .unwrap();
    assert_eq!(found.as_deref(), Some(moved.as_str()));
    let time = datasource
        .get_release_timestamp(context, &query, "latest")
        .await
        .unwrap();
    assert_eq!(time.as_deref(), Some("2024-02-14T12:00:02Z"));
    oci.retag(REPO, INDEX_TAG, "latest");
    context.http.clear_memo();

    // A tag that does not exist, and a repository that does not exist.
    let error = datasource
        .get_digest(context, &query, Some("99.0.0"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );
    let missing = format!("{}/team/nope", oci.host());
    let error = datasource
        .get_releases(context, &self::query(&missing))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );
    assert!(!error.is_host_failure());
    assert!(
        error.to_string().contains("/v2/team/nope/tags/list"),
        "{error}"
    );
    let error = datasource
        .get_release_timestamp(context, &self::query(&missing), "1.0")
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn anonymous_registry() {
    let oci = OciRegistry::start(OciAuth::Anonymous);
    let pushed = fill(&oci);
    check_everything(&oci, &pushed, &context(HostRules::default())).await;
}

#[tokio::test]
async fn official_images_resolve_under_library_on_a_docker_hub_stand_in() {
    let oci = OciRegistry::start(OciAuth::Anonymous);
    let digests = oci.push_images(
        "library/node",
        &[
            ("20", "2024-01-01T00:00:00Z"),
            ("22", "2024-05-01T00:00:00Z"),
        ],
    );
    let datasource = DockerDatasource::with_docker_hub(Url::parse(&oci.url()).unwrap());
    let context = context(HostRules::default());
    for name in [
        "node",
        "library/node",
        "docker.io/node",
        "docker.io/library/node",
    ] {
        let result = datasource
            .get_releases(&context, &query(name))
            .await
            .unwrap();
        let mut versions: Vec<&str> = result.releases.iter().map(|r| r.version.as_str()).collect();
        // Distribution 2.8 lists tags in no particular order; versioning sorts them.
        versions.sort_unstable();
        assert_eq!(versions, ["20", "22"], "{name}");
    }
    let digest = datasource
        .get_digest(&context, &query("node"), Some("22"))
        .await
        .unwrap();
    assert_eq!(digest.as_deref(), Some(digests[1].as_str()));
}

#[tokio::test]
async fn basic_auth_with_host_rule_credentials() {
    let oci = OciRegistry::start(OciAuth::Basic);
    let pushed = fill(&oci);
    let (user, password) = oci.credentials().unwrap();
    let rules = credentials_for(&oci.host(), user, password);
    check_everything(&oci, &pushed, &context(rules)).await;
}

#[tokio::test]
async fn basic_auth_without_or_with_wrong_credentials_is_a_host_failure() {
    let oci = OciRegistry::start(OciAuth::Basic);
    oci.push_image(REPO, "1.0", "2024-01-01T00:00:00Z");
    let name = format!("{}/{REPO}", oci.host());
    let datasource = DockerDatasource::new();

    let error = datasource
        .get_releases(&context(HostRules::default()), &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&oci.host()) && message.contains("add a hostRule"),
        "{message}"
    );

    let (user, _) = oci.credentials().unwrap();
    let wrong = context(credentials_for(&oci.host(), user, "not-the-password"));
    let error = datasource
        .get_releases(&wrong, &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&oci.host()) && message.contains("the credentials were refused"),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");
}

#[tokio::test]
async fn token_auth_with_credentials_for_the_token_server() {
    let oci = OciRegistry::start(OciAuth::Token);
    let pushed = fill(&oci);
    let (user, password) = oci.credentials().unwrap();
    let token_host = host_port(&oci.token_url().unwrap());
    assert_ne!(token_host, oci.host());
    let rules = credentials_for(&token_host, user, password);
    check_everything(&oci, &pushed, &context(rules)).await;
    // One token per repository asked about (`team/app`, `team/nope`), reused for the
    // dozens of requests that followed.
    let tokens = oci.token_requests();
    assert_eq!(tokens, 2, "token requests");
}

#[tokio::test]
async fn token_auth_without_credentials_is_a_host_failure() {
    let oci = OciRegistry::start(OciAuth::Token);
    oci.push_image(REPO, "1.0", "2024-01-01T00:00:00Z");
    let name = format!("{}/{REPO}", oci.host());
    let error = DockerDatasource::new()
        .get_releases(&context(HostRules::default()), &query(&name))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("add a hostRule"), "{message}");
}

#[tokio::test]
async fn anonymous_pull_tokens_need_no_credentials() {
    let oci = OciRegistry::start(OciAuth::TokenAnonymousPull);
    let pushed = fill(&oci);
    check_everything(&oci, &pushed, &context(HostRules::default())).await;
    // Pull-only tokens for `team/app` and `team/nope`, each fetched once.
    let tokens = oci.token_requests();
    assert_eq!(tokens, 2, "token requests");
}

/// Regression: a token server on another host than the registry got no credential
/// when hostRules named only the registry (as users write them for GitLab's
/// `registry.example.com`, whose realm is `example.com/jwt/auth`), so the lookup
/// failed with "add a hostRule" where Docker and Renovate succeed.
#[tokio::test]
async fn token_auth_with_credentials_for_the_registry_host_only() {
    let oci = OciRegistry::start(OciAuth::Token);
    let pushed = fill(&oci);
    let (user, password) = oci.credentials().unwrap();
    let rules = credentials_for(&oci.host(), user, password);
    check_everything(&oci, &pushed, &context(rules)).await;
    assert_eq!(oci.token_requests(), 2, "token requests");
}

/// The realm's own hostRules credential wins over the registry's.
#[tokio::test]
async fn the_token_servers_own_credentials_win_over_the_registrys() {
    let oci = OciRegistry::start(OciAuth::Token);
    let digest = oci.push_image(REPO, "1.0", "2024-01-01T00:00:00Z");
    let (user, password) = oci.credentials().unwrap();
    let token_host = host_port(&oci.token_url().unwrap());
    let mut rules = vec![
        HostRule {
            match_host: Some(oci.host()),
            username: Some(user.to_owned()),
            password: Some(SecretString::from("wrong-for-the-token-server")),
            ..HostRule::default()
        },
        HostRule {
            match_host: Some(token_host),
            username: Some(user.to_owned()),
            password: Some(SecretString::from(password)),
            ..HostRule::default()
        },
    ];
    let name = format!("{}/{REPO}", oci.host());
    let found = DockerDatasource::new()
        .get_digest(
            &context(HostRules::new(rules.clone())),
            &query(&name),
            Some("1.0"),
        )
        .await
        .unwrap();
    assert_eq!(found.as_deref(), Some(digest.as_str()));

    // Without the token server's rule, the registry's (wrong) one goes along.
    rules.pop();
    let error = DockerDatasource::new()
        .get_digest(&context(HostRules::new(rules)), &query(&name), Some("1.0"))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    assert!(
        error.to_string().contains("the credentials were refused"),
        "{error}"
    );
}
