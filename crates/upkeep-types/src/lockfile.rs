use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The packages a lock file pins (`Cargo.lock`, `package-lock.json`, `.terraform.lock.hcl`).
///
/// Used to give direct dependencies their `lockedVersion` and, later, to find vulnerable
/// transitive dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockFile {
    /// Path relative to the repository root.
    pub path: String,
    /// Every locked package, in file order.
    pub packages: Vec<LockedPackage>,
}

/// One package pinned by a lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedPackage {
    /// The registry name of the package.
    pub name: String,
    /// The exact locked version.
    pub version: String,
    /// Where the package comes from (`registry+https://…`, a URL), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The lock file's own key for this entry (e.g. `node_modules/a/node_modules/b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Names (or keys) of the packages this one depends on, as the lock file records them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// The requirement this package declares on each dependency, by name, when the lock
    /// file records it (package-lock.json does: `"dependencies": {"minimist": "^1.2.5"}`;
    /// Cargo.lock does not).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requirements: BTreeMap<String, String>,
    /// Whether only development dependencies pull it in (when the lock file says so).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

impl LockFile {
    /// The locked versions of `name`, in file order (a lock file may hold several).
    pub fn versions_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.packages
            .iter()
            .filter(move |package| package.name == name)
            .map(|package| package.version.as_str())
    }
}
