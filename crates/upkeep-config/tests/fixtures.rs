//! Realistic configurations resolved for chosen dependencies, and broken ones with their
//! diagnostics, as snapshots. Each folder of `fixtures/` holds a config file (found with
//! Renovate's discovery order) and `deps.json`, the dependencies to resolve.

use std::path::Path;

use serde_json::{Map, Value, json};
use upkeep_config::{
    DependencyContext, LoadOptions, LoadedConfig, MapPresetResolver, Settings, VersionMatcher,
    discover, load_config,
};

/// A test double for a versioning scheme: dotted numeric versions and space-separated
/// comparisons (`>= 1.0.0 < 2.0.0`).
struct DottedVersions;

fn parse(version: &str) -> Option<Vec<u64>> {
    version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().ok())
        .collect()
}

impl VersionMatcher for DottedVersions {
    fn matches_range(&self, version: &str, range: &str) -> Option<bool> {
        let version = parse(version)?;
        let tokens: Vec<&str> = range.split_whitespace().collect();
        let mut result = true;
        for pair in tokens.chunks(2) {
            let [operator, bound] = pair else { return None };
            let bound = parse(bound)?;
            result &= match *operator {
                ">=" => version >= bound,
                ">" => version > bound,
                "<=" => version <= bound,
                "<" => version < bound,
                "=" => version == bound,
                _ => return None,
            };
        }
        Some(result)
    }
}

/// The settings that differ from the defaults.
fn changed(settings: &Settings) -> Value {
    let defaults = serde_json::to_value(Settings::default()).unwrap();
    let actual = serde_json::to_value(settings).unwrap();
    let mut out = Map::new();
    for (key, value) in actual.as_object().unwrap() {
        if defaults.get(key) != Some(value) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn load(dir: &Path) -> LoadedConfig {
    let (file, _) = discover(dir).unwrap();
    let file = file.unwrap_or_else(|| panic!("no config in {}", dir.display()));
    load_config(&file.path, &file.text, &LoadOptions::default())
}

fn run_fixture(name: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let loaded = load(&dir);
    let deps: Vec<DependencyContext> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("deps.json")).unwrap()).unwrap();
    let resolved: Vec<Value> = deps
        .iter()
        .map(|dep| {
            let resolution = loaded.config.resolve(dep, &DottedVersions);
            json!({
                "depName": dep.dep_name,
                "updateType": dep.update_type,
                "settings": changed(&resolution.settings),
                "explanation": resolution.explanation.to_text().lines().collect::<Vec<_>>(),
                "sources": resolution.explanation.sources,
            })
        })
        .collect();
    json!({
        "file": loaded.file,
        "diagnostics": loaded.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "presets": loaded.config.presets,
        "resolved": resolved,
    })
}

macro_rules! fixture_tests {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                insta::assert_json_snapshot!($dir, run_fixture($dir));
            }
        )*
    };
}

fixture_tests! {
    monorepo_groups_resolve_per_package => "monorepo-groups",
    json5_text_schedules_resolve_per_package => "text-schedules-json5",
    automerge_minor_and_patch_with_version_ranges => "automerge-minor-patch",
    legacy_config_base_is_migrated_with_warnings => "legacy-config-base",
    package_json_renovate_key_is_read => "package-json-key",
    best_practices_with_docker_and_ignored_presets => "best-practices-docker",
}

fn bad(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let resolver = MapPresetResolver::new()
        .with(
            "github>acme/renovate-config",
            r#"{"extends": ["github>acme/renovate-config:base"], "labels": ["a"]}"#,
        )
        .with(
            "github>acme/renovate-config:base",
            r#"{"extends": ["github>acme/renovate-config"], "automerge": true}"#,
        );
    let options = LoadOptions {
        resolver: &resolver,
        defaults: None,
    };
    let loaded = load_config(name, &text, &options);
    let mut out = String::new();
    if loaded.fatal {
        out.push_str("(fatal: the repository is skipped)\n");
    }
    for diagnostic in &loaded.diagnostics {
        out.push_str(&diagnostic.to_string());
        out.push('\n');
    }
    out
}

macro_rules! bad_config_tests {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!($file, bad($file));
            }
        )*
    };
}

bad_config_tests! {
    broken_json_is_one_syntax_error => "broken-json.json",
    broken_json5_is_one_syntax_error => "broken-json5.json5",
    wrong_types_name_the_expected_type => "wrong-types.json",
    unknown_keys_suggest_and_global_only_keys_are_rejected => "unknown-keys.json",
    invalid_regexes_drop_their_rule => "invalid-regex.json",
    unknown_timezone_is_an_error => "unknown-timezone.json",
    unparsable_schedules_say_why => "unparsable-schedule.json",
    preset_cycles_are_reported_once => "preset-cycle.json",
    missing_presets_are_errors_not_crashes => "missing-preset.json",
}

#[test]
fn a_broken_config_does_not_stop_other_repositories() {
    let repositories = [("a", "{ broken"), ("b", r#"{"labels": ["ok"]}"#)];
    let loaded: Vec<LoadedConfig> = repositories
        .iter()
        .map(|(_, text)| load_config("renovate.json", text, &LoadOptions::default()))
        .collect();
    assert!(loaded[0].fatal);
    assert!(!loaded[1].fatal && !loaded[1].has_errors());
    assert_eq!(
        loaded[1].config.settings.labels.as_deref(),
        Some(&["ok".to_string()][..])
    );
}
