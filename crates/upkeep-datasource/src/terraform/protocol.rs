//! The registry protocol's data, with no I/O: addresses, the service discovery
//! document, and the two version listings.
//!
//! - Discovery (`/.well-known/terraform.json`) maps service ids to base URLs, relative
//!   to the document (`"/v1/providers/"`) or absolute (another host).
//! - Providers: `<base><namespace>/<type>/versions` → `{"versions":[{"version":…}]}`.
//! - Modules: `<base><namespace>/<name>/<provider>/versions` →
//!   `{"modules":[{"versions":[{"version":…}]}]}`.
//!
//! Neither listing carries release timestamps, so releases have none.

use serde::Deserialize;
use upkeep_http::Url;

use crate::{Release, ReleaseResult};

/// A provider or module address, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The registry host when the address names one (`app.terraform.io/…`).
    pub host: Option<String>,
    /// `namespace/type` for a provider, `namespace/name/provider` for a module.
    pub path: Vec<String>,
}

/// `hashicorp/aws`, `aws` (HashiCorp's namespace implied), or `host/namespace/type`.
/// Provider addresses are case-insensitive; they are lowercased.
pub(crate) fn parse_provider(name: &str) -> Option<Address> {
    let name = name.trim().to_ascii_lowercase();
    let parts: Vec<&str> = name.split('/').collect();
    let (host, path) = match parts.as_slice() {
        [kind] => (None, vec!["hashicorp", *kind]),
        [namespace, kind] => (None, vec![*namespace, *kind]),
        [host, namespace, kind] => (Some(*host), vec![*namespace, *kind]),
        _ => return None,
    };
    address(host, &path)
}

/// `namespace/name/provider` or `host/namespace/name/provider`, with any `//subdir`
/// (and `?ref=`) removed.
pub(crate) fn parse_module(name: &str) -> Option<Address> {
    let name = name.trim();
    let name = name.split('?').next().unwrap_or(name);
    let name = match name.find("//") {
        Some(start) => &name[..start],
        None => name,
    };
    let parts: Vec<&str> = name.split('/').collect();
    let (host, path) = match parts.as_slice() {
        [namespace, module, provider] => (None, vec![*namespace, *module, *provider]),
        [host, namespace, module, provider] => (Some(*host), vec![*namespace, *module, *provider]),
        _ => return None,
    };
    address(host, &path)
}

fn address(host: Option<&str>, path: &[&str]) -> Option<Address> {
    let segment = |text: &str, extra: &[u8]| {
        !text.is_empty()
            && text.bytes().all(|byte| {
                byte.is_ascii_alphanumeric() || b"-_".contains(&byte) || extra.contains(&byte)
            })
    };
    if path.iter().any(|part| !segment(part, b"")) || host.is_some_and(|host| !segment(host, b".:"))
    {
        return None;
    }
    Some(Address {
        host: host.map(str::to_ascii_lowercase),
        path: path.iter().map(|part| (*part).to_owned()).collect(),
    })
}

/// The base URL of `service` (`providers.v1`, `modules.v1`) from a discovery document
/// fetched from `document_url`. `Ok(None)`: the host does not offer the service.
pub(crate) fn parse_discovery(
    body: &[u8],
    document_url: &Url,
    service: &str,
) -> Result<Option<Url>, String> {
    let document: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let Some(value) = document.get(service) else {
        return Ok(None);
    };
    let text = value
        .as_str()
        .ok_or_else(|| format!("`{service}` is not a string"))?;
    let text = if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    };
    let base = document_url
        .join(&text)
        .map_err(|error| format!("`{service}` is not a URL: {error}"))?;
    match base.scheme() {
        "http" | "https" => Ok(Some(base)),
        other => Err(format!("`{service}` uses the unsupported scheme `{other}`")),
    }
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
}

#[derive(Deserialize)]
struct ProviderVersions {
    versions: Vec<VersionEntry>,
}

#[derive(Deserialize)]
struct ModuleVersions {
    modules: Vec<ProviderVersions>,
}

/// A provider's versions listing.
pub(crate) fn parse_provider_versions(body: &[u8]) -> Result<ReleaseResult, String> {
    let listing: ProviderVersions =
        serde_json::from_slice(body).map_err(|error| error.to_string())?;
    Ok(releases(listing.versions))
}

