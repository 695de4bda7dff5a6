//! The in-memory index: OSV records in, merged [`Advisory`] lists per package out.
//!
//! Flow: [`IndexBuilder::add_json`] (or [`add_record`](IndexBuilder::add_record)) once
//! per record — parse, validate, drop withdrawn records and ecosystems upkeep does not
//! match, compile every `affected[]` entry ([`AffectedVersions`]) — then
//! [`IndexBuilder::finish`] joins records by alias and builds each package's advisory
//! list once. Queries afterwards are a hash lookup plus comparisons of parsed versions.
//!
//! A record that cannot be used is reported in the [`LoadReport`] with its source and
//! reason, and the others load: one bad file in a dump must not hide the rest. Within
//! a record, an `affected[]` entry whose versions do not parse is reported and dropped
//! while the record's other packages still match (a record naming ten packages should
//! not lose nine to one typo). The
//! offline database and the OSV API client feed the same builder, so both give
//! identical advisories.
//!
//! Records are kept slim (no `details`, no references beyond the chosen URL): a full
//! npm dump holds hundreds of thousands of them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::Deserialize;
use upkeep_versioning::Version;

use crate::advisory::Advisory;
use crate::ecosystem::Ecosystem;
use crate::matcher::AffectedVersions;
use crate::osv::{ReferenceType, Vulnerability};
use crate::severity::Severity;

/// A record that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Where it came from: a file path, or `archive.zip!entry.json`.
    pub source: String,
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "`{}` (`{id}`): {}", self.source, self.reason),
            None => write!(f, "`{}`: {}", self.source, self.reason),
        }
    }
}

/// What loading saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Records indexed (at least one package in a known ecosystem).
    pub records: usize,
    /// Withdrawn records, ignored.
    pub withdrawn: usize,
    /// Records only about ecosystems upkeep does not match, ignored.
    pub other_ecosystems: usize,
    /// Records seen again under the same id; the most recently modified copy is kept.
    pub duplicates: usize,
    /// Records skipped because they are broken.
    pub errors: Vec<RecordError>,
}

/// (record index, package entry index).
type EntryRef = (u32, u32);

/// Collects records; [`finish`](IndexBuilder::finish) builds the [`AdvisoryIndex`].
#[derive(Debug, Default)]
pub struct IndexBuilder {
    records: Vec<SlimRecord>,
    by_id: HashMap<String, usize>,
    report: LoadReport,
}

/// What the index keeps of a record: exact-size strings, nothing of the JSON that no
/// report shows (`details`, `references` beyond one URL, `database_specific`).
#[derive(Debug)]
struct SlimRecord {
    id: Box<str>,
    modified: Box<str>,
    aliases: Box<[Box<str>]>,
    summary: Option<Box<str>>,
    url: Option<(bool, Box<str>)>,
    malicious: bool,
    packages: Box<[PackageEntry]>,
}

#[derive(Debug)]
struct PackageEntry {
    ecosystem: &'static Ecosystem,
    name: Box<str>,
    severity: Severity,
    affected: Arc<AffectedVersions>,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Parses and adds one JSON record; a broken one is reported, not returned.
    pub fn add_json(&mut self, source: &str, bytes: &[u8]) {
        match Vulnerability::from_json(bytes) {
            Ok(record) => self.add_record(source, record),
            Err(error) => {
                #[derive(Deserialize)]
                struct IdOnly {
                    id: String,
                }
                let id = serde_json::from_slice::<IdOnly>(bytes)
                    .ok()
                    .map(|record| record.id);
                self.report.errors.push(RecordError {
                    source: source.to_owned(),
                    id,
                    reason: error.to_string(),
                });
            }
        }
    }

    /// Reports a record file that could not be read.
    pub fn add_unreadable(&mut self, source: &str, error: &std::io::Error) {
        self.report.errors.push(RecordError {
            source: source.to_owned(),
            id: None,
            reason: format!("cannot read: {error}"),
        });
    }

    /// Adds one parsed record.
    pub fn add_record(&mut self, source: &str, record: Vulnerability) {
        if record.is_withdrawn() {
            self.report.withdrawn += 1;
            return;
        }
        let (slim, entry_errors) = slim_record(&record);
        let broken = !entry_errors.is_empty();
        self.report
            .errors
            .extend(entry_errors.into_iter().map(|reason| RecordError {
                source: source.to_owned(),
                id: Some(record.id.clone()),
                reason,
            }));
        if slim.packages.is_empty() {
            if !broken {
                self.report.other_ecosystems += 1;
            }
            return;
        }
        match self.by_id.get(&*slim.id) {
            Some(&index) => {
                self.report.duplicates += 1;
                if slim.modified > self.records[index].modified {
                    self.records[index] = slim;
                }
            }
            None => {
                self.by_id.insert(slim.id.to_string(), self.records.len());
                self.records.push(slim);
                self.report.records += 1;
            }
        }
    }

