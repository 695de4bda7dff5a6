//! The Dependency Dashboard's content from a run's results (pure).

use upkeep_config::Diagnostic;
use upkeep_types::{BranchState, ScheduleState};

use super::report::{PrAction, PublishedBranch};
use crate::lookup::LookupReport;
use crate::publish::dashboard::{
    DashboardInput, DashboardItem, DashboardVulnerability, DetectedFile, Section,
};
use crate::run::BranchAction;

/// Assembles the dashboard from the published branches, the lookup and the problems.
pub fn dashboard_input(
    header: Option<String>,
    footer: Option<String>,
    branches: &[PublishedBranch],
    lookup: &LookupReport,
    diagnostics: &[Diagnostic],
    warnings: &[String],
) -> DashboardInput {
    DashboardInput {
        header,
        footer,
        items: branches.iter().filter_map(item).collect(),
        problems: problems(lookup, diagnostics, warnings),
        vulnerabilities: vulnerabilities(lookup),
        detected: detected(lookup),
    }
}

fn item(published: &PublishedBranch) -> Option<DashboardItem> {
    let branch = &published.branch;
    let failed = published.action == BranchAction::Failed || !published.errors.is_empty();
    let (section, detail) = match branch.state {
        BranchState::AwaitingApproval => (Section::PendingApproval, None),
        BranchState::NotScheduled => {
            let next = match &branch.schedule {
                ScheduleState::NotScheduled {
                    next_window: Some(next),
                } => Some(format!("next window opens at {next}")),
                _ => None,
            };
            (Section::AwaitingSchedule, next)
        }
        BranchState::RateLimited => (Section::RateLimited, branch.reason.clone()),
        BranchState::PendingReleaseAge => (Section::PendingReleaseAge, branch.reason.clone()),
        BranchState::NotApplicable => (Section::Errored, branch.reason.clone()),
        BranchState::Ready if failed => (Section::Errored, published.errors.first().cloned()),
        BranchState::Ready => match published.pr {
            PrAction::Ignored => (Section::Ignored, None),
            PrAction::Waiting => (Section::PendingPr, published.waiting.clone()),
            PrAction::Merged => return None,
            PrAction::None if published.automerge_status.is_some() => {
                (Section::Open, published.automerge_status.clone())
            }
            PrAction::None | PrAction::Closed => return None,
            PrAction::Created | PrAction::Updated | PrAction::Unchanged => (Section::Open, None),
        },
    };
    Some(DashboardItem {
        section,
        branch_name: branch.branch_name.clone(),
        title: branch.pr_title.clone(),
        pr: published.pr_number,
        detail,
    })
}

fn problems(lookup: &LookupReport, diagnostics: &[Diagnostic], warnings: &[String]) -> Vec<String> {
    let mut problems: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    problems.extend(lookup.errors.iter().map(|e| {
        format!(
            "`{}` ({}) could not be read: {}",
            e.package_file, e.manager, e.message
        )
    }));
    problems.extend(lookup.host_errors.iter().map(|e| {
        format!(
            "registry `{}` failed: {} (not looked up: {})",
            e.host,
            e.message,
            e.packages.join(", ")
        )
    }));
    problems.extend(lookup.lookup_errors.iter().map(|e| {
        format!(
            "`{}` in `{}` could not be looked up: {}",
            e.dep_name, e.package_file, e.message
        )
    }));
    problems.extend(warnings.iter().cloned());
    problems
}

fn vulnerabilities(lookup: &LookupReport) -> Vec<DashboardVulnerability> {
    lookup
        .dependencies()
        .filter(|(_, _, dep)| !dep.vulnerabilities.is_empty())
        .map(|(_, file, dep)| DashboardVulnerability {
            dep_name: dep.dependency.dep_name.clone(),
            package_file: file.package_file.clone(),
            current: dep
                .current_version
                .clone()
                .or_else(|| dep.dependency.current_value.clone())
                .unwrap_or_default(),
            advisories: dep
                .vulnerabilities
                .iter()
                .map(|a| format!("{} ({})", a.id, a.severity))
                .collect(),
            fix: dep
                .updates
                .iter()
                .find(|u| u.is_vulnerability_fix)
                .and_then(|u| u.new_version.clone().or_else(|| u.new_value.clone())),
        })
        .collect()
}

fn detected(lookup: &LookupReport) -> Vec<DetectedFile> {
    lookup
        .package_files
        .iter()
        .flat_map(|(manager, files)| {
            files.iter().map(move |file| DetectedFile {
                manager: manager.clone(),
                package_file: file.package_file.clone(),
                dependencies: file
                    .deps
                    .iter()
                    .map(|dep| {
                        let value = dep.dependency.current_value.as_deref().unwrap_or("");
                        format!("{} {value}", dep.dependency.dep_name)
                            .trim_end()
                            .to_owned()
                    })
                    .collect(),
            })
        })
        .collect()
}