/// A module's versions listing; `Ok(None)` when it lists no module.
pub(crate) fn parse_module_versions(body: &[u8]) -> Result<Option<ReleaseResult>, String> {
    let listing: ModuleVersions =
        serde_json::from_slice(body).map_err(|error| error.to_string())?;
    Ok(listing
        .modules
        .into_iter()
        .next()
        .map(|module| releases(module.versions)))
}

fn releases(versions: Vec<VersionEntry>) -> ReleaseResult {
    ReleaseResult {
        releases: versions
            .into_iter()
            .map(|entry| Release {
                version: entry.version,
                ..Release::default()
            })
            .collect(),
        ..ReleaseResult::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/src/terraform/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    #[test]
    fn provider_addresses() {
        let cases = [
            ("hashicorp/aws", Some((None, "hashicorp/aws"))),
            ("aws", Some((None, "hashicorp/aws"))),
            ("Integrations/GitHub", Some((None, "integrations/github"))),
            (
                "registry.opentofu.org/hashicorp/aws",
                Some((Some("registry.opentofu.org"), "hashicorp/aws")),
            ),
            (
                "localhost:8443/acme/thing",
                Some((Some("localhost:8443"), "acme/thing")),
            ),
            ("a/b/c/d", None),
            ("hashicorp/", None),
            ("hashicorp/a ws", None),
        ];
        for (name, expected) in cases {
            let actual = parse_provider(name).map(|a| (a.host, a.path.join("/")));
            let expected = expected.map(|(host, path)| (host.map(str::to_owned), path.to_owned()));
            assert_eq!(actual, expected, "{name}");
        }
    }

    #[test]
    fn module_addresses() {
        let cases = [
            (
                "terraform-aws-modules/vpc/aws",
                Some((None, "terraform-aws-modules/vpc/aws")),
            ),
            (
                "terraform-aws-modules/iam/aws//modules/iam-user",
                Some((None, "terraform-aws-modules/iam/aws")),
            ),
            (
                "app.terraform.io/acme/network/azurerm",
                Some((Some("app.terraform.io"), "acme/network/azurerm")),
            ),
            (
                "app.terraform.io/acme/network/azurerm//sub?ref=x",
                Some((Some("app.terraform.io"), "acme/network/azurerm")),
            ),
            ("vpc/aws", None),
            ("../modules/vpc", None),
        ];
        for (name, expected) in cases {
            let actual = parse_module(name).map(|a| (a.host, a.path.join("/")));
            let expected = expected.map(|(host, path)| (host.map(str::to_owned), path.to_owned()));
            assert_eq!(actual, expected, "{name}");
        }
    }

    #[test]
    fn discovery_relative_absolute_and_missing_services() {
        let document =
            Url::parse("https://registry.terraform.io/.well-known/terraform.json").unwrap();
        let body = fixture("discovery.json");
        let providers = parse_discovery(&body, &document, "providers.v1").unwrap();
        assert_eq!(
            providers.unwrap().as_str(),
            "https://registry.terraform.io/v1/providers/"
        );
        let modules = parse_discovery(&body, &document, "modules.v1").unwrap();
        assert_eq!(
            modules.unwrap().as_str(),
            "https://registry.terraform.io/v1/modules/"
        );
        let absolute = br#"{"providers.v1":"https://providers.example.com/tf/v1"}"#;
        let providers = parse_discovery(absolute, &document, "providers.v1").unwrap();
        assert_eq!(
            providers.unwrap().as_str(),
            "https://providers.example.com/tf/v1/"
        );
        assert_eq!(parse_discovery(absolute, &document, "modules.v1"), Ok(None));
        assert!(parse_discovery(b"[]", &document, "modules.v1").is_err());
        assert!(parse_discovery(br#"{"modules.v1":"ftp://x/"}"#, &document, "modules.v1").is_err());
    }

    #[test]
    fn provider_versions() {
        let result = parse_provider_versions(&fixture("provider-versions.json")).unwrap();
        let versions: Vec<&str> = result.releases.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(versions, ["5.39.1", "5.40.0", "6.0.0-beta1", "6.0.0"]);
        assert!(parse_provider_versions(b"{\"modules\":[]}").is_err());
    }

    #[test]
    fn module_versions() {
        let result = parse_module_versions(&fixture("module-versions.json"))
            .unwrap()
            .unwrap();
        let versions: Vec<&str> = result.releases.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(versions, ["5.8.1", "5.9.0", "6.0.0"]);
        assert_eq!(parse_module_versions(b"{\"modules\":[]}"), Ok(None));
        assert!(parse_module_versions(b"not json").is_err());
    }
}
