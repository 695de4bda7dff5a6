//! "Is this version affected?": one `affected[]` entry compiled for fast answers.
//!
//! At index time every event version is parsed once with the ecosystem's versioning
//! (`SEMVER` ranges with strict SemVer, `ECOSYSTEM` ranges with the ecosystem's own
//! scheme) and the events are sorted; a query then only compares parsed versions.
//!
//! [`AffectedVersions::affects`] is the OSV schema's evaluation algorithm
//! (`IsVulnerable` in the schema's "Evaluation" section), unchanged: a version is
//! affected when it is listed in `versions`, or when some range, walked over its
//! sorted events, leaves it vulnerable:
//!
//! - `introduced: v` (inclusive; `"0"` sorts before every version) turns it on,
//! - `fixed: v` (exclusive) and `last_affected: v` (inclusive) turn it off,
//! - a range with `limit` events only counts for versions below one of its limits
//!   (`"*"` is no limit).
//!
//! Events with equal versions keep their file order (the sort is stable).
//! `GIT` ranges and range types upkeep does not know are skipped: registry versions
//! cannot be placed in a commit graph. A malicious-package record whose entry has no
//! usable range and no `versions` affects every version of the package.

use std::cmp::Ordering;
use std::fmt::Write as _;

use upkeep_versioning::{Version, Versioning};

use crate::ecosystem::Ecosystem;
use crate::osv::{Affected, Event, RangeType};

/// One end of an event: a version, or the special `"0"` (before all) / `"*"` (after all).
#[derive(Debug, Clone)]
enum Point {
    Zero,
    At(Version),
    Infinity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
}

#[derive(Debug, Clone)]
struct CompiledRange {
    /// Sorted by version, stable.
    events: Vec<(Kind, Point)>,
    /// Empty: no limit (the implicit `"*"`).
    limits: Vec<Point>,
}

/// The affected versions of one package in one record, ready for matching.
#[derive(Clone)]
pub struct AffectedVersions {
    versioning: &'static dyn Versioning,
    ranges: Vec<CompiledRange>,
    versions: Vec<Version>,
    unparsed_versions: Vec<Box<str>>,
    every_version: bool,
}

impl std::fmt::Debug for AffectedVersions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AffectedVersions")
            .field("versioning", &self.versioning.id())
            .field("ranges", &self.ranges)
            .field("versions", &self.versions)
            .field("unparsed_versions", &self.unparsed_versions)
            .field("every_version", &self.every_version)
            .finish()
    }
}

impl AffectedVersions {
    /// Compiles `affected` for `ecosystem`. `Err` names the version that does not parse.
    pub fn compile(
        affected: &Affected,
        ecosystem: &Ecosystem,
        malicious: bool,
    ) -> Result<AffectedVersions, String> {
        let versioning = ecosystem.versioning();
        let mut ranges = Vec::new();
        for (index, range) in affected.ranges.iter().enumerate() {
            let parser: &dyn Versioning = match range.kind() {
                RangeType::Semver => semver_versioning(),
                RangeType::Ecosystem => versioning,
                RangeType::Git | RangeType::Other(_) => continue,
            };
            let compiled = compile_range(range.events(), parser, versioning)
                .map_err(|reason| format!("range {index}: {reason}"))?;
            ranges.push(compiled);
        }
        let mut versions = Vec::new();
        let mut unparsed_versions = Vec::new();
        for text in &affected.versions {
            match versioning.parse_version(text) {
                Some(version) => versions.push(version),
                None => unparsed_versions.push(text.as_str().into()),
            }
        }
        let every_version =
            malicious && ranges.is_empty() && versions.is_empty() && unparsed_versions.is_empty();
        Ok(AffectedVersions {
            versioning,
            ranges,
            versions,
            unparsed_versions,
            every_version,
        })
    }

    /// Whether `version` is affected (the OSV evaluation algorithm).
    pub fn affects(&self, version: &Version) -> bool {
        self.every_version
            || self
                .versions
                .iter()
                .any(|listed| self.equal(listed, version))
            || self
                .unparsed_versions
                .iter()
                .any(|listed| **listed == *version.as_str())
            || self
                .ranges
                .iter()
                .any(|range| self.in_range(range, version))
    }

    fn in_range(&self, range: &CompiledRange, version: &Version) -> bool {
        let before_limits = range.limits.is_empty()
            || range
                .limits
                .iter()
                .any(|limit| self.compare(version, limit) == Ordering::Less);
        if !before_limits {
            return false;
        }
        let mut vulnerable = false;
        for (kind, point) in &range.events {
            let order = self.compare(version, point);
            match kind {
                Kind::Introduced if order.is_ge() => vulnerable = true,
                Kind::Fixed if order.is_ge() => vulnerable = false,
                Kind::LastAffected if order.is_gt() => vulnerable = false,
                _ => {}
            }
        }
        vulnerable
    }

