//! `crate`: Cargo registries through the sparse index protocol (crates.io's
//! `https://index.crates.io/` and alternate registries).
//!
//! A lookup costs one request per crate (`<index>/se/rd/serde`, see [`index`]) plus one
//! `config.json` per registry and run, which proves the URL is a sparse index (a
//! clear error instead of a confusing 404 per crate) and is cached for a day. Index
//! files are cached for 15 minutes under registry + lowercased name.
//!
//! Which index: a `registryName` (Cargo's `registry = "name"`) is resolved through
//! [`crate::RegistryConfig::cargo_registries`] (`.cargo/config.toml`, or
//! `CARGO_REGISTRIES_<NAME>_INDEX`); else the dependency's `registryUrls`
//! (`registry-index`); else crates.io. A name that cannot be resolved, or an index
//! that is a git repository (no `sparse+` prefix), is [`DatasourceError::Unsupported`]
//! with the reason: upkeep never silently asks crates.io about a crate that comes from
//! somewhere else, where a same-named crate may be a different one.
//!
//! Non-goals: git indexes (they need a clone of the whole index), and `sourceUrl`:
//! the index has no repository field, and asking the crates.io web API per crate would
//! double the requests against a rate-limited API, so it is left empty.

mod index;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use upkeep_http::{HttpError, RedactedUrl, Request, Url};
use upkeep_types::Datasource;

use crate::registry_config::cargo_registry_index;
use crate::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, RegistryConfig, ReleaseQuery,
    ReleaseResult,
};

/// crates.io's sparse index.
const CRATES_IO_INDEX: &str = "https://index.crates.io/";

/// How long an index file is served from the disk cache.
const INDEX_FILE_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a registry's `config.json` is served from the disk cache.
const CONFIG_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The `crate` datasource.
#[derive(Debug, Default)]
pub struct Crate;

impl DatasourceApi for Crate {
    fn id(&self) -> Datasource {
        Datasource::Crate
    }

    fn default_registry_urls(&self) -> &'static [&'static str] {
        &[CRATES_IO_INDEX]
    }

    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        Box::pin(get_releases(context, query))
    }

    fn get_dependency_requirements<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<BTreeMap<String, String>>, DatasourceError>> {
        Box::pin(async move {
            let file = fetch_index_file(context, query).await?;
            Ok(index::dependency_requirements(&file.body.body, version))
        })
    }
}

/// An index file as fetched: its bytes, URL and registry base.
struct IndexFile {
    body: upkeep_http::Response,
    url: Url,
    base: String,
    base_url: Url,
}

async fn get_releases(
    context: &LookupContext,
    query: &ReleaseQuery,
) -> Result<ReleaseResult, DatasourceError> {
    let name = query.package_name.as_str();
    let file = fetch_index_file(context, query).await?;
    let mut result = index::parse_index_file(&file.body.body).map_err(|reason| {
        DatasourceError::InvalidResponse {
            package: name.to_owned(),
            url: RedactedUrl::from(file.url.clone()).to_string(),
            reason,
        }
    })?;
    if result.releases.is_empty() && result.yanked_versions.is_empty() {
        return Err(DatasourceError::NotFound {
            package: name.to_owned(),
            registry: RedactedUrl::from(file.base_url).to_string(),
        });
    }
    result.registry_url = Some(file.base);
    Ok(result)
}

