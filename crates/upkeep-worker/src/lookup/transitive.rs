//! Vulnerable *transitive* packages: the lock file entries no package file names, each
//! turned into a lockfile-only vulnerability fix when its parents admit the fixed version,
//! or reported as needing a parent update.
//!
//! # Flow
//!
//! ```text
//! lock files the package files use ─► vulnerable_packages (upkeep-vuln: advisories,
//!   (read again from the checkout)      direct or not, parents)
//!   ─► per transitive package: releases (its datasource) ─► fix (lowest unaffected
//!      newer release, or `highest`) ─► fix_path (parents' requirements: the lock file's
//!      for npm, the crates index's for Cargo) ─► a dependency of the lock file
//! ```
//!
//! Each vulnerable transitive package becomes a dependency of a package file named after
//! the lock file itself (`packageFile: "Cargo.lock"`, `depType: "transitive"`), so
//! planning and applying need nothing new: its update is Renovate's lockfile update
//! (`updateType: lockfileUpdate`, `isLockfileUpdate`, no `newValue`) with
//! `isVulnerabilityFix`, which planning gives its own `[SECURITY]` branch and lets past
//! schedules, limits and `minimumReleaseAge`, and which the apply stage performs with
//! `cargo update -p NAME@OLD --precise NEW` or npm's override-and-verify refresh.
//!
//! A package whose fix a parent's requirement excludes gets no update and a warning
//! naming the parent and its requirement; a Cargo parent whose requirement could not be
//! read gets the update with a warning (cargo refuses a version a parent excludes, so
//! the apply stage reports it rather than committing a broken lock file).
//!
//! Direct packages are left to the regular lookup, which already fixes them in their
//! package file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use upkeep_datasource::{DatasourceApi, LookupContext, ReleaseQuery, ReleaseResult};
use upkeep_manager::{ExtractErrorEntry, ExtractReport, FileSource};
use upkeep_types::{Dependency, LockFile, LookedUpDependency, SkipReason, Update, UpdateType};
use upkeep_versioning::Version;
use upkeep_vuln::fix::{self, CandidateOrigin};
use upkeep_vuln::transitive::{self, DependencyRequirements, FixPath, LockedVulnerability};
use upkeep_vuln::{Advisory, Ecosystem};

use super::advisories::{Queries, RunAdvisories, dependency_advisory};
use super::datasources::Datasources;
use super::report::{LookedUpPackageFile, LookupError};
use super::run::LookupOptions;

/// The `depType` of a package only a lock file holds.
pub const TRANSITIVE_DEP_TYPE: &str = "transitive";

/// The largest lock file read again for the analysis (the extract stage's cap).
const LOCK_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// One lock file of the repository and what it needs to be judged.
pub(super) struct LockInput {
    /// The manager whose package files use it.
    manager: String,
    lock: LockFile,
    ecosystem: &'static Ecosystem,
    /// Normalised names the package files governed by it declare.
    direct: HashSet<String>,
}

/// Reads the lock files the extracted package files use, once each; a lock file that
/// cannot be read or parsed again is an error entry.
pub(super) fn read_locks(
    files: &dyn FileSource,
    extract: &ExtractReport,
) -> (Vec<LockInput>, Vec<ExtractErrorEntry>) {
    let mut locks: BTreeMap<String, LockInput> = BTreeMap::new();
    let mut errors = Vec::new();
    for (manager_id, package_files) in &extract.package_files {
        let Some(manager) = upkeep_manager::get_manager(manager_id) else {
            continue;
        };
        let Some(ecosystem) = manager
            .metadata()
            .datasources
            .iter()
            .find_map(|datasource| Ecosystem::for_datasource(*datasource))
        else {
            continue;
        };
        for file in package_files {
            let Some(lock_path) = file.lock_files.first() else {
                continue;
            };
            if !locks.contains_key(lock_path) {
                let parsed = match files.read(lock_path, LOCK_FILE_LIMIT) {
                    Ok(Some(bytes)) => String::from_utf8(bytes)
                        .map_err(|_| "it is not UTF-8 text".to_owned())
                        .and_then(|text| {
                            manager
                                .parse_lock_file(lock_path, &text)
                                .map_err(|error| error.message)
                        }),
                    Ok(None) => Err("it does not exist any more".to_owned()),
                    Err(error) => Err(error.to_string()),
                };
                match parsed {
                    Ok(lock) => {
                        locks.insert(
                            lock_path.clone(),
                            LockInput {
                                manager: manager_id.clone(),
                                lock,
                                ecosystem,
                                direct: HashSet::new(),
                            },
                        );
                    }
                    Err(message) => {
                        errors.push(ExtractErrorEntry {
                            package_file: lock_path.clone(),
                            manager: manager_id.clone(),
                            message: format!(
                                "cannot read the lock file for the vulnerability analysis: {message}"
                            ),
                            line: None,
                            column: None,
                        });
                        continue;
                    }
                }
            }
            let Some(input) = locks.get_mut(lock_path) else {
                continue;
            };
            for dep in file.deps.iter().filter(|dep| dep.skip_reason.is_none()) {
                input
                    .direct
                    .insert(ecosystem.normalize_name(dep.lookup_name()).into_owned());
            }
        }
    }
    (locks.into_values().collect(), errors)
}