    fn compare(&self, version: &Version, point: &Point) -> Ordering {
        match point {
            Point::Zero => Ordering::Greater,
            Point::At(bound) => self.versioning.compare(version, bound),
            Point::Infinity => Ordering::Less,
        }
    }

    fn equal(&self, a: &Version, b: &Version) -> bool {
        self.versioning.compare(a, b) == Ordering::Equal
    }

    /// Every `fixed` version, in range order.
    pub fn fixed_versions(&self) -> impl Iterator<Item = &Version> {
        self.ranges.iter().flat_map(|range| {
            range
                .events
                .iter()
                .filter_map(|(kind, point)| match (kind, point) {
                    (Kind::Fixed, Point::At(version)) => Some(version),
                    _ => None,
                })
        })
    }

    /// The affected versions as text, one interval or version per item:
    /// `>= 1.0.0, < 1.2.6`, `< 0.2.4`, `<= 2.88.2`, `= 0.7.29`, `*` (every version).
    pub fn describe(&self) -> Vec<String> {
        if self.every_version {
            return vec!["*".to_owned()];
        }
        let mut texts = Vec::new();
        for range in &self.ranges {
            describe_range(range, &mut texts);
        }
        texts.extend(self.versions.iter().map(|version| format!("= {version}")));
        texts.extend(
            self.unparsed_versions
                .iter()
                .map(|version| format!("= {version}")),
        );
        texts
    }
}

fn semver_versioning() -> &'static dyn Versioning {
    upkeep_versioning::get_versioning("semver").expect("the semver versioning is registered")
}

fn compile_range(
    events: &[Event],
    parser: &dyn Versioning,
    versioning: &dyn Versioning,
) -> Result<CompiledRange, String> {
    let parse = |text: &str, name: &str| {
        parser.parse_version(text).map(Point::At).ok_or_else(|| {
            format!(
                "`{name}` version `{text}` is not a valid {} version",
                parser.id()
            )
        })
    };
    let mut compiled = Vec::with_capacity(events.len());
    let mut limits = Vec::new();
    for event in events {
        match event {
            Event::Introduced(text) if text == "0" => {
                compiled.push((Kind::Introduced, Point::Zero))
            }
            Event::Introduced(text) => {
                compiled.push((Kind::Introduced, parse(text, "introduced")?))
            }
            Event::Fixed(text) => compiled.push((Kind::Fixed, parse(text, "fixed")?)),
            Event::LastAffected(text) => {
                compiled.push((Kind::LastAffected, parse(text, "last_affected")?));
            }
            Event::Limit(text) if text.contains('*') => limits.push(Point::Infinity),
            Event::Limit(text) => limits.push(parse(text, "limit")?),
        }
    }
    compiled.sort_by(|(_, a), (_, b)| compare_points(versioning, a, b));
    // One `"*"` limit means no limit at all.
    if limits.iter().any(|limit| matches!(limit, Point::Infinity)) {
        limits.clear();
    }
    Ok(CompiledRange {
        events: compiled,
        limits,
    })
}

fn compare_points(versioning: &dyn Versioning, a: &Point, b: &Point) -> Ordering {
    match (a, b) {
        (Point::At(a), Point::At(b)) => versioning.compare(a, b),
        (Point::Zero, Point::Zero) | (Point::Infinity, Point::Infinity) => Ordering::Equal,
        (Point::Zero, _) | (_, Point::Infinity) => Ordering::Less,
        (_, Point::Zero) | (Point::Infinity, _) => Ordering::Greater,
    }
}

fn describe_range(range: &CompiledRange, texts: &mut Vec<String>) {
    let limit = match range.limits.as_slice() {
        [Point::At(limit)] => Some(limit),
        _ => None,
    };
    let mut open: Option<&Point> = None;
    let mut push = |start: &Point, end: Option<(&str, &Version)>| {
        let mut text = String::new();
        if let Point::At(start) = start {
            let _ = write!(text, ">= {start}");
        }
        let end = end.or(limit.map(|limit| ("<", limit)));
        if let Some((operator, end)) = end {
            if !text.is_empty() {
                text.push_str(", ");
            }
            let _ = write!(text, "{operator} {end}");
        }
        if text.is_empty() {
            text.push('*');
        }
        texts.push(text);
    };
    for (kind, point) in &range.events {
        match (kind, point) {
            (Kind::Introduced, start) => {
                open.get_or_insert(start);
            }
            (Kind::Fixed, Point::At(end)) => {
                if let Some(start) = open.take() {
                    push(start, Some(("<", end)));
                }
            }
            (Kind::LastAffected, Point::At(end)) => {
                if let Some(start) = open.take() {
                    push(start, Some(("<=", end)));
                }
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        push(start, None);
    }
}

#[cfg(test)]
mod tests;
