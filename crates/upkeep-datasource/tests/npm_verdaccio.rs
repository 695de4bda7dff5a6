//! The `npm` datasource against a real npm registry: verdaccio on loopback, started by
//! `upkeep-testkit`, with packages published to it over its HTTP API (prereleases,
//! deprecations, dist-tags, scoped and private packages, a user token).
//!
//! Needs verdaccio under `tools/verdaccio`: `bash scripts/setup-test-env.sh`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use upkeep_datasource::{
    DatasourceApi, DatasourceError, LookupContext, Npm, RegistryConfig, ReleaseQuery,
    ReleaseResult, apply_npmrc,
};
use upkeep_http::{HostRules, HttpClient, HttpError, HttpOptions};
use upkeep_testkit::{NpmVersion, Verdaccio};

fn client(cache_dir: Option<&Path>) -> Arc<HttpClient> {
    let options = HttpOptions {
        use_env_proxy: false,
        cache_dir: cache_dir.map(Path::to_path_buf),
        ..HttpOptions::default()
    };
    Arc::new(HttpClient::new(options, HostRules::default()).unwrap())
}

fn context(registries: RegistryConfig, cache_dir: Option<&Path>) -> LookupContext {
    LookupContext {
        http: client(cache_dir),
        registries,
    }
}

/// The registry settings a repository carrying the testkit's `.npmrc` would have,
/// through the datasource's own `.npmrc` reader.
fn from_npmrc(text: &str) -> RegistryConfig {
    let mut registries = RegistryConfig::default();
    let problems = apply_npmrc(&mut registries, text, &|_| None);
    assert!(problems.is_empty(), "{problems:?}");
    registries
}

/// The registry without a token: `registry=` only.
fn anonymous(reg: &Verdaccio) -> RegistryConfig {
    from_npmrc(&format!("registry={}\n", reg.registry_url()))
}

fn query(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        ..ReleaseQuery::default()
    }
}

fn versions(result: &ReleaseResult) -> Vec<&str> {
    result.releases.iter().map(|r| r.version.as_str()).collect()
}

fn deprecated(result: &ReleaseResult) -> Vec<&str> {
    result
        .releases
        .iter()
        .filter(|r| r.is_deprecated)
        .map(|r| r.version.as_str())
        .collect()
}

fn timestamp<'a>(result: &'a ReleaseResult, version: &str) -> Option<&'a str> {
    result
        .releases
        .iter()
        .find(|r| r.version == version)
        .unwrap_or_else(|| panic!("{version} not listed"))
        .release_timestamp
        .as_deref()
}

/// `127.0.0.1:PORT`, the http client's host key for the registry.
fn host(reg: &Verdaccio) -> String {
    reg.url().trim_start_matches("http://").to_owned()
}

/// `left-pad`: stable versions, prereleases under `next`, a 2.0.0 whose `latest` was
/// moved back to 1.2.0 and that is deprecated, and a deprecated 1.0.0.
fn publish_left_pad(reg: &Verdaccio) {
    reg.publish_versions("left-pad", &["1.0.0", "1.1.0"]);
    reg.publish(&NpmVersion::new("left-pad", "1.2.0").field(
        "repository",
        json!({"type": "git", "url": "git+https://github.com/stevemao/left-pad.git"}),
    ));
    reg.publish(&NpmVersion::new("left-pad", "2.0.0-beta.1").tag("next"));
    reg.publish(&NpmVersion::new("left-pad", "2.0.0-rc.1").tag("next"));
    reg.publish(&NpmVersion::new("left-pad", "2.0.0"));
    // 2.0.0 turned out broken: `latest` held back behind it, and it is deprecated.
    reg.dist_tag("left-pad", "latest", "1.2.0");
    reg.deprecate("left-pad", "2.0.0", "broken, use 1.2.0");
    reg.deprecate("left-pad", "1.0.0", "use 1.2.0");
}

