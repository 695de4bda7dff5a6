//! Protocol tests: both Terraform datasources against a registry served on 127.0.0.1.

use std::time::Duration;

use super::*;
use crate::RegistryConfig;
use crate::test_server::{TestServer, context};

const DISCOVERY: &str = include_str!("fixtures/discovery.json");
const PROVIDER_VERSIONS: &str = include_str!("fixtures/provider-versions.json");
const MODULE_VERSIONS: &str = include_str!("fixtures/module-versions.json");

async fn registry(delay: Duration) -> TestServer {
    TestServer::start_with_delay(
        &[
            ("/.well-known/terraform.json", 200, DISCOVERY),
            (
                "/v1/providers/hashicorp/aws/versions",
                200,
                PROVIDER_VERSIONS,
            ),
            (
                "/v1/modules/terraform-aws-modules/vpc/aws/versions",
                200,
                MODULE_VERSIONS,
            ),
            (
                "/v1/modules/acme/broken/aws/versions",
                200,
                "{\"modules\": \"nope\"}",
            ),
        ],
        delay,
    )
    .await
}

fn query(name: &str, registry: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        registry_urls: vec![registry.to_owned()],
        ..ReleaseQuery::default()
    }
}

#[tokio::test]
async fn discovery_then_versions_for_providers_and_modules() {
    let server = registry(Duration::ZERO).await;
    let context = context(RegistryConfig::default());
    let provider = TerraformProvider
        .get_releases(&context, &query("hashicorp/aws", &server.base))
        .await
        .unwrap();
    assert_eq!(provider.releases.len(), 4);
    assert_eq!(provider.registry_url.as_deref(), Some(server.base.as_str()));
    assert_eq!(
        provider.homepage, None,
        "only the public registry has known pages"
    );
    let module = TerraformModule
        .get_releases(
            &context,
            &query(
                "terraform-aws-modules/vpc/aws//modules/vpc-endpoints",
                &server.base,
            ),
        )
        .await
        .unwrap();
    assert_eq!(module.releases.len(), 3);
    assert_eq!(
        server.paths(),
        [
            "/.well-known/terraform.json",
            "/v1/providers/hashicorp/aws/versions",
            "/.well-known/terraform.json",
            "/v1/modules/terraform-aws-modules/vpc/aws/versions",
        ],
        "discovery once per datasource (host type) and host"
    );
}

#[tokio::test]
async fn absolute_service_urls_may_point_at_another_host() {
    let api =
        TestServer::start(&[("/tf/providers/acme/thing/versions", 200, PROVIDER_VERSIONS)]).await;
    let discovery = format!("{{\"providers.v1\": \"{}/tf/providers\"}}", api.base);
    let front =
        TestServer::start(&[("/.well-known/terraform.json", 200, discovery.as_str())]).await;
    let result = TerraformProvider
        .get_releases(
            &context(RegistryConfig::default()),
            &query("acme/thing", &format!("{}/some/path", front.base)),
        )
        .await
        .unwrap();
    assert_eq!(result.releases.len(), 4);
    assert_eq!(front.paths(), ["/.well-known/terraform.json"]);
    assert_eq!(api.paths(), ["/tf/providers/acme/thing/versions"]);
}

#[tokio::test]
async fn fifty_concurrent_lookups_cost_one_discovery_and_one_listing() {
    let server = registry(Duration::from_millis(30)).await;
    let context = context(RegistryConfig::default());
    let query = query("hashicorp/aws", &server.base);
    let lookups: Vec<_> = (0..50)
        .map(|_| {
            let context = context.clone();
            let query = query.clone();
            tokio::spawn(async move { TerraformProvider.get_releases(&context, &query).await })
        })
        .collect();
    for lookup in lookups {
        assert_eq!(lookup.await.unwrap().unwrap().releases.len(), 4);
    }
    assert_eq!(server.paths().len(), 2, "{:?}", server.paths());
}

#[tokio::test]
async fn unknown_packages_garbage_and_missing_services() {
    let server = registry(Duration::ZERO).await;
    let context = context(RegistryConfig::default());
    let error = TerraformModule
        .get_releases(&context, &query("acme/missing/aws", &server.base))
        .await
        .unwrap_err();
    assert!(matches!(error, DatasourceError::NotFound { .. }), "{error}");
    assert!(!error.is_host_failure());

    let error = TerraformModule
        .get_releases(&context, &query("acme/broken/aws", &server.base))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::InvalidResponse { .. }),
        "{error}"
    );
    let expected = format!("{}/v1/modules/acme/broken/aws/versions", server.base);
    assert!(error.to_string().contains(&expected), "{error}");

    let bare = TestServer::start(&[]).await;
    let error = TerraformProvider
        .get_releases(&context, &query("hashicorp/aws", &bare.base))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::Unsupported { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("service discovery"), "{error}");

    let modules_only = TestServer::start(&[(
        "/.well-known/terraform.json",
        200,
        "{\"modules.v1\":\"/m/\"}",
    )])
    .await;
    let error = TerraformProvider
        .get_releases(&context, &query("hashicorp/aws", &modules_only.base))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("providers.v1"), "{error}");
}

#[test]
fn registry_hosts_come_from_the_address_then_registry_urls_then_the_default() {
    let origin = |name: &str, urls: &[&str]| {
        let query = ReleaseQuery {
            package_name: name.to_owned(),
            registry_urls: urls.iter().map(|url| (*url).to_owned()).collect(),
            ..ReleaseQuery::default()
        };
        let address = parse_provider(name).unwrap();
        registry_origin(&query, &address).map(String::from)
    };
    assert_eq!(
        origin("hashicorp/aws", &[]).unwrap(),
        "https://registry.terraform.io/"
    );
    assert_eq!(
        origin("hashicorp/aws", &["https://registry.opentofu.org"]).unwrap(),
        "https://registry.opentofu.org/"
    );
    assert_eq!(
        origin(
            "tf.example.com/acme/thing",
            &["https://registry.opentofu.org"]
        )
        .unwrap(),
        "https://tf.example.com/"
    );
    assert!(origin("hashicorp/aws", &["git::https://x"]).is_err());
}
