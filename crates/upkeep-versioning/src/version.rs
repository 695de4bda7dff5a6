//! [`Version`]: one parsed, comparable version, shared by every scheme.
//!
//! Every scheme upkeep knows is "numbers, then an optional prerelease, then (docker
//! only) a suffix family", so one concrete type serves them all. That keeps the
//! [`Versioning`](crate::Versioning) trait object-safe (one `&'static dyn Versioning`
//! list) without boxing a scheme-specific version behind `dyn Any`. The release numbers
//! live in a fixed array, so comparing two versions never allocates.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The most release numbers a version may have (`1.2.3.4`, as some docker tags do).
pub const MAX_RELEASE_PARTS: usize = 4;

/// One dot-separated prerelease identifier (`rc`, `1`, `beta`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// Digits only: compared numerically, and lower than any alphanumeric identifier.
    Numeric(u64),
    /// Anything else: compared as ASCII text.
    Alphanumeric(String),
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => a.cmp(b),
            (Identifier::Numeric(_), Identifier::Alphanumeric(_)) => Ordering::Less,
            (Identifier::Alphanumeric(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::Alphanumeric(a), Identifier::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed version. Opaque: build one with a scheme's
/// [`parse_version`](crate::Versioning::parse_version).
///
/// Ordering is SemVer precedence (release numbers, missing ones read as `0`; a
/// prerelease sorts before its release), then — only to keep the order total — the
/// docker suffix, the precision and the `v` prefix. Build metadata is ignored.
#[derive(Debug, Clone)]
pub struct Version {
    pub(crate) text: Box<str>,
    pub(crate) release: [u64; MAX_RELEASE_PARTS],
    pub(crate) precision: u8,
    pub(crate) prerelease: Vec<Identifier>,
    pub(crate) suffix: Box<str>,
    pub(crate) v_prefix: bool,
}

impl Version {
    /// Builds a version from its parts; `text` is what [`Version::as_str`] returns.
    pub(crate) fn from_parts(
        text: &str,
        numbers: &[u64],
        prerelease: Vec<Identifier>,
        suffix: &str,
        v_prefix: bool,
    ) -> Option<Version> {
        if numbers.is_empty() || numbers.len() > MAX_RELEASE_PARTS {
            return None;
        }
        let mut release = [0; MAX_RELEASE_PARTS];
        release[..numbers.len()].copy_from_slice(numbers);
        Some(Version {
            text: text.into(),
            release,
            precision: numbers.len() as u8,
            prerelease,
            suffix: suffix.into(),
            v_prefix,
        })
    }

    /// The text this version was parsed from (`v1.2.3`, `18-alpine3.20`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.release[0]
    }

    /// The minor number (`0` when the version has none, like docker's `18`).
    pub fn minor(&self) -> u64 {
        self.release[1]
    }

    /// The patch number (`0` when the version has none).
    pub fn patch(&self) -> u64 {
        self.release[2]
    }

    /// The release numbers as written (`[1, 2]` for `1.2`).
    pub fn release(&self) -> &[u64] {
        &self.release[..usize::from(self.precision)]
    }

    /// How many release numbers were written: `1` for `18`, `3` for `18.1.0`.
    pub fn precision(&self) -> usize {
        usize::from(self.precision)
    }

    /// Whether the version carries a prerelease (`1.0.0-rc.1`, docker `1.2-beta1`).
    pub fn is_prerelease(&self) -> bool {
        !self.prerelease.is_empty()
    }

    /// The prerelease identifiers, empty for a release.
    pub fn prerelease(&self) -> &[Identifier] {
        &self.prerelease
    }

    /// The docker compatibility family (`alpine3.20`, `slim-bookworm`), empty elsewhere.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Whether the text began with `v` (`v1.2.3`).
    pub fn has_v_prefix(&self) -> bool {
        self.v_prefix
    }

    /// SemVer precedence: release numbers, then prerelease (a release beats its
    /// prereleases). Versions that differ only in suffix or precision are equal here.
    pub fn precedence(&self, other: &Version) -> Ordering {
        self.release
            .cmp(&other.release)
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
    }

    /// The release numbers up to patch, for the "same tuple" prerelease rule.
    pub(crate) fn triple(&self) -> [u64; 3] {
        [self.release[0], self.release[1], self.release[2]]
    }
}

fn compare_prerelease(a: &[Identifier], b: &[Identifier]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.cmp(b),
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.precedence(other)
            .then_with(|| self.suffix.cmp(&other.suffix))
            .then_with(|| self.precision.cmp(&other.precision))
            .then_with(|| self.v_prefix.cmp(&other.v_prefix))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.release.hash(state);
        self.prerelease.hash(state);
        self.suffix.hash(state);
        self.precision.hash(state);
        self.v_prefix.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a non-negative decimal number; `strict` rejects leading zeros (SemVer).
pub(crate) fn parse_number(text: &str, strict: bool) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if strict && text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// Parses SemVer prerelease identifiers (`rc.1`); `None` if any is empty or invalid.
pub(crate) fn parse_prerelease(text: &str) -> Option<Vec<Identifier>> {
    text.split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                None
            } else if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok().map(Identifier::Numeric)
            } else {
                Some(Identifier::Alphanumeric(part.to_owned()))
            }
        })
        .collect()
}

