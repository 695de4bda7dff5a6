//! The Terraform registry protocol (service discovery, provider and module versions)
//! served by a [`StaticRegistry`].
//!
//! Paths: `/.well-known/terraform.json` (`{"providers.v1": "/v1/providers/",
//! "modules.v1": "/v1/modules/"}`), `/v1/providers/<ns>/<type>` (details of the latest
//! version, with `versions` and `published_at`), `/v1/providers/<ns>/<type>/versions`,
//! `/v1/modules/<ns>/<name>/<provider>` and `/v1/modules/<ns>/<name>/<provider>/versions`.
//! The shapes follow the public registry's responses; `fixtures/terraform/` holds
//! hand-written examples served by [`TerraformRegistry::with_fixtures`].
//!
//! The server speaks plain http: a datasource under test must accept an `http://` base
//! (the real protocol would use https on the host named in the source address).

use serde_json::{Value, json};

use crate::StaticRegistry;

/// One version of a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformProviderVersion {
    /// The version, without a `v`.
    pub version: String,
    /// Plugin protocols, e.g. `["5.0"]`.
    pub protocols: Vec<String>,
    /// (os, arch) pairs.
    pub platforms: Vec<(String, String)>,
    /// Publish time (RFC 3339), reported for the latest version.
    pub published_at: String,
}

impl TerraformProviderVersion {
    /// A version for protocol 5.0 on linux/amd64 and darwin/arm64.
    pub fn new(version: &str) -> Self {
        TerraformProviderVersion {
            version: version.to_string(),
            protocols: vec!["5.0".to_string()],
            platforms: vec![
                ("linux".to_string(), "amd64".to_string()),
                ("darwin".to_string(), "arm64".to_string()),
            ],
            published_at: "2024-01-01T00:00:00Z".to_string(),
        }
    }
}

/// One version of a module.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformModuleVersion {
    /// The version, without a `v`.
    pub version: String,
    /// Publish time (RFC 3339), reported for the latest version.
    pub published_at: String,
}

impl TerraformModuleVersion {
    /// A version published at 2024-01-01.
    pub fn new(version: &str) -> Self {
        TerraformModuleVersion {
            version: version.to_string(),
            published_at: "2024-01-01T00:00:00Z".to_string(),
        }
    }
}

/// A Terraform provider and module registry on loopback.
pub struct TerraformRegistry {
    registry: StaticRegistry,
}

impl TerraformRegistry {
    /// Starts a registry that serves only service discovery.
    pub fn start() -> TerraformRegistry {
        let registry = StaticRegistry::start();
        registry.insert_json(
            "/.well-known/terraform.json",
            &json!({ "providers.v1": "/v1/providers/", "modules.v1": "/v1/modules/" }),
        );
        TerraformRegistry { registry }
    }

    /// Starts a registry serving the fixtures: provider `hashicorp/aws` (4.67.0 …
    /// 5.31.0, 6.0.0-beta1) and module `terraform-aws-modules/vpc/aws` (4.0.2, 5.0.0,
    /// 5.4.0).
    pub fn with_fixtures() -> TerraformRegistry {
        let reg = Self::start();
        let r = &reg.registry;
        r.insert(
            "/v1/providers/hashicorp/aws",
            include_str!("../fixtures/terraform/provider-hashicorp-aws.json"),
            "application/json",
        );
        r.insert(
            "/v1/providers/hashicorp/aws/versions",
            include_str!("../fixtures/terraform/provider-hashicorp-aws-versions.json"),
            "application/json",
        );
        r.insert(
            "/v1/modules/terraform-aws-modules/vpc/aws",
            include_str!("../fixtures/terraform/module-terraform-aws-modules-vpc-aws.json"),
            "application/json",
        );
        r.insert(
            "/v1/modules/terraform-aws-modules/vpc/aws/versions",
            include_str!(
                "../fixtures/terraform/module-terraform-aws-modules-vpc-aws-versions.json"
            ),
            "application/json",
        );
        reg
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.registry.url()
    }