#[tokio::test]
async fn versions_times_deprecations_and_dist_tags_from_verdaccio() {
    let reg = Verdaccio::start();
    publish_left_pad(&reg);
    reg.set_publish_time("left-pad", "1.0.0", "2019-01-02T03:04:05.000Z");
    reg.set_publish_time("left-pad", "1.1.0", "2020-06-15T12:00:00.000Z");

    let context = context(anonymous(&reg), None);
    let result = Npm
        .get_releases(&context, &query("left-pad"))
        .await
        .unwrap();

    assert_eq!(
        versions(&result),
        [
            "1.0.0",
            "1.1.0",
            "1.2.0",
            "2.0.0-beta.1",
            "2.0.0-rc.1",
            "2.0.0"
        ]
    );
    // Every version carries the publish time verdaccio serves; rewritten ones come
    // through exactly.
    let (status, raw) = reg.packument("left-pad", false);
    assert_eq!(status, 200);
    for release in &result.releases {
        assert_eq!(
            release.release_timestamp.as_deref(),
            raw["time"][&release.version].as_str(),
            "time of {}",
            release.version
        );
        assert!(release.release_timestamp.is_some(), "{}", release.version);
    }
    assert_eq!(
        timestamp(&result, "1.0.0"),
        Some("2019-01-02T03:04:05.000Z")
    );
    assert_eq!(
        timestamp(&result, "1.1.0"),
        Some("2020-06-15T12:00:00.000Z")
    );

    assert_eq!(deprecated(&result), ["1.0.0", "2.0.0"]);
    let tags: BTreeMap<&str, &str> = result
        .tags
        .iter()
        .map(|(tag, version)| (tag.as_str(), version.as_str()))
        .collect();
    assert_eq!(
        tags,
        BTreeMap::from([("latest", "1.2.0"), ("next", "2.0.0-rc.1")])
    );
    // `latest` (1.2.0) is not deprecated, so the package is not.
    assert_eq!(result.deprecation_message, None);
    assert_eq!(
        result.source_url.as_deref(),
        Some("https://github.com/stevemao/left-pad")
    );
    assert_eq!(
        result.registry_url.as_deref(),
        Some(reg.registry_url().as_str())
    );

    let missing = Npm
        .get_releases(&context, &query("no-such-package"))
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, DatasourceError::NotFound { package, .. } if package == "no-such-package"),
        "{missing:?}"
    );
    assert!(!missing.is_host_failure());
}

#[tokio::test]
async fn scoped_and_private_packages_with_the_npmrc_token() {
    let reg = Verdaccio::start();
    reg.publish(&NpmVersion::new("@acme/widget", "0.1.0"));
    reg.publish(&NpmVersion::new("@acme/widget", "0.2.0"));
    reg.publish(&NpmVersion::new("@acme/widget", "1.0.0-alpha.1").tag("next"));
    reg.dist_tag("@acme/widget", "legacy", "0.1.0");
    reg.deprecate("@acme/widget", "0.2.0", "use 1.x");
    // Deprecated, then un-deprecated (`npm deprecate pkg@v ""`): not flagged.
    reg.deprecate("@acme/widget", "0.1.0", "oops");
    reg.deprecate("@acme/widget", "0.1.0", "");
    reg.set_publish_time("@acme/widget", "0.1.0", "2021-03-04T05:06:07.000Z");
    reg.publish_versions("@private/secret", &["3.0.0", "3.1.0"]);

    // A scoped name, encoded on the wire, against the real server.
    let public = context(anonymous(&reg), None);
    let scoped = Npm
        .get_releases(&public, &query("@acme/widget"))
        .await
        .unwrap();
    assert_eq!(versions(&scoped), ["0.1.0", "0.2.0", "1.0.0-alpha.1"]);
    assert_eq!(deprecated(&scoped), ["0.2.0"]);
    // 0.2.0 is `latest` and deprecated: the package says so.
    assert_eq!(scoped.deprecation_message.as_deref(), Some("use 1.x"));
    assert_eq!(scoped.tags["latest"], "0.2.0");
    assert_eq!(scoped.tags["next"], "1.0.0-alpha.1");
    assert_eq!(scoped.tags["legacy"], "0.1.0");
    assert_eq!(
        timestamp(&scoped, "0.1.0"),
        Some("2021-03-04T05:06:07.000Z")
    );

    // Without the token: verdaccio refuses, and that is the host's failure.
    let error = Npm
        .get_releases(&public, &query("@private/secret"))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error:?}");
    assert!(
        matches!(
            &error,
            DatasourceError::Http(HttpError::Auth {
                status: 401,
                sent_credentials: false,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("@private%2fsecret"),
        "the message names the URL: {error}"
    );

    // With the testkit's `.npmrc`, read by the datasource's own parser.
    let registries = from_npmrc(&reg.npmrc());
    assert_eq!(
        registries.npm_registry.as_deref(),
        Some(reg.registry_url().as_str())
    );
    let with_token = context(registries, None);
    let private = Npm
        .get_releases(&with_token, &query("@private/secret"))
        .await
        .unwrap();
    assert_eq!(versions(&private), ["3.0.0", "3.1.0"]);
    assert_eq!(private.tags["latest"], "3.1.0");
    assert!(
        private
            .releases
            .iter()
            .all(|release| release.release_timestamp.is_some())
    );
    // The token does not get in the way of public packages on the same registry.
    let scoped_again = Npm
        .get_releases(&with_token, &query("@acme/widget"))
        .await
        .unwrap();
    assert_eq!(scoped_again.releases, scoped.releases);

    // The other ways an `.npmrc` names the registry and its token: a scope's
    // registry (the default registry is a port nothing listens on, so using it would
    // fail), and a bare `_authToken` belonging to `registry=`.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for npmrc in [
        format!(
            "registry=http://{closed}/\n@private:registry={}\n//{}/:_authToken={}\n",
            reg.registry_url(),
            host(&reg),
            reg.token()
        ),
        format!(
            "registry={}\n_authToken=\"{}\"\n",
            reg.registry_url(),
            reg.token()
        ),
    ] {
        let context = context(from_npmrc(&npmrc), None);
        let result = Npm
            .get_releases(&context, &query("@private/secret"))
            .await
            .unwrap_or_else(|error| panic!("{npmrc}: {error}"));
        assert_eq!(versions(&result), ["3.0.0", "3.1.0"], "{npmrc}");
    }

    // A wrong token is refused, and reported as refused credentials.
    let wrong = from_npmrc(&format!(
        "registry={}\n//{}/:_authToken=not-a-token\n",
        reg.registry_url(),
        host(&reg)
    ));
    let error = Npm
        .get_releases(&context(wrong, None), &query("@private/secret"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            DatasourceError::Http(HttpError::Auth {
                sent_credentials: true,
                ..
            })
        ),
        "{error:?}"
    );
}

/// Makes every entry of an upkeep-http cache directory look stored long ago, as after
/// the packument TTL (15 minutes) has passed, so that the next lookup revalidates.
fn age_cache_entries(dir: &Path) -> usize {
    let mut aged = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Some(first) = bytes.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let Some(second) = bytes[first + 1..].iter().position(|&b| b == b'\n') else {
            continue;
        };
        let meta_end = first + 1 + second;
        let Ok(mut meta) = serde_json::from_slice::<serde_json::Value>(&bytes[first + 1..meta_end])
        else {
            continue;
        };
        meta["storedAtMs"] = json!(1);
        let mut out = bytes[..=first].to_vec();
        out.extend_from_slice(&serde_json::to_vec(&meta).unwrap());
        out.extend_from_slice(&bytes[meta_end..]);
        std::fs::write(&path, out).unwrap();
        aged += 1;
    }
    aged
}

