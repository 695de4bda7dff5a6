//! Branch planning: from looked-up updates with their resolved settings to the branches
//! (and so the PRs) upkeep proposes, each with its name, commit message, PR title,
//! labels and its state in this run.
//!
//! ```text
//! candidates (one per dependency × update, settings resolved per update type)
//!   ─► vulnerability defaults (vulnerabilityAlerts)      resolve.rs / candidate.rs
//!   ─► monorepo groups (same sourceUrl, same newVersion)   group.rs
//!   ─► branch name per candidate; same name = same branch  topic.rs, naming.rs
//!   ─► members that leave their group (too young, not applicable)
//!   ─► commit message, PR title                            message.rs, template.rs
//!   ─► approval, schedule, then limits in priority order   gate.rs
//! ```
//!
//! Everything here is pure: no I/O and no clock (`now` is an input); the state of the
//! remote (existing branches, open PRs, PRs created this hour, dashboard approvals)
//! comes in as [`RepositoryState`], filled by the platform layer.
//!
//! Semantics follow Renovate's documentation (configuration options `branchName`,
//! `branchTopic`, `commitMessage*`, `groupName`, `groupSlug`, `separate*`,
//! `semanticCommits`, `prHourlyLimit`, `prConcurrentLimit`, `branchConcurrentLimit`,
//! `prPriority`, `schedule`, `updateNotScheduled`, `minimumReleaseAge`,
//! `vulnerabilityAlerts`), with two upkeep decisions: the default `branchPrefix` is
//! `upkeep/`, and vulnerability fixes carry a `[SECURITY]` title *prefix* (issue 5).
//!
//! Non-goals: editing files (apply), pushing and PRs (publish), the dashboard body.

mod candidate;
mod gate;
mod group;
mod message;
pub mod naming;
mod resolve;
pub mod template;
mod topic;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use upkeep_config::Settings;
use upkeep_types::{Branch, Dependency, Update};

pub use candidate::SECURITY_MARKER;
pub use group::normalize_source_url;
pub use resolve::resolve_candidate;

/// One update of one dependency, with the settings that apply to it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The manager that owns the file (`npm`, `cargo`, `dockerfile`, `terraform`).
    pub manager: String,
    /// The package file, relative to the repository root.
    pub package_file: String,
    /// The dependency as extracted.
    pub dependency: Dependency,
    /// The exact version in use, when known.
    pub current_version: Option<String>,
    /// The source repository URL from registry metadata.
    pub source_url: Option<String>,
    /// The proposed update.
    pub update: Update,
    /// Settings resolved for this dependency *and* this update type (packageRules with
    /// `matchUpdateTypes` included; `vulnerabilityAlerts` applied for fixes).
    pub settings: Settings,
    /// Which options the configuration set, and where (`Explanation::sources`): an
    /// option not listed keeps upkeep's per-manager, per-datasource and per-update-type
    /// defaults (Renovate's `digest`, `pin`, `docker` defaults…).
    pub configured: BTreeMap<String, String>,
    /// Set when an earlier stage found the update cannot be applied; it then leaves its
    /// group and the reason is reported.
    pub not_applicable: Option<String>,
}

/// The state of upkeep's branches and PRs on the remote, before this run.
#[derive(Debug, Clone, Default)]
pub struct RepositoryState {
    /// Branches upkeep owns that exist now.
    pub branches: Vec<ExistingBranch>,
    /// When upkeep created its PRs (at least those of the current hour): the hourly
    /// limit counts those created since the start of `now`'s clock hour, as Renovate does.
    pub pr_created_at: Vec<Timestamp>,
    /// Branches approved on the Dependency Dashboard (`dependencyDashboardApproval`).
    pub approved: BTreeSet<String>,
    /// Whether the repository's history uses Conventional Commits (`semanticCommits: auto`).
    pub semantic_commits_detected: bool,
}

/// A branch upkeep owns that exists on the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingBranch {
    /// Its name.
    pub branch_name: String,
    /// Whether it has an open PR.
    pub pr_open: bool,
}

/// What planning needs besides the candidates.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// The instant the run plans for.
    pub now: Timestamp,
    /// The repository's `timezone` (schedules, hourly windows).
    pub time_zone: TimeZone,
    /// The remote's state.
    pub repository: RepositoryState,
}

/// The planned branches, in the order they are processed (Renovate's prioritisation),
/// and what could not be planned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Every branch, ready or held back, in processing order.
    pub branches: Vec<Branch>,
    /// Problems with templates and the like: the branch still gets a name and message,
    /// built from the defaults, and the problem is reported here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Plan {
    /// The branches to create or keep current now.
    pub fn ready(&self) -> impl Iterator<Item = &Branch> {
        self.branches
            .iter()
            .filter(|branch| branch.state == upkeep_types::BranchState::Ready)
    }
}

/// Plans the branches for one repository.
pub fn plan_branches(candidates: Vec<Candidate>, context: &PlanContext) -> Plan {
    let mut warnings = Vec::new();
    let prepared = candidate::prepare(candidates);
    let grouped = group::assign_groups(prepared);
    let mut drafts = group::into_branches(grouped, context, &mut warnings);
    for draft in &mut drafts {
        message::write_messages(draft, &context.repository, &mut warnings);
    }
    let branches = gate::decide(drafts, context);
    Plan { branches, warnings }
}
