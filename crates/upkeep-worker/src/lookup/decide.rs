//! The pure decision of the lookup stage: one dependency, its releases, its settings
//! and the time → the `LookedUpDependency` with its proposed updates.
//!
//! # Flow (Renovate's lookup, reimplemented from its documentation)
//!
//! 1. The current value is parsed in the dependency's versioning. A value that is not
//!    valid gets a warning (docker tags that are not versions, like `latest`, are
//!    legitimate: they only get digest updates).
//! 2. `rangeStrategy: auto` is resolved per manager; `update-lockfile` without a locked
//!    version becomes `bump`, as in Renovate (there is no lock file to update).
//! 3. `currentVersion`: the locked version, else the value when it is a version, else
//!    the newest release satisfying the range (the oldest under `bump`, whose point is
//!    to move the range's floor).
//! 4. The releases newer than it go through the filters ([`super::filter`]), or only the
//!    tagged release with `followTag`.
//! 5. Candidates fall into buckets (`major`/`non-major` by default;
//!    `separateMultipleMajor` → one per major; `separateMinorPatch` → `minor` and
//!    `patch`; `separateMajorMinor: false` → one). Each bucket proposes its newest
//!    candidate that is not affected by a known vulnerability and has passed
//!    `minimumReleaseAge`; newer ones held by age are listed as `pendingVersions`; when
//!    none has passed, the newest is reported with `pendingChecks`.
//! 6. `newValue` comes from the versioning's `get_new_value`; an unchanged value with a
//!    locked version is a lock-file update (`isLockfileUpdate`), without one it is no
//!    update at all. `rangeStrategy: pin` adds a `pin` update for ranges.
//! 7. Digests (datasources that have them): a dependency with a digest gets the new
//!    tag's digest on each update and a `digest` update when its own tag moved;
//!    `pinDigests` adds a `pinDigest` update to a reference without one.
//!
//! # Facts learnt on demand
//!
//! Some registries cannot list release times or digests cheaply (docker: one request
//! per tag). The decision therefore takes the [`Facts`] learnt so far and reports what
//! it is [`Missing`]: only the versions it is about to propose or must check against
//! `minimumReleaseAge`, and only the digests of the tags it proposes. The caller fetches
//! those and decides again; deciding is cheap and pure, so tests need no network.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use upkeep_datasource::ReleaseResult;
use upkeep_types::{Dependency, LookedUpDependency, PendingVersion, Update, UpdateType};
use upkeep_versioning::{NewValueRequest, Range, RangeStrategy, Version, Versioning};

use super::filter::{Candidate, Filters};
use super::settings::LookupSettings;

/// The seam for vulnerability data: which versions of this package are affected.
/// The lookup never proposes an affected version; it falls back to the newest
/// unaffected candidate of the same bucket.
pub trait AffectedVersions: Send + Sync {
    /// Whether a known advisory affects `version`.
    fn is_affected(&self, version: &Version) -> bool;

    /// The advisories affecting `version`, for the report.
    fn advisories(&self, version: &Version) -> Vec<upkeep_types::DependencyAdvisory> {
        let _ = version;
        Vec::new()
    }
}

/// No vulnerability data: nothing is affected.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVulnerabilities;

impl AffectedVersions for NoVulnerabilities {
    fn is_affected(&self, _version: &Version) -> bool {
        false
    }
}

/// What was learnt beyond the release listing. A key with `None` was asked and is
/// unknown (it is not asked again).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Release timestamps (RFC 3339) by version as the registry lists it.
    pub timestamps: HashMap<String, Option<String>>,
    /// Digests by tag; the `None` tag is a reference written without one.
    pub digests: HashMap<Option<String>, Option<String>>,
}

/// What the decision needs to be final.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Missing {
    /// Versions whose release timestamp is needed.
    pub timestamps: Vec<String>,
    /// Tags whose digest is needed (`None`: the reference has no tag).
    pub digests: Vec<Option<String>>,
}

impl Missing {
    /// Whether nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty() && self.digests.is_empty()
    }
}

/// Everything one dependency's decision depends on.
pub struct LookupInput<'a> {
    /// The extracted dependency.
    pub dependency: &'a Dependency,
    /// The manager that extracted it (resolves `rangeStrategy: auto`).
    pub manager: &'a str,
    /// Its version scheme.
    pub versioning: &'a dyn Versioning,
    /// What the registry said.
    pub releases: &'a ReleaseResult,
    /// Its settings.
    pub settings: &'a LookupSettings,
    /// The time `minimumReleaseAge` is measured against.
    pub now: Timestamp,
    /// Whether the datasource has digests (docker).
    pub supports_digests: bool,
    /// Release timestamps and digests learnt so far.
    pub facts: &'a Facts,
    /// Which versions are affected by known vulnerabilities.
    pub vulnerabilities: &'a dyn AffectedVersions,
}

