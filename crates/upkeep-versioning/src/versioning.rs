//! The [`Versioning`] trait: what every version scheme answers.

use std::cmp::Ordering;

use upkeep_types::UpdateType;

use crate::{NewValueRequest, Range, Version};

/// One version scheme (`cargo`, `npm`, `docker`, …).
///
/// Strings are parsed once, at the edge, by [`parse_version`](Versioning::parse_version)
/// and [`parse_range`](Versioning::parse_range); every other question takes the parsed
/// values, so a lookup that sorts and filters hundreds of releases parses each one
/// once. The `is_*` helpers over strings exist for callers holding a single value.
///
/// Implementations are stateless; [`VERSIONINGS`](crate::VERSIONINGS) holds one
/// `&'static` of each.
pub trait Versioning: Send + Sync {
    /// The scheme's id, as in Renovate's `versioning` option.
    fn id(&self) -> &'static str;

    /// Parses an exact version (`1.2.3`, docker `18-alpine`); `None` if `text` is not one.
    fn parse_version(&self, text: &str) -> Option<Version>;

    /// Parses a requirement (`^1.2`, `~> 4.0`, npm `latest`); an exact version is also a
    /// requirement. `None` if `text` is not valid in this scheme.
    fn parse_range(&self, text: &str) -> Option<Range>;

    /// Whether `text` is a valid value: a version or a requirement.
    fn is_valid(&self, text: &str) -> bool {
        self.parse_range(text).is_some()
    }

    /// Whether `text` is an exact version.
    fn is_version(&self, text: &str) -> bool {
        self.parse_version(text).is_some()
    }

    /// Whether `text` pins one version (Renovate's `isSinglePrecision`/`isPinned`):
    /// `=1.2.3`, npm `1.2.3`, docker `18-alpine`; not Cargo's bare `1.2.3`.
    fn is_single_version(&self, text: &str) -> bool {
        self.parse_range(text)
            .is_some_and(|range| range.is_single_version())
    }

    /// Whether `version` is a stable release (no prerelease).
    fn is_stable(&self, version: &Version) -> bool {
        !version.is_prerelease()
    }

    /// Orders two versions of this scheme.
    fn compare(&self, a: &Version, b: &Version) -> Ordering {
        a.cmp(b)
    }

    /// Whether `a` is newer than `b`.
    fn is_greater_than(&self, a: &Version, b: &Version) -> bool {
        self.compare(a, b) == Ordering::Greater
    }

    /// Whether `version` satisfies `range`.
    fn matches(&self, version: &Version, range: &Range) -> bool {
        range.matches(version)
    }

    /// The newest of `versions` that satisfies `range` (Renovate's
    /// `getSatisfyingVersion`).
    fn max_satisfying<'v>(&self, versions: &'v [Version], range: &Range) -> Option<&'v Version> {
        versions
            .iter()
            .filter(|version| self.matches(version, range))
            .max_by(|a, b| self.compare(a, b))
    }

    /// The oldest of `versions` that satisfies `range` (`minSatisfyingVersion`).
    fn min_satisfying<'v>(&self, versions: &'v [Version], range: &Range) -> Option<&'v Version> {
        versions
            .iter()
            .filter(|version| self.matches(version, range))
            .min_by(|a, b| self.compare(a, b))
    }

    /// Whether `candidate` may replace `current` at all. Always true except for docker,
    /// where the suffix family and the precision must match.
    fn is_compatible(&self, candidate: &Version, current: &Version) -> bool {
        let _ = (candidate, current);
        true
    }

    /// The kind of update from `from` to `to`: `Major`, `Minor` or `Patch` by the first
    /// release number that differs; `None` when `to` is not newer.
    fn update_type(&self, from: &Version, to: &Version) -> Option<UpdateType> {
        if self.compare(to, from) != Ordering::Greater {
            return None;
        }
        Some(if to.major() != from.major() {
            UpdateType::Major
        } else if to.minor() != from.minor() {
            UpdateType::Minor
        } else {
            UpdateType::Patch
        })
    }

    /// Whether moving from `from` to `to` may break callers under SemVer: a new major,
    /// or for `0.y.z` a new minor (and for `0.0.z` a new patch).
    fn is_breaking(&self, from: &Version, to: &Version) -> bool {
        let significant = |version: &Version| -> [u64; 3] {
            match (version.major(), version.minor()) {
                (0, 0) => [0, 0, version.patch()],
                (0, minor) => [0, minor, 0],
                (major, _) => [major, 0, 0],
            }
        };
        significant(from) != significant(to)
    }

    /// The new text for `request.current_value` when moving to `request.new_version`
    /// under `request.range_strategy`, keeping the user's operator and precision.
    /// `None` when the strategy cannot express the new version (the caller reports it).
    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String>;
}
