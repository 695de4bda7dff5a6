//! The public API as the worker and the binary use it.

use serde_json::json;
use upkeep_config::presets::builtin_presets;
use upkeep_config::{
    DependencyContext, LoadOptions, MapPresetResolver, NoVersioning, UpdateType, ValidateOptions,
    format_diagnostics, load_config, validate_file,
};

#[test]
fn validate_config_strict_fails_on_migrations() {
    let text = "{\n  \"extends\": [\"config:base\"],\n  \"unknownThing\": 1\n}\n";
    let relaxed = validate_file(
        "repo/renovate.json",
        text,
        ValidateOptions { strict: false },
    );
    assert_eq!(
        format_diagnostics(&relaxed),
        "repo/renovate.json:2:15: warning: extends[0]: preset `config:base` is deprecated; use \"config:recommended\"\n\
         repo/renovate.json:3:3: error: unknownThing: unknown option `unknownThing`\n\
         1 error, 1 warning\n"
    );
    let strict = validate_file("repo/renovate.json", text, ValidateOptions { strict: true });
    assert!(strict.iter().all(|d| d.is_error()));
}

#[test]
fn repository_presets_are_a_warning_offline() {
    let text = r#"{"extends": ["github>acme/renovate-config"]}"#;
    let diagnostics = validate_file("renovate.json", text, ValidateOptions::default());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0].to_string(),
        "renovate.json:1:14: warning: extends[0]: repository preset `github>acme/renovate-config` is not checked offline"
    );
}

#[test]
fn every_builtin_preset_loads_cleanly() {
    for (name, description) in builtin_presets() {
        assert!(!description.is_empty(), "{name}");
        let reference = match name.as_str() {
            ":label"
            | ":assignee"
            | ":reviewer"
            | ":semanticCommitType"
            | ":semanticCommitScope"
            | ":enableVulnerabilityAlertsWithLabel" => format!("{name}(x)"),
            ":labels" => format!("{name}(x, y)"),
            ":timezone" => format!("{name}(Europe/Paris)"),
            _ => name.clone(),
        };
        let text = json!({ "extends": [reference] }).to_string();
        let loaded = load_config("renovate.json", &text, &LoadOptions::default());
        // `config:base` is shipped for old configs but reported as migrated.
        let expected = usize::from(name == "config:base");
        assert_eq!(
            loaded.diagnostics.len(),
            expected,
            "{name}: {:?}",
            loaded.diagnostics
        );
    }
}

#[test]
fn repository_presets_nest_and_rules_extending_presets_are_flattened() {
    let resolver = MapPresetResolver::new().with(
        "github>acme/renovate-config",
        r#"{ // org-wide defaults
            extends: ["config:recommended"],
            labels: ["renovate"],
            packageRules: [{ matchDepTypes: ["devDependencies"], extends: [":pinDevDependencies"], addLabels: ["dev"] }],
        }"#,
    );
    let text = r#"{"extends": ["github>acme/renovate-config"], "packageRules": [{"matchFileNames": ["tools/**"], "extends": [":pinAllExceptPeerDependencies"]}]}"#;
    let loaded = load_config(
        "renovate.json",
        text,
        &LoadOptions {
            resolver: &resolver,
            defaults: None,
        },
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let origins: Vec<&str> = loaded
        .config
        .package_rules
        .iter()
        .map(|r| r.origin.as_str())
        .collect();
    assert_eq!(
        origins[3..],
        [
            "preset github>acme/renovate-config packageRules[0]",
            "preset github>acme/renovate-config packageRules[0] › preset :pinDevDependencies packageRules[0]",
            "renovate.json packageRules[0]",
            "renovate.json packageRules[0] › preset :pinAllExceptPeerDependencies packageRules[0]",
            "renovate.json packageRules[0] › preset :pinAllExceptPeerDependencies packageRules[1]",
        ]
    );
    let tool = DependencyContext {
        manager: "npm".into(),
        dep_name: "prettier".into(),
        dep_type: Some("dependencies".into()),
        package_file: Some("tools/lint/package.json".into()),
        ..DependencyContext::default()
    };
    let app = DependencyContext {
        package_file: Some("package.json".into()),
        ..tool.clone()
    };
    let resolved = loaded.config.resolve(&tool, &NoVersioning);
    assert_eq!(
        resolved.settings.range_strategy,
        upkeep_config::RangeStrategy::Pin
    );
    assert_eq!(resolved.settings.labels, ["renovate"]);
    assert_eq!(
        resolved.explanation.sources["labels"],
        "preset github>acme/renovate-config"
    );
    assert_eq!(
        loaded
            .config
            .resolve(&app, &NoVersioning)
            .settings
            .range_strategy,
        upkeep_config::RangeStrategy::Auto
    );
}

#[test]
fn explanation_serialises_to_json() {
    let text = r#"{"packageRules": [
        {"matchPackageNames": ["serde*"], "groupName": "serde"},
        {"matchUpdateTypes": ["major"], "automerge": false, "addLabels": ["major"]}
    ]}"#;
    let loaded = load_config("renovate.json", text, &LoadOptions::default());
    let dependency = DependencyContext {
        manager: "cargo".into(),
        datasource: Some("crate".into()),
        dep_name: "serde_json".into(),
        update_type: Some(UpdateType::Minor),
        ..DependencyContext::default()
    };
    let resolution = loaded.config.resolve(&dependency, &NoVersioning);
    insta::assert_json_snapshot!(resolution.explanation, @r#"
    {
      "dependency": {
        "manager": "cargo",
        "datasource": "crate",
        "depName": "serde_json",
        "updateType": "minor"
      },
      "layers": [
        {
          "source": "renovate.json packageRules[0]",
          "matched": true,
          "supplied": {
            "groupName": "serde"
          }
        },
        {
          "source": "renovate.json packageRules[1]",
          "matched": false,
          "reason": "matchUpdateTypes [\"major\"] does not match updateType `minor`"
        }
      ],
      "sources": {
        "groupName": "renovate.json packageRules[0]"
      }
    }
    "#);
}

#[test]
fn schedules_use_the_repository_timezone() {
    let text = r#"{"timezone": "Asia/Tokyo", "schedule": ["before 6am"]}"#;
    let loaded = load_config("renovate.json", text, &LoadOptions::default());
    let settings = loaded
        .config
        .resolve(&DependencyContext::default(), &NoVersioning)
        .settings;
    // 20:00Z is 05:00 the next day in Tokyo.
    assert!(
        loaded
            .config
            .in_schedule(&settings.schedule, "2026-03-02T20:00:00Z".parse().unwrap())
    );
    assert!(
        !loaded
            .config
            .in_schedule(&settings.schedule, "2026-03-02T22:00:00Z".parse().unwrap())
    );
}

#[test]
fn bot_defaults_apply_beneath_the_repository_file() {
    let defaults = json!({"labels": ["bot"], "prConcurrentLimit": 3})
        .as_object()
        .unwrap()
        .clone();
    let options = LoadOptions {
        defaults: Some(&defaults),
        ..LoadOptions::default()
    };
    let loaded = load_config("renovate.json", r#"{"labels": ["mine"]}"#, &options);
    let settings = loaded
        .config
        .resolve(&DependencyContext::default(), &NoVersioning)
        .settings;
    assert_eq!(settings.labels, ["mine"]);
    assert_eq!(settings.pr_concurrent_limit, 3);
}
