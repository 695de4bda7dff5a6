//! `terraform-provider` and `terraform-module`: the Terraform registry protocol, against
//! any host that speaks it (registry.terraform.io, registry.opentofu.org, Terraform
//! Cloud/Enterprise, a private registry).
//!
//! Two requests per package, and in practice one: service discovery
//! (`/.well-known/terraform.json`) is asked once per host and run and cached for a
//! day, because it names the API's base path and almost never changes; the versions
//! listing is cached for 30 minutes per host and address. Which host: the one in the
//! address (`app.terraform.io/acme/net/aws`), else the dependency's `registryUrls`
//! (the terraform manager puts `https://registry.opentofu.org` there for OpenTofu
//! files), else registry.terraform.io. The scheme comes from the registry URL, so a
//! test registry on `http://127.0.0.1:PORT` works like a real one.
//!
//! Left out: modules' and providers' `sourceUrl` (the public registry's detail endpoint
//! has it, but it is not part of the protocol other hosts implement, and it would be a
//! second request per package), and release timestamps (the protocol has none).

mod protocol;

#[cfg(test)]
mod tests;

use std::time::Duration;

use upkeep_http::{HttpError, RedactedUrl, Request, Url};
use upkeep_types::Datasource;

use crate::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, ReleaseQuery, ReleaseResult,
};
use protocol::{Address, parse_discovery, parse_module, parse_module_versions, parse_provider};

/// The public Terraform registry.
const DEFAULT_REGISTRY: &str = "https://registry.terraform.io";

/// How long a host's discovery document is served from the disk cache.
const DISCOVERY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a versions listing is served from the disk cache.
const VERSIONS_TTL: Duration = Duration::from_secs(60 * 60);

/// The `terraform-provider` datasource.
#[derive(Debug, Default)]
pub struct TerraformProvider;

/// The `terraform-module` datasource.
#[derive(Debug, Default)]
pub struct TerraformModule;

/// What differs between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Provider,
    Module,
}

impl Kind {
    fn service(self) -> &'static str {
        match self {
            Kind::Provider => "providers.v1",
            Kind::Module => "modules.v1",
        }
    }

    fn parse(self, name: &str) -> Option<Address> {
        match self {
            Kind::Provider => parse_provider(name),
            Kind::Module => parse_module(name),
        }
    }

    fn parse_versions(self, body: &[u8]) -> Result<Option<ReleaseResult>, String> {
        match self {
            Kind::Provider => protocol::parse_provider_versions(body).map(Some),
            Kind::Module => parse_module_versions(body),
        }
    }

    /// The public registry's page for the package.
    fn homepage(self, path: &str) -> String {
        match self {
            Kind::Provider => format!("{DEFAULT_REGISTRY}/providers/{path}"),
            Kind::Module => format!("{DEFAULT_REGISTRY}/modules/{path}"),
        }
    }
}

impl DatasourceApi for TerraformProvider {
    fn id(&self) -> Datasource {
        Datasource::TerraformProvider
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[DEFAULT_REGISTRY]
    }

    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(get_releases(context, query, Kind::Provider))
    }
}

impl DatasourceApi for TerraformModule {
    fn id(&self) -> Datasource {
        Datasource::TerraformModule
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[DEFAULT_REGISTRY]
    }

    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(get_releases(context, query, Kind::Module))
    }
}

async fn get_releases(
    context: &LookupContext,
    query: &ReleaseQuery,
    kind: Kind,
) -> Result<ReleaseResult, DatasourceError> {
    let name = query.package_name.as_str();
    let unsupported = |reason: String| DatasourceError::Unsupported {
        package: name.to_owned(),
        reason,
    };
    let address = kind
        .parse(name)
        .ok_or_else(|| unsupported(format!("`{name}` is not a registry address")))?;
    let origin = registry_origin(query, &address).map_err(unsupported)?;
    let base = discover(context, name, &origin, kind).await?;
    let path = address.path.join("/");
    let url = base
        .join(&format!("{path}/versions"))
        .map_err(|error| unsupported(format!("cannot build the versions URL: {error}")))?;
    let host = origin.host_str().unwrap_or_default();
    let request = Request::new(url.clone())
        .host_type(Datasource::from(kind).as_str())
        .cache(
            format!("{}:{origin}:{path}", Datasource::from(kind)),
            VERSIONS_TTL,
        );
    let not_found = || DatasourceError::NotFound {
        package: name.to_owned(),
        registry: RedactedUrl::from(origin.clone()).to_string(),
    };
    let response = match context.http.get_bytes(request).await {
        Ok(response) => response,
        Err(HttpError::NotFound { .. }) => return Err(not_found()),
        Err(error) => return Err(error.into()),
    };
    let mut result = kind
        .parse_versions(&response.body)
        .map_err(|reason| DatasourceError::InvalidResponse {
            package: name.to_owned(),
            url: RedactedUrl::from(url).to_string(),
            reason,
        })?
        .ok_or_else(not_found)?;
    if host == "registry.terraform.io" {
        result.homepage = Some(kind.homepage(&path));
    }
    result.registry_url = Some(origin.as_str().trim_end_matches('/').to_owned());
    Ok(result)
}

impl From<Kind> for Datasource {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Provider => Datasource::TerraformProvider,
            Kind::Module => Datasource::TerraformModule,
        }
    }
}

/// `scheme://host[:port]/` of the registry to ask.
fn registry_origin(query: &ReleaseQuery, address: &Address) -> Result<Url, String> {
    let text = match &address.host {
        Some(host) => format!("https://{host}"),
        None => query
            .registry_urls
            .first()
            .cloned()
            .unwrap_or_else(|| DEFAULT_REGISTRY.to_owned()),
    };
    let url = Url::parse(&text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{text}` is not an http(s) registry URL"));
    }
    let mut origin = url;
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    Ok(origin)
}

/// The base URL of the kind's service on the registry at `origin`.
async fn discover(
    context: &LookupContext,
    name: &str,
    origin: &Url,
    kind: Kind,
) -> Result<Url, DatasourceError> {
    let service = kind.service();
    let document_url = origin.join(".well-known/terraform.json").map_err(|error| {
        DatasourceError::Unsupported {
            package: name.to_owned(),
            reason: format!("cannot build the discovery URL: {error}"),
        }
    })?;
    // The datasource's own host type, so its hostRules credentials apply to discovery
    // too (a private registry may want them); at worst two requests per host and run.
    let request = Request::new(document_url.clone())
        .host_type(Datasource::from(kind).as_str())
        .cache(format!("terraform-discovery:{origin}"), DISCOVERY_TTL);
    let shown = RedactedUrl::from(origin.clone());
    let response = match context.http.get_bytes(request).await {
        Ok(response) => response,
        Err(HttpError::NotFound { .. }) => {
            return Err(DatasourceError::Unsupported {
                package: name.to_owned(),
                reason: format!("`{shown}` has no Terraform service discovery document"),
            });
        }
        Err(error) => return Err(error.into()),
    };
    match parse_discovery(&response.body, &document_url, service) {
        Ok(Some(base)) => Ok(base),
        Ok(None) => Err(DatasourceError::Unsupported {
            package: name.to_owned(),
            reason: format!("`{shown}` does not offer the `{service}` service"),
        }),
        Err(reason) => Err(DatasourceError::InvalidResponse {
            package: name.to_owned(),
            url: RedactedUrl::from(document_url).to_string(),
            reason,
        }),
    }
}
