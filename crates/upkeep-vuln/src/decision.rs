//! Pure decisions for the lookup and audit stages: given a package's advisories and
//! its candidate versions, which version is safe to propose.
//!
//! - the lookup never proposes an affected version: when its pick is affected,
//!   [`secure_proposal`] falls back to the newest unaffected candidate of the set the
//!   lookup allows (same update type, same constraints) and says which advisories
//!   forced it;
//! - when the current version is affected, a vulnerability fix moves to
//!   [`lowest_fixing_version`] (`vulnerabilityFixStrategy: lowest`, the default) or
//!   [`highest_fixing_version`] (`highest`).
//!
//! "Unaffected" means unaffected by *every* advisory of the package, so a fix never
//! trades one advisory for another. Candidates need not be sorted; versions compare
//! with the versioning's order (SemVer precedence for npm and crates.io).

use upkeep_versioning::Version;

use crate::advisory::Advisory;

/// The advisories that affect `version`.
pub fn affecting<'a>(version: &Version, advisories: &'a [Advisory]) -> Vec<&'a Advisory> {
    advisories
        .iter()
        .filter(|advisory| advisory.affects(version))
        .collect()
}

/// Whether any advisory affects `version`.
pub fn is_affected(version: &Version, advisories: &[Advisory]) -> bool {
    advisories.iter().any(|advisory| advisory.affects(version))
}

/// Why no vulnerability fix can be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFix {
    /// The current version is not affected: nothing to fix.
    NotAffected,
    /// Every newer candidate is affected too (or there is none): no fix is released,
    /// or — for a malicious package — the package must be removed.
    NoUnaffectedNewerVersion,
}

/// The lowest candidate newer than `current` that no advisory affects, when `current`
/// is affected (`vulnerabilityFixStrategy: lowest`).
pub fn lowest_fixing_version<'v>(
    current: &Version,
    candidates: &'v [Version],
    advisories: &[Advisory],
) -> Result<&'v Version, NoFix> {
    fixing_candidates(current, candidates, advisories)?
        .min()
        .ok_or(NoFix::NoUnaffectedNewerVersion)
}

/// The highest candidate newer than `current` that no advisory affects, when `current`
/// is affected (`vulnerabilityFixStrategy: highest`).
pub fn highest_fixing_version<'v>(
    current: &Version,
    candidates: &'v [Version],
    advisories: &[Advisory],
) -> Result<&'v Version, NoFix> {
    fixing_candidates(current, candidates, advisories)?
        .max()
        .ok_or(NoFix::NoUnaffectedNewerVersion)
}

fn fixing_candidates<'v, 'a>(
    current: &'a Version,
    candidates: &'v [Version],
    advisories: &'a [Advisory],
) -> Result<impl Iterator<Item = &'v Version> + use<'v, 'a>, NoFix> {
    if !is_affected(current, advisories) {
        return Err(NoFix::NotAffected);
    }
    Ok(candidates
        .iter()
        .filter(move |candidate| *candidate > current && !is_affected(candidate, advisories)))
}

/// The newest of `candidates` that no advisory affects.
pub fn highest_unaffected<'v>(
    candidates: impl IntoIterator<Item = &'v Version>,
    advisories: &[Advisory],
) -> Option<&'v Version> {
    candidates
        .into_iter()
        .filter(|candidate| !is_affected(candidate, advisories))
        .max()
}

/// What the lookup may propose instead of its first pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal<'v> {
    /// The pick is unaffected: propose it.
    Unaffected(&'v Version),
    /// The pick is affected; propose `to`, the newest unaffected candidate, instead.
    FellBack {
        /// The version the lookup picked first.
        affected: &'v Version,
        /// The ids of the advisories affecting it (the report's "why").
        advisories: Vec<String>,
        /// The version to propose.
        to: &'v Version,
    },
    /// The pick and every candidate are affected: propose nothing.
    NoUnaffected {
        /// The version the lookup picked first.
        affected: &'v Version,
        /// The ids of the advisories affecting it.
        advisories: Vec<String>,
    },
}

/// The "fallback" rule: keep `pick` if unaffected, else the newest unaffected of
/// `candidates` (the lookup's own filtered set: same update type, allowed by the
/// config, and not newer than `pick`'s set allows).
pub fn secure_proposal<'v>(
    pick: &'v Version,
    candidates: impl IntoIterator<Item = &'v Version>,
    advisories: &[Advisory],
) -> Proposal<'v> {
    let affecting_pick: Vec<String> = affecting(pick, advisories)
        .into_iter()
        .map(|advisory| advisory.id.clone())
        .collect();
    if affecting_pick.is_empty() {
        return Proposal::Unaffected(pick);
    }
    match highest_unaffected(candidates, advisories) {
        Some(to) => Proposal::FellBack {
            affected: pick,
            advisories: affecting_pick,
            to,
        },
        None => Proposal::NoUnaffected {
            affected: pick,
            advisories: affecting_pick,
        },
    }
}

#[cfg(test)]
mod tests;
