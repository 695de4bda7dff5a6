//! [`Advisory`]: what upkeep reports and decides on — one vulnerability of one package,
//! with its GHSA/CVE/RUSTSEC duplicates merged into one.
//!
//! # Merging aliases
//!
//! Databases publish the same vulnerability under several ids: GitHub's
//! `GHSA-43w2-9j62-hq99` and RustSec's `RUSTSEC-2021-0003` both describe smallvec's
//! CVE-2021-25900, each listing the others as `aliases`. Records are joined when their
//! ids and aliases connect, directly or through a chain (a GHSA and a RUSTSEC record
//! that both alias the same CVE are one group even if neither names the other);
//! `related` ids are different vulnerabilities and never join.
//!
//! The merged advisory:
//!
//! - `id`: a GitHub id if one of the merged records is a GHSA (Renovate and Dependabot
//!   users know those, and GHSA covers both npm and crates.io), else RUSTSEC, else MAL,
//!   else any; ties broken by the id's text. The choice never depends on load order.
//! - `aliases`: every other id of the merged records and of their aliases, sorted.
//! - a version is affected when *any* merged record says so, and `fixed_versions` is
//!   the union: when databases disagree, the cautious answer wins.
//! - `severity`: see [`Severity::merge`]; `summary` and `url` come from the primary
//!   record first.

use std::sync::Arc;

use serde::Serialize;
use upkeep_versioning::Version;

use crate::matcher::AffectedVersions;
use crate::severity::Severity;

/// One vulnerability of one package, aliases merged.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Advisory {
    /// The primary id (`GHSA-…` when there is one).
    pub id: String,
    /// Every other id of the same vulnerability, sorted.
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Score and label.
    pub severity: Severity,
    /// Whether this is a malicious package (an `MAL-` record, or CWE-506 embedded
    /// malicious code): the affected versions must be removed, not just updated.
    pub malicious: bool,
    /// The OSV ecosystem (`npm`, `crates.io`).
    pub ecosystem: &'static str,
    /// The package name as the record spells it.
    pub package_name: String,
    /// The affected versions as text (`>= 1.0.0, < 1.2.6`, `= 0.7.29`, `*`).
    pub affected_ranges: Vec<String>,
    /// Every `fixed` version, lowest first.
    pub fixed_versions: Vec<String>,
    /// The advisory page: the first `ADVISORY` reference, else the first reference.
    pub url: Option<String>,
    #[serde(skip)]
    pub(crate) affected: Vec<Arc<AffectedVersions>>,
}

impl Advisory {
    /// Whether `version` of the package is affected.
    pub fn affects(&self, version: &Version) -> bool {
        self.affected.iter().any(|entry| entry.affects(version))
    }

    /// Whether `id` is this advisory's id or one of its aliases.
    pub fn is_known_as(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|alias| alias == id)
    }

    /// The lowest `fixed` version above `version`, as text: the "fixed in" of a report.
    pub fn first_fix_after(&self, version: &Version) -> Option<&str> {
        self.affected
            .iter()
            .flat_map(|entry| entry.fixed_versions())
            .filter(|fixed| *fixed > version)
            .min()
            .map(Version::as_str)
    }
}
