//! What `upkeep audit` checks: every lock file the extraction used (all its registry
//! packages, direct and transitive) and, for package files without a lock file, the
//! exact pins (`=1.2.3`, npm `1.2.3`) — a range without a lock file has no current
//! version to judge.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use upkeep_manager::ExtractReport;
use upkeep_types::{Dependency, LockFile};
use upkeep_vuln::transitive::{self, LockedVulnerability, Parent};
use upkeep_vuln::{Advisory, Ecosystem, PackageQuery};

/// A lock file and the package files it governs.
pub struct LockInput {
    pub lock: LockFile,
    pub ecosystem: &'static Ecosystem,
    /// Normalised name of each direct dependency → the package file naming it.
    pub direct: BTreeMap<String, String>,
}

/// A direct dependency with an exact version but no lock file.
pub struct Pinned {
    pub ecosystem: &'static Ecosystem,
    pub name: String,
    pub version: String,
    pub package_file: String,
}

/// Everything to check.
#[derive(Default)]
pub struct Inputs {
    pub locks: Vec<LockInput>,
    pub pinned: Vec<Pinned>,
    /// Lock files that could not be read again.
    pub errors: Vec<String>,
}

/// One vulnerable package version, before the fix is chosen.
pub struct Finding {
    pub ecosystem: &'static Ecosystem,
    pub package_file: String,
    pub lock_file: Option<String>,
    pub locked: LockedVulnerability,
}

/// Reads the lock files `report`'s package files use, and the exact pins of the others.
pub fn collect(root: &Path, report: &ExtractReport) -> Inputs {
    let mut inputs = Inputs::default();
    let mut locks: BTreeMap<String, LockInput> = BTreeMap::new();
    for (manager_id, files) in &report.package_files {
        let Some(manager) = upkeep_manager::get_manager(manager_id) else {
            continue;
        };
        for file in files {
            let deps = file
                .deps
                .iter()
                .filter_map(|dep| Some((ecosystem_of(dep)?, dep)));
            let Some(lock_path) = file.lock_files.first() else {
                for (ecosystem, dep) in deps {
                    if let Some(version) = pinned_version(ecosystem, dep) {
                        inputs.pinned.push(Pinned {
                            ecosystem,
                            name: dep.lookup_name().to_owned(),
                            version,
                            package_file: file.package_file.clone(),
                        });
                    }
                }
                continue;
            };
            if !locks.contains_key(lock_path) {
                let parsed = std::fs::read_to_string(root.join(lock_path))
                    .map_err(|error| error.to_string())
                    .and_then(|content| {
                        manager
                            .parse_lock_file(lock_path, &content)
                            .map_err(|error| error.message)
                    });
                let ecosystem = manager
                    .metadata()
                    .datasources
                    .iter()
                    .find_map(|datasource| Ecosystem::for_datasource(*datasource));
                match (parsed, ecosystem) {
                    (Ok(lock), Some(ecosystem)) => {
                        locks.insert(
                            lock_path.clone(),
                            LockInput {
                                lock,
                                ecosystem,
                                direct: BTreeMap::new(),
                            },
                        );
                    }
                    (Ok(_), None) => continue,
                    (Err(error), _) => {
                        inputs.errors.push(format!("`{lock_path}`: {error}"));
                        continue;
                    }
                }
            }
            let Some(input) = locks.get_mut(lock_path) else {
                continue;
            };
            for (ecosystem, dep) in deps {
                if ecosystem == input.ecosystem {
                    let name = ecosystem.normalize_name(dep.lookup_name()).into_owned();
                    input
                        .direct
                        .entry(name)
                        .or_insert_with(|| file.package_file.clone());
                }
            }
        }
    }
    inputs.locks = locks.into_values().collect();
    inputs
}

fn ecosystem_of(dep: &Dependency) -> Option<&'static Ecosystem> {
    if dep.skip_reason.is_some() {
        return None;
    }
    Ecosystem::for_datasource(dep.datasource?)
}

/// The exact version a dependency without a lock file pins, if it pins one.
fn pinned_version(ecosystem: &Ecosystem, dep: &Dependency) -> Option<String> {
    let value = dep.current_value.as_deref()?.trim();
    let versioning = ecosystem.versioning();
    if !versioning.is_single_version(value) {
        return None;
    }
    let bare = value.trim_start_matches(['=', 'v', ' ']);
    versioning
        .parse_version(bare)
        .map(|version| version.as_str().to_owned())
}