/// The outcome: the looked-up dependency, final when nothing is missing.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The dependency with `currentVersion`, `updates` and `warnings`.
    pub dependency: LookedUpDependency,
    /// Facts to fetch before deciding again.
    pub missing: Missing,
}

/// Decides the updates of one dependency (see the module documentation).
pub fn decide(input: &LookupInput<'_>) -> Decision {
    let mut decider = Decider {
        input,
        result: LookedUpDependency {
            dependency: input.dependency.clone(),
            source_url: input.releases.source_url.clone(),
            homepage: input.releases.homepage.clone(),
            ..LookedUpDependency::default()
        },
        missing: Missing::default(),
    };
    decider.version_updates();
    decider.digest_updates();
    Decision {
        dependency: decider.result,
        missing: decider.missing,
    }
}

/// How many unknown release times one bucket asks for per round.
const TIMESTAMP_BATCH: usize = 4;

struct Decider<'i, 'a> {
    input: &'i LookupInput<'a>,
    result: LookedUpDependency,
    missing: Missing,
}

/// Where a candidate stands against `minimumReleaseAge`.
enum Age {
    Eligible,
    Held(PendingVersion),
}

impl Decider<'_, '_> {
    fn warn(&mut self, message: String) {
        self.result.warnings.push(message);
    }

