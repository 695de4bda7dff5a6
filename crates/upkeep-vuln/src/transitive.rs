//! Vulnerable packages in a lock file, direct and transitive, and how each can be fixed.
//!
//! # Why here
//!
//! The analysis needs a parsed lock file ([`LockFile`], from `upkeep-types`), the
//! advisories and a versioning — all of which this crate already depends on — and
//! nothing of the managers or the network. The `audit` command and the worker's lookup
//! both call it, so it sits below both.
//!
//! # Flow
//!
//! ```text
//! LockFile ─► vulnerable_packages ─► LockedVulnerability ─► (fix version chosen by  ─► fix_path
//!             (registry entries,      (advisories, direct,    the caller: fix.rs)       (direct, lockfile
//!              parents resolved)       parents)                                          only, parent update)
//! ```
//!
//! - **Parents** come from each entry's `dependencies`. package-lock.json names a
//!   dependency; it resolves the way Node does, from the parent's own `node_modules`
//!   up to the root (`node_modules/a/node_modules/b`, then `node_modules/b`). Cargo.lock
//!   writes `name`, or `name version` (and, in v1, `name version (source)`) when several
//!   versions are locked.
//! - **Direct** means a package file names it: a local entry (a Cargo workspace member,
//!   an npm workspace folder) depends on it, or — npm's root, which the lock file does
//!   not list as an entry — the package is installed at the top (`node_modules/NAME`)
//!   and named in the root package file (`direct_names`).
//! - **Fix path** for a transitive package: the lock file alone can move it when the
//!   fix satisfies every parent's requirement. package-lock.json records each parent's
//!   requirement (`"dependencies": {"minimist": "^1.2.5"}`); Cargo.lock does not, so
//!   requirements come from a [`DependencyRequirements`] (the worker reads the crates
//!   index's `deps[].req`). A parent whose requirement excludes the fix must be updated
//!   first, and is named.
//!
//! Only registry packages are judged: local folders, git and path dependencies are not
//! what the advisories' version numbers describe.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use upkeep_types::{LockFile, LockedPackage};
use upkeep_versioning::Version;

use crate::advisory::Advisory;
use crate::decision;
use crate::ecosystem::Ecosystem;

/// A locked package version affected by at least one advisory.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedVulnerability {
    /// The registry name.
    pub name: String,
    /// The locked version.
    pub version: String,
    /// The lock file's key for the entry (npm's install path), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Whether a package file names it.
    pub direct: bool,
    /// Whether only development dependencies pull it in (when the lock file says).
    pub dev: bool,
    /// The advisories affecting the locked version.
    pub advisories: Vec<Advisory>,
    /// Every advisory of the package (what a fix must avoid), including those above.
    #[serde(skip)]
    pub all_advisories: Vec<Advisory>,
    /// The parsed locked version.
    #[serde(skip)]
    pub parsed_version: Version,
    /// The registry packages that depend on it (local ones make it direct instead).
    pub parents: Vec<Parent>,
}

/// A registry package depending on a vulnerable one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parent {
    /// Its name.
    pub name: String,
    /// Its locked version.
    pub version: String,
    /// Its requirement on the vulnerable package, when the lock file records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
}

/// Requirements the lock file does not record (Cargo.lock): what `parent` at
/// `parent_version` requires of `dependency`, as its registry metadata says (the crates
/// index line's `deps[].req`). Synchronous: the caller fetches what it needs first —
/// the parents are known from [`vulnerable_packages`].
pub trait DependencyRequirements {
    /// The requirement text, or `None` when unknown.
    fn requirement(&self, parent: &str, parent_version: &str, dependency: &str) -> Option<String>;
}

/// Knows no requirement (offline): Cargo parents then read as "requirement unknown".
#[derive(Debug, Clone, Copy, Default)]
pub struct UnknownRequirements;

impl DependencyRequirements for UnknownRequirements {
    fn requirement(&self, _: &str, _: &str, _: &str) -> Option<String> {
        None
    }
}

