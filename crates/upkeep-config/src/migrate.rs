//! Legacy options and values, migrated in memory to their modern form.
//!
//! Renovate renamed many options over the years (`matchPackagePatterns` →
//! `matchPackageNames` with `/regex/`, `baseBranches` → `baseBranchPatterns`,
//! `config:base` → `config:recommended`, …). Users' files still contain the old names,
//! so upkeep rewrites them before validation and reports each rewrite as a warning that
//! shows the modern form to paste back. `--strict` turns those warnings into failures.

use serde_json::{Map, Value, json};

use crate::diagnostic::{join_index, join_key};

/// One rewrite of a legacy option or value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Path of the legacy option (before migration).
    pub path: String,
    /// What was changed and the modern form, e.g.
    /// ``"`stabilityDays` is deprecated; use {"minimumReleaseAge":"3 days"}"``.
    pub message: String,
}

/// Where an object sits, which decides the migrations that apply to it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    Rule,
    Settings,
    CustomManager,
}

/// Migrates a configuration object in place and lists what changed.
pub fn migrate(config: &mut Value) -> Vec<Migration> {
    let mut out = Vec::new();
    if let Value::Object(map) = config {
        migrate_object(map, "", Context::Root, &mut out);
    }
    out
}

fn migrate_object(
    map: &mut Map<String, Value>,
    path: &str,
    context: Context,
    out: &mut Vec<Migration>,
) {
    common(map, path, out);
    if context == Context::Root {
        if let Some(value) = map.remove("regexManagers") {
            let mut managers = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            for (i, manager) in managers.iter_mut().enumerate() {
                if let Value::Object(m) = manager {
                    m.entry("customType").or_insert_with(|| json!("regex"));
                    let manager_path = join_index(&join_key(path, "regexManagers"), i);
                    migrate_object(m, &manager_path, Context::CustomManager, out);
                }
            }
            let existing = map.entry("customManagers").or_insert_with(|| json!([]));
            if let Value::Array(existing) = existing {
                existing.extend(managers);
            }
            out.push(Migration {
                path: join_key(path, "regexManagers"),
                message: "`regexManagers` is deprecated; use `customManagers` with \"customType\": \"regex\"".into(),
            });
        }
        rename(map, path, "baseBranches", "baseBranchPatterns", out);
    }
    if context == Context::Rule {
        rule(map, path, out);
    }
    if matches!(context, Context::Settings | Context::CustomManager)
        && let Some(value) = map.remove("fileMatch")
    {
        let patterns: Vec<Value> = strings(&value)
            .into_iter()
            .map(|p| json!(format!("/{p}/")))
            .collect();
        append_list(map, "managerFilePatterns", patterns);
        out.push(migrated(path, "fileMatch", map, &["managerFilePatterns"]));
    }
    // Recurse into nested objects that have their own migrations.
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let child_path = join_key(path, &key);
        let child_context = match key.as_str() {
            "packageRules" => Some(Context::Rule),
            "customManagers" => Some(Context::CustomManager),
            k if crate::options::find(k)
                .is_some_and(|o| o.children == crate::options::Children::Settings) =>
            {
                Some(Context::Settings)
            }
            _ => None,
        };
        let Some(child_context) = child_context else {
            continue;
        };
        match map.get_mut(&key) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Object(m) = item {
                        migrate_object(m, &join_index(&child_path, i), child_context, out);
                    }
                }
            }
            Some(Value::Object(m)) => migrate_object(m, &child_path, child_context, out),
            _ => {}
        }
    }
}

