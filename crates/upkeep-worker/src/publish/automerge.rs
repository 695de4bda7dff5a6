//! Automerge, decided without I/O (`automerge`, `automergeType`, `automergeStrategy`,
//! `automergeSchedule`, `platformAutomerge`, `ignoreTests`).
//!
//! - `automergeType: pr`: with `platformAutomerge` and a repository that allows it, the
//!   platform's native auto-merge is turned on once (it merges when the required checks
//!   pass); otherwise upkeep merges itself once the checks are green and the branch is
//!   current with its base.
//! - `automergeType: branch`: the base branch is fast-forwarded to the branch once its
//!   checks are green; if they fail, a PR is opened so a human sees why.
//! - Outside `automergeSchedule` nothing is merged. There is no limit on merges per run.

use upkeep_config::{AutomergeStrategy, AutomergeType};
use upkeep_platform::{ChecksState, MergeMethod};

/// What is known when deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutomergeFacts {
    /// `automergeType`.
    pub kind: AutomergeType,
    /// `automergeStrategy`.
    pub strategy: AutomergeStrategy,
    /// Now is inside `automergeSchedule`.
    pub in_schedule: bool,
    /// `platformAutomerge`.
    pub platform_automerge: bool,
    /// The repository allows native auto-merge.
    pub repository_allows: bool,
    /// `ignoreTests`.
    pub ignore_tests: bool,
    /// The branch is built on the current base head.
    pub branch_current: bool,
    /// The open PR, if any: whether native auto-merge is already on.
    pub pr_auto_merge: Option<bool>,
    /// The branch's checks, once fetched.
    pub checks: Option<ChecksState>,
}

/// The next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutomergeStep {
    /// Nothing now, for this reason.
    Wait(String),
    /// Fetch the checks and decide again.
    NeedChecks,
    /// Turn on native auto-merge.
    EnableNative(MergeMethod),
    /// Merge the PR now.
    MergePr(MergeMethod),
    /// Fast-forward the base branch to the branch, then delete it.
    FastForward,
    /// The branch's checks failed: open a PR for humans.
    OpenPr,
    /// The configuration asks for something this platform cannot do.
    Unsupported(String),
}

/// `automergeStrategy` as the platform's merge method.
pub fn merge_method(strategy: AutomergeStrategy) -> Result<MergeMethod, String> {
    match strategy {
        AutomergeStrategy::Auto | AutomergeStrategy::MergeCommit => Ok(MergeMethod::Merge),
        AutomergeStrategy::Rebase => Ok(MergeMethod::Rebase),
        AutomergeStrategy::Squash => Ok(MergeMethod::Squash),
        AutomergeStrategy::FastForward => Err(
            "automergeStrategy: fast-forward is not available for GitHub PRs; use automergeType: branch".into(),
        ),
    }
}

/// The next automerge step for one branch.
pub fn decide_automerge(facts: &AutomergeFacts) -> AutomergeStep {
    if !facts.in_schedule {
        return AutomergeStep::Wait("outside automergeSchedule".into());
    }
    match facts.kind {
        AutomergeType::PrComment => AutomergeStep::Unsupported(
            "automergeType: pr-comment needs automergeComment, which upkeep does not support"
                .into(),
        ),
        AutomergeType::Pr => pr(facts),
        AutomergeType::Branch => branch(facts),
    }
}

fn pr(facts: &AutomergeFacts) -> AutomergeStep {
    let Some(auto_merge_on) = facts.pr_auto_merge else {
        return AutomergeStep::Wait("no open PR yet".into());
    };
    let method = match merge_method(facts.strategy) {
        Ok(method) => method,
        Err(reason) => return AutomergeStep::Unsupported(reason),
    };
    if facts.platform_automerge && facts.repository_allows {
        return if auto_merge_on {
            AutomergeStep::Wait("native auto-merge is on; the platform merges".into())
        } else {
            AutomergeStep::EnableNative(method)
        };
    }
    if !facts.branch_current {
        return AutomergeStep::Wait("the branch is behind its base".into());
    }
    if facts.ignore_tests {
        return AutomergeStep::MergePr(method);
    }
    match facts.checks {
        None => AutomergeStep::NeedChecks,
        Some(ChecksState::Green) => AutomergeStep::MergePr(method),
        Some(state) => AutomergeStep::Wait(checks_reason(state)),
    }
}

