//! Protocol tests: the npm datasource against an in-process registry on 127.0.0.1.

use std::time::Duration;

use upkeep_http::SecretString;

use super::*;
use crate::test_server::{TestServer, context};

const LEFT_PAD: &str = include_str!("fixtures/left-pad.json");
const SCOPED: &str = include_str!("fixtures/scoped.json");

fn query(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        ..ReleaseQuery::default()
    }
}

fn authorization(seen: &crate::test_server::Seen) -> Option<String> {
    seen.headers
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn scoped_names_are_encoded_on_the_wire_and_tokens_go_only_to_their_registry() {
    let public = TestServer::start(&[("/left-pad", 200, LEFT_PAD)]).await;
    let private = TestServer::start(&[("/npm/@acme%2fwidgets", 200, SCOPED)]).await;
    let mut registries = RegistryConfig {
        npm_registry: Some(format!("{}/", public.base)),
        ..RegistryConfig::default()
    };
    registries
        .npm_scopes
        .insert("@acme".to_owned(), format!("{}/npm/", private.base));
    let private_key = nerf_dart(&format!("{}/npm/", private.base)).unwrap();
    registries
        .npm_tokens
        .insert(private_key, SecretString::from("acme-token"));
    let context = context(registries);

    let scoped = Npm
        .get_releases(&context, &query("@acme/widgets"))
        .await
        .unwrap();
    assert_eq!(scoped.releases.len(), 2);
    assert_eq!(
        scoped.registry_url.as_deref(),
        Some(format!("{}/npm/", private.base).as_str())
    );
    let plain = Npm
        .get_releases(&context, &query("left-pad"))
        .await
        .unwrap();
    assert_eq!(plain.tags["latest"], "1.3.0");

    let seen = private.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/npm/@acme%2fwidgets");
    assert_eq!(
        authorization(&seen[0]).as_deref(),
        Some("Bearer acme-token")
    );
    assert_eq!(seen[0].headers["accept"], "application/json");
    let seen = public.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        authorization(&seen[0]),
        None,
        "the token must not leave its registry"
    );
}

#[tokio::test]
async fn explicit_registry_urls_win_over_npmrc() {
    let server = TestServer::start(&[("/left-pad", 200, LEFT_PAD)]).await;
    let registries = RegistryConfig {
        npm_registry: Some("http://127.0.0.1:9/".to_owned()),
        ..RegistryConfig::default()
    };
    let mut query = query("left-pad");
    query.registry_urls = vec![server.base.clone()];
    let result = Npm
        .get_releases(&context(registries), &query)
        .await
        .unwrap();
    assert_eq!(result.releases.len(), 5);
    assert_eq!(server.paths(), ["/left-pad"]);
}

#[tokio::test]
async fn missing_and_unpublished_packages_are_not_found() {
    let server = TestServer::start(&[(
        "/gone-package",
        200,
        include_str!("fixtures/unpublished.json"),
    )])
    .await;
    let registries = RegistryConfig {
        npm_registry: Some(server.base.clone()),
        ..RegistryConfig::default()
    };
    let context = context(registries);
    for name in ["no-such-package", "gone-package"] {
        let error = Npm.get_releases(&context, &query(name)).await.unwrap_err();
        assert!(matches!(error, DatasourceError::NotFound { .. }), "{error}");
        assert!(!error.is_host_failure());
        assert!(error.to_string().contains(name), "{error}");
    }
}

#[tokio::test]
async fn garbage_is_an_invalid_response_naming_the_url() {
    let server = TestServer::start(&[("/broken", 200, "<html>gateway</html>")]).await;
    let registries = RegistryConfig {
        npm_registry: Some(server.base.clone()),
        ..RegistryConfig::default()
    };
    let error = Npm
        .get_releases(&context(registries), &query("broken"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::InvalidResponse { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("{}/broken", server.base)),
        "{message}"
    );
    assert!(message.contains("`broken`"), "{message}");
}

#[tokio::test]
async fn fifty_concurrent_lookups_of_one_package_make_one_request() {
    let server =
        TestServer::start_with_delay(&[("/left-pad", 200, LEFT_PAD)], Duration::from_millis(50))
            .await;
    let registries = RegistryConfig {
        npm_registry: Some(server.base.clone()),
        ..RegistryConfig::default()
    };
    let context = context(registries);
    let query = query("left-pad");
    let lookups = (0..50).map(|_| {
        let context = context.clone();
        let query = query.clone();
        tokio::spawn(async move { Npm.get_releases(&context, &query).await })
    });
    for lookup in lookups.collect::<Vec<_>>() {
        assert_eq!(lookup.await.unwrap().unwrap().releases.len(), 5);
    }
    assert_eq!(server.paths().len(), 1);
}

#[test]
fn packument_urls() {
    let cases = [
        (
            "https://registry.npmjs.org/",
            "react",
            Some("https://registry.npmjs.org/react"),
        ),
        (
            "https://registry.npmjs.org",
            "@types/node",
            Some("https://registry.npmjs.org/@types%2fnode"),
        ),
        (
            "https://art.example.com/api/npm/npm-remote/",
            "@babel/core",
            Some("https://art.example.com/api/npm/npm-remote/@babel%2fcore"),
        ),
        ("https://registry.npmjs.org/", "not/scoped", None),
        ("https://registry.npmjs.org/", "", None),
        ("https://registry.npmjs.org/", "../etc", None),
        ("file:///tmp/", "react", None),
    ];
    for (registry, name, expected) in cases {
        let actual = packument_url(registry, name).map(String::from);
        assert_eq!(actual.as_deref(), expected, "{registry} {name}");
    }
}

#[test]
fn tokens_match_the_longest_registry_prefix() {
    let mut config = RegistryConfig::default();
    for (prefix, token) in [
        ("//npm.example.com/", "host"),
        ("//npm.example.com/team/", "team"),
        ("//other.example.com/", "other"),
    ] {
        config
            .npm_tokens
            .insert(prefix.to_owned(), SecretString::from(token));
    }
    let token = |url: &str| {
        token_for(&Url::parse(url).unwrap(), &config).map(|token| token.expose_secret().to_owned())
    };
    assert_eq!(
        token("https://npm.example.com/team/pkg").as_deref(),
        Some("team")
    );
    assert_eq!(
        token("https://npm.example.com/pkg").as_deref(),
        Some("host")
    );
    assert_eq!(token("https://npm.example.com.evil.test/pkg"), None);
    assert_eq!(token("https://registry.npmjs.org/pkg"), None);
}
