//! Providers: entries of `required_providers` (Terraform ≥ 0.13) and legacy `provider`
//! blocks with a `version` attribute (deprecated since 0.13, still found in old code).
//!
//! As in Renovate, `depName` is the provider's local name (`aws`) and `packageName` its
//! registry address without the host, lower-cased (`hashicorp/aws`); a source without a
//! namespace, or no source at all, means the `hashicorp` namespace. A source naming a host
//! (`registry.opentofu.org/hashicorp/aws`) gives `registryUrls`. A provider without a
//! version is still reported, as `unspecified-version`.

use hcl_edit::Span as _;
use hcl_edit::structure::Block;
use upkeep_types::{Datasource, Dependency, SkipReason};

use super::super::context::FileContext;
use super::super::hcl::{self, Value};
use super::{first_label, set_value};

/// The `depType` of an entry of `required_providers`.
pub(in super::super) const REQUIRED_PROVIDER: &str = "required_provider";
/// The `depType` of a legacy `provider` block.
pub(in super::super) const PROVIDER: &str = "provider";

/// What an extractor found for one provider, before it becomes a dependency.
pub(in super::super) struct ProviderDeclaration<'a> {
    /// The local name (`aws` in `aws = {…}` or `provider "aws"`).
    pub(in super::super) local_name: &'a str,
    /// The `source` attribute, when there is one.
    pub(in super::super) source: Option<Value>,
    /// The version constraint, when there is one.
    pub(in super::super) version: Option<Value>,
    /// `required_provider` or `provider`.
    pub(in super::super) dep_type: &'static str,
    /// Line of the declaration.
    pub(in super::super) line: u32,
}

/// Extracts a legacy `provider "name" { version = "…" }` block.
pub(in super::super) fn extract_block(
    block: &Block,
    context: &FileContext,
    deps: &mut Vec<Dependency>,
) {
    let Some(local_name) = first_label(block) else {
        return;
    };
    let version = hcl::attribute(&block.body, "version");
    let line = context.line_of(version.and_then(|version| version.span()).or(block.span()));
    deps.push(provider_dependency(
        ProviderDeclaration {
            local_name,
            source: None,
            version: version.map(|version| Value::of(version, context)),
            dep_type: PROVIDER,
            line,
        },
        context,
    ));
}

/// Builds the dependency for one provider declaration.
pub(in super::super) fn provider_dependency(
    declaration: ProviderDeclaration,
    context: &FileContext,
) -> Dependency {
    let mut dep = Dependency::new(declaration.local_name, Some(Datasource::TerraformProvider));
    dep.dep_type = Some(declaration.dep_type.to_owned());
    dep.location.line = declaration.line;
    let default_package = || format!("hashicorp/{}", declaration.local_name.to_lowercase());
    let mut host = None;
    match declaration.source {
        None => dep.package_name = Some(default_package()),
        Some(Value::Text { value, .. }) => match parse_address(&value) {
            Some(address) => {
                host = address.host;
                dep.package_name = Some(address.package);
            }
            None => {
                dep.package_name = Some(default_package());
                dep.skip_reason = Some(SkipReason::UnsupportedUrl);
            }
        },
        Some(other) => {
            dep.package_name = Some(default_package());
            dep.skip_reason = other.skip_reason();
        }
    }
    match host {
        Some(host) => dep.registry_urls = vec![format!("https://{host}")],
        None => {
            dep.registry_urls = context
                .flavor
                .default_registry_url()
                .map(str::to_owned)
                .into_iter()
                .collect();
        }
    }
    set_value(&mut dep, declaration.version);
    dep
}

/// A provider source address, lower-cased: the host if named, and `namespace/type`.
#[derive(Debug, PartialEq, Eq)]
struct ProviderAddress {
    host: Option<String>,
    package: String,
}

/// Parses `[host/][namespace/]type`; a missing namespace means `hashicorp`.
fn parse_address(source: &str) -> Option<ProviderAddress> {
    let source = source.to_lowercase();
    let parts: Vec<&str> = source.split('/').collect();
    let valid = |part: &&str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    };
    if !parts.iter().all(valid) {
        return None;
    }
    match parts.as_slice() {
        [kind] if !kind.contains(['.', ':']) => Some(ProviderAddress {
            host: None,
            package: format!("hashicorp/{kind}"),
        }),
        [namespace, kind] if !namespace.contains(':') => Some(ProviderAddress {
            host: None,
            package: format!("{namespace}/{kind}"),
        }),
        [host, namespace, kind] => Some(ProviderAddress {
            host: Some((*host).to_owned()),
            package: format!("{namespace}/{kind}"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_default_to_the_hashicorp_namespace_and_lower_case() {
        let parsed = parse_address("Telmate/Proxmox").unwrap();
        assert_eq!(parsed.package, "telmate/proxmox");
        assert_eq!(parsed.host, None);
        assert_eq!(parse_address("aws").unwrap().package, "hashicorp/aws");
    }

    #[test]
    fn addresses_with_a_host_split_it_off() {
        let parsed = parse_address("registry.opentofu.org/hashicorp/aws").unwrap();
        assert_eq!(parsed.host.as_deref(), Some("registry.opentofu.org"));
        assert_eq!(parsed.package, "hashicorp/aws");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for source in ["", "a//b", "a/b/c/d", "hashicorp/aws?x", "https://x/y"] {
            assert_eq!(parse_address(source), None, "{source}");
        }
    }
}
