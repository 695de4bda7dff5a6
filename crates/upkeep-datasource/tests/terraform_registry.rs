//! `terraform-provider` and `terraform-module` against the Terraform registry protocol
//! served on loopback by `upkeep-testkit` (service discovery, provider and module
//! version listings), over plain http given as the dependency's registry URL.

use std::sync::Arc;

use upkeep_datasource::{
    DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery, ReleaseResult,
    TerraformModule, TerraformProvider,
};
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_testkit::TerraformRegistry;

fn context() -> LookupContext {
    let options = HttpOptions {
        use_env_proxy: false,
        ..HttpOptions::default()
    };
    LookupContext {
        http: Arc::new(HttpClient::new(options, HostRules::default()).unwrap()),
        registries: RegistryConfig::default(),
    }
}

fn query(registry: &TerraformRegistry, name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        registry_urls: vec![registry.url()],
        ..ReleaseQuery::default()
    }
}

fn versions(result: &ReleaseResult) -> Vec<&str> {
    result.releases.iter().map(|r| r.version.as_str()).collect()
}

#[tokio::test]
async fn providers_listed_through_service_discovery() {
    let registry = TerraformRegistry::with_fixtures();
    registry.add_provider("acme", "widget", &["0.9.0", "1.0.0", "1.1.0-beta.1"]);
    let context = context();

    let aws = TerraformProvider
        .get_releases(&context, &query(&registry, "hashicorp/aws"))
        .await
        .unwrap();
    assert_eq!(
        versions(&aws),
        ["4.67.0", "5.0.0", "5.30.0", "5.31.0", "6.0.0-beta1"]
    );
    assert_eq!(aws.registry_url.as_deref(), Some(registry.url().as_str()));
    // Only the public registry gets a registry.terraform.io homepage.
    assert_eq!(aws.homepage, None);

    // `aws` alone is HashiCorp's namespace; addresses are case-insensitive.
    for name in ["aws", "HashiCorp/AWS"] {
        let same = TerraformProvider
            .get_releases(&context, &query(&registry, name))
            .await
            .unwrap();
        assert_eq!(same.releases, aws.releases, "{name}");
    }

    let widget = TerraformProvider
        .get_releases(&context, &query(&registry, "acme/widget"))
        .await
        .unwrap();
    assert_eq!(versions(&widget), ["0.9.0", "1.0.0", "1.1.0-beta.1"]);

    // Discovery is asked once for the host, whatever the number of providers.
    let counters = registry.registry().counters();
    assert_eq!(
        counters.for_path("/.well-known/terraform.json"),
        1,
        "{counters:?}"
    );
    assert_eq!(
        counters.for_path("/v1/providers/hashicorp/aws/versions"),
        1,
        "{counters:?}"
    );
}

#[tokio::test]
async fn modules_listed_through_service_discovery() {
    let registry = TerraformRegistry::with_fixtures();
    registry.add_module("acme", "network", "aws", &["0.1.0", "0.2.0", "1.0.0"]);
    let context = context();

    let vpc = TerraformModule
        .get_releases(&context, &query(&registry, "terraform-aws-modules/vpc/aws"))
        .await
        .unwrap();
    assert_eq!(versions(&vpc), ["4.0.2", "5.0.0", "5.4.0"]);
    assert_eq!(vpc.registry_url.as_deref(), Some(registry.url().as_str()));

    // A submodule path and a ref are not part of the registry address.
    let network = TerraformModule
        .get_releases(
            &context,
            &query(&registry, "acme/network/aws//modules/subnets?ref=v1"),
        )
        .await
        .unwrap();
    assert_eq!(versions(&network), ["0.1.0", "0.2.0", "1.0.0"]);
    assert_eq!(
        registry
            .registry()
            .counters()
            .for_path("/v1/modules/acme/network/aws/versions"),
        1
    );
}

#[tokio::test]
async fn unknown_providers_and_modules_are_not_found() {
    let registry = TerraformRegistry::with_fixtures();
    let context = context();

    let error = TerraformProvider
        .get_releases(&context, &query(&registry, "acme/no-such-provider"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::NotFound { package, registry: shown }
            if package == "acme/no-such-provider" && shown.contains("127.0.0.1")),
        "{error:?}"
    );
    assert!(!error.is_host_failure());

    let error = TerraformModule
        .get_releases(&context, &query(&registry, "acme/nothing/aws"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::NotFound { .. }),
        "{error:?}"
    );

    // A host that does not speak the protocol (no discovery document) is reported as
    // such, not as a missing package.
    let plain = upkeep_testkit::StaticRegistry::start();
    let error = TerraformProvider
        .get_releases(
            &context,
            &ReleaseQuery {
                package_name: "hashicorp/aws".to_owned(),
                registry_urls: vec![plain.url()],
                ..ReleaseQuery::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DatasourceError::Unsupported { reason, .. } if reason.contains("service discovery")),
        "{error:?}"
    );
}

#[tokio::test]
async fn discovery_may_point_the_service_at_another_host() {
    // The API lives on another server than the discovery document (an absolute URL in
    // `/.well-known/terraform.json`), as private registries behind a CDN do.
    let api = upkeep_testkit::StaticRegistry::start();
    api.insert_json(
        "/api/registry/v1/providers/acme/widget/versions",
        &serde_json::json!({"versions": [{"version": "1.0.0"}, {"version": "1.2.0"}]}),
    );
    let registry = TerraformRegistry::start();
    registry.registry().insert_json(
        "/.well-known/terraform.json",
        &serde_json::json!({
            "providers.v1": format!("{}/api/registry/v1/providers", api.url()),
            "modules.v1": "/v1/modules/",
        }),
    );
    let widget = TerraformProvider
        .get_releases(&context(), &query(&registry, "acme/widget"))
        .await
        .unwrap();
    assert_eq!(versions(&widget), ["1.0.0", "1.2.0"]);
    assert_eq!(registry.registry().counters().total, 1);
    assert_eq!(api.counters().total, 1);
}
