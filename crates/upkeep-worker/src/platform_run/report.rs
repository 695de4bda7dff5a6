//! What a repository run on a platform reports.

use std::collections::BTreeMap;

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

/// Seconds each stage of a run took; `None` for a stage that did not run. Apply
/// (editing files, lock files, committing) and publish (pushes, PRs, the dashboard)
/// interleave per branch; apply's share is measured and publish gets the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimings {
    /// The shallow clone (with the repository's description and credential) and the
    /// listing of upkeep's branches on the remote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone: Option<f64>,
    /// Reading the repository config and its presets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<f64>,
    /// Listing files and extracting dependencies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract: Option<f64>,
    /// Registry and vulnerability lookups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<f64>,
    /// Planning branches (with the platform's PRs and branches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<f64>,
    /// Editing files and lock files of the branches built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<f64>,
    /// Pushing, pull requests, pruning, the dashboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<f64>,
    /// The whole run.
    pub total: f64,
}

/// Everything a repository run on a platform found and did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformRunReport {
    /// `owner/repo`.
    pub repository: String,
    /// Why the repository was left alone (archived, `enabled: false`, onboarding closed…)
    /// or could not be processed (see `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// `skipped` is a failure (unreachable, clone failed, broken config), not a choice.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
    /// The run stopped early at a branch boundary because it was asked to (shutdown):
    /// the branches not reached, obsolete PRs and the dashboard were left alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// The stage a dry run stopped after (`full`: everything computed, nothing written;
    /// branch actions then read `would-create`, `would-update`, `would-rebuild`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<upkeep_config::global::DryRun>,
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
    /// Seconds per stage.
    pub timings: StageTimings,
}

/// Pull request actions of one run, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrActionCounts {
    /// PRs opened (the onboarding PR included).
    pub opened: u64,
    /// PRs whose title or body was edited.
    pub updated: u64,
    /// PRs closed without merging (obsolete, branch deleted by someone).
    pub closed: u64,
    /// PRs merged (automerge).
    pub merged: u64,
}

impl PlatformRunReport {
    /// Marks the repository as not processed because of `reason` (not a choice).
    pub(crate) fn fail(&mut self, reason: impl Into<String>) {
        self.skipped = Some(reason.into());
        self.failed = true;
    }

    /// Whether anything went wrong short of a failure: a branch's or the run's errors,
    /// an incomplete lookup, config errors.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || !self.lookup.is_complete()
            || self
                .branches
                .iter()
                .chain(self.onboarding.as_ref())
                .any(|b| {
                    !b.errors.is_empty()
                        || !b.artifact_errors.is_empty()
                        || !b.update_errors.is_empty()
                })
    }

    /// Dependencies found per manager.
    pub fn dependencies_by_manager(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for (manager, files) in &self.lookup.package_files {
            let found: usize = files.iter().map(|file| file.deps.len()).sum();
            *counts.entry(manager.clone()).or_insert(0) += found as u64;
        }
        counts
    }

    /// Dependencies with an update, each counted once under its largest update type
    /// (major before minor before patch …), by Renovate's `updateType` id.
    pub fn outdated_by_update_type(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for (_, _, dependency) in self.lookup.dependencies() {
            if let Some(largest) = dependency
                .updates
                .iter()
                .filter_map(|update| update.update_type)
                .min()
            {
                *counts.entry(largest.as_str()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Vulnerable dependencies, each counted once under its most severe advisory
    /// (`critical`, `high`, `medium`, `low`, `unknown`).
    pub fn vulnerable_by_severity(&self) -> BTreeMap<String, u64> {
        const ORDER: [&str; 4] = ["critical", "high", "medium", "low"];
        let rank = |severity: &str| {
            // GitHub's advisories say `moderate` for medium.
            let severity = if severity.eq_ignore_ascii_case("moderate") {
                "medium"
            } else {
                severity
            };
            ORDER
                .iter()
                .position(|s| s.eq_ignore_ascii_case(severity))
                .unwrap_or(ORDER.len())
        };
        let mut counts = BTreeMap::new();
        for (_, _, dependency) in self.lookup.dependencies() {
            let worst = dependency
                .vulnerabilities
                .iter()
                .map(|advisory| rank(&advisory.severity))
                .min();
            if let Some(worst) = worst {
                let name = ORDER.get(worst).copied().unwrap_or("unknown");
                *counts.entry(name.to_owned()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// What the run did to pull requests.
    pub fn pr_actions(&self) -> PrActionCounts {
        let mut counts = PrActionCounts {
            closed: self.closed_prs.len() as u64,
            ..PrActionCounts::default()
        };
        for branch in self.branches.iter().chain(self.onboarding.as_ref()) {
            match branch.pr {
                PrAction::Created => counts.opened += 1,
                PrAction::Updated => counts.updated += 1,
                PrAction::Closed => counts.closed += 1,
                PrAction::Merged => counts.merged += 1,
                _ => {}
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use upkeep_types::{DependencyAdvisory, LookedUpDependency, Update, UpdateType};

    use super::*;
    use crate::lookup::LookedUpPackageFile;

    fn dependency(updates: &[UpdateType], severities: &[&str]) -> LookedUpDependency {
        LookedUpDependency {
            updates: updates
                .iter()
                .map(|t| Update {
                    update_type: Some(*t),
                    ..Update::default()
                })
                .collect(),
            vulnerabilities: severities
                .iter()
                .map(|s| DependencyAdvisory {
                    severity: (*s).to_owned(),
                    ..DependencyAdvisory::default()
                })
                .collect(),
            ..LookedUpDependency::default()
        }
    }

    #[test]
    fn each_dependency_counts_once_under_its_largest_update_and_worst_advisory() {
        let mut report = PlatformRunReport::default();
        let file = |deps| LookedUpPackageFile {
            package_file: "Cargo.toml".into(),
            lock_files: Vec::new(),
            deps,
        };
        report.lookup.package_files.insert(
            "cargo".into(),
            vec![file(vec![
                dependency(&[UpdateType::Minor, UpdateType::Major], &["low", "HIGH"]),
                dependency(&[UpdateType::Patch], &["moderate"]),
                dependency(&[], &["not rated"]),
            ])],
        );
        report
            .lookup
            .package_files
            .insert("npm".into(), vec![file(vec![dependency(&[], &[])])]);
        assert_eq!(
            report.dependencies_by_manager(),
            BTreeMap::from([("cargo".to_owned(), 3), ("npm".to_owned(), 1)])
        );
        assert_eq!(
            report.outdated_by_update_type(),
            BTreeMap::from([("major", 1), ("patch", 1)])
        );
        assert_eq!(
            report.vulnerable_by_severity(),
            BTreeMap::from([
                ("high".to_owned(), 1),
                ("medium".to_owned(), 1),
                ("unknown".to_owned(), 1)
            ])
        );
    }
}
