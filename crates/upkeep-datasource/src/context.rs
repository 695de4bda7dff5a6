//! What every lookup of a run shares: the HTTP client and registry configuration read
//! from the repository (`.npmrc`, `.cargo/config.toml`).

use std::collections::BTreeMap;
use std::sync::Arc;

use upkeep_http::{HttpClient, SecretString};

/// Shared by every lookup of one repository.
#[derive(Clone)]
pub struct LookupContext {
    /// The run's one HTTP client.
    pub http: Arc<HttpClient>,
    /// Registries configured by the repository.
    pub registries: RegistryConfig,
}

/// Registry settings found in the repository, parsed at the edge.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// npm: the default registry (`registry=` in `.npmrc`).
    pub npm_registry: Option<String>,
    /// npm: registry per scope (`@scope:registry=`).
    pub npm_scopes: BTreeMap<String, String>,
    /// npm: `_authToken` per registry prefix (`//host/path/:_authToken=`).
    pub npm_tokens: BTreeMap<String, SecretString>,
    /// Cargo: index URL per registry name (`[registries.NAME] index = …`).
    pub cargo_registries: BTreeMap<String, String>,
}
