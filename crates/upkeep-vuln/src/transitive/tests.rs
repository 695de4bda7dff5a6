use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use upkeep_types::{LockFile, LockedPackage};

use super::*;
use crate::OfflineDatabase;
use crate::fix::{self, CandidateOrigin};

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

fn database() -> OfflineDatabase {
    OfflineDatabase::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/records")).unwrap()
}

fn ecosystem(name: &str) -> &'static Ecosystem {
    Ecosystem::from_osv_name(name).unwrap()
}

fn npm_entry(key: &str, version: &str, requirements: &[(&str, &str)]) -> LockedPackage {
    let name = key
        .rsplit_once("node_modules/")
        .map_or(key, |(_, name)| name);
    LockedPackage {
        name: name.to_owned(),
        version: version.to_owned(),
        key: Some(key.to_owned()),
        source: Some(format!(
            "https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
        )),
        dependencies: requirements
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        requirements: requirements
            .iter()
            .map(|(name, requirement)| ((*name).to_owned(), (*requirement).to_owned()))
            .collect(),
        dev: false,
    }
}

fn crate_entry(name: &str, version: &str, dependencies: &[&str]) -> LockedPackage {
    LockedPackage {
        name: name.to_owned(),
        version: version.to_owned(),
        source: Some(CRATES_IO.to_owned()),
        dependencies: dependencies.iter().map(|name| (*name).to_owned()).collect(),
        ..LockedPackage::default()
    }
}

/// mkdirp 0.5.5 and optimist 0.6.1 are real packages with these real requirements.
fn npm_lock() -> LockFile {
    LockFile {
        path: "package-lock.json".to_owned(),
        packages: vec![
            npm_entry("node_modules/lodash", "4.17.19", &[]),
            npm_entry("node_modules/mkdirp", "0.5.5", &[("minimist", "^1.2.5")]),
            npm_entry("node_modules/minimist", "1.2.5", &[]),
            npm_entry(
                "node_modules/optimist",
                "0.6.1",
                &[("minimist", "~0.0.1"), ("wordwrap", "~0.0.2")],
            ),
            npm_entry("node_modules/optimist/node_modules/minimist", "0.0.10", &[]),
            npm_entry("node_modules/wordwrap", "0.0.3", &[]),
        ],
    }
}

/// env_logger 0.9 requires regex `1.0.3` and chrono 0.4.19 time `^0.1.43` (real); the
/// second smallvec, under env_logger, is made up to lock two versions of one crate.
fn cargo_lock() -> LockFile {
    let mut root = crate_entry("app", "0.1.0", &["chrono", "env_logger", "smallvec 1.6.0"]);
    root.source = None;
    LockFile {
        path: "Cargo.lock".to_owned(),
        packages: vec![
            root,
            crate_entry("chrono", "0.4.19", &["time"]),
            crate_entry("env_logger", "0.9.0", &["regex", "smallvec 0.6.13"]),
            crate_entry("regex", "1.5.4", &[]),
            crate_entry("smallvec", "0.6.13", &[]),
            crate_entry("smallvec", "1.6.0", &[]),
            crate_entry("time", "0.1.43", &[]),
        ],
    }
}

struct IndexRequirements(BTreeMap<(&'static str, &'static str), &'static str>);

impl DependencyRequirements for IndexRequirements {
    fn requirement(&self, parent: &str, _: &str, dependency: &str) -> Option<String> {
        self.0
            .iter()
            .find(|((p, d), _)| *p == parent && *d == dependency)
            .map(|(_, requirement)| (*requirement).to_owned())
    }
}

fn analyse(lock: &LockFile, osv_name: &str, direct: &[&str]) -> Vec<LockedVulnerability> {
    let database = database();
    let ecosystem = ecosystem(osv_name);
    let direct: HashSet<String> = direct.iter().map(|name| (*name).to_owned()).collect();
    vulnerable_packages(lock, ecosystem, &direct, &|name| {
        database.index().advisories(ecosystem, name)
    })
}

fn fix_of(vulnerability: &LockedVulnerability, osv_name: &str) -> Version {
    let ecosystem = ecosystem(osv_name);
    let candidates = fix::fixed_version_candidates(&vulnerability.all_advisories, ecosystem);
    fix::choose_fix(
        &vulnerability.name,
        &vulnerability.parsed_version,
        &candidates,
        CandidateOrigin::AdvisoryFixedVersions,
        &vulnerability.all_advisories,
    )
    .version
    .unwrap()
}

fn summary(found: &[LockedVulnerability]) -> Vec<(&str, &str, bool, Vec<&str>)> {
    found
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.version.as_str(),
                v.direct,
                v.parents.iter().map(|p| p.name.as_str()).collect(),
            )
        })
        .collect()
}

#[test]
fn npm_transitive_packages_are_found_with_their_parents() {
    let found = analyse(&npm_lock(), "npm", &["lodash", "mkdirp", "optimist"]);
    assert_eq!(
        summary(&found),
        [
            ("lodash", "4.17.19", true, vec![]),
            ("minimist", "1.2.5", false, vec!["mkdirp"]),
            ("minimist", "0.0.10", false, vec!["optimist"]),
        ]
    );
    assert_eq!(found[1].parents[0].requirement.as_deref(), Some("^1.2.5"));
}