/// Migrations valid anywhere.
fn common(map: &mut Map<String, Value>, path: &str, out: &mut Vec<Migration>) {
    rename(
        map,
        path,
        "separateMajorReleases",
        "separateMajorMinor",
        out,
    );
    rename(
        map,
        path,
        "separatePatchReleases",
        "separateMinorPatch",
        out,
    );
    rename(map, path, "masterIssue", "dependencyDashboard", out);
    rename(
        map,
        path,
        "masterIssueApproval",
        "dependencyDashboardApproval",
        out,
    );
    rename(
        map,
        path,
        "masterIssueTitle",
        "dependencyDashboardTitle",
        out,
    );
    rename(map, path, "gitLabAutomerge", "platformAutomerge", out);
    rename(map, path, "azureAutoComplete", "platformAutomerge", out);
    if let Some(days) = map.remove("stabilityDays") {
        let age = match days.as_u64() {
            Some(0) | None => Value::Null,
            Some(1) => json!("1 day"),
            Some(n) => json!(format!("{n} days")),
        };
        map.insert("minimumReleaseAge".into(), age);
        out.push(migrated(path, "stabilityDays", map, &["minimumReleaseAge"]));
    }
    replace_value(map, path, "rebaseStalePrs", out, |v| {
        Some((
            "rebaseWhen",
            json!(if v.as_bool()? {
                "behind-base-branch"
            } else {
                "conflicted"
            }),
        ))
    });
    replace_value(map, path, "rebaseConflictedPrs", out, |v| {
        (v.as_bool() == Some(false)).then(|| ("rebaseWhen", json!("never")))
    });
    replace_value(map, path, "recreateClosed", out, |v| {
        Some((
            "recreateWhen",
            json!(if v.as_bool()? { "always" } else { "auto" }),
        ))
    });
    replace_value(map, path, "pinVersions", out, |v| {
        Some((
            "rangeStrategy",
            json!(if v.as_bool()? { "pin" } else { "replace" }),
        ))
    });
    replace_value(map, path, "upgradeInRange", out, |v| {
        (v.as_bool() == Some(true)).then(|| ("rangeStrategy", json!("bump")))
    });
    replace_value(map, path, "versionStrategy", out, |v| {
        (v.as_str() == Some("widen")).then(|| ("rangeStrategy", json!("widen")))
    });
    if map.get("requiredStatusChecks") == Some(&Value::Null) {
        map.remove("requiredStatusChecks");
        map.insert("ignoreTests".into(), json!(true));
        out.push(migrated(
            path,
            "requiredStatusChecks",
            map,
            &["ignoreTests"],
        ));
    }
    if let Some(Value::Bool(enabled)) = map.get("semanticCommits").cloned() {
        map.insert(
            "semanticCommits".into(),
            json!(if enabled { "enabled" } else { "disabled" }),
        );
        out.push(migrated(path, "semanticCommits", map, &["semanticCommits"]));
    }
    if let Some(Value::String(kind)) = map.get("automergeType").cloned()
        && (kind == "branch-push" || kind == "branch-merge-commit")
    {
        map.insert("automergeType".into(), json!("branch"));
        out.push(migrated(path, "automergeType", map, &["automergeType"]));
    }
    if let Some(extends) = map.get_mut("extends") {
        if let Value::String(single) = extends {
            *extends = json!([single.clone()]);
        }
        if let Value::Array(items) = extends {
            for (i, item) in items.iter_mut().enumerate() {
                let Some(name) = item.as_str() else { continue };
                if let Some(modern) = renamed_preset(name) {
                    out.push(Migration {
                        path: join_index(&join_key(path, "extends"), i),
                        message: format!("preset `{name}` is deprecated; use \"{modern}\""),
                    });
                    *item = json!(modern);
                }
            }
        }
    }
}

/// Preset names Renovate has renamed.
fn renamed_preset(name: &str) -> Option<String> {
    let (base, args) = match name.find('(') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    let modern = match base {
        "config:base" | ":base" | "default:base" => "config:recommended",
        ":automergeBranchMergeCommit" | ":automergeBranchPush" => ":automergeBranch",
        ":unpublishSafe" | "default:unpublishSafe" => "npm:unpublishSafe",
        "default:pinDigestsDisabled" => ":pinDigestsDisabled",
        _ => return None,
    };
    Some(format!("{modern}{args}"))
}

/// Migrations inside a packageRule: the old matcher names.
fn rule(map: &mut Map<String, Value>, path: &str, out: &mut Vec<Migration>) {
    type Convert = fn(&str) -> String;
    let exact: Convert = |s| s.to_string();
    let pattern: Convert = |p| {
        if p == ".*" || p == "^.*$" {
            "*".into()
        } else {
            format!("/{p}/")
        }
    };
    let prefix: Convert = |p| format!("/^{}/", escape(p));
    let negate_exact: Convert = |s| format!("!{s}");
    let negate_pattern: Convert = |p| format!("!/{p}/");
    let negate_prefix: Convert = |p| format!("!/^{}/", escape(p));
    let url_prefix: Convert = |p| format!("{p}**");
    let table: &[(&str, &str, Convert)] = &[
        ("packageNames", "matchPackageNames", exact),
        ("packagePatterns", "matchPackageNames", pattern),
        ("matchPackagePatterns", "matchPackageNames", pattern),
        ("matchPackagePrefixes", "matchPackageNames", prefix),
        ("excludePackageNames", "matchPackageNames", negate_exact),
        (
            "excludePackagePatterns",
            "matchPackageNames",
            negate_pattern,
        ),
        ("excludePackagePrefixes", "matchPackageNames", negate_prefix),
        ("matchDepPatterns", "matchDepNames", pattern),
        ("matchDepPrefixes", "matchDepNames", prefix),
        ("excludeDepNames", "matchDepNames", negate_exact),
        ("excludeDepPatterns", "matchDepNames", negate_pattern),
        ("excludeDepPrefixes", "matchDepNames", negate_prefix),
        ("depTypeList", "matchDepTypes", exact),
        ("paths", "matchFileNames", exact),
        ("matchPaths", "matchFileNames", exact),
        ("matchFiles", "matchFileNames", exact),
        ("managers", "matchManagers", exact),
        ("datasources", "matchDatasources", exact),
        ("updateTypes", "matchUpdateTypes", exact),
        ("languages", "matchCategories", exact),
        ("baseBranchList", "matchBaseBranches", exact),
        ("sourceUrlPrefixes", "matchSourceUrls", url_prefix),
        ("matchSourceUrlPrefixes", "matchSourceUrls", url_prefix),
    ];
    for (old, new, convert) in table {
        let Some(value) = map.remove(*old) else {
            continue;
        };
        let converted: Vec<Value> = strings(&value).iter().map(|s| json!(convert(s))).collect();
        append_list(map, new, converted);
        out.push(migrated(path, old, map, &[new]));
    }
}

