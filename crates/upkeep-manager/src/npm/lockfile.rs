//! `package-lock.json` / `npm-shrinkwrap.json`: every installed package, and the locked
//! versions of a package.json's direct dependencies.
//!
//! The lock file is the list later stages search for vulnerable transitive packages, so it
//! must hold every installed copy, not one per name:
//!
//! - v2 and v3 files are read from `packages`, keyed by install path
//!   (`node_modules/a/node_modules/@s/b`). The registry name is the entry's `name` when it
//!   has one (an alias installed as `string-width-cjs` is really `string-width`), else the
//!   last `node_modules/` segment of the key. Workspace members (`packages/app`) are kept
//!   with `source` = `file:<key>` so they can be told apart from registry packages; links
//!   (`"link": true`) are left out, since their target folder is listed itself.
//! - v1 files (npm 5/6) nest packages under `dependencies`; the same keys are built from
//!   the nesting, aliases (`npm:name@1.0.0`) are resolved, `requires` gives dependencies.
//!
//! Locked versions follow Node's resolution: a member's own `node_modules` first, then the
//! hoisted root copy. A lock file found in a parent directory only applies to a package
//! that it lists as a workspace member.

use std::collections::{BTreeMap, HashMap};

use upkeep_types::{Datasource, LockFile, LockedPackage, PackageFile};

use super::json::{self, Value, effective_members};
use super::spec::split_name_and_spec;
use crate::ExtractError;
use crate::text::parent_directory;

/// The dependency types whose packages are installed (and so locked).
const INSTALLED_TYPES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Parses a package-lock.json or npm-shrinkwrap.json of any version.
pub(super) fn parse(lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
    let root = json::parse(content)?;
    if root.as_object().is_none() {
        return Err(ExtractError::at_offset(
            "a lock file must hold a JSON object",
            content,
            root.start,
        ));
    }
    let mut packages = Vec::new();
    if let Some(entries) = root.get("packages").and_then(Value::as_object) {
        for member in effective_members(entries) {
            if let Some(package) = modern_entry(&member.key.text, &member.value) {
                packages.push(package);
            }
        }
    } else if let Some(dependencies) = root.get("dependencies") {
        legacy_entries(dependencies, "", &mut packages);
    }
    Ok(LockFile {
        path: lock_file.to_owned(),
        packages,
    })
}

/// One `packages` entry of a v2/v3 lock file.
fn modern_entry(key: &str, entry: &Value<'_>) -> Option<LockedPackage> {
    if key.is_empty() || entry.get("link").is_some_and(Value::is_true) {
        return None;
    }
    let version = string(entry, "version")?;
    let installed = key.rfind("node_modules/");
    let name = match (string(entry, "name"), installed) {
        (Some(name), _) => name,
        (None, Some(index)) => &key[index + "node_modules/".len()..],
        (None, None) => key.rsplit('/').next().unwrap_or(key),
    };
    let source = match installed {
        Some(_) => string(entry, "resolved").map(str::to_owned),
        None => Some(format!("file:{key}")),
    };
    let mut sections = vec!["dependencies", "optionalDependencies", "peerDependencies"];
    if installed.is_none() {
        sections.push("devDependencies");
    }
    Some(LockedPackage {
        name: name.to_owned(),
        version: version.to_owned(),
        source,
        key: Some(key.to_owned()),
        dependencies: names(entry, &sections),
        requirements: requirements(entry, &sections),
        dev: entry.get("dev").is_some_and(Value::is_true),
    })
}

/// The `dependencies` tree of a v1 lock file, under the install path `prefix`.
fn legacy_entries(dependencies: &Value<'_>, prefix: &str, packages: &mut Vec<LockedPackage>) {
    let Some(members) = dependencies.as_object() else {
        return;
    };
    for member in effective_members(members) {
        let entry = &member.value;
        let key = format!("{prefix}node_modules/{}", member.key.text);
        if let Some(written) = string(entry, "version") {
            let (name, version) = match written.strip_prefix("npm:") {
                Some(alias) => match split_name_and_spec(alias) {
                    (name, Some(version)) => (name, version),
                    (name, None) => (name, ""),
                },
                None => (member.key.text.as_ref(), written),
            };
            let local = written.starts_with("file:");
            packages.push(LockedPackage {
                name: name.to_owned(),
                version: version.to_owned(),
                source: string(entry, "resolved")
                    .or(local.then_some(written))
                    .map(str::to_owned),
                key: Some(key.clone()),
                dependencies: names(entry, &["requires"]),
                requirements: requirements(entry, &["requires"]),
                dev: entry.get("dev").is_some_and(Value::is_true),
            });
        }
        // Recursion depth is bounded by the nesting check done before parsing.
        if let Some(nested) = entry.get("dependencies") {
            legacy_entries(nested, &format!("{key}/"), packages);
        }
    }
}