/// How a vulnerable locked package gets to its fix version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FixPath {
    /// A package file names it: its requirement there is updated (the lookup's
    /// vulnerability-fix update).
    Direct,
    /// Every parent's requirement admits the fix: refreshing the lock file is enough
    /// (`cargo update -p NAME --precise V`, `npm update NAME`).
    LockfileOnly,
    /// These parents' requirements exclude the fix: they must be updated first.
    NeedsParentUpdate {
        /// The parents at fault, with their requirements.
        parents: Vec<Parent>,
    },
    /// No parent excludes the fix, but these parents' requirements are unknown.
    RequirementUnknown {
        /// The parents whose requirement could not be read.
        parents: Vec<Parent>,
    },
}

impl FixPath {
    /// One sentence for reports.
    pub fn describe(&self, name: &str, fix: &str) -> String {
        let list = |parents: &[Parent]| {
            parents
                .iter()
                .map(|parent| match &parent.requirement {
                    Some(requirement) => {
                        format!(
                            "{} {} (requires {requirement})",
                            parent.name, parent.version
                        )
                    }
                    None => format!("{} {}", parent.name, parent.version),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            FixPath::Direct => format!("update {name} to {fix} in the package file"),
            FixPath::LockfileOnly => {
                format!("lockfile-only: every dependent admits {name} {fix}")
            }
            FixPath::NeedsParentUpdate { parents } => format!(
                "needs a parent update: {} does not admit {name} {fix}",
                list(parents)
            ),
            FixPath::RequirementUnknown { parents } => format!(
                "the requirement of {} on {name} is unknown; check that it admits {fix}",
                list(parents)
            ),
        }
    }
}

/// Every registry package of `lock` that an advisory affects, in lock-file order.
///
/// `advisories(name)` gives every advisory of a package (whatever the version);
/// `direct_names` are the names the root package file declares (npm's root is not an
/// entry of the lock file).
pub fn vulnerable_packages(
    lock: &LockFile,
    ecosystem: &'static Ecosystem,
    direct_names: &HashSet<String>,
    advisories: &dyn Fn(&str) -> std::sync::Arc<[Advisory]>,
) -> Vec<LockedVulnerability> {
    let graph = Graph::new(lock, ecosystem);
    let versioning = ecosystem.versioning();
    let mut found = Vec::new();
    for (index, package) in lock.packages.iter().enumerate() {
        if !graph.is_registry(package) {
            continue;
        }
        let all = advisories(&package.name);
        if all.is_empty() {
            continue;
        }
        let Some(version) = versioning.parse_version(&package.version) else {
            continue;
        };
        let affecting: Vec<Advisory> = decision::affecting(&version, &all)
            .into_iter()
            .cloned()
            .collect();
        if affecting.is_empty() {
            continue;
        }
        let parents = graph.parents(index);
        let local_parent = parents
            .iter()
            .any(|&parent| !graph.is_registry(&lock.packages[parent]));
        let top_level = match ecosystem.osv_name {
            "npm" => package.key.as_deref() == Some(&format!("node_modules/{}", package.name)),
            _ => parents.is_empty(),
        };
        let named = direct_names.contains(ecosystem.normalize_name(&package.name).as_ref());
        found.push(LockedVulnerability {
            name: package.name.clone(),
            version: package.version.clone(),
            key: package.key.clone(),
            direct: local_parent || (named && top_level),
            dev: package.dev,
            advisories: affecting,
            all_advisories: all.to_vec(),
            parsed_version: version,
            parents: parents
                .into_iter()
                .map(|parent| &lock.packages[parent])
                .filter(|parent| graph.is_registry(parent))
                .map(|parent| Parent {
                    name: parent.name.clone(),
                    version: parent.version.clone(),
                    requirement: parent.requirements.get(&package.name).cloned(),
                })
                .collect(),
        });
    }
    found
}

/// How `vulnerability` gets to `fix`: see [`FixPath`]. Requirements the lock file
/// recorded win over `requirements`.
pub fn fix_path(
    vulnerability: &LockedVulnerability,
    fix: &Version,
    ecosystem: &Ecosystem,
    requirements: &dyn DependencyRequirements,
) -> FixPath {
    if vulnerability.direct {
        return FixPath::Direct;
    }
    let versioning = ecosystem.versioning();
    let mut excluding = Vec::new();
    let mut unknown = Vec::new();
    for parent in &vulnerability.parents {
        let requirement = parent.requirement.clone().or_else(|| {
            requirements.requirement(&parent.name, &parent.version, &vulnerability.name)
        });
        let parent = Parent {
            requirement,
            ..parent.clone()
        };
        match parent
            .requirement
            .as_deref()
            .and_then(|text| versioning.parse_range(text))
        {
            Some(range) if versioning.matches(fix, &range) => {}
            Some(_) => excluding.push(parent),
            None => unknown.push(parent),
        }
    }
    if !excluding.is_empty() {
        FixPath::NeedsParentUpdate { parents: excluding }
    } else if !unknown.is_empty() {
        FixPath::RequirementUnknown { parents: unknown }
    } else {
        FixPath::LockfileOnly
    }
}

/// Who depends on whom in one lock file.
struct Graph<'l> {
    lock: &'l LockFile,
    ecosystem: &'static Ecosystem,
    by_key: HashMap<&'l str, usize>,
    by_name: HashMap<&'l str, Vec<usize>>,
    /// Child → parents, built once.
    parents: Vec<Vec<usize>>,
}

impl<'l> Graph<'l> {
    fn new(lock: &'l LockFile, ecosystem: &'static Ecosystem) -> Graph<'l> {
        let mut graph = Graph {
            lock,
            ecosystem,
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            parents: vec![Vec::new(); lock.packages.len()],
        };
        for (index, package) in lock.packages.iter().enumerate() {
            if let Some(key) = package.key.as_deref() {
                graph.by_key.insert(key, index);
            }
            graph
                .by_name
                .entry(package.name.as_str())
                .or_default()
                .push(index);
        }
        for (parent, package) in lock.packages.iter().enumerate() {
            for dependency in &package.dependencies {
                for child in graph.resolve(package, dependency) {
                    if !graph.parents[child].contains(&parent) {
                        graph.parents[child].push(parent);
                    }
                }
            }
        }
        graph
    }

