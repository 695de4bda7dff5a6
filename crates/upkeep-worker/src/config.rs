//! The config stage for one repository: find and load its renovate-style config, and
//! give the config crate what it needs from the other crates (versioning for
//! `matchCurrentVersion`, manager metadata for `matchCategories`).

use std::path::Path;

use upkeep_config::{
    DependencyContext, Diagnostic, LoadOptions, LoadedConfig, VersionMatcher, load_config,
    load_defaults,
};
use upkeep_manager::get_manager;
use upkeep_types::Dependency;
use upkeep_versioning::{Versioning, get_versioning};

/// Finds the repository's config (Renovate's file order) and loads it; without one, the
/// defaults. Problems are diagnostics in the result, never a failure: a broken config is
/// reported and stops only this repository's later stages that need it.
pub fn load_repository_config(root: &Path, options: &LoadOptions<'_>) -> LoadedConfig {
    let (found, discovery) = match upkeep_config::discover(root) {
        Ok(found) => found,
        Err(error) => (
            None,
            vec![Diagnostic::error(
                upkeep_config::DiagnosticKind::Io,
                "",
                "",
                format!("cannot read the repository's config files: {error}"),
            )],
        ),
    };
    let mut loaded = match found {
        Some(file) => load_config(&file.path, &file.text, options),
        None => load_defaults(options),
    };
    loaded.diagnostics.splice(0..0, discovery);
    loaded
}

/// `matchCurrentVersion` ranges answered by a dependency's own versioning scheme.
pub struct VersioningMatcher(pub &'static dyn Versioning);

impl VersionMatcher for VersioningMatcher {
    fn matches_range(&self, version: &str, range: &str) -> Option<bool> {
        let versioning = self.0;
        let version = versioning.parse_version(version)?;
        let range = versioning.parse_range(range)?;
        Some(versioning.matches(&version, &range))
    }
}

/// The versioning a dependency uses: its own, else its manager's default.
pub fn versioning_for(manager: &str, dep: &Dependency) -> Option<&'static dyn Versioning> {
    let id = dep
        .versioning
        .as_deref()
        .or_else(|| get_manager(manager).map(|manager| manager.metadata().default_versioning))?;
    get_versioning(id)
}

/// What packageRules match on, for an extracted dependency.
pub fn dependency_context(
    manager: &str,
    package_file: &str,
    dep: &Dependency,
) -> DependencyContext {
    DependencyContext {
        manager: manager.to_owned(),
        datasource: dep
            .datasource
            .map(|datasource| datasource.as_str().to_owned()),
        dep_name: dep.dep_name.clone(),
        package_name: dep.package_name.clone(),
        dep_type: dep.dep_type.clone(),
        package_file: Some(package_file.to_owned()),
        current_value: dep.current_value.clone(),
        current_version: dep.locked_version.clone(),
        categories: get_manager(manager)
            .map(|manager| {
                manager
                    .metadata()
                    .categories
                    .iter()
                    .map(|c| (*c).to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        ..DependencyContext::default()
    }
}