#[test]
fn npm_transitive_fix_within_the_parent_range_is_lockfile_only() {
    let found = analyse(&npm_lock(), "npm", &["lodash", "mkdirp", "optimist"]);
    let npm = ecosystem("npm");
    let minimist = &found[1];
    let fix = fix_of(minimist, "npm");
    assert_eq!(fix.as_str(), "1.2.6");
    let path = fix_path(minimist, &fix, npm, &UnknownRequirements);
    assert_eq!(path, FixPath::LockfileOnly);
    assert_eq!(
        path.describe("minimist", "1.2.6"),
        "lockfile-only: every dependent admits minimist 1.2.6"
    );
    assert_eq!(
        fix_path(
            &found[0],
            &fix_of(&found[0], "npm"),
            npm,
            &UnknownRequirements
        ),
        FixPath::Direct
    );
}

#[test]
fn npm_transitive_fix_outside_the_parent_range_needs_the_parent_updated() {
    let found = analyse(&npm_lock(), "npm", &["lodash", "mkdirp", "optimist"]);
    let nested = &found[2];
    let fix = fix_of(nested, "npm");
    assert_eq!(fix.as_str(), "0.2.4");
    let path = fix_path(nested, &fix, ecosystem("npm"), &UnknownRequirements);
    let FixPath::NeedsParentUpdate { parents } = &path else {
        panic!("{path:?}");
    };
    assert_eq!(parents[0].name, "optimist");
    assert_eq!(
        path.describe("minimist", "0.2.4"),
        "needs a parent update: optimist 0.6.1 (requires ~0.0.1) does not admit minimist 0.2.4"
    );
}

#[test]
fn cargo_versions_named_with_their_number_resolve_to_that_entry() {
    let found = analyse(
        &cargo_lock(),
        "crates.io",
        &["chrono", "env_logger", "smallvec"],
    );
    assert_eq!(
        summary(&found),
        [
            ("regex", "1.5.4", false, vec!["env_logger"]),
            ("smallvec", "0.6.13", false, vec!["env_logger"]),
            ("smallvec", "1.6.0", true, vec![]),
            ("time", "0.1.43", false, vec!["chrono"]),
        ]
    );
    // GHSA and RUSTSEC records of smallvec's advisory count once
    assert_eq!(found[2].advisories.len(), 1);
    assert_eq!(found[2].advisories[0].id, "GHSA-43w2-9j62-hq99");
}

#[test]
fn cargo_transitive_fixes_use_the_parents_index_requirements() {
    let found = analyse(
        &cargo_lock(),
        "crates.io",
        &["chrono", "env_logger", "smallvec"],
    );
    let crates = ecosystem("crates.io");
    let index = IndexRequirements(BTreeMap::from([
        (("env_logger", "regex"), "^1.0.3"),
        (("env_logger", "smallvec"), "0.6"),
        (("chrono", "time"), "^0.1.43"),
    ]));
    let paths: Vec<(String, FixPath)> = found
        .iter()
        .map(|v| {
            let fix = fix_of(v, "crates.io");
            (
                format!("{} {fix}", v.name),
                fix_path(v, &fix, crates, &index),
            )
        })
        .collect();
    assert_eq!(paths[0], ("regex 1.5.5".to_owned(), FixPath::LockfileOnly));
    assert_eq!(
        paths[1],
        ("smallvec 0.6.14".to_owned(), FixPath::LockfileOnly)
    );
    assert_eq!(paths[2], ("smallvec 1.6.1".to_owned(), FixPath::Direct));
    assert_eq!(
        paths[3],
        (
            "time 0.2.23".to_owned(),
            FixPath::NeedsParentUpdate {
                parents: vec![Parent {
                    name: "chrono".to_owned(),
                    version: "0.4.19".to_owned(),
                    requirement: Some("^0.1.43".to_owned()),
                }]
            }
        )
    );
}

#[test]
fn cargo_requirements_nobody_knows_are_reported_as_unknown() {
    let found = analyse(
        &cargo_lock(),
        "crates.io",
        &["chrono", "env_logger", "smallvec"],
    );
    let regex = &found[0];
    let path = fix_path(
        regex,
        &fix_of(regex, "crates.io"),
        ecosystem("crates.io"),
        &UnknownRequirements,
    );
    assert!(
        matches!(&path, FixPath::RequirementUnknown { parents } if parents[0].name == "env_logger"),
        "{path:?}"
    );
}

#[test]
fn local_and_git_entries_are_not_judged() {
    let mut lock = cargo_lock();
    lock.packages[3].source = Some("git+https://github.com/rust-lang/regex?tag=1.5.4#abc".into());
    let found = analyse(&lock, "crates.io", &["chrono", "env_logger", "smallvec"]);
    assert!(found.iter().all(|v| v.name != "regex"));
}