    /// Joins records by alias and indexes every package's entries. The merged
    /// [`Advisory`] values are built when a package is asked about
    /// ([`AdvisoryIndex::advisories`]): a dump holds hundreds of thousands of records,
    /// a repository asks about a few thousand packages.
    pub fn finish(self) -> (AdvisoryIndex, LoadReport) {
        let IndexBuilder {
            mut records,
            report,
            ..
        } = self;
        records.shrink_to_fit();
        let groups = alias_groups(&records);
        let mut packages: HashMap<&'static str, HashMap<Box<str>, Vec<EntryRef>>> = HashMap::new();
        for (record_index, record) in records.iter().enumerate() {
            for (entry_index, entry) in record.packages.iter().enumerate() {
                let name: Box<str> = entry.ecosystem.normalize_name(&entry.name).into();
                packages
                    .entry(entry.ecosystem.osv_name)
                    .or_default()
                    .entry(name)
                    .or_default()
                    .push((record_index as u32, entry_index as u32));
            }
        }
        let mut advisory_count = 0;
        let packages = packages
            .into_iter()
            .map(|(ecosystem, by_name)| {
                let by_name: HashMap<Box<str>, Box<[EntryRef]>> = by_name
                    .into_iter()
                    .map(|(name, entries)| {
                        let mut seen: Vec<u32> =
                            entries.iter().map(|(r, _)| groups[*r as usize]).collect();
                        seen.sort_unstable();
                        seen.dedup();
                        advisory_count += seen.len();
                        (name, entries.into_boxed_slice())
                    })
                    .collect();
                (ecosystem, by_name)
            })
            .collect();
        let index = AdvisoryIndex {
            records,
            groups,
            packages,
            advisory_count,
        };
        (index, report)
    }
}

/// The slim record, and the reasons its unusable `affected[]` entries were dropped.
fn slim_record(record: &Vulnerability) -> (SlimRecord, Vec<String>) {
    let malicious = record.id.starts_with("MAL-") || record.cwe_ids().any(|cwe| cwe == "CWE-506");
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for (index, affected) in record.affected.iter().enumerate() {
        let Some(package) = &affected.package else {
            continue;
        };
        let Some(ecosystem) = Ecosystem::from_osv_name(&package.ecosystem) else {
            continue;
        };
        let compiled = match AffectedVersions::compile(affected, ecosystem, malicious) {
            Ok(compiled) => compiled,
            Err(reason) => {
                errors.push(format!(
                    "affected[{index}] ({} `{}`) skipped: {reason}",
                    package.ecosystem, package.name
                ));
                continue;
            }
        };
        packages.push(PackageEntry {
            ecosystem,
            name: package.name.as_str().into(),
            severity: Severity::of_record(record, &affected.severity, malicious),
            affected: Arc::new(compiled),
        });
    }
    let advisory_url = record
        .references
        .iter()
        .find(|reference| reference.kind == ReferenceType::Advisory)
        .map(|reference| (true, reference.url.as_str().into()));
    let url = advisory_url.or_else(|| {
        record
            .references
            .first()
            .map(|reference| (false, reference.url.as_str().into()))
    });
    let summary = record
        .summary
        .as_deref()
        .filter(|summary| !summary.trim().is_empty())
        .or_else(|| {
            record
                .details
                .as_deref()
                .and_then(|details| details.lines().find(|line| !line.trim().is_empty()))
        })
        .map(|summary| summary.trim().into());
    let slim = SlimRecord {
        id: record.id.as_str().into(),
        modified: record.modified.as_str().into(),
        aliases: record
            .aliases
            .iter()
            .map(|alias| alias.as_str().into())
            .collect(),
        summary,
        url,
        malicious,
        packages: packages.into_boxed_slice(),
    };
    (slim, errors)
}

/// The alias group of every record: records whose ids and aliases connect share one
/// (union-find over every id seen).
fn alias_groups(records: &[SlimRecord]) -> Vec<u32> {
    let mut groups = UnionFind::default();
    let record_nodes: Vec<usize> = records
        .iter()
        .map(|record| {
            let own = groups.node(&record.id);
            for alias in &record.aliases {
                let other = groups.node(alias);
                groups.union(own, other);
            }
            own
        })
        .collect();
    record_nodes
        .into_iter()
        .map(|own| groups.find(own) as u32)
        .collect()
}

#[derive(Default)]
struct UnionFind<'a> {
    ids: HashMap<&'a str, usize>,
    parent: Vec<usize>,
}

impl<'a> UnionFind<'a> {
    fn node(&mut self, id: &'a str) -> usize {
        let next = self.parent.len();
        let node = *self.ids.entry(id).or_insert(next);
        if node == next {
            self.parent.push(next);
        }
        node
    }

