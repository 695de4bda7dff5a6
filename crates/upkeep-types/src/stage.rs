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
    /// Known advisories affecting the current version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<DependencyAdvisory>,
}

/// One known advisory affecting a dependency's current version, as reports show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyAdvisory {
    /// The advisory's id (GHSA, RUSTSEC, CVE…).
    pub id: String,
    /// Other ids of the same advisory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `low`, `medium`, `high`, `critical` or `unknown`.
    pub severity: String,
    /// The CVSS base score, as text (`7.5`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    /// The affected ranges, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected_ranges: Vec<String>,
    /// Versions that fix it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_in: Vec<String>,
    /// Where to read about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
    /// The source repository URL from registry metadata (monorepo grouping, PR links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
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
    /// The group's slug (the branch topic of a group), if grouped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_slug: Option<String>,
    /// The PR title.
    pub pr_title: String,
    /// The commit message: subject line, then the body (if any) after a blank line.
    #[serde(default)]
    pub commit_message: String,
    /// The updates in this branch.
    pub upgrades: Vec<PlannedUpdate>,
    /// Updates that belonged to this branch's group but were left out, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOutUpdate>,
    /// PR labels (`labels` then `addLabels`, de-duplicated over every update).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Whether the branch is merged automatically, and how (`pr`, `branch`, `pr-comment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automerge: Option<String>,
    /// Whether any update fixes a known vulnerability.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_vulnerability_fix: bool,
    /// `prPriority` (the highest of its updates).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pr_priority: i64,
    /// Whether the branch already exists on the remote.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exists: bool,
    /// What happens to the branch in this run.
    #[serde(default)]
    pub state: BranchState,
    /// Why the branch is not `ready`, in words (also shown on the dashboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the branch's schedule applies now.
    #[serde(default)]
    pub schedule: ScheduleState,
    /// How the rate and concurrency limits apply.
    #[serde(default)]
    pub limits: LimitState,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// An update that left its group's branch, with the reason (the rest of the group goes ahead).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOutUpdate {
    /// The update.
    #[serde(flatten)]
    pub update: PlannedUpdate,
    /// What holds it back.
    pub state: BranchState,
    /// Why, in words.
    pub reason: String,
}

/// What happens to a branch in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchState {
    /// Created or kept current now.
    #[default]
    Ready,
    /// Outside its `schedule`: not created (or, with `updateNotScheduled: false`, not updated).
    NotScheduled,
    /// Held back by `prHourlyLimit`, `prConcurrentLimit` or `branchConcurrentLimit`.
    RateLimited,
    /// Its releases are younger than `minimumReleaseAge`.
    PendingReleaseAge,
    /// Waits for approval on the Dependency Dashboard (`dependencyDashboardApproval`).
    AwaitingApproval,
    /// Cannot be applied (reported by an earlier stage).
    NotApplicable,
}

impl BranchState {
    /// The id used in reports (`not-scheduled`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            BranchState::Ready => "ready",
            BranchState::NotScheduled => "not-scheduled",
            BranchState::RateLimited => "rate-limited",
            BranchState::PendingReleaseAge => "pending-release-age",
            BranchState::AwaitingApproval => "awaiting-approval",
            BranchState::NotApplicable => "not-applicable",
        }
    }
}

impl fmt::Display for BranchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a branch's `schedule` applies at planning time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ScheduleState {
    /// Inside the schedule (or no schedule).
    #[default]
    InSchedule,
    /// Outside the schedule; the branch waits for the next window.
    #[serde(rename_all = "camelCase")]
    NotScheduled {
        /// When the next window opens (RFC 3339), if one does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_window: Option<String>,
    },
    /// Outside the schedule, but the branch exists and `updateNotScheduled` keeps it current.
    #[serde(rename_all = "camelCase")]
    KeptCurrent {
        /// When the next window opens (RFC 3339), if one does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_window: Option<String>,
    },
    /// A vulnerability fix: schedules do not apply.
    Bypassed,
}

/// How the rate and concurrency limits apply to a branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum LimitState {
    /// Counted, and within every limit.
    #[default]
    WithinLimits,
    /// The branch already exists: limits only hold back new branches and PRs.
    Existing,
    /// Not counted: the branch was held back earlier (schedule, age, approval).
    NotCounted,
    /// A vulnerability fix: limits do not apply.
    Bypassed,
    /// Held back by a limit.
    #[serde(rename_all = "camelCase")]
    Reached {
        /// `prHourlyLimit`, `prConcurrentLimit` or `branchConcurrentLimit`.
        limit: String,
        /// The limit's value.
        value: u32,
    },
}
