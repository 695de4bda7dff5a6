//! The OSV schema (<https://ossf.github.io/osv-schema/>) as typed, validated records.
//!
//! A record is parsed in two steps: serde reads the JSON into private `raw` structs
//! that mirror the schema loosely, then `TryFrom` checks what matching depends on and
//! builds the public types, which cannot hold an invalid range (the approach of
//! rustsec's `#[serde(try_from = "Raw…")]`). An error names the record's id and the
//! place inside it, so a broken record in a dump of 200,000 can be found.
//!
//! Forward compatibility: unknown fields are ignored, unknown enum values (a new range
//! type, severity type or reference type) are kept as `Other(text)`, and an event
//! object with none of the four known keys is skipped. Version strings stay text here;
//! they only acquire a meaning once the ecosystem is known, which is the index's job
//! ([`crate::index`]).
//!
//! Checked: a non-empty `id`; every event has exactly one kind and a non-empty value;
//! every range has at least one `introduced` event. Not checked (real data breaks these
//! and matching copes): `fixed` and `last_affected` in the same range, sorted events,
//! a `repo` on `GIT` ranges, timestamp syntax.

mod raw;

use serde::Deserialize;
use serde_json::Value;

/// A record that does not follow the OSV schema closely enough to be matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OSV record `{id}`: {reason}")]
pub struct InvalidRecord {
    /// The record's `id` (empty when the record has none).
    pub id: String,
    /// What is wrong, and where in the record.
    pub reason: String,
}

/// One OSV record: a vulnerability (or malicious package) and the packages it affects.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "raw::RawVulnerability")]
pub struct Vulnerability {
    /// `schema_version`, when given (absent means 1.0.0).
    pub schema_version: Option<String>,
    /// The record's id (`GHSA-…`, `RUSTSEC-…`, `CVE-…`, `MAL-…`).
    pub id: String,
    /// When the record last changed (RFC 3339 text).
    pub modified: String,
    /// When the record was published (RFC 3339 text).
    pub published: Option<String>,
    /// When the record was withdrawn; a withdrawn record must not be matched.
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// Ids of related but different vulnerabilities (never merged).
    pub related: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description (Markdown).
    pub details: Option<String>,
    /// Severity scores for the whole record.
    pub severity: Vec<SeverityScore>,
    /// The affected packages and versions.
    pub affected: Vec<Affected>,
    /// Links: advisories, fixes, reports.
    pub references: Vec<Reference>,
    /// Database-defined extras (GHSA puts `severity` and `cwe_ids` here).
    pub database_specific: Option<Value>,
}

impl Vulnerability {
    /// Parses one record from JSON text.
    pub fn from_json(bytes: &[u8]) -> Result<Vulnerability, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Whether the record was withdrawn and must be ignored.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// `database_specific.severity` (GHSA: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    pub fn database_severity(&self) -> Option<&str> {
        self.database_specific.as_ref()?.get("severity")?.as_str()
    }

    /// `database_specific.cwe_ids` (GHSA), empty when absent.
    pub fn cwe_ids(&self) -> impl Iterator<Item = &str> {
        self.database_specific
            .as_ref()
            .and_then(|specific| specific.get("cwe_ids"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }
}

/// One `severity[]` entry: a scoring system and its vector or score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityScore {
    /// The scoring system.
    pub kind: SeverityType,
    /// The vector (`CVSS:3.1/AV:N/…`) or score text.
    pub score: String,
}

/// `severity[].type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SeverityType {
    /// `CVSS_V2`.
    CvssV2,
    /// `CVSS_V3` (3.0 or 3.1 vectors).
    CvssV3,
    /// `CVSS_V4`.
    CvssV4,
    /// `Ubuntu` priority.
    Ubuntu,
    /// A type this version of upkeep does not know, kept as written.
    Other(String),
}

impl From<&str> for SeverityType {
    fn from(text: &str) -> SeverityType {
        match text {
            "CVSS_V2" => SeverityType::CvssV2,
            "CVSS_V3" => SeverityType::CvssV3,
            "CVSS_V4" => SeverityType::CvssV4,
            "Ubuntu" => SeverityType::Ubuntu,
            other => SeverityType::Other(other.to_owned()),
        }
    }
}