    fn find(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

/// Primary-id preference: GHSA, then RUSTSEC, then MAL, then the rest.
fn id_rank(id: &str) -> u8 {
    ["GHSA-", "RUSTSEC-", "MAL-"]
        .iter()
        .position(|prefix| id.starts_with(prefix))
        .unwrap_or(3) as u8
}

fn merge(records: &[SlimRecord], members: &[EntryRef]) -> Advisory {
    let members: Vec<(usize, usize)> = members
        .iter()
        .map(|&(record, entry)| (record as usize, entry as usize))
        .collect();
    let members = members.as_slice();
    let mut order: Vec<usize> = members.iter().map(|(record, _)| *record).collect();
    order.sort_by(|a, b| {
        let (a, b) = (&records[*a].id, &records[*b].id);
        id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b))
    });
    order.dedup();
    let primary = &records[order[0]];
    let first_entry = &records[members[0].0].packages[members[0].1];
    let mut aliases = BTreeSet::new();
    for &record in &order {
        aliases.insert(&*records[record].id);
        aliases.extend(records[record].aliases.iter().map(|alias| &**alias));
    }
    aliases.remove(&*primary.id);
    let entries = || {
        members
            .iter()
            .map(|&(record, entry)| &records[record].packages[entry])
    };
    let affected: Vec<Arc<AffectedVersions>> =
        entries().map(|entry| entry.affected.clone()).collect();
    let mut affected_ranges = Vec::new();
    for text in affected.iter().flat_map(|entry| entry.describe()) {
        if !affected_ranges.contains(&text) {
            affected_ranges.push(text);
        }
    }
    let mut fixed: Vec<&Version> = affected
        .iter()
        .flat_map(|entry| entry.fixed_versions())
        .collect();
    fixed.sort();
    fixed.dedup_by(|a, b| a.as_str() == b.as_str());
    let url = order
        .iter()
        .filter_map(|&record| records[record].url.as_ref())
        .find(|(is_advisory, _)| *is_advisory)
        .or(primary.url.as_ref())
        .map(|(_, url)| url.to_string());
    Advisory {
        id: primary.id.to_string(),
        aliases: aliases.into_iter().map(str::to_owned).collect(),
        summary: order
            .iter()
            .find_map(|&record| records[record].summary.as_deref().map(str::to_owned)),
        severity: Severity::merge(entries().map(|entry| entry.severity.clone())),
        malicious: order.iter().any(|&record| records[record].malicious),
        ecosystem: first_entry.ecosystem.osv_name,
        package_name: first_entry.name.to_string(),
        affected_ranges,
        fixed_versions: fixed
            .into_iter()
            .map(|version| version.as_str().to_owned())
            .collect(),
        url,
        affected,
    }
}

/// The records of a run by package, built once by [`IndexBuilder`]; a package's merged
/// advisories are built when it is asked about.
#[derive(Debug, Default)]
pub struct AdvisoryIndex {
    records: Vec<SlimRecord>,
    /// The alias group of each record.
    groups: Vec<u32>,
    /// Ecosystem → normalised name → the entries naming it, in record order.
    packages: HashMap<&'static str, HashMap<Box<str>, Box<[EntryRef]>>>,
    advisory_count: usize,
}

/// A version text that the ecosystem's versioning does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {ecosystem} version")]
pub struct InvalidVersion {
    /// The OSV ecosystem.
    pub ecosystem: &'static str,
    /// The text given.
    pub version: String,
}

impl AdvisoryIndex {
    /// Every advisory about a package, whatever the version (empty when none): what
    /// the lookup needs to check each candidate version.
    pub fn advisories(&self, ecosystem: &Ecosystem, name: &str) -> Arc<[Advisory]> {
        let Some(entries) = self
            .packages
            .get(ecosystem.osv_name)
            .and_then(|packages| packages.get(ecosystem.normalize_name(name).as_ref()))
        else {
            return Arc::from([]);
        };
        let mut by_group: Vec<(u32, Vec<EntryRef>)> = Vec::new();
        for &entry in entries.iter() {
            let group = self.groups[entry.0 as usize];
            match by_group.iter_mut().find(|(known, _)| *known == group) {
                Some((_, members)) => members.push(entry),
                None => by_group.push((group, vec![entry])),
            }
        }
        let mut advisories: Vec<Advisory> = by_group
            .iter()
            .map(|(_, members)| merge(&self.records, members))
            .collect();
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        advisories.into()
    }

    /// The advisories affecting one version of a package.
    pub fn vulnerabilities(
        &self,
        ecosystem: &Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Vec<Advisory>, InvalidVersion> {
        let parsed = ecosystem
            .versioning()
            .parse_version(version)
            .ok_or_else(|| InvalidVersion {
                ecosystem: ecosystem.osv_name,
                version: version.to_owned(),
            })?;
        Ok(self
            .advisories(ecosystem, name)
            .iter()
            .filter(|advisory| advisory.affects(&parsed))
            .cloned()
            .collect())
    }

    /// How many packages have at least one advisory.
    pub fn package_count(&self) -> usize {
        self.packages.values().map(HashMap::len).sum()
    }

    /// How many (package, merged advisory) pairs the index holds.
    pub fn advisory_count(&self) -> usize {
        self.advisory_count
    }
}
