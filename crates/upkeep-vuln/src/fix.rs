//! What an affected version moves to: the lowest version that fixes every advisory of
//! the package and is not itself affected (`vulnerabilityFixStrategy: lowest`).
//!
//! Choosing it needs the versions that exist. The lookup and the worker take them from
//! the datasources through [`CandidateVersions`]. Offline (`upkeep audit` without a
//! registry) [`fixed_version_candidates`] takes the versions the advisories name as
//! `fixed` instead: a version an advisory says fixes it was released, so the choice is
//! never an invented version — but a newer release the registry knows may be missed,
//! and [`FixChoice::reason`] says so.

use upkeep_versioning::Version;

use crate::advisory::Advisory;
use crate::database::BoxFuture;
use crate::decision::{self, NoFix};
use crate::ecosystem::Ecosystem;

/// Released versions of a package, from its registry (the worker implements it with the
/// datasources; yanked and deprecated releases left out as the datasource decides).
pub trait CandidateVersions: Send + Sync {
    /// Every released version of `name`, in any order.
    fn versions<'a>(
        &'a self,
        ecosystem: &'static Ecosystem,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Version>, CandidateError>>;
}

/// The releases of a package could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot list the releases of `{name}`: {reason}")]
pub struct CandidateError {
    /// The package.
    pub name: String,
    /// What went wrong.
    pub reason: String,
}

/// Where the candidate versions came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateOrigin {
    /// The registry's list of releases.
    Registry,
    /// The advisories' `fixed` versions (no registry available).
    AdvisoryFixedVersions,
}

/// The fix chosen for an affected version, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixChoice {
    /// The version to move to.
    pub version: Option<Version>,
    /// Why there is no version, or how it was chosen when that needs saying.
    pub reason: Option<String>,
}

/// Every version the advisories name as `fixed`, parsed, lowest first, once each.
pub fn fixed_version_candidates(advisories: &[Advisory], ecosystem: &Ecosystem) -> Vec<Version> {
    let versioning = ecosystem.versioning();
    let mut versions: Vec<Version> = advisories
        .iter()
        .flat_map(|advisory| &advisory.fixed_versions)
        .filter_map(|text| versioning.parse_version(text))
        .collect();
    versions.sort();
    versions.dedup_by(|a, b| a.as_str() == b.as_str());
    versions
}

/// The lowest candidate above `current` that no advisory of the package affects.
/// `advisories` are all of the package's advisories, not only those affecting
/// `current`, so that a fix never trades one advisory for another.
pub fn choose_fix(
    name: &str,
    current: &Version,
    candidates: &[Version],
    origin: CandidateOrigin,
    advisories: &[Advisory],
) -> FixChoice {
    match decision::lowest_fixing_version(current, candidates, advisories) {
        Ok(version) => FixChoice {
            version: Some(version.clone()),
            reason: (origin == CandidateOrigin::AdvisoryFixedVersions).then(|| {
                "offline: chosen among the advisories' fixed versions, no registry was asked"
                    .to_owned()
            }),
        },
        Err(NoFix::NotAffected) => FixChoice {
            version: None,
            reason: Some(format!("{name} {current} is not affected")),
        },
        Err(NoFix::NoUnaffectedNewerVersion) => FixChoice {
            version: None,
            reason: Some(no_fix_reason(name, current, candidates, origin, advisories)),
        },
    }
}

fn no_fix_reason(
    name: &str,
    current: &Version,
    candidates: &[Version],
    origin: CandidateOrigin,
    advisories: &[Advisory],
) -> String {
    let affecting = decision::affecting(current, advisories);
    if affecting.iter().any(|advisory| advisory.malicious) {
        return format!("{name} is a malicious package: remove it, no version is safe");
    }
    let unfixed: Vec<&str> = affecting
        .iter()
        .filter(|advisory| advisory.first_fix_after(current).is_none())
        .map(|advisory| advisory.id.as_str())
        .collect();
    if !unfixed.is_empty() {
        return format!(
            "no fixed version of {name} is published for {}",
            unfixed.join(", ")
        );
    }
    match origin {
        CandidateOrigin::AdvisoryFixedVersions => format!(
            "every version the advisories name as fixed is itself affected by another \
             advisory of {name}; no registry was asked for later releases"
        ),
        CandidateOrigin::Registry if candidates.iter().all(|candidate| candidate <= current) => {
            format!("the registry lists no release of {name} newer than {current}")
        }
        CandidateOrigin::Registry => {
            format!("every newer release of {name} is affected by one of its advisories")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::OfflineDatabase;

    fn advisories(osv_name: &str, name: &str) -> (Vec<Advisory>, &'static Ecosystem) {
        let database =
            OfflineDatabase::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/records"))
                .unwrap();
        let ecosystem = Ecosystem::from_osv_name(osv_name).unwrap();
        (
            database.index().advisories(ecosystem, name).to_vec(),
            ecosystem,
        )
    }

    fn offline_fix(osv_name: &str, name: &str, current: &str) -> FixChoice {
        let (advisories, ecosystem) = advisories(osv_name, name);
        let current = ecosystem.versioning().parse_version(current).unwrap();
        let candidates = fixed_version_candidates(&advisories, ecosystem);
        choose_fix(
            name,
            &current,
            &candidates,
            CandidateOrigin::AdvisoryFixedVersions,
            &advisories,
        )
    }

    #[test]
    fn the_fix_clears_every_advisory_not_just_the_first() {
        // lodash 4.17.19: fixed in 4.17.20 by one advisory, 4.17.21 by the other
        let choice = offline_fix("npm", "lodash", "4.17.19");
        assert_eq!(choice.version.unwrap().as_str(), "4.17.21");
        assert!(choice.reason.unwrap().contains("no registry was asked"));
    }

    #[test]
    fn last_affected_without_a_fix_has_no_fix_version_and_says_why() {
        let choice = offline_fix("npm", "request", "2.88.2");
        assert_eq!(choice.version, None);
        assert_eq!(
            choice.reason.as_deref(),
            Some("no fixed version of request is published for GHSA-p8p7-x288-28g6")
        );
    }

    #[test]
    fn a_malicious_package_is_to_be_removed() {
        let choice = offline_fix("npm", "osscamp", "1.0.0");
        assert_eq!(choice.version, None);
        assert!(choice.reason.unwrap().contains("malicious"));
    }

    #[test]
    fn registry_candidates_pick_the_lowest_unaffected_release() {
        let (advisories, ecosystem) = advisories("crates.io", "tokio");
        let parse = |text: &str| ecosystem.versioning().parse_version(text).unwrap();
        // 1.18.4 fixes the first range; 1.19.x up to 1.20.2 are affected again
        let releases: Vec<Version> = ["1.18.3", "1.18.4", "1.20.2", "1.20.3", "1.24.0"]
            .into_iter()
            .map(parse)
            .collect();
        let choice = choose_fix(
            "tokio",
            &parse("1.18.3"),
            &releases,
            CandidateOrigin::Registry,
            &advisories,
        );
        assert_eq!(choice.version.unwrap().as_str(), "1.18.4");
        assert_eq!(choice.reason, None);
        let none_newer = choose_fix(
            "tokio",
            &parse("1.18.3"),
            &releases[..1],
            CandidateOrigin::Registry,
            &advisories,
        );
        assert_eq!(
            none_newer.reason.as_deref(),
            Some("the registry lists no release of tokio newer than 1.18.3")
        );
    }
}
