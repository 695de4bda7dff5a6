//! The config stage for one repository: find and load its renovate-style config, and
//! give the config crate what it needs from the other crates (versioning for
//! `matchCurrentVersion`, manager metadata for `matchCategories`).

use std::path::Path;

use upkeep_config::{
    DependencyContext, Diagnostic, LoadOptions, LoadedConfig, NoVersioning, RepositoryConfig,
    Settings, VersionMatcher, load_config, load_defaults,
};
use upkeep_manager::get_manager;
use upkeep_types::Dependency;
use upkeep_versioning::{Versioning, get_versioning};

use crate::lookup::{AllowedVersions, LookupReport, LookupSettings};

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
    let file = loaded.file.clone().unwrap_or_default();
    loaded.diagnostics.extend(
        not_acted_on(&loaded.config)
            .into_iter()
            .map(|(option, message)| {
                Diagnostic::warning(
                    upkeep_config::DiagnosticKind::NotActedOn,
                    &file,
                    option,
                    message,
                )
            }),
    );
    loaded
}

/// Valid repository options that the pipeline does not act on yet: said out loud, so a
/// user never believes a setting took effect when it did not.
fn not_acted_on(config: &RepositoryConfig) -> Vec<(&'static str, &'static str)> {
    let mut found = Vec::new();
    if config.lock_file_maintenance_enabled() {
        found.push((
            "lockFileMaintenance",
            "lock file maintenance branches are not created yet",
        ));
    }
    if !config.custom_managers.is_empty() {
        found.push(("customManagers", "custom (regex) managers are not run yet"));
    }
    if !config.host_rules.is_empty() {
        found.push((
            "hostRules",
            "host rules from the repository config are not used yet; give credentials to the bot (environment variables)",
        ));
    }
    if !config.base_branch_patterns.is_empty() {
        found.push((
            "baseBranchPatterns",
            "only the checkout's base branch is processed",
        ));
    }
    found
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

/// The lookup settings of one dependency: the repository-level switches (`enabled`,
/// `enabledManagers`, `ignorePaths`, `ignoreDeps`), then the config resolved for it
/// (repository options, manager objects, packageRules in order).
pub fn lookup_settings_for(
    config: &RepositoryConfig,
    manager: &str,
    package_file: &str,
    dep: &Dependency,
) -> LookupSettings {
    let context = dependency_context(manager, package_file, dep);
    let settings = resolve(config, manager, dep, &context).settings;
    let ignored = !config.enabled
        || !config.manager_enabled(manager)
        || config.is_path_ignored(package_file)
        || config
            .ignore_deps
            .iter()
            .any(|name| name == &dep.dep_name || Some(name) == dep.package_name.as_ref());
    to_lookup_settings(&settings, !ignored)
}

fn resolve(
    config: &RepositoryConfig,
    manager: &str,
    dep: &Dependency,
    context: &DependencyContext,
) -> upkeep_config::Resolution {
    match versioning_for(manager, dep) {
        Some(versioning) => config.resolve(context, &VersioningMatcher(versioning)),
        None => config.resolve(context, &NoVersioning),
    }
}

/// The config's typed settings in the lookup's terms.
fn to_lookup_settings(settings: &Settings, enabled: bool) -> LookupSettings {
    LookupSettings {
        enabled: enabled && settings.enabled,
        ignore_unstable: settings.ignore_unstable,
        ignore_deprecated: settings.ignore_deprecated,
        // the constraint was validated when the config was loaded
        allowed_versions: settings
            .allowed_versions
            .as_ref()
            .and_then(|constraint| constraint.source().parse::<AllowedVersions>().ok()),
        minimum_release_age: settings
            .minimum_release_age
            .as_ref()
            .and_then(|age| jiff::SignedDuration::try_from(age.duration()).ok()),
        range_strategy: settings.range_strategy,
        separate_major_minor: settings.separate_major_minor,
        separate_multiple_major: settings.separate_multiple_major,
        separate_minor_patch: settings.separate_minor_patch,
        follow_tag: settings.follow_tag.clone(),
        pin_digests: settings.pin_digests,
        versioning: settings.versioning.clone(),
        registry_urls: settings.registry_urls.clone(),
        vulnerability_fix_highest: settings.vulnerability_fix_strategy
            == upkeep_config::VulnerabilityFixStrategy::Highest,
        ..LookupSettings::default()
    }
}

/// Drops the updates that packageRules matching on `matchUpdateTypes` (or on the new
/// version) disable — "no major updates of X" is the most common rule there is, and it
/// can only be applied once the update type is known.
pub fn apply_update_rules(report: &mut LookupReport, config: &RepositoryConfig) {
    for (manager, files) in &mut report.package_files {
        for file in files {
            for looked_up in &mut file.deps {
                let dep = &looked_up.dependency;
                let mut context = dependency_context(manager, &file.package_file, dep);
                context.current_version = looked_up
                    .current_version
                    .clone()
                    .or(context.current_version);
                let mut kept = Vec::with_capacity(looked_up.updates.len());
                for update in looked_up.updates.drain(..) {
                    context.update_type = update.update_type;
                    if resolve(config, manager, dep, &context).settings.enabled {
                        kept.push(update);
                    }
                }
                looked_up.updates = kept;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use upkeep_types::{Datasource, LookedUpDependency, Update, UpdateType};

    use super::*;
    use crate::lookup::LookedUpPackageFile;

    fn config(text: &str) -> RepositoryConfig {
        let loaded = load_config("renovate.json", text, &LoadOptions::default());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded.config
    }

    fn npm(name: &str, value: &str) -> Dependency {
        Dependency {
            current_value: Some(value.to_owned()),
            dep_type: Some("dependencies".to_owned()),
            ..Dependency::new(name, Some(Datasource::Npm))
        }
    }

    #[test]
    fn package_rules_and_repository_switches_reach_the_lookup_settings() {
        let config = config(
            r#"{
              "ignoreDeps": ["left-pad"],
              "ignorePaths": ["legacy/**"],
              "packageRules": [
                {"matchPackageNames": ["react"], "rangeStrategy": "pin", "minimumReleaseAge": "3 days"},
                {"matchManagers": ["npm"], "allowedVersions": "<5"}
              ]
            }"#,
        );
        let react = lookup_settings_for(&config, "npm", "package.json", &npm("react", "^18.0.0"));
        assert!(react.enabled);
        assert_eq!(react.range_strategy, upkeep_versioning::RangeStrategy::Pin);
        assert_eq!(
            react.minimum_release_age,
            Some(jiff::SignedDuration::from_hours(72))
        );
        assert!(react.allowed_versions.is_some());
        let ignored = lookup_settings_for(&config, "npm", "package.json", &npm("left-pad", "1"));
        assert!(!ignored.enabled);
        let legacy = lookup_settings_for(&config, "npm", "legacy/package.json", &npm("react", "1"));
        assert!(!legacy.enabled);
    }

    #[test]
    fn options_not_acted_on_are_reported_not_ignored() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("renovate.json"),
            r#"{"lockFileMaintenance": {"enabled": true}, "enabled": false}"#,
        )
        .unwrap();
        let loaded = load_repository_config(root.path(), &LoadOptions::default());
        let warned: Vec<&str> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.kind == upkeep_config::DiagnosticKind::NotActedOn)
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(warned, ["lockFileMaintenance"]);
        // a repository that disables upkeep gets no lookups
        let settings = lookup_settings_for(&loaded.config, "npm", "package.json", &npm("a", "1"));
        assert!(!settings.enabled);
    }

    #[test]
    fn rules_on_update_types_drop_only_those_updates() {
        let config = config(
            r#"{"packageRules": [{"matchPackageNames": ["react"], "matchUpdateTypes": ["major"], "enabled": false}]}"#,
        );
        let update = |update_type| Update {
            update_type: Some(update_type),
            ..Update::default()
        };
        let mut report = LookupReport::default();
        report.package_files.insert(
            "npm".to_owned(),
            vec![LookedUpPackageFile {
                package_file: "package.json".to_owned(),
                lock_files: Vec::new(),
                deps: vec![
                    LookedUpDependency {
                        dependency: npm("react", "^18.0.0"),
                        updates: vec![update(UpdateType::Minor), update(UpdateType::Major)],
                        ..LookedUpDependency::default()
                    },
                    LookedUpDependency {
                        dependency: npm("vue", "^2.0.0"),
                        updates: vec![update(UpdateType::Major)],
                        ..LookedUpDependency::default()
                    },
                ],
            }],
        );
        apply_update_rules(&mut report, &config);
        let deps = &report.package_files["npm"][0].deps;
        let types = |index: usize| -> Vec<Option<UpdateType>> {
            deps[index].updates.iter().map(|u| u.update_type).collect()
        };
        assert_eq!(types(0), [Some(UpdateType::Minor)]);
        assert_eq!(types(1), [Some(UpdateType::Major)]);
    }
}
