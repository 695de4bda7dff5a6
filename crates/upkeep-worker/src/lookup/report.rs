//! [`LookupReport`]: what `upkeep lookup --json` prints — the extract report's shape,
//! each dependency extended with its lookup result, plus the failures of the lookup.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use upkeep_manager::ExtractErrorEntry;
use upkeep_types::{Datasource, LookedUpDependency};

use super::advisories::VulnerabilityUnavailable;

/// The lookup stage's result for one repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupReport {
    /// Package files per manager id, as in the extract report, with looked-up deps.
    pub package_files: BTreeMap<String, Vec<LookedUpPackageFile>>,
    /// Files that could not be extracted (carried over from the extract report).
    pub errors: Vec<ExtractErrorEntry>,
    /// Registries that failed (unreachable, 5xx after retries, refused credentials):
    /// one entry per host, naming the packages that could not be looked up because of it.
    pub host_errors: Vec<HostError>,
    /// Dependencies whose own lookup failed (unknown package, unusable answer).
    pub lookup_errors: Vec<LookupError>,
    /// Ecosystems whose vulnerability data could not be had: nothing in them was judged
    /// vulnerable or safe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities_unavailable: Vec<VulnerabilityUnavailable>,
}

/// One file after lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookedUpPackageFile {
    /// Path relative to the repository root.
    pub package_file: String,
    /// The lock files that gave locked versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lock_files: Vec<String>,
    /// Every dependency, in file order, skipped ones included.
    pub deps: Vec<LookedUpDependency>,
}

/// A registry host that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostError {
    /// The host (`registry.npmjs.org`, `localhost:5000`).
    pub host: String,
    /// The first failure, as the HTTP layer described it (URLs redacted).
    pub message: String,
    /// The packages not looked up because of it (`datasource:packageName`), sorted.
    pub packages: Vec<String>,
}

/// A dependency whose lookup failed on its own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupError {
    /// The file that declares the dependency.
    pub package_file: String,
    /// The manager that extracted it.
    pub manager: String,
    /// The dependency's name in the file.
    pub dep_name: String,
    /// Its datasource.
    pub datasource: Datasource,
    /// The name asked of the registry.
    pub package_name: String,
    /// What went wrong.
    pub message: String,
}

impl LookupReport {
    /// Whether every file was extracted, every lookup completed and the vulnerability
    /// data was had.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
            && self.host_errors.is_empty()
            && self.lookup_errors.is_empty()
            && self.vulnerabilities_unavailable.is_empty()
    }

    /// Every dependency with its manager and file, in report order.
    pub fn dependencies(
        &self,
    ) -> impl Iterator<Item = (&str, &LookedUpPackageFile, &LookedUpDependency)> {
        self.package_files.iter().flat_map(|(manager, files)| {
            files.iter().flat_map(move |file| {
                file.deps
                    .iter()
                    .map(move |dep| (manager.as_str(), file, dep))
            })
        })
    }

    /// Number of proposed updates.
    pub fn update_count(&self) -> usize {
        self.dependencies()
            .map(|(_, _, dep)| dep.updates.len())
            .sum()
    }
}