impl Inputs {
    /// Every package to ask the vulnerability source about, once each.
    pub fn queries(&self) -> Vec<PackageQuery> {
        let mut seen = HashSet::new();
        let mut queries = Vec::new();
        let names = self
            .locks
            .iter()
            .flat_map(|input| {
                input
                    .lock
                    .packages
                    .iter()
                    .map(|package| (input.ecosystem, package.name.as_str()))
            })
            .chain(
                self.pinned
                    .iter()
                    .map(|pinned| (pinned.ecosystem, pinned.name.as_str())),
            );
        for (ecosystem, name) in names {
            if seen.insert((ecosystem.osv_name, ecosystem.normalize_name(name))) {
                queries.push(PackageQuery {
                    ecosystem,
                    name: name.to_owned(),
                });
            }
        }
        queries
    }

    /// The ecosystems the queries cover, in table order.
    pub fn ecosystems(&self) -> Vec<&'static Ecosystem> {
        let used: HashSet<&str> = self
            .locks
            .iter()
            .map(|input| input.ecosystem.osv_name)
            .chain(self.pinned.iter().map(|pinned| pinned.ecosystem.osv_name))
            .collect();
        upkeep_vuln::ECOSYSTEMS
            .iter()
            .filter(|ecosystem| used.contains(ecosystem.osv_name))
            .collect()
    }

    /// The vulnerable package versions: one finding per (lock file, name, version),
    /// copies at several install paths merged.
    pub fn findings(&self, advisories: &Advisories) -> Vec<Finding> {
        let mut findings: Vec<Finding> = Vec::new();
        for input in &self.locks {
            let direct: HashSet<String> = input.direct.keys().cloned().collect();
            let lookup = |name: &str| advisories.get(input.ecosystem, name);
            let mut merged: HashMap<(String, String), usize> = HashMap::new();
            for locked in
                transitive::vulnerable_packages(&input.lock, input.ecosystem, &direct, &lookup)
            {
                let key = (locked.name.clone(), locked.version.clone());
                if let Some(&index) = merged.get(&key) {
                    merge(&mut findings[index].locked, locked);
                    continue;
                }
                let normalized = input.ecosystem.normalize_name(&locked.name);
                let package_file = match input.direct.get(normalized.as_ref()) {
                    Some(package_file) if locked.direct => package_file.clone(),
                    _ => input.lock.path.clone(),
                };
                merged.insert(key, findings.len());
                findings.push(Finding {
                    ecosystem: input.ecosystem,
                    package_file,
                    lock_file: Some(input.lock.path.clone()),
                    locked,
                });
            }
        }
        for pinned in &self.pinned {
            let Some(version) = pinned.ecosystem.versioning().parse_version(&pinned.version) else {
                continue;
            };
            let all = advisories.get(pinned.ecosystem, &pinned.name);
            let affecting: Vec<Advisory> = upkeep_vuln::decision::affecting(&version, &all)
                .into_iter()
                .cloned()
                .collect();
            if affecting.is_empty() {
                continue;
            }
            findings.push(Finding {
                ecosystem: pinned.ecosystem,
                package_file: pinned.package_file.clone(),
                lock_file: None,
                locked: LockedVulnerability {
                    name: pinned.name.clone(),
                    version: pinned.version.clone(),
                    key: None,
                    direct: true,
                    dev: false,
                    advisories: affecting,
                    all_advisories: all.to_vec(),
                    parsed_version: version,
                    parents: Vec::new(),
                },
            });
        }
        findings
    }
}

/// Another copy of the same version: it is direct if either is, dev only if both are.
fn merge(into: &mut LockedVulnerability, other: LockedVulnerability) {
    into.direct |= other.direct;
    into.dev &= other.dev;
    for parent in other.parents {
        if !into.parents.iter().any(|known: &Parent| known == &parent) {
            into.parents.push(parent);
        }
    }
}

/// The answers of the vulnerability source, by package.
#[derive(Default)]
pub struct Advisories {
    by_package: HashMap<(&'static str, String), Arc<[Advisory]>>,
}

impl Advisories {
    pub fn new(queries: &[PackageQuery], answers: Vec<Arc<[Advisory]>>) -> Advisories {
        let by_package = queries
            .iter()
            .zip(answers)
            .map(|(query, answer)| {
                let name = query.ecosystem.normalize_name(&query.name).into_owned();
                ((query.ecosystem.osv_name, name), answer)
            })
            .collect();
        Advisories { by_package }
    }

    pub fn get(&self, ecosystem: &Ecosystem, name: &str) -> Arc<[Advisory]> {
        let key = (
            ecosystem.osv_name,
            ecosystem.normalize_name(name).into_owned(),
        );
        self.by_package
            .get(&key)
            .cloned()
            .unwrap_or_else(|| Arc::from([]))
    }
}
