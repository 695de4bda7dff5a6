//! `package-lock.json` refreshed by the real npm against verdaccio; pnpm missing.

use std::path::{Path, PathBuf};

use upkeep_testkit::{NpmVersion, Verdaccio};
use upkeep_types::Datasource;

use super::*;
use crate::apply::{Tools, apply_branch, runner};

/// An npm workspace (root uses `parent` and `left-pad`, `packages/app` uses `other`)
/// whose `.npmrc` points at verdaccio, locked before newer versions were published.
fn project(registry: &Verdaccio) -> (tempfile::TempDir, PathBuf, Tools) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    registry.publish(&NpmVersion::new("leaf", "1.0.0"));
    registry.publish(&NpmVersion::new("parent", "1.0.0").dependency("leaf", "^1.0.0"));
    registry.publish(&NpmVersion::new("left-pad", "1.0.0"));
    registry.publish(&NpmVersion::new("other", "2.0.0"));
    write_files(
        &root,
        &[
            (".npmrc", &registry.npmrc()),
            (
                "package.json",
                "{\n  \"name\": \"root\",\n  \"private\": true,\n  \"workspaces\": [\"packages/*\"],\n  \
                 \"dependencies\": {\n    \"parent\": \"^1.0.0\",\n    \"left-pad\": \"1.0.0\"\n  }\n}\n",
            ),
            (
                "packages/app/package.json",
                "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"dependencies\": {\n    \
                 \"other\": \"2.0.0\"\n  }\n}\n",
            ),
        ],
    );
    std::fs::write(tmp.path().join("user-npmrc"), "").unwrap();
    let tools = Tools::from_path()
        .with_env(
            "npm_config_cache",
            tmp.path().join("npm-cache").display().to_string(),
        )
        .with_env(
            "npm_config_userconfig",
            tmp.path().join("user-npmrc").display().to_string(),
        );
    let npm = tools.npm.clone().expect("npm is installed");
    runner::run(
        &tools,
        &npm,
        ["install", "--package-lock-only", "--ignore-scripts"],
        &root,
    )
    .expect("initial lock file");
    for (name, version) in [
        ("leaf", "1.0.1"),
        ("leaf", "1.0.2"),
        ("left-pad", "1.2.0"),
        ("other", "2.1.0"),
    ] {
        registry.publish(&NpmVersion::new(name, version));
    }
    registry.publish(&NpmVersion::new("leaf", "2.0.0"));
    (tmp, root, tools)
}

/// The version locked at `key` (`node_modules/leaf`).
fn locked(root: &Path, key: &str) -> Option<String> {
    let lock: serde_json::Value = serde_json::from_str(&read(root, "package-lock.json")).unwrap();
    lock["packages"][key]["version"].as_str().map(str::to_owned)
}

#[test]
fn both_workspace_manifests_are_bumped_and_the_root_lock_refreshed_once() {
    let registry = Verdaccio::start();
    let (_tmp, root, tools) = project(&registry);
    let updates = [
        manifest_update(&root, "npm", "package.json", "left-pad", "1.2.0", "1.2.0"),
        manifest_update(
            &root,
            "npm",
            "packages/app/package.json",
            "other",
            "2.1.0",
            "2.1.0",
        ),
    ];
    let result = apply_branch(&root, &updates, &tools);
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(
        result.changed_files,
        [
            "package-lock.json",
            "package.json",
            "packages/app/package.json"
        ]
    );
    assert!(read(&root, "package.json").contains("\"left-pad\": \"1.2.0\"\n"));
    assert!(read(&root, "packages/app/package.json").contains("\"other\": \"2.1.0\"\n"));
    assert_eq!(
        locked(&root, "node_modules/left-pad").as_deref(),
        Some("1.2.0")
    );
    assert_eq!(
        locked(&root, "node_modules/other").as_deref(),
        Some("2.1.0")
    );
    assert_eq!(locked(&root, "node_modules/leaf").as_deref(), Some("1.0.0"));
}

#[test]
fn a_vulnerable_transitive_package_moves_to_the_precise_version_without_touching_package_json() {
    let registry = Verdaccio::start();
    let (_tmp, root, tools) = project(&registry);
    let manifest = read(&root, "package.json");
    // 1.0.2 is the newest in range; the plan asks for the lowest fixed version
    let update = lockfile_update(
        "npm",
        "package-lock.json",
        "leaf",
        Datasource::Npm,
        "1.0.0",
        "1.0.1",
    );
    let result = apply_branch(&root, &[update], &tools);
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(result.changed_files, ["package-lock.json"]);
    assert_eq!(locked(&root, "node_modules/leaf").as_deref(), Some("1.0.1"));
    assert_eq!(read(&root, "package.json"), manifest);
    assert!(!read(&root, "package-lock.json").contains("overrides"));
}

#[test]
fn a_transitive_fix_outside_the_parents_range_is_reported_as_needing_a_parent_update() {
    let registry = Verdaccio::start();
    let (_tmp, root, tools) = project(&registry);
    let (manifest, lock) = (
        read(&root, "package.json"),
        read(&root, "package-lock.json"),
    );
    let update = lockfile_update(
        "npm",
        "package-lock.json",
        "leaf",
        Datasource::Npm,
        "1.0.0",
        "2.0.0",
    );
    let result = apply_branch(&root, &[update], &tools);
    let [error] = result.artifact_errors.as_slice() else {
        panic!("one artifact error expected: {result:#?}");
    };
    assert_eq!(
        (error.lock_file.as_str(), error.tool.as_str()),
        ("package-lock.json", "npm")
    );
    assert!(
        error.message.contains("needs a parent update"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains(registry.token()),
        "{}",
        error.message
    );
    assert!(result.changed_files.is_empty(), "{result:#?}");
    assert_eq!(
        (
            read(&root, "package.json"),
            read(&root, "package-lock.json")
        ),
        (manifest, lock)
    );
}

#[test]
fn a_pnpm_lock_file_without_pnpm_installed_is_a_clear_artifact_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write_files(
        root,
        &[
            (
                "package.json",
                "{\"dependencies\": {\"left-pad\": \"1.0.0\"}}\n",
            ),
            ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        ],
    );
    let update = manifest_update(root, "npm", "package.json", "left-pad", "1.2.0", "1.2.0");
    let mut tools = Tools::from_path();
    tools.pnpm = None;
    let result = apply_branch(root, &[update], &tools);
    let [error] = result.artifact_errors.as_slice() else {
        panic!("one artifact error expected: {result:#?}");
    };
    assert_eq!(
        (error.lock_file.as_str(), error.tool.as_str()),
        ("pnpm-lock.yaml", "pnpm")
    );
    assert!(
        error.message.contains("`pnpm` is not installed"),
        "{}",
        error.message
    );
    assert_eq!(result.changed_files, ["package.json"]);
    assert_eq!(read(root, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
}
