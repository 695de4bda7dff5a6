//! Which releases may be proposed at all, before they are bucketed: Renovate's
//! `filterVersions`, one predicate per option, applied in Renovate's order.
//!
//! 1. newer than the current version;
//! 2. `isCompatible` with the current value (docker: same suffix family, precision and
//!    `v` prefix);
//! 3. `rangeStrategy: in-range-only`: inside the current range;
//! 4. `ignoreDeprecated`: not deprecated, unless the current release is;
//! 5. `allowedVersions`: inside the range (in the dependency's versioning, else npm's,
//!    as Renovate falls back) or matching the `/regex/`;
//! 6. `respectLatest`: not past the `latest` tag, unless the current version is;
//! 7. `ignoreUnstable`: stable only — or, when the current version is a prerelease,
//!    prereleases of its own `major.minor.patch` too.
//!
//! With `followTag`, steps 6 and 7 are skipped: the tag decides.

use upkeep_datasource::Release;
use upkeep_versioning::{Range, RangeStrategy, Version, Versioning, get_versioning};

use super::settings::{AllowedVersions, LookupSettings};

/// A release whose version parsed in the dependency's versioning.
#[derive(Debug)]
pub(super) struct Candidate<'r> {
    pub version: Version,
    pub release: &'r Release,
}

/// What the filters need to know about the dependency.
pub(super) struct Filters<'a> {
    pub versioning: &'a dyn Versioning,
    pub settings: &'a LookupSettings,
    /// The version in use.
    pub current: &'a Version,
    /// The current value as a version, when it is one (docker compatibility).
    pub current_value: Option<&'a Version>,
    /// The current value as a range.
    pub range: &'a Range,
    pub strategy: RangeStrategy,
    /// The registry's `latest` tag, parsed.
    pub latest: Option<&'a Version>,
    /// Whether the current release is deprecated (unknown counts as not).
    pub current_deprecated: bool,
    /// `followTag` is in force.
    pub following_tag: bool,
}

impl Filters<'_> {
    /// The candidates that pass every filter, or why none can (an unusable setting).
    pub fn apply<'c, 'r>(
        &self,
        candidates: &'c [Candidate<'r>],
    ) -> Result<Vec<&'c Candidate<'r>>, String> {
        let allowed = self.allowed_versions()?;
        Ok(candidates
            .iter()
            .filter(|candidate| self.passes(candidate, allowed.as_ref()))
            .collect())
    }

    fn passes(&self, candidate: &Candidate<'_>, allowed: Option<&Allowed>) -> bool {
        let version = &candidate.version;
        let versioning = self.versioning;
        if !versioning.is_greater_than(version, self.current) {
            return false;
        }
        if let Some(current_value) = self.current_value
            && !versioning.is_compatible(version, current_value)
        {
            return false;
        }
        if self.strategy == RangeStrategy::InRangeOnly && !versioning.matches(version, self.range) {
            return false;
        }
        if self.settings.ignore_deprecated
            && !self.current_deprecated
            && candidate.release.is_deprecated
        {
            return false;
        }
        if let Some(allowed) = allowed
            && !allowed.admits(candidate)
        {
            return false;
        }
        if self.following_tag {
            return true;
        }
        if self.settings.respect_latest
            && let Some(latest) = self.latest
            && !versioning.is_greater_than(self.current, latest)
            && versioning.is_greater_than(version, latest)
        {
            return false;
        }
        if self.settings.ignore_unstable && !versioning.is_stable(version) {
            // Renovate: from a prerelease, only prereleases of the same major.minor.patch
            // (the rule npm, Cargo and Terraform ranges share).
            let same_release = !versioning.is_stable(self.current)
                && version.major() == self.current.major()
                && version.minor() == self.current.minor()
                && version.patch() == self.current.patch();
            return same_release;
        }
        true
    }

    fn allowed_versions(&self) -> Result<Option<Allowed>, String> {
        let Some(allowed) = &self.settings.allowed_versions else {
            return Ok(None);
        };
        match allowed {
            AllowedVersions::Regex { regex, negated } => Ok(Some(Allowed::Regex {
                regex: regex.clone(),
                negated: *negated,
            })),
            AllowedVersions::Range(text) => {
                if let Some(range) = self.versioning.parse_range(text) {
                    return Ok(Some(Allowed::Range(range, None)));
                }
                // Renovate falls back to npm's range syntax for allowedVersions.
                let npm = get_versioning("npm").expect("npm versioning is registered");
                match npm.parse_range(text) {
                    Some(range) => Ok(Some(Allowed::Range(range, Some(npm)))),
                    None => Err(format!(
                        "allowedVersions `{text}` is not a valid {} or npm range; no update is proposed",
                        self.versioning.id()
                    )),
                }
            }
        }
    }
}

/// `allowedVersions`, ready to test versions.
enum Allowed {
    /// A range, and the versioning to re-parse versions in when it is npm's fallback.
    Range(Range, Option<&'static dyn Versioning>),
    Regex {
        regex: regex::Regex,
        negated: bool,
    },
}

impl Allowed {
    fn admits(&self, candidate: &Candidate<'_>) -> bool {
        match self {
            Allowed::Range(range, None) => range.matches(&candidate.version),
            Allowed::Range(range, Some(fallback)) => fallback
                .parse_version(&candidate.release.version)
                .is_some_and(|version| range.matches(&version)),
            Allowed::Regex { regex, negated } => {
                regex.is_match(&candidate.release.version) != *negated
            }
        }
    }
}
