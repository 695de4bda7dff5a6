//! The pull-request lifecycle, decided without I/O: given a planned branch and the PRs
//! the platform lists for its name, whether the branch is blocked by a PR closed without
//! merging, whether its PR is created, updated or left alone, and which PRs and branches
//! are obsolete.
//!
//! Renovate's rules (docs "Pull Requests"): an existing PR is found by branch name *and*
//! title. A PR closed unmerged means "ignore": the title of a major update names only the
//! major (`Update react to v19`), so the whole major is ignored; otherwise the title
//! names the version and only that version is. Group PRs are "immortal": under
//! `recreateWhen: auto` they come back; `always` recreates everything, `never` nothing.
//! A branch deleted by a human while its PR was open counts as closing that PR.

use std::collections::BTreeSet;

use upkeep_config::{PrCreation, RecreateWhen};
use upkeep_platform::{ChecksState, PrState, PullRequest};
use upkeep_types::{Branch, UpdateType};

use super::marker::{compare, split_marker};

/// Why a planned branch is not built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked<'a> {
    /// The PR whose closing blocks it.
    pub pr: &'a PullRequest,
    /// The PR is still open but its branch is gone: close it.
    pub close: bool,
    /// The ignore comment is still to be posted.
    pub notify: bool,
}

/// Whether the branch's PR is recreated after being closed unmerged.
pub fn is_immortal(branch: &Branch, recreate_when: RecreateWhen) -> bool {
    match recreate_when {
        RecreateWhen::Always => true,
        RecreateWhen::Never => false,
        RecreateWhen::Auto => branch.group_name.is_some(),
    }
}

/// The PR closed without merging that blocks `branch`, if any. `prs` are the PRs of
/// this branch name, newest first; `on_remote` says whether the branch exists.
pub fn blocked_by<'a>(
    branch: &Branch,
    prs: &[&'a PullRequest],
    on_remote: bool,
    recreate_when: RecreateWhen,
    recreate_requested: bool,
) -> Option<Blocked<'a>> {
    if recreate_requested || is_immortal(branch, recreate_when) {
        return None;
    }
    let notify = |pr: &PullRequest| !split_marker(&pr.body).1.is_some_and(|m| m.ignore_notified);
    if let Some(open) = prs.iter().find(|pr| pr.state == PrState::Open) {
        return (!on_remote && open.title == branch.pr_title).then_some(Blocked {
            pr: open,
            close: true,
            notify: true,
        });
    }
    prs.iter()
        .find(|pr| pr.state == PrState::Closed && pr.title == branch.pr_title)
        .map(|pr| Blocked {
            pr,
            close: false,
            notify: notify(pr),
        })
}

/// The comment posted once on a PR closed unmerged.
pub fn ignore_comment(branch: &Branch) -> String {
    let major = branch
        .upgrades
        .iter()
        .all(|u| u.update.update_type == Some(UpdateType::Major));
    let what = if branch.upgrades.len() == 1 {
        let update = &branch.upgrades[0];
        let version = update
            .update
            .new_version
            .as_deref()
            .or(update.update.new_value.as_deref())
            .unwrap_or("this version");
        if major {
            let major = update
                .update
                .new_major
                .map_or_else(|| version.to_owned(), |m| format!("v{m}"));
            format!(
                "`{}` {major}: no update to any {major} release will be proposed",
                update.dependency.dep_name
            )
        } else {
            format!(
                "`{}` {version}: a newer release will get a new PR",
                update.dependency.dep_name
            )
        }
    } else {
        "these updates: a PR with a different title (newer versions) will be opened when one exists"
            .to_owned()
    };
    format!(
        "### upkeep will ignore this update\n\nThis PR was closed without merging, so upkeep ignores {what}.\n\nTo get it back, tick its box under \"Ignored or Blocked\" on the Dependency Dashboard; upkeep does not reopen this PR by itself."
    )
}

