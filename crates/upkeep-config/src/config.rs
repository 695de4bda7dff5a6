//! The typed repository configuration, built once from the merged (presets resolved,
//! validated) JSON, and the per-dependency resolution of settings.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use upkeep_types::UpdateType;

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::explain::{ExplainedLayer, Explanation, Resolution};
use crate::options::{MANAGER_OBJECTS, UPDATE_TYPE_OBJECTS};
use crate::package_rules::matchers::PatternList;
use crate::package_rules::{DependencyContext, PackageRule, VersionMatcher};
use crate::presets::Layered;
use crate::schedule::Schedule;
use crate::settings::{Settings, SettingsLayer};

/// A host rule (`hostRules[]`): credentials and limits for one registry host.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRule {
    /// Host, URL prefix or domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_host: Option<String>,
    /// Datasource or platform id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_type: Option<String>,
    /// Basic-auth user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Basic-auth password (never printed).
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    /// Bearer token (never printed).
    #[serde(default, skip_serializing)]
    pub token: Option<String>,
    /// Authorization scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    /// Timeout in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Whether requests to the host are made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Parallel requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_request_limit: Option<u32>,
    /// Requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_second: Option<u32>,
}

impl fmt::Debug for HostRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostRule")
            .field("match_host", &self.match_host)
            .field("host_type", &self.host_type)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// `platformCommit`: whether commits are made through the platform's API, which GitHub
/// marks as verified when upkeep runs as an App.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformCommit {
    /// When running as a GitHub App.
    #[default]
    Auto,
    /// Always.
    Enabled,
    /// Never: commits are pushed with git.
    Disabled,
}

/// `forkProcessing`: whether a forked repository is worked on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForkProcessing {
    /// Forks found by autodiscover are skipped unless they carry their own config;
    /// forks listed by name are processed.
    #[default]
    Auto,
    /// Forks are processed like any repository.
    Enabled,
    /// Forks are never processed.
    Disabled,
}

/// A regex custom manager (`customManagers[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomManager {
    /// Always `regex` for now.
    #[serde(default)]
    pub custom_type: String,
    /// Files to search.
    #[serde(default)]
    pub manager_file_patterns: Vec<String>,
    /// Regexes with named groups.
    #[serde(default)]
    pub match_strings: Vec<String>,
    /// `any`, `recursive` or `combination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_strings_strategy: Option<String>,
    /// Templates (`depNameTemplate`, `datasourceTemplate`…), by option name.
    #[serde(flatten)]
    pub templates: BTreeMap<String, Value>,
}

/// A manager's object (`npm: {…}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerConfig {
    /// Extra files the manager owns.
    pub manager_file_patterns: Vec<String>,
    /// Settings for its dependencies.
    pub settings: SettingsLayer,
}

/// A repository's configuration, presets resolved, every value typed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryConfig {
    /// `extends` as written in the repository's file.
    pub extends: Vec<String>,
    /// Every preset applied, in order.
    pub presets: Vec<String>,
    /// Whether upkeep acts on the repository.
    pub enabled: bool,
    /// Only these managers run (empty: all).
    pub enabled_managers: Vec<String>,
    /// Package files matching these are not extracted.
    pub ignore_paths: PatternList,
    /// Dependencies with these names are skipped.
    pub ignore_deps: Vec<String>,
    /// Branches to update.
    pub base_branch_patterns: Vec<String>,
    /// The IANA timezone name, if set.
    pub timezone: Option<String>,
    #[serde(skip)]
    time_zone: TimeZone,
    /// Keep a Dependency Dashboard issue.
    pub dependency_dashboard: bool,
    /// Its title.
    pub dependency_dashboard_title: String,
    /// Text at the top of the dashboard (`dependencyDashboardHeader`).
    pub dependency_dashboard_header: Option<String>,
    /// Text at the bottom of the dashboard (`dependencyDashboardFooter`).
    pub dependency_dashboard_footer: Option<String>,
    /// Whether commits are made through the platform's API.
    pub platform_commit: PlatformCommit,
    /// Whether a forked repository is worked on (`forkProcessing`).
    pub fork_processing: ForkProcessing,
    /// Look vulnerabilities up in OSV.
    pub osv_vulnerability_alerts: bool,
    /// Propose config migration PRs.
    pub config_migration: bool,
    /// Top-level settings (applied over the defaults).
    pub settings: SettingsLayer,
    /// `major`, `minor`, `patch`, `pin`, `digest`, `pinDigest` objects.
    pub update_types: BTreeMap<String, SettingsLayer>,
    /// Per-manager objects.
    pub managers: BTreeMap<String, ManagerConfig>,
    /// `lockFileMaintenance` (its `enabled` defaults to false).
    pub lock_file_maintenance: SettingsLayer,
    /// `vulnerabilityAlerts`.
    pub vulnerability_alerts: SettingsLayer,
    /// packageRules, in application order.
    pub package_rules: Vec<PackageRule>,
    /// Host rules.
    pub host_rules: Vec<HostRule>,
    /// Regex custom managers.
    pub custom_managers: Vec<CustomManager>,
    /// For each top-level option, the file or preset that set it.
    pub provenance: BTreeMap<String, String>,
}

