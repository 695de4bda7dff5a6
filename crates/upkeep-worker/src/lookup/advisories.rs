//! The run's vulnerability data: the [`VulnerabilitySource`] (offline database or OSV
//! API) asked once, before any registry lookup, about every package the run can judge —
//! the direct dependencies and every package of the lock files — and its answers kept by
//! ecosystem and name for the decisions that follow.
//!
//! One question per run is what makes the OSV API affordable: one `querybatch` per 1,000
//! packages, then each advisory's record once. A source that fails leaves every
//! ecosystem asked about *unavailable* ([`VulnerabilityUnavailable`], reported and
//! making the report incomplete) — never "no vulnerabilities".

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use upkeep_types::{Datasource, DependencyAdvisory};
use upkeep_versioning::Version;
use upkeep_vuln::{Advisory, Ecosystem, PackageQuery, VulnerabilitySource};

use super::decide::AffectedVersions;
use super::run::VulnerabilityLookup;

/// Vulnerability data that could not be had for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnerabilityUnavailable {
    /// The OSV ecosystem (`npm`, `crates.io`).
    pub ecosystem: String,
    /// Why: the source and what went wrong.
    pub reason: String,
}

/// The advisories of every package the run asked about.
#[derive(Debug, Default)]
pub struct RunAdvisories {
    by_package: HashMap<(&'static str, String), Arc<[Advisory]>>,
}

impl RunAdvisories {
    /// Every advisory of `name` (empty when none, or when it was not asked about).
    pub fn get(&self, ecosystem: &Ecosystem, name: &str) -> Arc<[Advisory]> {
        let key = (
            ecosystem.osv_name,
            ecosystem.normalize_name(name).into_owned(),
        );
        self.by_package
            .get(&key)
            .cloned()
            .unwrap_or_else(|| Arc::from([]))
    }
}

impl VulnerabilityLookup for RunAdvisories {
    fn affected_versions(
        &self,
        datasource: Datasource,
        package_name: &str,
    ) -> Option<Arc<dyn AffectedVersions>> {
        let ecosystem = Ecosystem::for_datasource(datasource)?;
        let advisories = self.get(ecosystem, package_name);
        (!advisories.is_empty()).then(|| Arc::new(PackageAdvisories(advisories)) as _)
    }
}

/// The packages to ask about, once each (by ecosystem and normalised name).
#[derive(Debug, Default)]
pub(super) struct Queries {
    seen: HashSet<(&'static str, String)>,
    queries: Vec<PackageQuery>,
}

impl Queries {
    /// Adds a package of `datasource`, if an ecosystem covers it.
    pub fn add_datasource(&mut self, datasource: Datasource, name: &str) {
        if let Some(ecosystem) = Ecosystem::for_datasource(datasource) {
            self.add(ecosystem, name);
        }
    }

    /// Adds a package of `ecosystem`.
    pub fn add(&mut self, ecosystem: &'static Ecosystem, name: &str) {
        let key = (
            ecosystem.osv_name,
            ecosystem.normalize_name(name).into_owned(),
        );
        if self.seen.insert(key) {
            self.queries.push(PackageQuery {
                ecosystem,
                name: name.to_owned(),
            });
        }
    }
}

/// Asks `source` about every query at once. `Err`: one entry per ecosystem asked about.
pub(super) async fn load(
    source: &dyn VulnerabilitySource,
    queries: Queries,
) -> Result<RunAdvisories, Vec<VulnerabilityUnavailable>> {
    let queries = queries.queries;
    if queries.is_empty() {
        return Ok(RunAdvisories::default());
    }
    match source.advisories(&queries).await {
        Ok(answers) => Ok(RunAdvisories {
            by_package: queries
                .iter()
                .zip(answers)
                .map(|(query, answer)| {
                    let name = query.ecosystem.normalize_name(&query.name).into_owned();
                    ((query.ecosystem.osv_name, name), answer)
                })
                .collect(),
        }),
        Err(error) => {
            let asked: BTreeSet<&str> = queries.iter().map(|q| q.ecosystem.osv_name).collect();
            Err(upkeep_vuln::ECOSYSTEMS
                .iter()
                .filter(|ecosystem| asked.contains(ecosystem.osv_name))
                .map(|ecosystem| VulnerabilityUnavailable {
                    ecosystem: ecosystem.osv_name.to_owned(),
                    reason: error.to_string(),
                })
                .collect())
        }
    }
}

/// The advisories of one package.
pub(super) struct PackageAdvisories(pub Arc<[Advisory]>);

impl AffectedVersions for PackageAdvisories {
    fn is_affected(&self, version: &Version) -> bool {
        self.0.iter().any(|advisory| advisory.affects(version))
    }

    fn advisories(&self, version: &Version) -> Vec<DependencyAdvisory> {
        self.0
            .iter()
            .filter(|advisory| advisory.affects(version))
            .map(dependency_advisory)
            .collect()
    }
}

/// An advisory as reports show it on a dependency.
pub(super) fn dependency_advisory(advisory: &Advisory) -> DependencyAdvisory {
    DependencyAdvisory {
        id: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        summary: advisory.summary.clone(),
        severity: advisory.severity.label.as_str().to_owned(),
        score: advisory.severity.score.map(|score| format!("{score:.1}")),
        affected_ranges: advisory.affected_ranges.clone(),
        fixed_in: advisory.fixed_versions.clone(),
        url: advisory.url.clone(),
    }
}