/// Adds every package of `locks` to the vulnerability queries.
pub(super) fn add_queries(locks: &[LockInput], queries: &mut Queries) {
    for input in locks {
        for package in &input.lock.packages {
            queries.add(input.ecosystem, &package.name);
        }
    }
}

/// The vulnerable transitive packages of every lock file, as dependencies of a package
/// file named after the lock file (manager id, file); failures to list releases go to
/// `lookup_errors`.
pub(super) async fn transitive_fixes(
    locks: &[LockInput],
    advisories: &RunAdvisories,
    context: &Arc<LookupContext>,
    datasources: &Datasources,
    options: &LookupOptions,
    lookup_errors: &mut Vec<LookupError>,
) -> Vec<(String, LookedUpPackageFile)> {
    let mut files = Vec::new();
    for input in locks {
        let lookup = |name: &str| advisories.get(input.ecosystem, name);
        let mut found: Vec<LockedVulnerability> = Vec::new();
        for locked in
            transitive::vulnerable_packages(&input.lock, input.ecosystem, &input.direct, &lookup)
        {
            if locked.direct {
                continue;
            }
            match found
                .iter_mut()
                .find(|known| known.name == locked.name && known.version == locked.version)
            {
                Some(known) => merge(known, locked),
                None => found.push(locked),
            }
        }
        if found.is_empty() {
            continue;
        }
        let judge = Judge {
            input,
            context,
            datasources,
            options,
        };
        let mut deps = Vec::with_capacity(found.len());
        for locked in &found {
            deps.push(judge.dependency(locked, lookup_errors).await);
        }
        files.push((
            input.manager.clone(),
            LookedUpPackageFile {
                package_file: input.lock.path.clone(),
                lock_files: vec![input.lock.path.clone()],
                deps,
            },
        ));
    }
    files
}

/// Another copy of the same version (npm installs one per place): dev only if both are,
/// parents together.
fn merge(into: &mut LockedVulnerability, other: LockedVulnerability) {
    into.dev &= other.dev;
    for parent in other.parents {
        if !into.parents.contains(&parent) {
            into.parents.push(parent);
        }
    }
}

/// Judges the vulnerable packages of one lock file.
struct Judge<'a> {
    input: &'a LockInput,
    context: &'a Arc<LookupContext>,
    datasources: &'a Datasources,
    options: &'a LookupOptions,
}

