//! Protocol tests: the crate datasource against a sparse index served on 127.0.0.1.

use super::*;
use crate::test_server::{TestServer, context};

const CONFIG: &str = include_str!("fixtures/config.json");
const SERDE: &str = include_str!("fixtures/se/rd/serde");

async fn index_server(prefix: &str) -> TestServer {
    let routes = [
        ("config.json", CONFIG),
        ("1/a", include_str!("fixtures/1/a")),
        ("2/cc", include_str!("fixtures/2/cc")),
        ("3/s/syn", include_str!("fixtures/3/s/syn")),
        ("se/rd/serde", SERDE),
        (
            "ga/rb/garbage",
            "<html>\n<h1>502 Bad Gateway</h1>\n</html>\n",
        ),
    ];
    let routes: Vec<(String, u16, &str)> = routes
        .iter()
        .map(|(path, body)| (format!("{prefix}{path}"), 200, *body))
        .collect();
    let routes: Vec<(&str, u16, &str)> = routes
        .iter()
        .map(|(path, status, body)| (path.as_str(), *status, *body))
        .collect();
    TestServer::start(&routes).await
}

fn query(name: &str, index: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        registry_urls: vec![index.to_owned()],
        ..ReleaseQuery::default()
    }
}

#[tokio::test]
async fn index_paths_on_the_wire_for_every_name_length() {
    let server = index_server("/").await;
    let index = format!("sparse+{}/", server.base);
    let context = context(RegistryConfig::default());
    for name in ["a", "cc", "Syn", "serde"] {
        let result = Crate
            .get_releases(&context, &query(name, &index))
            .await
            .unwrap();
        assert!(!result.releases.is_empty(), "{name}");
        assert_eq!(
            result.registry_url.as_deref(),
            Some(&index["sparse+".len()..])
        );
    }
    assert_eq!(
        server.paths(),
        ["/config.json", "/1/a", "/2/cc", "/3/s/syn", "/se/rd/serde"],
        "config.json is fetched once per registry"
    );
}

#[tokio::test]
async fn yanked_versions_are_left_out_but_reported() {
    let server = index_server("/").await;
    let index = format!("sparse+{}", server.base);
    let result = Crate
        .get_releases(&context(RegistryConfig::default()), &query("serde", &index))
        .await
        .unwrap();
    assert!(
        result
            .releases
            .iter()
            .all(|release| release.version != "1.0.2")
    );
    assert_eq!(result.yanked_versions, ["1.0.2"]);
    assert_eq!(result.source_url, None);
}

#[tokio::test]
async fn alternate_registry_resolved_by_name_from_cargo_config() {
    let server = index_server("/api/v1/crates/").await;
    let mut registries = RegistryConfig::default();
    registries.cargo_registries.insert(
        "internal".to_owned(),
        format!("sparse+{}/api/v1/crates/", server.base),
    );
    let query = ReleaseQuery {
        package_name: "serde".to_owned(),
        registry_name: Some("internal".to_owned()),
        ..ReleaseQuery::default()
    };
    let result = Crate
        .get_releases(&context(registries), &query)
        .await
        .unwrap();
    assert_eq!(result.releases.len(), 5);
    assert_eq!(
        server.paths(),
        ["/api/v1/crates/config.json", "/api/v1/crates/se/rd/serde"]
    );
}

#[tokio::test]
async fn unknown_registry_names_and_git_indexes_are_unsupported_without_a_request() {
    let server = index_server("/").await;
    let mut registries = RegistryConfig::default();
    registries.cargo_registries.insert(
        "legacy".to_owned(),
        "https://git.example.com/index.git".to_owned(),
    );
    let context = context(registries);
    for registry in ["nowhere", "legacy"] {
        let query = ReleaseQuery {
            package_name: "serde".to_owned(),
            registry_name: Some(registry.to_owned()),
            ..ReleaseQuery::default()
        };
        let error = Crate.get_releases(&context, &query).await.unwrap_err();
        assert!(
            matches!(error, DatasourceError::Unsupported { .. }),
            "{error}"
        );
        assert!(error.to_string().contains(registry), "{error}");
    }
    assert!(server.paths().is_empty());
}

#[tokio::test]
async fn missing_crate_is_not_found_and_garbage_is_invalid() {
    let server = index_server("/").await;
    let index = format!("sparse+{}/", server.base);
    let context = context(RegistryConfig::default());
    let error = Crate
        .get_releases(&context, &query("no-such-crate", &index))
        .await
        .unwrap_err();
    assert!(matches!(error, DatasourceError::NotFound { .. }), "{error}");
    assert!(!error.is_host_failure());
    let error = Crate
        .get_releases(&context, &query("garbage", &index))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::InvalidResponse { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("{}/ga/rb/garbage", server.base)),
        "{error}"
    );
}

#[tokio::test]
async fn a_host_without_config_json_is_not_a_sparse_index() {
    let server = TestServer::start(&[("/se/rd/serde", 200, SERDE)]).await;
    let index = format!("sparse+{}/", server.base);
    let error = Crate
        .get_releases(&context(RegistryConfig::default()), &query("serde", &index))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::Unsupported { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("config.json"), "{error}");
}

#[test]
fn index_resolution_table() {
    let mut config = RegistryConfig::default();
    config.cargo_registries.insert(
        "my-reg".to_owned(),
        "sparse+https://r.example.com/index".to_owned(),
    );
    let resolve = |name: Option<&str>, urls: &[&str]| {
        let query = ReleaseQuery {
            package_name: "x".to_owned(),
            registry_name: name.map(str::to_owned),
            registry_urls: urls.iter().map(|url| (*url).to_owned()).collect(),
            ..ReleaseQuery::default()
        };
        resolve_index(&query, &config)
    };
    let crates_io = Ok(CRATES_IO_INDEX.to_owned());
    assert_eq!(resolve(None, &[]), crates_io);
    assert_eq!(resolve(None, &["https://crates.io"]), crates_io);
    assert_eq!(resolve(None, &["https://index.crates.io/"]), crates_io);
    assert_eq!(
        resolve(
            None,
            &["registry+https://github.com/rust-lang/crates.io-index"]
        ),
        crates_io
    );
    assert_eq!(
        resolve(Some("my-reg"), &[]),
        Ok("https://r.example.com/index/".to_owned())
    );
    assert_eq!(
        resolve(Some("MY_REG"), &[]),
        Ok("https://r.example.com/index/".to_owned()),
        "names compare as Cargo's environment variables do"
    );
    assert!(resolve(None, &["https://git.example.com/index"]).is_err());
    let error = resolve(Some("nope"), &["sparse+https://ignored/"]).unwrap_err();
    assert!(error.contains("CARGO_REGISTRIES_NOPE_INDEX"), "{error}");
}
