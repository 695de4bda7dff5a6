//! How long a cached answer is served without asking the registry: Renovate's
//! `cacheTtlOverride` (minutes per cache namespace) and `cacheHardTtlMinutes`.
//!
//! The namespace of an entry is its key's prefix before the first `:`, chosen by the
//! datasource: `npm:registry.npmjs.org:react` is in `npm`. The datasource's own TTL is
//! the default; these are upkeep's, per namespace:
//!
//! | namespace | what | default TTL |
//! | --- | --- | --- |
//! | `docker-tags` | an image's tag list | 1 h |
//! | `docker` | a manifest by tag, an image config blob (immutable: 30 days) | 15 min |
//! | `npm` | a packument | 15 min |
//! | `crate` / `crate-config` | a sparse index file / the index's `config.json` | 15 min / 24 h |
//! | `terraform-provider`, `terraform-module` | a version list | 1 h |
//! | `terraform-discovery` | a registry's service discovery | 24 h |
//! | `osv` | an OSV record (immutable once its `modified` stamp is in the key: 30 days) | 1 h |
//!
//! An override applies to every entry of its namespace; `*` to every namespace not
//! named. A fresh entry is served without a request; a stale one is revalidated with
//! `ETag`/`Last-Modified` whatever its TTL, so shortening a TTL costs conditional
//! requests, not full downloads.

use std::collections::BTreeMap;
use std::time::Duration;

/// Kept by Redis this long at least (Renovate's `cacheHardTtlMinutes` default: 7
/// days), so that stale entries can still be revalidated.
pub const DEFAULT_HARD_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// TTL overrides per cache namespace (`cacheTtlOverride`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheTtls {
    overrides: BTreeMap<String, Duration>,
}

impl CacheTtls {
    /// Overrides by namespace (`*` for every namespace not named).
    pub fn new(overrides: impl IntoIterator<Item = (String, Duration)>) -> Self {
        Self {
            overrides: overrides.into_iter().collect(),
        }
    }

    /// Reads Renovate's `cacheTtlOverride` JSON: an object of namespace → minutes,
    /// such as `{"docker-tags": 120, "*": 30}`.
    pub fn from_json_minutes(text: &str) -> Result<Self, String> {
        let object: BTreeMap<String, serde_json::Value> = serde_json::from_str(text)
            .map_err(|error| format!("expected an object of namespace → minutes: {error}"))?;
        let mut overrides = BTreeMap::new();
        for (namespace, minutes) in object {
            let minutes = minutes.as_u64().ok_or_else(|| {
                format!("`{namespace}`: expected a whole number of minutes, found `{minutes}`")
            })?;
            overrides.insert(namespace, Duration::from_secs(minutes.saturating_mul(60)));
        }
        Ok(Self { overrides })
    }

    /// The namespace of a cache key.
    pub fn namespace(key: &str) -> &str {
        key.split_once(':').map_or(key, |(namespace, _)| namespace)
    }

    /// The TTL for an entry under `key` whose datasource asked for `default`.
    pub fn ttl(&self, key: &str, default: Duration) -> Duration {
        self.overrides
            .get(Self::namespace(key))
            .or_else(|| self.overrides.get("*"))
            .copied()
            .unwrap_or(default)
    }

    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.overrides.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn the_datasource_default_applies_unless_its_namespace_is_overridden() {
        let ttls = CacheTtls::from_json_minutes(r#"{"docker-tags": 120}"#).unwrap();
        assert_eq!(
            ttls.ttl("docker-tags:ghcr.io/v2/a/tags/list", HOUR),
            2 * HOUR
        );
        assert_eq!(ttls.ttl("npm:registry.npmjs.org:react", HOUR), HOUR);
    }

    #[test]
    fn the_wildcard_covers_namespaces_not_named() {
        let ttls = CacheTtls::from_json_minutes(r#"{"*": 5, "osv": 0}"#).unwrap();
        assert_eq!(ttls.ttl("npm:r:react", HOUR), Duration::from_secs(300));
        assert_eq!(
            ttls.ttl("osv:https://api.osv.dev/:GHSA-1", HOUR),
            Duration::ZERO
        );
    }

    #[test]
    fn bad_overrides_name_the_namespace() {
        let error = CacheTtls::from_json_minutes(r#"{"npm": "soon"}"#).unwrap_err();
        assert!(error.contains("`npm`"), "{error}");
        assert!(CacheTtls::from_json_minutes("[1]").is_err());
    }
}