/// Escapes regex metacharacters the way both RE2 and JavaScript accept.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn append_list(map: &mut Map<String, Value>, key: &str, values: Vec<Value>) {
    let entry = map.entry(key).or_insert_with(|| json!([]));
    if let Value::String(s) = entry {
        *entry = json!([s.clone()]);
    }
    if let Value::Array(items) = entry {
        for value in values {
            if !items.contains(&value) {
                items.push(value);
            }
        }
    }
}

fn rename(
    map: &mut Map<String, Value>,
    path: &str,
    old: &str,
    new: &str,
    out: &mut Vec<Migration>,
) {
    if let Some(value) = map.remove(old) {
        map.entry(new).or_insert(value);
        out.push(migrated(path, old, map, &[new]));
    }
}

fn replace_value(
    map: &mut Map<String, Value>,
    path: &str,
    old: &str,
    out: &mut Vec<Migration>,
    convert: impl Fn(&Value) -> Option<(&'static str, Value)>,
) {
    let Some(value) = map.get(old) else { return };
    let Some((new, new_value)) = convert(value) else {
        return;
    };
    map.remove(old);
    map.insert(new.into(), new_value);
    out.push(migrated(path, old, map, &[new]));
}

/// A migration message showing the new keys' values as JSON.
fn migrated(path: &str, old: &str, map: &Map<String, Value>, new: &[&str]) -> Migration {
    let mut shown = Map::new();
    for key in new {
        if let Some(value) = map.get(*key) {
            shown.insert((*key).to_string(), value.clone());
        }
    }
    let verb = if new == [old] {
        "has a deprecated value"
    } else {
        "is deprecated"
    };
    Migration {
        path: join_key(path, old),
        message: format!("`{old}` {verb}; use {}", Value::Object(shown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut value: Value) -> (Value, Vec<String>) {
        let migrations = migrate(&mut value);
        (
            value,
            migrations
                .into_iter()
                .map(|m| format!("{}: {}", m.path, m.message))
                .collect(),
        )
    }

    #[test]
    fn package_rule_matchers_become_match_package_names() {
        let (value, messages) = run(json!({
            "packageRules": [{
                "matchPackagePatterns": ["^eslint", ".*"],
                "matchPackagePrefixes": ["@angular/"],
                "excludePackageNames": ["eslint-plugin-x"],
                "matchPaths": ["apps/**"],
                "groupName": "lint"
            }]
        }));
        assert_eq!(
            value["packageRules"][0]["matchPackageNames"],
            json!(["/^eslint/", "*", "/^@angular//", "!eslint-plugin-x"])
        );
        assert_eq!(
            value["packageRules"][0]["matchFileNames"],
            json!(["apps/**"])
        );
        assert_eq!(messages.len(), 4);
        assert!(messages[0].starts_with("packageRules[0].matchPackagePatterns: `matchPackagePatterns` is deprecated; use {\"matchPackageNames\":"));
    }

    #[test]
    fn top_level_legacy_options() {
        let (value, messages) = run(json!({
            "extends": "config:base",
            "stabilityDays": 3,
            "baseBranches": ["main"],
            "semanticCommits": true,
            "regexManagers": [{"fileMatch": ["^Dockerfile$"], "matchStrings": ["x"]}],
            "npm": {"fileMatch": ["(^|/)package\\.json$"]}
        }));
        assert_eq!(value["extends"], json!(["config:recommended"]));
        assert_eq!(value["minimumReleaseAge"], "3 days");
        assert_eq!(value["baseBranchPatterns"], json!(["main"]));
        assert_eq!(value["semanticCommits"], "enabled");
        assert_eq!(value["customManagers"][0]["customType"], "regex");
        assert_eq!(
            value["customManagers"][0]["managerFilePatterns"],
            json!(["/^Dockerfile$/"])
        );
        assert_eq!(
            value["npm"]["managerFilePatterns"],
            json!(["/(^|/)package\\.json$/"])
        );
        assert!(
            messages.contains(
                &"extends[0]: preset `config:base` is deprecated; use \"config:recommended\""
                    .to_string()
            )
        );
        assert!(messages.contains(&"stabilityDays: `stabilityDays` is deprecated; use {\"minimumReleaseAge\":\"3 days\"}".to_string()));
        assert_eq!(messages.len(), 7, "{messages:#?}");
    }

    #[test]
    fn modern_config_is_untouched() {
        let original = json!({"extends": ["config:recommended"], "packageRules": [{"matchPackageNames": ["a"]}]});
        let (value, messages) = run(original.clone());
        assert_eq!(value, original);
        assert!(messages.is_empty());
    }
}
