//! `npm`: packuments from any npm registry (registry.npmjs.org, verdaccio, Artifactory,
//! GitHub Packages).
//!
//! One request per package: `GET <registry>/<name>`, a scoped name sent as
//! `@scope%2fname` (the form every registry accepts; a raw `/` is not routed by some).
//! The full JSON packument is asked for, not the abbreviated "corgi" form
//! (`application/vnd.npm.install-v1+json`): the abbreviated form drops `time`, and
//! release timestamps are what `minimumReleaseAge` needs, so the smaller body would
//! cost the feature. Responses are cached per registry and name for 15 minutes
//! (packuments change whenever a version is published; npm's own CDN caches ~5 min).
//!
//! Which registry: the dependency's `registryUrls` when given, else the scope's
//! registry from `.npmrc` (`@scope:registry=`), else `.npmrc`'s `registry=`, else the
//! public registry. Credentials: the `_authToken` whose `//host/path/` key is the
//! longest prefix of the packument URL is sent as a bearer token through
//! [`upkeep_http::Request::authorization`], so it reaches that registry's origin only
//! (never a redirect target); without one, hostRules (`hostType: npm`) apply.
//!
//! Not done here: deciding whether an update may pass `latest` (the lookup reads
//! [`crate::ReleaseResult::tags`]), and `repository.directory` (no field for it yet).

mod packument;

#[cfg(test)]
mod tests;

use std::time::Duration;

use secrecy::ExposeSecret;
use upkeep_http::{HttpError, RedactedUrl, Request, SecretString, Url};
use upkeep_types::Datasource;

use crate::registry_config::nerf_dart;
use crate::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery,
    ReleaseResult,
};
use packument::{PackumentError, parse_packument};

/// The public npm registry.
pub(crate) const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// How long a packument is served from the disk cache without asking again.
const PACKUMENT_TTL: Duration = Duration::from_secs(15 * 60);

/// The `npm` datasource.
#[derive(Debug, Default)]
pub struct Npm;

impl DatasourceApi for Npm {
    fn id(&self) -> Datasource {
        Datasource::Npm
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[DEFAULT_REGISTRY]
    }

    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(get_releases(context, query))
    }
}

async fn get_releases(
    context: &LookupContext,
    query: &ReleaseQuery,
) -> Result<ReleaseResult, DatasourceError> {
    let name = query.package_name.as_str();
    let registry = registry_for(query, &context.registries);
    let url = packument_url(&registry, name).ok_or_else(|| DatasourceError::Unsupported {
        package: name.to_owned(),
        reason: format!("`{}` is not a usable npm registry URL", redact(&registry)),
    })?;
    let mut request = Request::new(url.clone())
        .host_type("npm")
        .accept("application/json")
        .cache(format!("npm:{registry}:{name}"), PACKUMENT_TTL);
    if let Some(token) = token_for(&url, &context.registries) {
        request = request.authorization(&SecretString::from(format!(
            "Bearer {}",
            token.expose_secret()
        )));
    }
    let response = match context.http.get_bytes(request).await {
        Ok(response) => response,
        Err(HttpError::NotFound { .. }) => {
            return Err(DatasourceError::NotFound {
                package: name.to_owned(),
                registry: redact(&registry),
            });
        }
        Err(error) => return Err(error.into()),
    };
    let mut result = match parse_packument(&response.body) {
        Ok(result) => result,
        Err(PackumentError::NoVersions) => {
            return Err(DatasourceError::NotFound {
                package: name.to_owned(),
                registry: redact(&registry),
            });
        }
        Err(PackumentError::Invalid(reason)) => {
            return Err(DatasourceError::InvalidResponse {
                package: name.to_owned(),
                url: RedactedUrl::from(url).to_string(),
                reason,
            });
        }
    };
    result.registry_url = Some(registry);
    Ok(result)
}

/// The registry asked for `query` (see the module docs for the order).
fn registry_for(query: &ReleaseQuery, config: &RegistryConfig) -> String {
    if let Some(url) = query.registry_urls.first() {
        return url.clone();
    }
    let scope = query
        .package_name
        .split_once('/')
        .map(|(scope, _)| scope)
        .filter(|scope| scope.starts_with('@'));
    scope
        .and_then(|scope| config.npm_scopes.get(scope))
        .or(config.npm_registry.as_ref())
        .cloned()
        .unwrap_or_else(|| DEFAULT_REGISTRY.to_owned())
}

/// `<registry>/<name>`, with a scoped name's `/` encoded.
fn packument_url(registry: &str, name: &str) -> Option<Url> {
    if name.is_empty() || name.starts_with('.') || name.contains(['?', '#', ' ', '\\']) {
        return None;
    }
    let encoded = match name.strip_prefix('@') {
        Some(scoped) => format!("@{}", scoped.replacen('/', "%2f", 1)),
        None if name.contains('/') => return None,
        None => name.to_owned(),
    };
    let base = registry.trim_end_matches('/');
    let url = Url::parse(&format!("{base}/{encoded}")).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The `_authToken` for `url`: the longest `//host/path/` prefix that matches it.
fn token_for<'a>(url: &Url, config: &'a RegistryConfig) -> Option<&'a SecretString> {
    let target = nerf_dart(url.as_str())?;
    config
        .npm_tokens
        .iter()
        .filter(|(prefix, _)| target.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, token)| token)
}

fn redact(url: &str) -> String {
    RedactedUrl::parse(url)
        .map(|url| url.to_string())
        .unwrap_or_else(|_| url.to_owned())
}
