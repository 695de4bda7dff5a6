//! The structs of the stages after extraction: lookup, plan, branch.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Dependency;

/// The kind of change an update makes (Renovate's `updateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UpdateType {
    /// A new major version.
    Major,
    /// A new minor version.
    Minor,
    /// A new patch version.
    Patch,
    /// Pinning a range to an exact version.
    Pin,
    /// Adding a digest to a reference that has none.
    PinDigest,
    /// A new digest for the same tag.
    Digest,
    /// Same version, different value text (e.g. widening a range).
    Bump,
    /// Replacing the package with another one.
    Replacement,
    /// Refreshing the lock file without touching the manifest.
    LockFileMaintenance,
    /// A lock-file-only update within the current range.
    LockfileUpdate,
}

impl UpdateType {
    /// The id Renovate uses (`major`, `pinDigest`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateType::Major => "major",
            UpdateType::Minor => "minor",
            UpdateType::Patch => "patch",
            UpdateType::Pin => "pin",
            UpdateType::PinDigest => "pinDigest",
            UpdateType::Digest => "digest",
            UpdateType::Bump => "bump",
            UpdateType::Replacement => "replacement",
            UpdateType::LockFileMaintenance => "lockFileMaintenance",
            UpdateType::LockfileUpdate => "lockfileUpdate",
        }
    }
}

impl fmt::Display for UpdateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One proposed change for a dependency (the `lookup` stage's output, one per update type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    /// What kind of change this is.
    pub update_type: Option<UpdateType>,
    /// The new text for `currentValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    /// The exact version the update moves to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    /// The new digest, for digest and pinDigest updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_digest: Option<String>,
    /// The major version of `newVersion`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_major: Option<u64>,
    /// When the new version was published (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_timestamp: Option<String>,
    /// Whether this update fixes a known vulnerability of the current version.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_vulnerability_fix: bool,
    /// The manifest keeps its value and only the lock file moves to `newVersion`
    /// (Renovate's `isLockfileUpdate`: an in-range update under `update-lockfile`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_lockfile_update: bool,
    /// `newVersion` itself has not passed `minimumReleaseAge` yet (Renovate's
    /// `pendingChecks`): reported, but not to be branched until `eligibleAt`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending_checks: bool,
    /// When `newVersion` passes `minimumReleaseAge` (RFC 3339), when it is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_at: Option<String>,
    /// Newer versions of this update's kind held back by `minimumReleaseAge`
    /// (Renovate's `pendingVersions`, with when each becomes eligible).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_versions: Vec<PendingVersion>,
}

/// A release held back by `minimumReleaseAge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingVersion {
    /// The held version.
    pub version: String,
    /// When it was published (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_timestamp: Option<String>,
    /// When it becomes eligible (RFC 3339); absent when its release time is unknown,
    /// which keeps it held (Renovate's `minimumReleaseAgeBehaviour: timestamp-required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_at: Option<String>,
}

/// A dependency after lookup: what it is, what exists, what upkeep would propose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookedUpDependency {
    /// The extracted dependency.
    #[serde(flatten)]
    pub dependency: Dependency,
    /// The exact version currently in use (from the value, a lock file, or resolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// The source repository URL from registry metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The project's homepage from registry metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Proposed updates, at most one per update type (or per major with `separateMultipleMajor`).
    #[serde(default)]
    pub updates: Vec<Update>,
    /// Why the lookup could not complete, if it could not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One update placed in a branch: which file, which dependency, what change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedUpdate {
    /// The manager that owns the file.
    pub manager: String,
    /// The file to edit, relative to the repository root.
    pub package_file: String,
    /// The dependency to change.
    #[serde(flatten)]
    pub dependency: Dependency,
    /// The exact version currently in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// The change to make.
    #[serde(flatten)]
    pub update: Update,
}

/// A branch upkeep creates: one or more planned updates that land together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    /// The branch name (`upkeep/serde-1.x`).
    pub branch_name: String,
    /// The group the updates belong to, if grouped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The PR title / commit subject.
    pub pr_title: String,
    /// The updates in this branch.
    pub upgrades: Vec<PlannedUpdate>,
}
