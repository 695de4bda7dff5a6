//! What a datasource is asked and what it answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The package a lookup asks about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseQuery {
    /// The name in the registry (`packageName`, else `depName`).
    pub package_name: String,
    /// Registries named by the dependency or by config; empty means the default.
    pub registry_urls: Vec<String>,
    /// A registry named but not located by the file (Cargo `registry = "name"`), resolved
    /// through [`crate::RegistryConfig`]; never silently replaced by the default.
    pub registry_name: Option<String>,
    /// The current value, for datasources that need it (docker digests of the current tag).
    pub current_value: Option<String>,
}

/// One release of a package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// The version (or tag) exactly as the registry lists it.
    pub version: String,
    /// When it was published (RFC 3339), if the registry says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_timestamp: Option<String>,
    /// Whether the registry marks this release deprecated (npm `deprecated`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_deprecated: bool,
    /// The release's digest, when the registry gives it in the listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Everything a registry says about a package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseResult {
    /// Every release that can be proposed (yanked/unpublished ones left out).
    pub releases: Vec<Release>,
    /// Named tags pointing at versions (npm dist-tags: `latest`, `next`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The source repository URL from the package metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The homepage from the package metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// The registry that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_url: Option<String>,
    /// A deprecation message for the whole package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_message: Option<String>,
    /// Versions the registry lists but withdrew (Cargo `yanked`): left out of
    /// `releases`, kept so that a current version being yanked can be reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yanked_versions: Vec<String>,
}