/// What happens to a built branch's PR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrDecision {
    /// Open it.
    Create,
    /// Edit what differs.
    Update {
        /// New title, if it changed.
        title: Option<String>,
        /// New body, if it changed.
        body: Option<String>,
    },
    /// It already shows this: no write.
    Unchanged,
    /// Not yet (`prCreation`), for this reason.
    Wait(String),
}

/// The decision for a branch whose PR may exist (`open`), given the title and body
/// upkeep would write and whether `prCreation` allows a new PR now.
pub fn pr_decision(
    open: Option<&PullRequest>,
    title: &str,
    body: &str,
    creation: Result<(), String>,
) -> PrDecision {
    match open {
        Some(pr) => {
            if compare(&pr.title, &pr.body, title, body).unchanged {
                PrDecision::Unchanged
            } else {
                PrDecision::Update {
                    title: (pr.title != title).then(|| title.to_owned()),
                    body: (pr.body != body).then(|| body.to_owned()),
                }
            }
        }
        None => match creation {
            Ok(()) => PrDecision::Create,
            Err(reason) => PrDecision::Wait(reason),
        },
    }
}

/// Whether deciding `prCreation` needs the branch's checks.
pub fn needs_checks(creation: PrCreation) -> bool {
    matches!(creation, PrCreation::NotPending | PrCreation::StatusSuccess)
}

/// Whether `prCreation` allows opening the PR now: `checks` is the branch's state (for
/// `not-pending` and `status-success`), `hours_since_commit` the age of its head.
pub fn creation_allowed(
    creation: PrCreation,
    checks: Option<ChecksState>,
    hours_since_commit: f64,
    not_pending_hours: u32,
    approved: bool,
) -> Result<(), String> {
    match creation {
        PrCreation::Immediate => Ok(()),
        PrCreation::Approval if approved => Ok(()),
        PrCreation::Approval => {
            Err("waits for PR approval on the Dependency Dashboard (prCreation: approval)".into())
        }
        PrCreation::NotPending => match checks {
            Some(ChecksState::Yellow) if hours_since_commit < f64::from(not_pending_hours) => {
                Err(format!(
                    "waits for the branch's checks (prCreation: not-pending; at most {not_pending_hours} hours)"
                ))
            }
            _ => Ok(()),
        },
        PrCreation::StatusSuccess => match checks {
            Some(ChecksState::Green | ChecksState::None) => Ok(()),
            Some(ChecksState::Red) => {
                Err("the branch's checks failed (prCreation: status-success)".into())
            }
            _ => Err("waits for the branch's checks to pass (prCreation: status-success)".into()),
        },
    }
}

/// Open PRs whose branch the plan no longer has (the onboarding PR excepted).
pub fn obsolete_prs<'a>(
    prs: &'a [PullRequest],
    planned: &BTreeSet<&str>,
    onboarding_branch: &str,
) -> Vec<&'a PullRequest> {
    prs.iter()
        .filter(|pr| {
            pr.state == PrState::Open
                && pr.branch_name != onboarding_branch
                && !planned.contains(pr.branch_name.as_str())
        })
        .collect()
}

/// Branches upkeep owns on the remote that neither the plan nor an open PR needs.
pub fn obsolete_branches<'a>(
    remote: &'a [String],
    planned: &BTreeSet<&str>,
    prs: &[PullRequest],
    onboarding_branch: &str,
) -> Vec<&'a str> {
    remote
        .iter()
        .map(String::as_str)
        .filter(|name| {
            *name != onboarding_branch
                && !planned.contains(name)
                && !prs
                    .iter()
                    .any(|pr| pr.state == PrState::Open && pr.branch_name == *name)
        })
        .collect()
}

/// The comment on a PR closed because its updates are no longer needed.
pub const OBSOLETE_COMMENT: &str = "### upkeep closed this PR\n\nIts updates are no longer needed: the dependencies were removed, updated another way, or are now ignored by the config. The branch is deleted.";

#[cfg(test)]
mod tests;