#[tokio::test]
async fn a_second_run_revalidates_the_cached_packument_with_a_304() {
    let reg = Verdaccio::start();
    publish_left_pad(&reg);
    reg.publish_versions("@private/secret", &["3.0.0"]);
    let cache = tempfile::tempdir().unwrap();
    let registries = from_npmrc(&reg.npmrc());
    let host = host(&reg);

    let first = context(registries.clone(), Some(cache.path()));
    let fetched = Npm.get_releases(&first, &query("left-pad")).await.unwrap();
    let private = Npm
        .get_releases(&first, &query("@private/secret"))
        .await
        .unwrap();
    assert_eq!(first.http.stats().host(&host).requests, 2);

    // A second run within the TTL: served from disk, no request.
    let fresh = context(registries.clone(), Some(cache.path()));
    let cached = Npm.get_releases(&fresh, &query("left-pad")).await.unwrap();
    assert_eq!(cached, fetched);
    let stats = fresh.http.stats().host(&host);
    assert_eq!((stats.requests, stats.cache_hits), (0, 1), "{stats:?}");

    // After the TTL: one conditional request each, answered 304 by verdaccio.
    assert_eq!(age_cache_entries(cache.path()), 2);
    let second = context(registries.clone(), Some(cache.path()));
    let revalidated = Npm.get_releases(&second, &query("left-pad")).await.unwrap();
    assert_eq!(revalidated, fetched);
    let private_again = Npm
        .get_releases(&second, &query("@private/secret"))
        .await
        .unwrap();
    assert_eq!(private_again, private);
    let stats = second.http.stats().host(&host);
    assert_eq!(
        (stats.requests, stats.revalidations, stats.errors),
        (2, 2, 0),
        "{stats:?}"
    );

    // The private packument on disk belongs to the token that fetched it: a run
    // without the token is not served from it, and verdaccio refuses that run.
    let tokenless = context(anonymous(&reg), Some(cache.path()));
    let error = Npm
        .get_releases(&tokenless, &query("@private/secret"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::Http(HttpError::Auth { .. })),
        "{error:?}"
    );
    let stats = tokenless.http.stats().host(&host);
    assert_eq!((stats.requests, stats.cache_hits), (1, 0), "{stats:?}");

    // A changed packument is not revalidated: the new body comes through.
    assert_eq!(age_cache_entries(cache.path()), 2);
    reg.set_publish_time("left-pad", "1.1.0", "2018-08-08T08:08:08.000Z");
    let third = context(registries, Some(cache.path()));
    let changed = Npm.get_releases(&third, &query("left-pad")).await.unwrap();
    assert_eq!(
        timestamp(&changed, "1.1.0"),
        Some("2018-08-08T08:08:08.000Z")
    );
    let stats = third.http.stats().host(&host);
    assert_eq!((stats.requests, stats.revalidations), (1, 0), "{stats:?}");
}
