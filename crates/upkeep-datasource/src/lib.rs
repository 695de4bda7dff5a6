//! Datasources: each knows one kind of registry and answers "which releases of this
//! package exist", with release timestamps, deprecation, digests and source URLs.
//!
//! A datasource only fetches and parses; deciding what to propose is the lookup's job
//! (versioning, filters, vulnerabilities). All network access goes through the one
//! [`upkeep_http::HttpClient`] in the [`LookupContext`], which brings credentials
//! (hostRules), retries, caching and request coalescing, so that fifty files naming one
//! package cost one request.
//!
//! Failures come in two kinds ([`DatasourceError`]): the package's own (not found, no
//! usable versions) is recorded on that dependency; the host's (unreachable, 5xx after
//! retries, 401) is recorded against the host, and the run goes on.
//!
//! Every datasource lives in its own folder and is registered once in [`DATASOURCES`].

mod context;
pub mod docker;
mod error;
mod release;

mod crates;
mod git;
mod npm;
mod registry_config;
mod terraform;
#[cfg(test)]
mod test_server;

pub use context::{LookupContext, RegistryConfig};
pub use crates::Crate;
pub use error::DatasourceError;
pub use git::{GitCli, GitFailure, GitRunner, GitTags, GithubTags};
pub use npm::Npm;
pub use registry_config::{
    apply_cargo_config, apply_cargo_env, apply_npmrc, cargo_registry_index, read_registry_config,
};
pub use release::{Release, ReleaseQuery, ReleaseResult};
pub use terraform::{TerraformModule, TerraformProvider};

use std::future::Future;
use std::pin::Pin;

use upkeep_types::Datasource;

/// A boxed future, so that datasources can sit behind `&dyn` in one list.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One kind of registry.
pub trait DatasourceApi: Send + Sync {
    /// Which datasource this is.
    fn id(&self) -> Datasource;

    /// The registry asked when a dependency names none.
    fn default_registry_urls(&self) -> &'static [&'static str];

    /// Every release of the package, newest information the registry has.
    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>>;

    /// The digest of `version` (or of the current tag when `None`), for registries that
    /// have digests (docker). Others answer `Ok(None)`.
    fn get_digest<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        let _ = (context, query, version);
        Box::pin(async { Ok(None) })
    }

    /// The release timestamp of one version when `get_releases` could not give them all
    /// cheaply (docker: the image config's `created`, fetched only for candidates).
    fn get_release_timestamp<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        let _ = (context, query, version);
        Box::pin(async { Ok(None) })
    }

    /// What `version` of the package requires of each of its own dependencies (registry
    /// name → requirement text), for registries that list it per version (the crates
    /// index's `deps[].req`). `Ok(None)`: this registry does not say, or lists no such
    /// version. Vulnerability fixes of transitive packages use it to tell whether a
    /// parent admits the fixed version when the lock file does not record it (Cargo.lock).
    fn get_dependency_requirements<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<std::collections::BTreeMap<String, String>>, DatasourceError>>
    {
        let _ = (context, query, version);
        Box::pin(async { Ok(None) })
    }
}

/// Every datasource upkeep has. Adding one means adding its folder and one line here.
pub static DATASOURCES: &[&dyn DatasourceApi] = &[
    &docker::DOCKER,    // docker/
    &Npm,               // npm/
    &Crate,             // crates/
    &TerraformProvider, // terraform/
    &TerraformModule,   // terraform/
    &git::GIT_TAGS,     // git/
    &git::GITHUB_TAGS,  // git/
];

/// The implementation of `datasource`, if upkeep has one.
pub fn get_datasource(datasource: Datasource) -> Option<&'static dyn DatasourceApi> {
    DATASOURCES
        .iter()
        .copied()
        .find(|candidate| candidate.id() == datasource)
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_registered_datasource_is_found_by_its_id_once() {
        for datasource in DATASOURCES {
            let id = datasource.id();
            let same = DATASOURCES.iter().filter(|other| other.id() == id).count();
            assert_eq!(same, 1, "{id} is registered {same} times");
            assert_eq!(get_datasource(id).map(|found| found.id()), Some(id));
        }
        for id in [
            "npm",
            "crate",
            "terraform-provider",
            "terraform-module",
            "git-tags",
            "github-tags",
        ] {
            let id = Datasource::from_id(id).unwrap();
            assert!(get_datasource(id).is_some(), "{id} is not registered");
        }
    }
}