    fn version_updates(&mut self) {
        let input = self.input;
        let versioning = input.versioning;
        let dependency = input.dependency;
        let Some(value) = dependency.current_value.as_deref() else {
            return;
        };
        let Some(range) = versioning.parse_range(value) else {
            // A docker tag that is not a version (`latest`, `nonroot`) is followed by
            // digest only; anywhere else the value is unusable.
            if versioning.id() != "docker" {
                self.warn(format!(
                    "`{value}` is not a valid {} version or range",
                    versioning.id()
                ));
            }
            return;
        };
        if range.is_tag() {
            // An npm dist-tag as the value (`latest`): nothing to rewrite.
            return;
        }
        let candidates: Vec<Candidate<'_>> = input
            .releases
            .releases
            .iter()
            .filter_map(|release| {
                versioning
                    .parse_version(&release.version)
                    .map(|version| Candidate { version, release })
            })
            .collect();
        if candidates.is_empty() && !input.releases.releases.is_empty() {
            self.warn(format!(
                "no release of `{}` is a valid {} version",
                dependency.lookup_name(),
                versioning.id()
            ));
            return;
        }
        let mut strategy = input.settings.range_strategy.resolve(
            input.manager,
            dependency.dep_type.as_deref(),
            value,
        );
        if strategy == RangeStrategy::UpdateLockfile && dependency.locked_version.is_none() {
            strategy = RangeStrategy::Bump;
        }
        let Some(current) = self.current_version(value, &range, strategy, &candidates) else {
            return;
        };
        self.result.current_version = Some(current.as_str().to_owned());
        let current_value = versioning.parse_version(value);
        let latest = input
            .releases
            .tags
            .get("latest")
            .and_then(|tag| versioning.parse_version(tag));
        let current_deprecated = input
            .releases
            .releases
            .iter()
            .any(|release| release.version == current.as_str() && release.is_deprecated);
        let filters = Filters {
            versioning,
            settings: input.settings,
            current: &current,
            current_value: current_value.as_ref(),
            range: &range,
            strategy,
            latest: latest.as_ref(),
            current_deprecated,
            following_tag: input.settings.follow_tag.is_some(),
        };
        let pool: Vec<Candidate<'_>> = match &input.settings.follow_tag {
            None => candidates,
            Some(tag) => match self.tagged(tag, &current, candidates) {
                Some(tagged) => vec![tagged],
                None => return,
            },
        };
        let allowed = match filters.apply(&pool) {
            Ok(allowed) => allowed,
            Err(warning) => return self.warn(warning),
        };
        let mut buckets: BTreeMap<String, Vec<&Candidate<'_>>> = BTreeMap::new();
        for candidate in allowed {
            let key = bucket(input.settings, &current, &candidate.version);
            buckets.entry(key).or_default().push(candidate);
        }
        let mut updates = Vec::new();
        for (_, mut bucket) in buckets {
            bucket.sort_by(|a, b| versioning.compare(&b.version, &a.version));
            if let Some(update) = self.bucket_update(value, strategy, &current, &bucket) {
                updates.push(update);
            }
        }
        // Renovate lists updates from the nearest to the farthest.
        updates.sort_by(|(a, _), (b, _)| versioning.compare(a, b));
        let mut updates: Vec<Update> = updates.into_iter().map(|(_, update)| update).collect();
        if strategy == RangeStrategy::Pin && !range.is_single_version() {
            updates.extend(self.pin_update(value, &current));
        }
        self.result.updates.extend(updates);
    }

    fn current_version(
        &mut self,
        value: &str,
        range: &Range,
        strategy: RangeStrategy,
        candidates: &[Candidate<'_>],
    ) -> Option<Version> {
        let versioning = self.input.versioning;
        if let Some(locked) = self.input.dependency.locked_version.as_deref() {
            match versioning.parse_version(locked) {
                Some(version) => return Some(version),
                None => self.warn(format!(
                    "locked version `{locked}` is not a valid {} version",
                    versioning.id()
                )),
            }
        }
        if let Some(version) = versioning.parse_version(value) {
            return Some(version);
        }
        let versions: Vec<Version> = candidates.iter().map(|c| c.version.clone()).collect();
        let found = match strategy {
            RangeStrategy::Bump => versioning.min_satisfying(&versions, range),
            _ => versioning.max_satisfying(&versions, range),
        };
        if found.is_none() {
            self.warn(format!(
                "no release of `{}` satisfies `{value}`",
                self.input.dependency.lookup_name()
            ));
        }
        found.cloned()
    }

    /// `followTag`: the tagged release is the only candidate.
    fn tagged<'r>(
        &mut self,
        tag: &str,
        current: &Version,
        candidates: Vec<Candidate<'r>>,
    ) -> Option<Candidate<'r>> {
        let versioning = self.input.versioning;
        let Some(tagged) = self.input.releases.tags.get(tag) else {
            self.warn(format!(
                "`{}` has no `{tag}` tag to follow",
                self.input.dependency.lookup_name()
            ));
            return None;
        };
        let found = candidates
            .into_iter()
            .find(|candidate| candidate.release.version == *tagged)?;
        if versioning.is_greater_than(current, &found.version) {
            self.warn(format!(
                "the current version `{current}` is newer than the `{tag}` tag (`{tagged}`); rollbacks are not proposed"
            ));
            return None;
        }
        Some(found)
    }

    fn bucket_update(
        &mut self,
        value: &str,
        strategy: RangeStrategy,
        current: &Version,
        bucket: &[&Candidate<'_>],
    ) -> Option<(Version, Update)> {
        let input = self.input;
        let mut chosen = None;
        let mut pending: Vec<(&Candidate<'_>, PendingVersion)> = Vec::new();
        let mut affected: Vec<&str> = Vec::new();
        let mut asked = 0;
        for &candidate in bucket {
            if input.vulnerabilities.is_affected(&candidate.version) {
                affected.push(&candidate.release.version);
                continue;
            }
            match self.age(candidate, &mut asked) {
                Age::Eligible => {
                    chosen = Some(candidate);
                    break;
                }
                Age::Held(held) => pending.push((candidate, held)),
            }
            if asked >= TIMESTAMP_BATCH {
                break;
            }
        }
        let (candidate, pending_checks, eligible_at) = match chosen {
            Some(candidate) => (candidate, false, None),
            None if pending.is_empty() => {
                if !affected.is_empty() {
                    self.warn(format!(
                        "every candidate newer than `{current}` is affected by a known vulnerability: {}",
                        affected.join(", ")
                    ));
                }
                return None;
            }
            None => {
                let (candidate, held) = pending.remove(0);
                (candidate, true, held.eligible_at)
            }
        };
        if !affected.is_empty() {
            self.warn(format!(
                "skipped {} as affected by a known vulnerability; proposing `{}`",
                affected.join(", "),
                candidate.release.version
            ));
        }
        let new_version = &candidate.version;
        let request = NewValueRequest {
            current_value: value,
            range_strategy: strategy,
            current_version: Some(current),
            new_version,
        };
        let Some(new_value) = input.versioning.get_new_value(&request) else {
            self.warn(format!(
                "cannot write `{new_version}` into `{value}` with rangeStrategy `{strategy}`"
            ));
            return None;
        };
        let is_lockfile_update = new_value == value;
        if is_lockfile_update && input.dependency.locked_version.is_none() {
            // In range and nothing locked: there is nothing to change.
            return None;
        }
        let release_timestamp = self.timestamp(candidate, true);
        let new_digest = self.new_digest(Some(new_value.clone()));
        let update = Update {
            update_type: input.versioning.update_type(current, new_version),
            new_value: Some(new_value),
            new_version: Some(candidate.release.version.clone()),
            new_digest,
            new_major: Some(new_version.major()),
            release_timestamp,
            is_lockfile_update,
            pending_checks,
            eligible_at,
            pending_versions: pending.into_iter().map(|(_, held)| held).collect(),
            ..Update::default()
        };
        Some((new_version.clone(), update))
    }

    /// Whether `candidate` has passed `minimumReleaseAge`; unknown times are asked for
    /// (at most [`TIMESTAMP_BATCH`] per bucket and round) and held meanwhile.
    fn age(&mut self, candidate: &Candidate<'_>, asked: &mut usize) -> Age {
        let Some(minimum) = self.input.settings.minimum_release_age else {
            return Age::Eligible;
        };
        let known = self.timestamp(candidate, false);
        if known.is_none() && !self.is_asked(candidate) {
            *asked += 1;
            self.missing
                .timestamps
                .push(candidate.release.version.clone());
        }
        let released = known
            .as_deref()
            .and_then(|text| text.parse::<Timestamp>().ok());
        let eligible_at = released.and_then(|released| released.checked_add(minimum).ok());
        match eligible_at {
            Some(eligible_at) if eligible_at <= self.input.now => Age::Eligible,
            _ => Age::Held(PendingVersion {
                version: candidate.release.version.clone(),
                release_timestamp: known,
                eligible_at: eligible_at.map(|at| at.to_string()),
            }),
        }
    }

    fn is_asked(&self, candidate: &Candidate<'_>) -> bool {
        self.input
            .facts
            .timestamps
            .contains_key(&candidate.release.version)
    }

    /// The release time of `candidate`, from the listing or the facts; when unknown and
    /// `ask` is set, it is reported missing.
    fn timestamp(&mut self, candidate: &Candidate<'_>, ask: bool) -> Option<String> {
        if let Some(known) = &candidate.release.release_timestamp {
            return Some(known.clone());
        }
        let version = &candidate.release.version;
        match self.input.facts.timestamps.get(version) {
            Some(known) => known.clone(),
            None => {
                if ask && !self.missing.timestamps.contains(version) {
                    self.missing.timestamps.push(version.clone());
                }
                None
            }
        }
    }

    /// The digest a reference to `tag` must carry, when the dependency pins digests.
    fn new_digest(&mut self, tag: Option<String>) -> Option<String> {
        let input = self.input;
        let wants = input.dependency.current_digest.is_some() || input.settings.pin_digests;
        if !input.supports_digests || !wants {
            return None;
        }
        self.digest(tag)
    }

    fn digest(&mut self, tag: Option<String>) -> Option<String> {
        match self.input.facts.digests.get(&tag) {
            Some(known) => known.clone(),
            None => {
                if !self.missing.digests.contains(&tag) {
                    self.missing.digests.push(tag);
                }
                None
            }
        }
    }

    fn pin_update(&mut self, value: &str, current: &Version) -> Option<Update> {
        let request = NewValueRequest {
            current_value: value,
            range_strategy: RangeStrategy::Pin,
            current_version: Some(current),
            new_version: current,
        };
        let new_value = self.input.versioning.get_new_value(&request)?;
        if new_value == value {
            return None;
        }
        let new_digest = self.new_digest(Some(new_value.clone()));
        Some(Update {
            update_type: Some(UpdateType::Pin),
            new_value: Some(new_value),
            new_version: Some(current.as_str().to_owned()),
            new_major: Some(current.major()),
            new_digest,
            ..Update::default()
        })
    }

    /// `digest` when the current tag moved, `pinDigest` when `pinDigests` asks for one.
    fn digest_updates(&mut self) {
        let input = self.input;
        if !input.supports_digests {
            return;
        }
        let dependency = input.dependency;
        let update_type = match &dependency.current_digest {
            Some(_) => UpdateType::Digest,
            None if input.settings.pin_digests => UpdateType::PinDigest,
            None => return,
        };
        let tag = dependency.current_value.clone();
        let Some(digest) = self.digest(tag.clone()) else {
            return;
        };
        if dependency.current_digest.as_deref() == Some(digest.as_str()) {
            return;
        }
        self.result.updates.push(Update {
            update_type: Some(update_type),
            new_value: tag,
            new_version: self.result.current_version.clone(),
            new_digest: Some(digest),
            ..Update::default()
        });
    }
}

/// Renovate's bucket of an update: which other updates it competes with.
fn bucket(settings: &LookupSettings, current: &Version, new: &Version) -> String {
    if !settings.separate_major_minor {
        return "latest".to_owned();
    }
    if new.major() != current.major() {
        return if settings.separate_multiple_major {
            format!("v{:020}", new.major())
        } else {
            "major".to_owned()
        };
    }
    if settings.separate_minor_patch && new.minor() == current.minor() {
        return "patch".to_owned();
    }
    if settings.separate_minor_patch {
        return "minor".to_owned();
    }
    "non-major".to_owned()
}

#[cfg(test)]
mod tests;
