//! The built-in presets, embedded from `config/presets/*.json` so the binary is
//! self-contained. Each file is one namespace (`config.json` holds `config:recommended`,
//! `default.json` the `:name` presets); each preset is re-written from the documented
//! effect of Renovate's preset of the same name.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

const FILES: &[(&str, &str)] = &[
    (
        "config",
        include_str!("../../../../config/presets/config.json"),
    ),
    (
        "default",
        include_str!("../../../../config/presets/default.json"),
    ),
    (
        "docker",
        include_str!("../../../../config/presets/docker.json"),
    ),
    (
        "group",
        include_str!("../../../../config/presets/group.json"),
    ),
    ("npm", include_str!("../../../../config/presets/npm.json")),
    (
        "schedule",
        include_str!("../../../../config/presets/schedule.json"),
    ),
    (
        "security",
        include_str!("../../../../config/presets/security.json"),
    ),
];

/// Namespaces of Renovate's own built-in presets; a preset there that upkeep does not
/// ship is reported as unsupported rather than unknown.
pub(crate) const RENOVATE_NAMESPACES: &[&str] = &[
    "abandonments",
    "compatibility",
    "config",
    "customManagers",
    "default",
    "docker",
    "global",
    "group",
    "helpers",
    "mergeConfidence",
    "monorepo",
    "npm",
    "packages",
    "preview",
    "regexManagers",
    "replacements",
    "schedule",
    "security",
    "workarounds",
];

fn table() -> &'static BTreeMap<String, Value> {
    static TABLE: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = BTreeMap::new();
        for (namespace, text) in FILES {
            // The files are checked by the tests below; a broken one is a build defect.
            let Ok(Value::Object(presets)) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            for (name, preset) in presets {
                table.insert(format!("{namespace}:{name}"), preset);
            }
        }
        table
    })
}

/// A built-in preset's content without its `description`.
pub(crate) fn get(namespace: &str, name: &str) -> Option<Value> {
    let mut preset = table().get(&format!("{namespace}:{name}"))?.clone();
    if let Value::Object(map) = &mut preset {
        map.remove("description");
    }
    Some(preset)
}

/// Every built-in preset as `(name, description)`, names as users write them.
pub fn builtin_presets() -> Vec<(String, String)> {
    table()
        .iter()
        .map(|(key, preset)| {
            let name = key
                .strip_prefix("default")
                .map_or_else(|| key.clone(), str::to_string);
            let description = preset
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (name, description.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_every_preset_is_described() {
        for (namespace, text) in FILES {
            let value: Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{namespace}.json: {e}"));
            for (name, preset) in value.as_object().unwrap() {
                assert!(
                    preset.get("description").is_some_and(Value::is_string),
                    "{namespace}:{name} has no description"
                );
            }
        }
    }

    #[test]
    fn the_issue_s_presets_are_shipped() {
        for name in [
            "config:recommended",
            "config:best-practices",
            "config:base",
            ":dependencyDashboard",
            ":disableDependencyDashboard",
            ":semanticCommits",
            ":semanticCommitsDisabled",
            ":ignoreModulesAndTests",
            ":automergeMinor",
            ":automergePatch",
            ":automergeDigest",
            ":pinAllExceptPeerDependencies",
            ":pinDevDependencies",
            ":maintainLockFilesWeekly",
            ":prHourlyLimitNone",
            ":prConcurrentLimitNone",
            ":label",
            ":labels",
            "docker:pinDigests",
            "group:allNonMajor",
            "group:all",
            "schedule:daily",
            "schedule:weekly",
            "schedule:weekends",
            "schedule:earlyMondays",
            "schedule:nonOfficeHours",
            "schedule:monthly",
            "security:minimumReleaseAgeNpm",
        ] {
            let (namespace, preset) = name.split_once(':').unwrap();
            let namespace = if namespace.is_empty() {
                "default"
            } else {
                namespace
            };
            assert!(get(namespace, preset).is_some(), "{name} is missing");
        }
    }
}