/// How much of a SemVer-like version to accept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SemverSyntax {
    /// Accept a leading `v` (or `V`).
    pub v_prefix: bool,
    /// Fewest release numbers (3 for strict SemVer, 1 for Terraform's `1.2`).
    pub min_parts: usize,
    /// Most release numbers.
    pub max_parts: usize,
    /// Reject leading zeros in numbers.
    pub strict_numbers: bool,
}

/// Parses `v?N(.N)*(-pre)?(+build)?` into a [`Version`] under `syntax`.
pub(crate) fn parse_semver_like(text: &str, syntax: SemverSyntax) -> Option<Version> {
    let (v_prefix, rest) = match text.strip_prefix(['v', 'V']) {
        Some(rest) if syntax.v_prefix => (true, rest),
        Some(_) => return None,
        None => (false, text),
    };
    let (rest, build) = match rest.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (rest, None),
    };
    if let Some(build) = build {
        parse_prerelease(build)?;
    }
    let (numbers, prerelease) = match rest.split_once('-') {
        Some((numbers, pre)) => (numbers, parse_prerelease(pre)?),
        None => (rest, Vec::new()),
    };
    let mut release = Vec::with_capacity(MAX_RELEASE_PARTS);
    for part in numbers.split('.') {
        release.push(parse_number(part, syntax.strict_numbers)?);
    }
    if release.len() < syntax.min_parts || release.len() > syntax.max_parts {
        return None;
    }
    Version::from_parts(text, &release, prerelease, "", v_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: SemverSyntax = SemverSyntax {
        v_prefix: true,
        min_parts: 3,
        max_parts: 3,
        strict_numbers: true,
    };

    fn v(text: &str) -> Version {
        parse_semver_like(text, STRICT).unwrap()
    }

    #[test]
    fn semver_precedence_follows_the_spec_example_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.9.0",
            "1.10.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn build_metadata_is_ignored_and_v_is_kept_as_text() {
        assert_eq!(v("1.2.3+a").precedence(&v("1.2.3+b")), Ordering::Equal);
        assert_eq!(v("v1.2.3").as_str(), "v1.2.3");
        assert!(v("v1.2.3").has_v_prefix());
    }

    #[test]
    fn malformed_versions_are_rejected() {
        for text in [
            "1.2",
            "01.2.3",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3+",
            "x.y.z",
            "",
        ] {
            assert!(parse_semver_like(text, STRICT).is_none(), "{text}");
        }
    }
}