/// The crate's index file (shared, through the HTTP cache, by every question about it).
async fn fetch_index_file(
    context: &LookupContext,
    query: &ReleaseQuery,
) -> Result<IndexFile, DatasourceError> {
    let name = query.package_name.as_str();
    let unsupported = |reason: String| DatasourceError::Unsupported {
        package: name.to_owned(),
        reason,
    };
    let base = resolve_index(query, &context.registries).map_err(unsupported)?;
    let path = index::index_path(name)
        .ok_or_else(|| unsupported(format!("`{name}` is not a valid crate name")))?;
    let base_url = Url::parse(&base)
        .map_err(|error| unsupported(format!("index `{base}` is not a URL: {error}")))?;
    check_config(context, name, &base_url).await?;

    let url = join(&base_url, &path).map_err(unsupported)?;
    let request = Request::new(url.clone()).host_type("crate").cache(
        format!("crate:{base}{}", name.to_ascii_lowercase()),
        INDEX_FILE_TTL,
    );
    let not_found = || DatasourceError::NotFound {
        package: name.to_owned(),
        registry: RedactedUrl::from(base_url.clone()).to_string(),
    };
    let response = match context.http.get_bytes(request).await {
        Ok(response) => response,
        Err(HttpError::NotFound { .. }) => return Err(not_found()),
        Err(error) => return Err(error.into()),
    };
    Ok(IndexFile {
        body: response,
        url,
        base,
        base_url,
    })
}

/// Fetches and checks `config.json` (shared by every crate of the registry in a run).
async fn check_config(
    context: &LookupContext,
    name: &str,
    base_url: &Url,
) -> Result<(), DatasourceError> {
    let url = join(base_url, "config.json").map_err(|reason| DatasourceError::Unsupported {
        package: name.to_owned(),
        reason,
    })?;
    let request = Request::new(url.clone())
        .host_type("crate")
        .cache(format!("crate-config:{base_url}"), CONFIG_TTL);
    let response = match context.http.get_bytes(request).await {
        Ok(response) => response,
        Err(HttpError::NotFound { .. }) => {
            return Err(DatasourceError::Unsupported {
                package: name.to_owned(),
                reason: format!(
                    "`{}` is not a Cargo sparse index (no `config.json`)",
                    RedactedUrl::from(base_url.clone())
                ),
            });
        }
        Err(error) => return Err(error.into()),
    };
    index::parse_config(&response.body)
        .map(drop)
        .map_err(|reason| DatasourceError::InvalidResponse {
            package: name.to_owned(),
            url: RedactedUrl::from(url).to_string(),
            reason,
        })
}

fn join(base: &Url, path: &str) -> Result<Url, String> {
    base.join(path)
        .map_err(|error| format!("cannot build an index URL: {error}"))
}

/// The `https://…/` base of the sparse index to ask, or why there is none.
fn resolve_index(query: &ReleaseQuery, config: &RegistryConfig) -> Result<String, String> {
    if let Some(name) = &query.registry_name {
        let Some(index) = cargo_registry_index(config, name) else {
            let variable = name.to_ascii_uppercase().replace('-', "_");
            return Err(format!(
                "registry `{name}` is not defined: add `[registries.{name}] index = \
                 \"sparse+https://…\"` to `.cargo/config.toml` or set \
                 `CARGO_REGISTRIES_{variable}_INDEX`"
            ));
        };
        return sparse_base(index).ok_or_else(|| {
            format!(
                "registry `{name}` uses the git index `{index}`; only sparse indexes \
                 (`sparse+https://…`) are supported"
            )
        });
    }
    match query.registry_urls.first() {
        Some(index) => sparse_base(index).ok_or_else(|| {
            format!(
                "`{index}` is a git index; only sparse indexes (`sparse+https://…`) are supported"
            )
        }),
        None => Ok(CRATES_IO_INDEX.to_owned()),
    }
}

/// The sparse index base for an index URL as Cargo writes it; `None` for a git index.
fn sparse_base(index: &str) -> Option<String> {
    if let Some(url) = index.strip_prefix("sparse+") {
        return Some(if url.ends_with('/') {
            url.to_owned()
        } else {
            format!("{url}/")
        });
    }
    let plain = index.strip_prefix("registry+").unwrap_or(index);
    let plain = plain.trim_end_matches('/');
    let plain = plain.strip_suffix(".git").unwrap_or(plain);
    let is_crates_io = matches!(
        plain,
        "https://github.com/rust-lang/crates.io-index"
            | "https://crates.io"
            | "https://index.crates.io"
    );
    is_crates_io.then(|| CRATES_IO_INDEX.to_owned())
}
