//! Settings for one update: the repository config resolved for the dependency *and* the
//! update's type, so that packageRules with `matchUpdateTypes` and the `major`/`minor`/
//! `digest`… objects apply, and `vulnerabilityAlerts` for fixes.

use upkeep_config::RepositoryConfig;
use upkeep_types::{LookedUpDependency, Update};

use super::Candidate;
use crate::config::{VersioningMatcher, dependency_context, versioning_for};

/// Builds the planning candidate for one update of a looked-up dependency.
pub fn resolve_candidate(
    config: &RepositoryConfig,
    manager: &str,
    package_file: &str,
    dependency: &LookedUpDependency,
    update: &Update,
) -> Candidate {
    let mut context = dependency_context(manager, package_file, &dependency.dependency);
    context.update_type = update.update_type;
    context.is_vulnerability_fix = update.is_vulnerability_fix;
    context.source_url = dependency.source_url.clone();
    if dependency.current_version.is_some() {
        context.current_version = dependency.current_version.clone();
    }
    let resolution = match versioning_for(manager, &dependency.dependency) {
        Some(versioning) => config.resolve(&context, &VersioningMatcher(versioning)),
        None => config.resolve(&context, &upkeep_config::NoVersioning),
    };
    Candidate {
        manager: manager.to_owned(),
        package_file: package_file.to_owned(),
        dependency: dependency.dependency.clone(),
        current_version: dependency.current_version.clone(),
        source_url: dependency.source_url.clone(),
        update: update.clone(),
        settings: resolution.settings,
        configured: resolution.explanation.sources,
        not_applicable: None,
    }
}