impl Judge<'_> {
    async fn dependency(
        &self,
        locked: &LockedVulnerability,
        lookup_errors: &mut Vec<LookupError>,
    ) -> LookedUpDependency {
        let ecosystem = self.input.ecosystem;
        let datasource = ecosystem.datasources[0];
        let mut dependency = Dependency::new(locked.name.clone(), Some(datasource));
        dependency.dep_type = Some(TRANSITIVE_DEP_TYPE.to_owned());
        dependency.locked_version = Some(locked.version.clone());
        let lock_path = self.input.lock.path.as_str();
        let settings = match &self.options.settings_for {
            Some(settings_for) => settings_for(&self.input.manager, lock_path, &dependency),
            None => self.options.settings.clone(),
        };
        let mut looked_up = LookedUpDependency {
            current_version: Some(locked.version.clone()),
            vulnerabilities: locked.advisories.iter().map(dependency_advisory).collect(),
            ..LookedUpDependency::default()
        };
        if !settings.enabled {
            looked_up.dependency = dependency.skipped(SkipReason::Disabled);
            return looked_up;
        }
        if let Some(urls) = &settings.registry_urls {
            dependency.registry_urls = urls.clone();
        }
        let Some(source) = self.datasources.get(datasource) else {
            looked_up.warnings.push(format!(
                "datasource `{datasource}` is not available in this build"
            ));
            looked_up.dependency = dependency;
            return looked_up;
        };
        let query = ReleaseQuery {
            package_name: locked.name.clone(),
            registry_urls: dependency.registry_urls.clone(),
            ..ReleaseQuery::default()
        };
        let releases = match source.get_releases(self.context, &query).await {
            Ok(releases) => releases,
            Err(error) => {
                let message = format!("no vulnerability fix chosen: {error}");
                looked_up.warnings.push(message.clone());
                lookup_errors.push(LookupError {
                    package_file: lock_path.to_owned(),
                    manager: self.input.manager.clone(),
                    dep_name: locked.name.clone(),
                    datasource,
                    package_name: locked.name.clone(),
                    message,
                });
                looked_up.dependency = dependency;
                return looked_up;
            }
        };
        looked_up.source_url = releases.source_url.clone();
        looked_up.homepage = releases.homepage.clone();
        let requirements = self.requirements(source.as_ref(), locked, &query).await;
        match self.fix(
            locked,
            &releases,
            &requirements,
            settings.vulnerability_fix_highest,
        ) {
            Ok((update, warning)) => {
                looked_up.updates.push(update);
                looked_up.warnings.extend(warning);
            }
            Err(reason) => looked_up.warnings.push(reason),
        }
        looked_up.dependency = dependency;
        looked_up
    }

    /// The fix update, with a warning when a parent's requirement is unknown; `Err` with
    /// the reason when there is no fix, or it needs a parent update.
    fn fix(
        &self,
        locked: &LockedVulnerability,
        releases: &ReleaseResult,
        requirements: &KnownRequirements,
        highest: bool,
    ) -> Result<(Update, Option<String>), String> {
        let ecosystem = self.input.ecosystem;
        let versioning = ecosystem.versioning();
        let stable = versioning.is_stable(&locked.parsed_version);
        let candidates: Vec<Version> = releases
            .releases
            .iter()
            .filter_map(|release| versioning.parse_version(&release.version))
            .filter(|version| !stable || versioning.is_stable(version))
            .collect();
        let lowest = fix::choose_fix(
            &locked.name,
            &locked.parsed_version,
            &candidates,
            CandidateOrigin::Registry,
            &locked.all_advisories,
        );
        let Some(mut chosen) = lowest.version else {
            return Err(lowest
                .reason
                .unwrap_or_else(|| format!("no fixed version of {} is known", locked.name)));
        };
        if highest
            && let Some(higher) =
                highest_admitted(locked, &candidates, ecosystem, requirements, &chosen)
        {
            chosen = higher;
        }
        let path = transitive::fix_path(locked, &chosen, ecosystem, requirements);
        let warning = match &path {
            FixPath::Direct | FixPath::LockfileOnly => None,
            FixPath::NeedsParentUpdate { .. } => {
                return Err(path.describe(&locked.name, chosen.as_str()));
            }
            FixPath::RequirementUnknown { .. } => Some(format!(
                "{}; the lock file tool refuses it if not",
                path.describe(&locked.name, chosen.as_str())
            )),
        };
        let release_timestamp = releases
            .releases
            .iter()
            .find(|release| release.version == chosen.as_str())
            .and_then(|release| release.release_timestamp.clone());
        let update = Update {
            update_type: Some(UpdateType::LockfileUpdate),
            new_version: Some(chosen.as_str().to_owned()),
            new_major: Some(chosen.major()),
            release_timestamp,
            is_vulnerability_fix: true,
            is_lockfile_update: true,
            ..Update::default()
        };
        Ok((update, warning))
    }

    /// The requirements the lock file does not record (Cargo.lock), asked of the
    /// parents' registry: one question per parent version.
    async fn requirements(
        &self,
        source: &dyn DatasourceApi,
        locked: &LockedVulnerability,
        query: &ReleaseQuery,
    ) -> KnownRequirements {
        let mut known = KnownRequirements::default();
        for parent in locked.parents.iter().filter(|p| p.requirement.is_none()) {
            let key = (parent.name.clone(), parent.version.clone());
            if known.by_parent.contains_key(&key) {
                continue;
            }
            let parent_query = ReleaseQuery {
                package_name: parent.name.clone(),
                ..query.clone()
            };
            let requirements = source
                .get_dependency_requirements(self.context, &parent_query, &parent.version)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            known.by_parent.insert(key, requirements);
        }
        known
    }
}

/// Requirements read from the parents' registry entries.
#[derive(Debug, Default)]
struct KnownRequirements {
    by_parent: HashMap<(String, String), BTreeMap<String, String>>,
}

impl DependencyRequirements for KnownRequirements {
    fn requirement(&self, parent: &str, parent_version: &str, dependency: &str) -> Option<String> {
        self.by_parent
            .get(&(parent.to_owned(), parent_version.to_owned()))?
            .get(dependency)
            .cloned()
    }
}

/// `vulnerabilityFixStrategy: highest` for a lock file: the highest unaffected newer
/// release every parent admits (a higher one that a parent excludes would only turn a
/// lockfile fix into a parent update); `None` when none is higher than `lowest`.
fn highest_admitted(
    locked: &LockedVulnerability,
    candidates: &[Version],
    ecosystem: &'static Ecosystem,
    requirements: &KnownRequirements,
    lowest: &Version,
) -> Option<Version> {
    let affected = |version: &Version| {
        locked
            .all_advisories
            .iter()
            .any(|advisory: &Advisory| advisory.affects(version))
    };
    candidates
        .iter()
        .filter(|version| *version > lowest && !affected(version))
        .filter(|version| {
            transitive::fix_path(locked, version, ecosystem, requirements) == FixPath::LockfileOnly
        })
        .max()
        .cloned()
}