fn branch(facts: &AutomergeFacts) -> AutomergeStep {
    if !facts.branch_current {
        return AutomergeStep::Wait("the branch is behind its base".into());
    }
    if facts.ignore_tests {
        return AutomergeStep::FastForward;
    }
    match facts.checks {
        None => AutomergeStep::NeedChecks,
        Some(ChecksState::Green) => AutomergeStep::FastForward,
        Some(ChecksState::Red) => AutomergeStep::OpenPr,
        Some(state) => AutomergeStep::Wait(checks_reason(state)),
    }
}

fn checks_reason(state: ChecksState) -> String {
    match state {
        ChecksState::Yellow => "the checks are pending".into(),
        ChecksState::Red => "the checks failed".into(),
        ChecksState::None => {
            "the repository has no checks; set ignoreTests to automerge without them".into()
        }
        ChecksState::Green => "the checks passed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: AutomergeType) -> AutomergeFacts {
        AutomergeFacts {
            kind,
            strategy: AutomergeStrategy::Auto,
            in_schedule: true,
            platform_automerge: false,
            repository_allows: false,
            ignore_tests: false,
            branch_current: true,
            pr_auto_merge: Some(false),
            checks: None,
        }
    }

    #[test]
    fn pr_automerge_table() {
        use AutomergeStep::*;
        let base = facts(AutomergeType::Pr);
        let native = AutomergeFacts {
            platform_automerge: true,
            repository_allows: true,
            ..base
        };
        let cases: Vec<(AutomergeFacts, AutomergeStep)> = vec![
            (native, EnableNative(MergeMethod::Merge)),
            (
                AutomergeFacts {
                    pr_auto_merge: Some(true),
                    ..native
                },
                Wait("native auto-merge is on; the platform merges".into()),
            ),
            (
                AutomergeFacts {
                    branch_current: false,
                    ..native
                },
                EnableNative(MergeMethod::Merge),
            ),
            (
                AutomergeFacts {
                    repository_allows: false,
                    ..native
                },
                NeedChecks,
            ),
            (base, NeedChecks),
            (
                AutomergeFacts {
                    checks: Some(ChecksState::Green),
                    strategy: AutomergeStrategy::Squash,
                    ..base
                },
                MergePr(MergeMethod::Squash),
            ),
            (
                AutomergeFacts {
                    checks: Some(ChecksState::Yellow),
                    ..base
                },
                Wait("the checks are pending".into()),
            ),
            (
                AutomergeFacts {
                    checks: Some(ChecksState::None),
                    ..base
                },
                Wait(
                    "the repository has no checks; set ignoreTests to automerge without them"
                        .into(),
                ),
            ),
            (
                AutomergeFacts {
                    ignore_tests: true,
                    ..base
                },
                MergePr(MergeMethod::Merge),
            ),
            (
                AutomergeFacts {
                    branch_current: false,
                    checks: Some(ChecksState::Green),
                    ..base
                },
                Wait("the branch is behind its base".into()),
            ),
            (
                AutomergeFacts {
                    in_schedule: false,
                    ..native
                },
                Wait("outside automergeSchedule".into()),
            ),
            (
                AutomergeFacts {
                    pr_auto_merge: None,
                    ..base
                },
                Wait("no open PR yet".into()),
            ),
        ];
        for (facts, expected) in cases {
            assert_eq!(decide_automerge(&facts), expected, "{facts:?}");
        }
        let fast_forward = AutomergeFacts {
            strategy: AutomergeStrategy::FastForward,
            ..base
        };
        assert!(matches!(decide_automerge(&fast_forward), Unsupported(_)));
    }

    #[test]
    fn branch_automerge_table() {
        use AutomergeStep::*;
        let base = AutomergeFacts {
            pr_auto_merge: None,
            ..facts(AutomergeType::Branch)
        };
        let with = |checks| AutomergeFacts {
            checks: Some(checks),
            ..base
        };
        assert_eq!(decide_automerge(&base), NeedChecks);
        assert_eq!(decide_automerge(&with(ChecksState::Green)), FastForward);
        assert_eq!(decide_automerge(&with(ChecksState::Red)), OpenPr);
        assert_eq!(
            decide_automerge(&with(ChecksState::Yellow)),
            Wait("the checks are pending".into())
        );
        let behind = AutomergeFacts {
            branch_current: false,
            ..with(ChecksState::Green)
        };
        assert!(matches!(decide_automerge(&behind), Wait(_)));
        let untested = AutomergeFacts {
            ignore_tests: true,
            ..base
        };
        assert_eq!(decide_automerge(&untested), FastForward);
        let comment = facts(AutomergeType::PrComment);
        assert!(matches!(decide_automerge(&comment), Unsupported(_)));
    }
}
