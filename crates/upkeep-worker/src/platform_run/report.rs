//! What a repository run on a platform reports.

use serde::Serialize;
use upkeep_config::Diagnostic;
use upkeep_platform::ApiCalls;
use upkeep_types::Branch;

use crate::apply::{ArtifactError, UpdateFailure};
use crate::lookup::LookupReport;
use crate::run::BranchAction;

/// What happened to a branch's pull request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrAction {
    /// No PR is involved (held branch, branch automerge, dry run).
    #[default]
    None,
    /// Opened.
    Created,
    /// Title or body edited.
    Updated,
    /// Already showed this: no write.
    Unchanged,
    /// Not opened yet (`prCreation`).
    Waiting,
    /// Closed unmerged earlier: the update is ignored, nothing was built.
    Ignored,
    /// Closed in this run (its branch was deleted by someone).
    Closed,
    /// Merged in this run (automerge).
    Merged,
}

/// One planned branch and what the run did with it and its PR.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedBranch {
    /// The planned branch.
    #[serde(flatten)]
    pub branch: Branch,
    /// What happened to the branch.
    pub action: BranchAction,
    /// What happened to its PR.
    pub pr: PrAction,
    /// The PR's number, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_number: Option<u64>,
    /// What automerge did or waits for, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automerge_status: Option<String>,
    /// Why the PR is not opened yet (`prCreation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
    /// The branch head after the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Files the branch changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_files: Vec<String>,
    /// Lock files that could not be refreshed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifact_errors: Vec<ArtifactError>,
    /// Updates that could not be applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub update_errors: Vec<UpdateFailure>,
    /// What failed (git, the platform) — this branch only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl PublishedBranch {
    pub(crate) fn new(branch: Branch, action: BranchAction) -> PublishedBranch {
        PublishedBranch {
            branch,
            action,
            pr: PrAction::None,
            pr_number: None,
            automerge_status: None,
            waiting: None,
            commit: None,
            changed_files: Vec::new(),
            artifact_errors: Vec::new(),
            update_errors: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// What happened to the Dependency Dashboard issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action", content = "number")]
pub enum DashboardAction {
    /// Opened.
    Created(u64),
    /// Its body changed.
    Updated(u64),
    /// Already showed this: no write.
    Unchanged(u64),
    /// `dependencyDashboard` is off: closed.
    Closed(u64),
}

/// Everything a repository run on a platform found and did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformRunReport {
    /// `owner/repo`.
    pub repository: String,
    /// Why the repository was left alone (archived, `enabled: false`, onboarding closed…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The base branch.
    pub base_branch: String,
    /// Its head when cloned.
    pub base_commit: String,
    /// The onboarding PR, when the repository has no config yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<PublishedBranch>,
    /// Package files, dependencies, updates and lookup failures.
    #[serde(flatten)]
    pub lookup: LookupReport,
    /// Problems with the repository's config.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_diagnostics: Vec<Diagnostic>,
    /// Every planned branch with what happened to it.
    pub branches: Vec<PublishedBranch>,
    /// Obsolete PRs closed in this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_prs: Vec<u64>,
    /// Branches deleted in this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted_branches: Vec<String>,
    /// The Dependency Dashboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<DashboardAction>,
    /// Planning warnings, registry configuration problems, things not done.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Failures outside any one branch (the dashboard, obsolete PRs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// API calls made for this repository.
    pub api_calls: ApiCalls,
}
