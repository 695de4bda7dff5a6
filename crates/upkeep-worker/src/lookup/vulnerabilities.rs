//! Vulnerability data in the lookup: which versions of a package are affected (so that
//! no update ever proposes one), and the vulnerability-fix update for a dependency whose
//! current version is affected.
//!
//! The fix is the lowest newer release that no advisory affects (it therefore fixes
//! every advisory affecting the current version) — Renovate's and issue 5's default
//! `vulnerabilityFixStrategy: lowest` — or with `highest`, the highest such release. It bypasses `minimumReleaseAge` and the stability
//! filters that would otherwise hide it, but never moves from a stable version to a
//! prerelease.

use std::sync::Arc;

use upkeep_datasource::ReleaseResult;
use upkeep_types::{Update, UpdateType};
use upkeep_versioning::{NewValueRequest, RangeStrategy, Version, Versioning};
use upkeep_vuln::{
    Advisory, AdvisoryIndex, BoxFuture, DatabaseError, PackageQuery, VulnerabilitySource,
};

use super::decide::AffectedVersions;

/// A [`VulnerabilitySource`] over an advisory index already in memory (an offline
/// database indexed once and shared by several lookups, or records a test built).
pub struct AdvisoryLookup {
    index: Arc<AdvisoryIndex>,
}

impl AdvisoryLookup {
    /// Answers from `index`.
    pub fn new(index: Arc<AdvisoryIndex>) -> AdvisoryLookup {
        AdvisoryLookup { index }
    }
}

impl VulnerabilitySource for AdvisoryLookup {
    fn name(&self) -> String {
        "an in-memory advisory index".to_owned()
    }

    fn advisories<'a>(
        &'a self,
        packages: &'a [PackageQuery],
    ) -> BoxFuture<'a, Result<Vec<Arc<[Advisory]>>, DatabaseError>> {
        let answers = packages
            .iter()
            .map(|package| self.index.advisories(package.ecosystem, &package.name))
            .collect();
        Box::pin(std::future::ready(Ok(answers)))
    }
}

/// What a vulnerability fix needs to know about the dependency.
pub(super) struct FixInput<'a> {
    pub versioning: &'a dyn Versioning,
    pub current_value: &'a str,
    pub current_version: &'a Version,
    pub range_strategy: RangeStrategy,
    pub releases: &'a ReleaseResult,
    pub affected: &'a dyn AffectedVersions,
    /// `vulnerabilityFixStrategy: highest`.
    pub highest: bool,
}

/// The vulnerability-fix update, when the current version is affected and a newer
/// unaffected release exists; `Err` with the reason when it is affected and none does.
pub(super) fn vulnerability_fix(input: &FixInput<'_>) -> Option<Result<Update, String>> {
    let versioning = input.versioning;
    if !input.affected.is_affected(input.current_version) {
        return None;
    }
    let stable = versioning.is_stable(input.current_version);
    let mut candidates: Vec<(Version, &upkeep_datasource::Release)> = input
        .releases
        .releases
        .iter()
        .filter_map(|release| Some((versioning.parse_version(&release.version)?, release)))
        .filter(|(version, _)| versioning.is_greater_than(version, input.current_version))
        .filter(|(version, _)| !stable || versioning.is_stable(version))
        .filter(|(version, _)| versioning.is_compatible(version, input.current_version))
        .filter(|(version, _)| !input.affected.is_affected(version))
        .collect();
    candidates.sort_by(|a, b| versioning.compare(&a.0, &b.0));
    let chosen = if input.highest {
        candidates.pop()
    } else {
        candidates.into_iter().next()
    };
    let Some((fix, release)) = chosen else {
        return Some(Err(format!(
            "current version {} is vulnerable and no newer release is free of known advisories",
            input.current_version.as_str()
        )));
    };
    let new_value = versioning.get_new_value(&NewValueRequest {
        current_value: input.current_value,
        range_strategy: input.range_strategy,
        current_version: Some(input.current_version),
        new_version: &fix,
    });
    // a range that already admits the fix needs only its lock file moved
    let is_lockfile_update = new_value.as_deref() == Some(input.current_value);
    Some(Ok(Update {
        update_type: versioning
            .update_type(input.current_version, &fix)
            .or(Some(UpdateType::Patch)),
        new_value: if is_lockfile_update { None } else { new_value },
        new_version: Some(fix.as_str().to_owned()),
        new_major: Some(fix.major()),
        release_timestamp: release.release_timestamp.clone(),
        is_vulnerability_fix: true,
        is_lockfile_update,
        ..Update::default()
    }))
}