    /// `127.0.0.1:PORT`, the host part of a source address such as
    /// `127.0.0.1:PORT/hashicorp/aws`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.registry.port())
    }

    /// The server underneath (for counters and latency).
    pub fn registry(&self) -> &StaticRegistry {
        &self.registry
    }

    /// Serves provider `namespace/type` with plain `versions` (the last is the latest).
    pub fn add_provider(&self, namespace: &str, kind: &str, versions: &[&str]) {
        let versions: Vec<_> = versions
            .iter()
            .map(|v| TerraformProviderVersion::new(v))
            .collect();
        self.add_provider_versions(namespace, kind, &versions);
    }

    /// Serves provider `namespace/type` with these versions (the last is the latest).
    pub fn add_provider_versions(
        &self,
        namespace: &str,
        kind: &str,
        versions: &[TerraformProviderVersion],
    ) {
        let latest = versions.last().expect("at least one version");
        let list: Vec<Value> = versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "protocols": v.protocols,
                    "platforms": v.platforms.iter()
                        .map(|(os, arch)| json!({"os": os, "arch": arch}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let base = format!("/v1/providers/{namespace}/{kind}");
        self.registry.insert_json(
            &format!("{base}/versions"),
            &json!({ "id": format!("{namespace}/{kind}"), "versions": list, "warnings": null }),
        );
        self.registry.insert_json(
            &base,
            &json!({
                "id": format!("{namespace}/{kind}/{}", latest.version),
                "owner": namespace,
                "namespace": namespace,
                "name": kind,
                "alias": kind,
                "version": latest.version,
                "tag": format!("v{}", latest.version),
                "description": format!("terraform-provider-{kind}"),
                "source": format!("https://github.com/{namespace}/terraform-provider-{kind}"),
                "published_at": latest.published_at,
                "downloads": 1000,
                "tier": "community",
                "versions": versions.iter().map(|v| &v.version).collect::<Vec<_>>(),
            }),
        );
    }

    /// Serves module `namespace/name/provider` with plain `versions` (the last is the
    /// latest).
    pub fn add_module(&self, namespace: &str, name: &str, provider: &str, versions: &[&str]) {
        let versions: Vec<_> = versions
            .iter()
            .map(|v| TerraformModuleVersion::new(v))
            .collect();
        self.add_module_versions(namespace, name, provider, &versions);
    }

    /// Serves module `namespace/name/provider` with these versions (the last is the
    /// latest).
    pub fn add_module_versions(
        &self,
        namespace: &str,
        name: &str,
        provider: &str,
        versions: &[TerraformModuleVersion],
    ) {
        let latest = versions.last().expect("at least one version");
        let source = format!("{namespace}/{name}/{provider}");
        let base = format!("/v1/modules/{source}");
        let list: Vec<Value> = versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "root": {"providers": [], "dependencies": [], "deprecation": null},
                    "submodules": [],
                })
            })
            .collect();
        self.registry.insert_json(
            &format!("{base}/versions"),
            &json!({ "modules": [{ "source": source, "versions": list }] }),
        );
        self.registry.insert_json(
            &base,
            &json!({
                "id": format!("{source}/{}", latest.version),
                "owner": "",
                "namespace": namespace,
                "name": name,
                "version": latest.version,
                "provider": provider,
                "description": format!("{name} module"),
                "source": format!("https://github.com/{namespace}/terraform-{provider}-{name}"),
                "tag": format!("v{}", latest.version),
                "published_at": latest.published_at,
                "downloads": 1000,
                "verified": false,
                "root": {"path": "", "name": name, "dependencies": [], "provider_dependencies": []},
                "submodules": [],
                "examples": [],
                "providers": [provider],
                "versions": versions.iter().map(|v| &v.version).collect::<Vec<_>>(),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get_json(url: String) -> Value {
        crate::runtime::block_on(async move {
            let resp = crate::runtime::client().get(url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.json().await.unwrap()
        })
    }

    #[test]
    fn discovery_and_fixture_versions() {
        let reg = TerraformRegistry::with_fixtures();
        let disc = get_json(format!("{}/.well-known/terraform.json", reg.url()));
        assert_eq!(disc["providers.v1"], "/v1/providers/");
        assert_eq!(disc["modules.v1"], "/v1/modules/");
        let p = get_json(format!("{}/v1/providers/hashicorp/aws/versions", reg.url()));
        assert_eq!(p["versions"].as_array().unwrap().len(), 5);
        assert_eq!(p["versions"][3]["version"], "5.31.0");
        let d = get_json(format!("{}/v1/providers/hashicorp/aws", reg.url()));
        assert_eq!(d["published_at"], "2023-12-14T21:11:48Z");
        let m = get_json(format!(
            "{}/v1/modules/terraform-aws-modules/vpc/aws/versions",
            reg.url()
        ));
        assert_eq!(m["modules"][0]["versions"][2]["version"], "5.4.0");
    }

    #[test]
    fn built_providers_and_modules() {
        let reg = TerraformRegistry::start();
        reg.add_provider("acme", "widget", &["1.0.0", "1.1.0"]);
        reg.add_module("acme", "net", "aws", &["0.1.0", "0.2.0"]);
        let p = get_json(format!("{}/v1/providers/acme/widget/versions", reg.url()));
        assert_eq!(p["id"], "acme/widget");
        assert_eq!(p["versions"][1]["version"], "1.1.0");
        assert_eq!(p["versions"][1]["platforms"][0]["os"], "linux");
        let d = get_json(format!("{}/v1/providers/acme/widget", reg.url()));
        assert_eq!(d["version"], "1.1.0");
        let m = get_json(format!("{}/v1/modules/acme/net/aws", reg.url()));
        assert_eq!(m["versions"], json!(["0.1.0", "0.2.0"]));
        assert!(reg.host().starts_with("127.0.0.1:"));
    }
}