/// One `affected[]` entry: a package and the versions of it that are affected.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// The package; absent only in records that describe GIT commits alone.
    pub package: Option<Package>,
    /// Package-level severity (when the record has none at the top level).
    pub severity: Vec<SeverityScore>,
    /// Affected ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// Ecosystem-defined extras (RustSec: affected functions).
    pub ecosystem_specific: Option<Value>,
    /// Database-defined extras.
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The OSV ecosystem (`npm`, `crates.io`, `PyPI`, `Debian:12`, …).
    pub ecosystem: String,
    /// The package name as the ecosystem spells it.
    pub name: String,
    /// The package URL (`pkg:cargo/time`), when given.
    pub purl: Option<String>,
}

/// `affected[].ranges[].type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RangeType {
    /// SemVer 2.0 versions and precedence.
    Semver,
    /// The ecosystem's own versions and ordering.
    Ecosystem,
    /// Git commit hashes; needs the repository's history, so registry versions ignore it.
    Git,
    /// A type this version of upkeep does not know, kept as written.
    Other(String),
}

impl From<&str> for RangeType {
    fn from(text: &str) -> RangeType {
        match text {
            "SEMVER" => RangeType::Semver,
            "ECOSYSTEM" => RangeType::Ecosystem,
            "GIT" => RangeType::Git,
            other => RangeType::Other(other.to_owned()),
        }
    }
}

/// One `affected[].ranges[]` entry. Always has at least one `introduced` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    kind: RangeType,
    repo: Option<String>,
    events: Vec<Event>,
    database_specific: Option<Value>,
}

impl Range {
    /// Builds a range; fails (with the reason) when no event is an `introduced`.
    pub fn new(
        kind: RangeType,
        repo: Option<String>,
        events: Vec<Event>,
        database_specific: Option<Value>,
    ) -> Result<Range, String> {
        if !events
            .iter()
            .any(|event| matches!(event, Event::Introduced(_)))
        {
            return Err("has no `introduced` event".to_owned());
        }
        Ok(Range {
            kind,
            repo,
            events,
            database_specific,
        })
    }

    /// The range type.
    pub fn kind(&self) -> &RangeType {
        &self.kind
    }

    /// The repository URL (`GIT` ranges).
    pub fn repo(&self) -> Option<&str> {
        self.repo.as_deref()
    }

    /// The events, in file order (not necessarily sorted).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Database-defined extras of the range.
    pub fn database_specific(&self) -> Option<&Value> {
        self.database_specific.as_ref()
    }
}

/// One event of a range's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// The first affected version; `"0"` means "before every version".
    Introduced(String),
    /// The first version no longer affected.
    Fixed(String),
    /// The last version known to be affected (inclusive bound).
    LastAffected(String),
    /// An upper limit on the range (`"*"` means none).
    Limit(String),
}

impl Event {
    /// The event's version text.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(version)
            | Event::Fixed(version)
            | Event::LastAffected(version)
            | Event::Limit(version) => version,
        }
    }
}

/// One `references[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What kind of page the URL is.
    pub kind: ReferenceType,
    /// The URL.
    pub url: String,
}

/// `references[].type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReferenceType {
    /// `ADVISORY`: a published security advisory.
    Advisory,
    /// `ARTICLE`.
    Article,
    /// `DETECTION`.
    Detection,
    /// `DISCUSSION`.
    Discussion,
    /// `REPORT`.
    Report,
    /// `FIX`.
    Fix,
    /// `GIT`.
    Git,
    /// `INTRODUCED`.
    Introduced,
    /// `PACKAGE`.
    Package,
    /// `EVIDENCE`.
    Evidence,
    /// `WEB`.
    Web,
    /// A type this version of upkeep does not know, kept as written.
    Other(String),
}

impl From<&str> for ReferenceType {
    fn from(text: &str) -> ReferenceType {
        match text {
            "ADVISORY" => ReferenceType::Advisory,
            "ARTICLE" => ReferenceType::Article,
            "DETECTION" => ReferenceType::Detection,
            "DISCUSSION" => ReferenceType::Discussion,
            "REPORT" => ReferenceType::Report,
            "FIX" => ReferenceType::Fix,
            "GIT" => ReferenceType::Git,
            "INTRODUCED" => ReferenceType::Introduced,
            "PACKAGE" => ReferenceType::Package,
            "EVIDENCE" => ReferenceType::Evidence,
            "WEB" => ReferenceType::Web,
            other => ReferenceType::Other(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests;