fn string<'v>(entry: &'v Value<'_>, key: &str) -> Option<&'v str> {
    entry
        .get(key)
        .and_then(Value::as_string)
        .map(|string| string.text.as_ref())
}

/// The keys of the objects `sections` of `entry`, each name once.
fn names(entry: &Value<'_>, sections: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for section in sections {
        let Some(members) = entry.get(section).and_then(Value::as_object) else {
            continue;
        };
        for member in members {
            let name = member.key.text.as_ref();
            if !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The requirement text of each dependency in `sections` of `entry` (the first section
/// naming a dependency wins, as for [`names`]).
fn requirements(entry: &Value<'_>, sections: &[&str]) -> BTreeMap<String, String> {
    let mut requirements = BTreeMap::new();
    for section in sections {
        let Some(members) = entry.get(section).and_then(Value::as_object) else {
            continue;
        };
        for member in members {
            if let Some(text) = member.value.as_string() {
                requirements
                    .entry(member.key.text.to_string())
                    .or_insert_with(|| text.text.to_string());
            }
        }
    }
    requirements
}

/// Gives the npm dependencies of `package_file` their `lockedVersion` from `lock_file`.
pub(super) fn apply(package_file: &mut PackageFile, lock_file: &LockFile) -> bool {
    let Some(member) = member_directory(&package_file.package_file, &lock_file.path) else {
        return false;
    };
    let by_key: HashMap<&str, &LockedPackage> = lock_file
        .packages
        .iter()
        .filter_map(|package| Some((package.key.as_deref()?, package)))
        .collect();
    if !member.is_empty() && !by_key.contains_key(member) {
        // A lock file further up that does not list this package as a workspace member.
        return false;
    }
    for dep in &mut package_file.deps {
        let installed = dep
            .dep_type
            .as_deref()
            .is_some_and(|dep_type| INSTALLED_TYPES.contains(&dep_type));
        if !installed || dep.skip_reason.is_some() || dep.datasource != Some(Datasource::Npm) {
            continue;
        }
        let own = (!member.is_empty()).then(|| format!("{member}/node_modules/{}", dep.dep_name));
        let hoisted = format!("node_modules/{}", dep.dep_name);
        let locked = own
            .as_deref()
            .and_then(|key| by_key.get(key))
            .or_else(|| by_key.get(hoisted.as_str()));
        if let Some(package) = locked {
            dep.locked_version = Some(package.version.clone());
        }
    }
    true
}

/// The package file's directory relative to the lock file's (`""` when they share one);
/// `None` when the lock file is not in an ancestor directory.
fn member_directory<'p>(package_file: &'p str, lock_file: &str) -> Option<&'p str> {
    let package_directory = parent_directory(package_file);
    let lock_directory = parent_directory(lock_file);
    if lock_directory.is_empty() {
        return Some(package_directory);
    }
    if package_directory == lock_directory {
        return Some("");
    }
    package_directory
        .strip_prefix(lock_directory)
        .and_then(|rest| rest.strip_prefix('/'))
}

/// Lock file names, most authoritative first: npm ignores package-lock.json when a
/// shrinkwrap file exists.
const LOCK_FILE_NAMES: &[&str] = super::METADATA.lock_files;

/// Lock files for `package_file`: beside it, then in each parent directory (a workspace
/// member's lock file is the monorepo root's).
pub(super) fn candidates(package_file: &str) -> Vec<String> {
    let mut candidates = Vec::new();
    let mut directory = parent_directory(package_file);
    loop {
        for name in LOCK_FILE_NAMES {
            candidates.push(crate::text::join_path(directory, name));
        }
        if directory.is_empty() {
            return candidates;
        }
        directory = parent_directory(directory);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_walk_up_to_the_root_shrinkwrap_first() {
        assert_eq!(
            candidates("packages/app/package.json"),
            [
                "packages/app/npm-shrinkwrap.json",
                "packages/app/package-lock.json",
                "packages/npm-shrinkwrap.json",
                "packages/package-lock.json",
                "npm-shrinkwrap.json",
                "package-lock.json",
            ]
        );
    }

    #[test]
    fn member_directories_are_relative_to_the_lock_file() {
        assert_eq!(
            member_directory("packages/app/package.json", "package-lock.json"),
            Some("packages/app")
        );
        assert_eq!(
            member_directory("web/package.json", "web/package-lock.json"),
            Some("")
        );
        assert_eq!(
            member_directory("web2/package.json", "web/package-lock.json"),
            None
        );
    }

    #[test]
    fn modern_entries_take_the_real_name_of_aliases_and_skip_links() {
        let lock = parse(
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {
                "": {"name": "root", "version": "1.0.0"},
                "node_modules/string-width-cjs": {"name": "string-width", "version": "4.2.3"},
                "node_modules/@s/a/node_modules/b": {"version": "2.0.0", "dev": true},
                "node_modules/app": {"resolved": "packages/app", "link": true},
                "packages/app": {"name": "app", "version": "0.1.0", "devDependencies": {"b": "^2"}}
            }}"#,
        )
        .unwrap();
        let summary: Vec<_> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.dev,
                    p.source.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("string-width", "4.2.3", false, None),
                ("b", "2.0.0", true, None),
                ("app", "0.1.0", false, Some("file:packages/app")),
            ]
        );
        assert_eq!(lock.packages[2].dependencies, ["b"]);
    }

    #[test]
    fn workspace_lock_file_lists_every_installed_copy() {
        let content =
            include_str!("fixtures/extract/monorepo-workspaces-lockfile-v3/package-lock.json");
        let lock = parse("package-lock.json", content).unwrap();
        let find = |key: &str| lock.packages.iter().find(|p| p.key.as_deref() == Some(key));
        // 43 entries: the root and the two workspace links are left out.
        assert_eq!(lock.packages.len(), 40);
        assert!(find("node_modules/@acme/core").is_none());
        let versions: Vec<&str> = lock.versions_of("minimatch").collect();
        assert_eq!(versions, ["9.0.3", "3.1.2"]);
        let nested = find("node_modules/glob/node_modules/brace-expansion").unwrap();
        assert_eq!(
            (nested.name.as_str(), nested.version.as_str()),
            ("brace-expansion", "2.0.1")
        );
        assert_eq!(nested.dependencies, ["balanced-match"]);
        assert_eq!(nested.requirements["balanced-match"], "^1.0.0");
        assert!(nested.dev);
        let member_copy = find("packages/cli/node_modules/chalk").unwrap();
        assert_eq!(member_copy.version, "5.3.0");
        assert!(!member_copy.dev);
        let member = find("packages/cli").unwrap();
        assert_eq!(member.source.as_deref(), Some("file:packages/cli"));
        let scoped = find("node_modules/@types/node").unwrap();
        assert_eq!(scoped.name, "@types/node");
        assert_eq!(
            scoped.source.as_deref(),
            Some("https://registry.npmjs.org/@types/node/-/node-20.11.30.tgz")
        );
        let fsevents = find("node_modules/fsevents").unwrap();
        assert!(!fsevents.dev);
    }

    #[test]
    fn a_parent_lock_file_applies_only_to_its_workspace_members() {
        let lock = parse(
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {
                "node_modules/react": {"version": "18.2.0"},
                "packages/app": {"name": "app", "version": "1.0.0"},
                "packages/app/node_modules/react": {"version": "17.0.2"}
            }}"#,
        )
        .unwrap();
        let file = |path: &str| {
            let content = r#"{"dependencies": {"react": "^18.0.0"}}"#;
            super::super::extract::extract(path, content)
                .unwrap()
                .unwrap()
        };
        let mut member = file("packages/app/package.json");
        apply(&mut member, &lock);
        assert_eq!(member.deps[0].locked_version.as_deref(), Some("17.0.2"));
        let mut root = file("package.json");
        apply(&mut root, &lock);
        assert_eq!(root.deps[0].locked_version.as_deref(), Some("18.2.0"));
        let mut stranger = file("examples/demo/package.json");
        apply(&mut stranger, &lock);
        assert_eq!(stranger.deps[0].locked_version, None);
    }

    #[test]
    fn legacy_entries_build_install_paths_from_nesting() {
        let lock = parse(
            "package-lock.json",
            r#"{"lockfileVersion": 1, "dependencies": {
                "a": {"version": "1.0.0", "requires": {"b": "^1"},
                      "dependencies": {"b": {"version": "1.2.0"}}},
                "c": {"version": "npm:@s/real@3.0.0", "dev": true}
            }}"#,
        )
        .unwrap();
        let summary: Vec<_> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    p.key.as_deref().unwrap(),
                    p.name.as_str(),
                    p.version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("node_modules/a", "a", "1.0.0"),
                ("node_modules/a/node_modules/b", "b", "1.2.0"),
                ("node_modules/c", "@s/real", "3.0.0"),
            ]
        );
        assert_eq!(lock.packages[0].dependencies, ["b"]);
        assert_eq!(lock.packages[0].requirements["b"], "^1");
        assert!(lock.packages[2].dev);
    }
}