    fn parents(&self, child: usize) -> Vec<usize> {
        self.parents[child].clone()
    }

    /// Whether the entry comes from the ecosystem's public registry.
    fn is_registry(&self, package: &LockedPackage) -> bool {
        let source = package.source.as_deref();
        match self.ecosystem.osv_name {
            "crates.io" => source.is_some_and(|source| {
                [
                    "registry+https://github.com/rust-lang/crates.io-index",
                    "sparse+https://index.crates.io/",
                ]
                .contains(&source)
            }),
            // npm entries without `resolved` (older lock files) come from the registry.
            _ => source.is_none_or(|source| {
                !["file:", "git+", "git:", "github:", "link:"]
                    .iter()
                    .any(|prefix| source.starts_with(prefix))
            }),
        }
    }

    /// The entries a dependency string of `parent` names.
    fn resolve(&self, parent: &LockedPackage, dependency: &str) -> Vec<usize> {
        if self.ecosystem.osv_name == "npm" {
            return self.resolve_node(parent, dependency).into_iter().collect();
        }
        // Cargo: `name`, `name version` or `name version (source)`.
        let mut parts = dependency.splitn(3, ' ');
        let name = parts.next().unwrap_or_default();
        let version = parts.next();
        let source = parts
            .next()
            .map(|source| source.trim_start_matches('(').trim_end_matches(')'));
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&index| {
                let package = &self.lock.packages[index];
                version.is_none_or(|version| package.version == version)
                    && source.is_none_or(|source| package.source.as_deref() == Some(source))
            })
            .collect()
    }

    /// Node's resolution: the parent's own `node_modules`, then each enclosing one.
    fn resolve_node(&self, parent: &LockedPackage, dependency: &str) -> Option<usize> {
        let mut base = parent.key.as_deref().unwrap_or_default();
        loop {
            let candidate = if base.is_empty() {
                format!("node_modules/{dependency}")
            } else {
                format!("{base}/node_modules/{dependency}")
            };
            if let Some(&index) = self.by_key.get(candidate.as_str()) {
                return Some(index);
            }
            if base.is_empty() {
                return None;
            }
            base = match base.rfind("/node_modules/") {
                Some(end) => &base[..end],
                None => "",
            };
        }
    }
}

#[cfg(test)]
mod tests;