fn bool_of(map: &Map<String, Value>, key: &str, default: bool) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(default)
}

fn string_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings_of(map: &Map<String, Value>, key: &str) -> Vec<String> {
    match map.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn layer_of(
    value: Option<&Value>,
    origin: &str,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> SettingsLayer {
    let Some(value) = value else {
        return SettingsLayer::default();
    };
    serde_json::from_value(value.clone()).unwrap_or_else(|error| {
        diagnostics.push(Diagnostic::error(
            DiagnosticKind::InvalidValue,
            origin,
            path,
            error.to_string(),
        ));
        SettingsLayer::default()
    })
}

impl RepositoryConfig {
    /// Builds the typed config from the merged JSON.
    pub(crate) fn from_layered(
        layered: Layered,
        extends: Vec<String>,
        presets: Vec<String>,
        origin: &str,
    ) -> (RepositoryConfig, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let map = &layered.config;
        let settings = layer_of(
            Some(&Value::Object(map.clone())),
            origin,
            "",
            &mut diagnostics,
        );
        let update_types = UPDATE_TYPE_OBJECTS
            .iter()
            .filter(|name| map.contains_key(**name))
            .map(|name| {
                (
                    name.to_string(),
                    layer_of(map.get(*name), origin, name, &mut diagnostics),
                )
            })
            .collect();
        let managers = MANAGER_OBJECTS
            .iter()
            .filter(|name| map.contains_key(**name))
            .map(|name| {
                let object = map
                    .get(*name)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let config = ManagerConfig {
                    manager_file_patterns: strings_of(&object, "managerFilePatterns"),
                    settings: layer_of(map.get(*name), origin, name, &mut diagnostics),
                };
                (name.to_string(), config)
            })
            .collect();
        let mut package_rules = Vec::new();
        for rule in &layered.rules {
            match PackageRule::from_map(rule.origin.clone(), &rule.rule) {
                Ok(rule) => package_rules.push(rule),
                Err(message) => diagnostics.push(Diagnostic::error(
                    DiagnosticKind::InvalidValue,
                    &rule.origin,
                    "",
                    message,
                )),
            }
        }
        let objects = |key: &str| -> Vec<Value> {
            map.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let host_rules = objects("hostRules")
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let custom_managers = objects("customManagers")
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let timezone = map
            .get("timezone")
            .and_then(Value::as_str)
            .map(str::to_string);
        let time_zone = timezone
            .as_deref()
            .and_then(|name| TimeZone::get(name).ok())
            .unwrap_or(TimeZone::UTC);
        let ignore_paths =
            PatternList::paths(&strings_of(map, "ignorePaths")).unwrap_or_else(|_| {
                PatternList::paths(&[])
                    .unwrap_or_else(|_| unreachable!("an empty list always compiles"))
            });
        let config = RepositoryConfig {
            extends,
            presets,
            enabled: bool_of(map, "enabled", true),
            enabled_managers: strings_of(map, "enabledManagers"),
            ignore_paths,
            ignore_deps: strings_of(map, "ignoreDeps"),
            base_branch_patterns: strings_of(map, "baseBranchPatterns"),
            timezone,
            time_zone,
            dependency_dashboard: bool_of(map, "dependencyDashboard", false),
            dependency_dashboard_title: map
                .get("dependencyDashboardTitle")
                .and_then(Value::as_str)
                .unwrap_or("Dependency Dashboard")
                .to_string(),
            dependency_dashboard_header: string_of(map, "dependencyDashboardHeader"),
            dependency_dashboard_footer: string_of(map, "dependencyDashboardFooter"),
            platform_commit: map
                .get("platformCommit")
                .and_then(|value| serde_json::from_value(value.clone()).ok())
                .unwrap_or(PlatformCommit::Auto),
            fork_processing: map
                .get("forkProcessing")
                .and_then(|value| serde_json::from_value(value.clone()).ok())
                .unwrap_or_default(),
            osv_vulnerability_alerts: bool_of(map, "osvVulnerabilityAlerts", false),
            config_migration: bool_of(map, "configMigration", false),
            settings,
            update_types,
            managers,
            lock_file_maintenance: layer_of(
                map.get("lockFileMaintenance"),
                origin,
                "lockFileMaintenance",
                &mut diagnostics,
            ),
            vulnerability_alerts: layer_of(
                map.get("vulnerabilityAlerts"),
                origin,
                "vulnerabilityAlerts",
                &mut diagnostics,
            ),
            package_rules,
            host_rules,
            custom_managers,
            provenance: layered.provenance,
        };
        (config, diagnostics)
    }

    /// The schedules' timezone (UTC unless `timezone` is set).
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// Whether `instant` is inside `schedule`, in the repository's timezone.
    pub fn in_schedule(&self, schedule: &Schedule, instant: Timestamp) -> bool {
        schedule.contains(instant, &self.time_zone)
    }

    /// Whether the manager runs (`enabledManagers` and the manager object's `enabled`).
    pub fn manager_enabled(&self, manager: &str) -> bool {
        (self.enabled_managers.is_empty() || self.enabled_managers.iter().any(|m| m == manager))
            && self.managers.get(manager).and_then(|m| m.settings.enabled) != Some(false)
    }

    /// Whether a package file is excluded by `ignorePaths`.
    pub fn is_path_ignored(&self, path: &str) -> bool {
        !self.ignore_paths.sources().is_empty() && self.ignore_paths.matches(path)
    }

    /// Whether lock file maintenance is on.
    pub fn lock_file_maintenance_enabled(&self) -> bool {
        self.lock_file_maintenance.enabled == Some(true)
    }

    /// The effective settings for a dependency (or one of its updates, when
    /// `update_type` is set), with an explanation of where each setting came from.
    ///
    /// Layers, in order: defaults, the repository config (with its presets), the
    /// manager's object, the update type's object (or `lockFileMaintenance`), every
    /// matching packageRule, `vulnerabilityAlerts` for security fixes; then the
    /// repository-wide switches (`enabled`, `enabledManagers`, `ignoreDeps`, `ignorePaths`).
    pub fn resolve(
        &self,
        dependency: &DependencyContext,
        versions: &dyn VersionMatcher,
    ) -> Resolution {
        let mut settings = Settings::default();
        let mut trace = Trace::default();
        trace.apply(
            &mut settings,
            "repository config".into(),
            &self.settings,
            Some(&self.provenance),
        );
        if let Some(manager) = self.managers.get(&dependency.manager) {
            trace.apply(
                &mut settings,
                dependency.manager.clone(),
                &manager.settings,
                None,
            );
        }
        match dependency.update_type {
            Some(UpdateType::LockFileMaintenance) => {
                trace.apply(
                    &mut settings,
                    "lockFileMaintenance".into(),
                    &self.lock_file_maintenance,
                    None,
                );
            }
            Some(update_type) => {
                if let Some(layer) = self.update_types.get(update_type.as_str()) {
                    trace.apply(&mut settings, update_type.as_str().to_string(), layer, None);
                }
            }
            None => {}
        }
        for rule in &self.package_rules {
            match rule.matches(dependency, versions) {
                Ok(()) => trace.apply(&mut settings, rule.origin.clone(), &rule.settings, None),
                Err(reason) => trace
                    .layers
                    .push(ExplainedLayer::unmatched(rule.origin.clone(), reason)),
            }
        }
        if dependency.is_vulnerability_fix {
            trace.apply(
                &mut settings,
                "vulnerabilityAlerts".into(),
                &self.vulnerability_alerts,
                None,
            );
        }
        let name = dependency
            .package_name
            .as_deref()
            .unwrap_or(&dependency.dep_name);
        let disabled_by = if !self.enabled {
            Some("enabled: false (repository)".to_string())
        } else if !self.manager_enabled(&dependency.manager) {
            Some(format!("manager `{}` is not enabled", dependency.manager))
        } else if self
            .ignore_deps
            .iter()
            .any(|d| d == &dependency.dep_name || d == name)
        {
            Some(format!("ignoreDeps lists `{}`", dependency.dep_name))
        } else {
            dependency
                .package_file
                .as_deref()
                .filter(|file| self.is_path_ignored(file))
                .map(|file| format!("ignorePaths matches `{file}`"))
        };
        if let Some(reason) = disabled_by {
            settings.enabled = false;
            let layer = SettingsLayer {
                enabled: Some(false),
                ..SettingsLayer::default()
            };
            trace.apply(&mut settings, reason, &layer, None);
        }
        Resolution {
            settings,
            explanation: Explanation {
                dependency: dependency.clone(),
                layers: trace.layers,
                sources: trace.sources,
            },
        }
    }
}

/// The layers applied so far and the source of each setting.
#[derive(Default)]
struct Trace {
    layers: Vec<ExplainedLayer>,
    sources: BTreeMap<String, String>,
}

impl Trace {
    fn apply(
        &mut self,
        settings: &mut Settings,
        source: String,
        layer: &SettingsLayer,
        provenance: Option<&BTreeMap<String, String>>,
    ) {
        if layer.is_empty() {
            return;
        }
        for name in settings.apply(layer) {
            let origin = provenance
                .and_then(|p| p.get(&name))
                .cloned()
                .unwrap_or_else(|| source.clone());
            self.sources.insert(name, origin);
        }
        self.layers.push(ExplainedLayer::matched(source, layer));
    }
}
