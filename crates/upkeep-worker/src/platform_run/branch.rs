//! One planned branch on the platform: ignored because of a closed PR, or built (the
//! fingerprint fast path first), pushed, given its PR, and automerged.

use std::os::unix::fs::PermissionsExt;

use upkeep_config::{AutomergeType, RepositoryConfig, Settings};
use upkeep_git::{BranchDecision, CommitOutcome, Lease, RemoteRef, decide};
use upkeep_platform::{
    ApiCommit, ChecksState, FileChange, NewPullRequest, Platform, PrState, PrUpdate, PullRequest,
};
use upkeep_types::{Branch, BranchState, DependencyAdvisory};

use super::Run;
use super::report::{PrAction, PublishedBranch};
use crate::apply::apply_branch;
use crate::branch_commit::{
    branch_settings, commit_message, fingerprint, fingerprinted_authors, is_built_for,
    rebase_policy, with_fingerprint,
};
use crate::lookup::LookupReport;
use crate::publish::automerge::{AutomergeFacts, AutomergeStep, decide_automerge};
use crate::publish::dashboard::{Action, DashboardRequests};
use crate::publish::lifecycle::{
    PrDecision, blocked_by, creation_allowed, ignore_comment, is_immortal, needs_checks,
    pr_decision,
};
use crate::publish::marker::{Marker, render_marker, split_marker};
use crate::publish::pr_body::{PrBodyInput, PrSettingsSummary, rebase_requested, render_pr_body};
use crate::run::BranchAction;

/// The report's action for a branch that is not built this run.
pub(super) fn held_action(state: BranchState) -> BranchAction {
    match state {
        BranchState::Ready => BranchAction::Planned,
        BranchState::NotScheduled => BranchAction::NotScheduled,
        BranchState::RateLimited => BranchAction::RateLimited,
        BranchState::PendingReleaseAge => BranchAction::PendingReleaseAge,
        BranchState::AwaitingApproval => BranchAction::AwaitingApproval,
        BranchState::NotApplicable => BranchAction::NotApplicable,
    }
}

/// Publishes the planned branches of one run.
pub(super) struct Publisher<'r, 'a, P: Platform> {
    pub run: &'r Run<'a, P>,
    pub config: &'r RepositoryConfig,
    pub prs: &'r [PullRequest],
    pub remote: &'r [RemoteRef],
    pub requests: &'r DashboardRequests,
    pub lookup: &'r LookupReport,
    /// Time spent editing files and lock files (the run's `apply` stage).
    pub apply_time: std::cell::Cell<std::time::Duration>,
}

/// The branch as built (or found) this run.
struct Built {
    head: Option<String>,
    /// Built on the current base head.
    current: bool,
}

type Step<T> = Result<T, String>;

impl<P: Platform> Publisher<'_, '_, P> {
    /// One branch, start to end; every failure stays on this branch.
    pub fn publish(&self, branch: Branch) -> PublishedBranch {
        if branch.state != BranchState::Ready {
            let action = held_action(branch.state);
            let mut published = PublishedBranch::new(branch, action);
            self.link_existing_pr(&mut published);
            return published;
        }
        let mut published = PublishedBranch::new(branch, BranchAction::Failed);
        if let Err(error) = self.try_publish(&mut published) {
            published.errors.push(error);
        }
        published
    }

    /// A held branch that already has an open PR still shows its number.
    fn link_existing_pr(&self, published: &mut PublishedBranch) {
        if let Some(pr) = self.open_pr(&published.branch.branch_name) {
            published.pr_number = Some(pr.number);
        }
    }

    fn prs_of(&self, name: &str) -> Vec<&PullRequest> {
        self.prs
            .iter()
            .filter(|pr| pr.branch_name == name)
            .collect()
    }

    fn open_pr(&self, name: &str) -> Option<&PullRequest> {
        self.prs
            .iter()
            .find(|pr| pr.branch_name == name && pr.state == PrState::Open)
    }

    fn remote_head(&self, name: &str) -> Option<&str> {
        self.remote
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.commit.as_str())
    }

    fn try_publish(&self, published: &mut PublishedBranch) -> Step<()> {
        let run = self.run;
        let name = published.branch.branch_name.clone();
        let settings = branch_settings(self.config, &published.branch);
        let prs = self.prs_of(&name);
        let remote_head = self.remote_head(&name).map(str::to_owned);
        let blocked = blocked_by(
            &published.branch,
            &prs,
            remote_head.is_some(),
            settings.recreate_when,
            self.requests.has(Action::Recreate, &name),
        );
        if let Some(blocked) = blocked {
            published.action = BranchAction::NotApplicable;
            published.pr = PrAction::Ignored;
            published.pr_number = Some(blocked.pr.number);
            if run.writes() {
                self.ignore(&published.branch, &blocked, remote_head.is_some())?;
            }
            return Ok(());
        }
        let open = self.open_pr(&name);
        let force = open.is_some_and(|pr| rebase_requested(&pr.body))
            || self.requests.has(Action::Rebase, &name)
            || self.requests.has(Action::Retry, &name);
        let built = self.build(published, remote_head.as_deref(), force)?;
        published.commit = built.head.clone();
        let Some(head) = built.head else {
            return Ok(());
        };
        let pr = self.pull_request(published, &settings, open, &head)?;
        if published.branch.automerge.is_some() {
            self.automerge(published, &settings, pr.as_ref(), &head, built.current)?;
        }
        Ok(())
    }

    /// Comments once on the closing PR, closes an open one whose branch was deleted, and
    /// deletes a branch left behind.
    fn ignore(
        &self,
        branch: &Branch,
        blocked: &crate::publish::lifecycle::Blocked<'_>,
        on_remote: bool,
    ) -> Step<()> {
        let run = self.run;
        let repo = run.repository;
        let pr = blocked.pr;
        run.runtime
            .block_on(async {
                if blocked.notify {
                    run.platform
                        .add_comment(repo, pr.number, &ignore_comment(branch))
                        .await?;
                    let (visible, marker) = split_marker(&pr.body);
                    let marker = Marker {
                        ignore_notified: true,
                        ..marker.unwrap_or_default()
                    };
                    let body = format!("{visible}\n\n{}\n", render_marker(&marker));
                    let update = PrUpdate {
                        body: Some(body),
                        state: blocked.close.then_some(PrState::Closed),
                        ..PrUpdate::default()
                    };
                    run.platform
                        .update_pull_request(repo, pr.number, &update)
                        .await?;
                }
                if on_remote {
                    run.platform
                        .delete_branch(repo, &branch.branch_name)
                        .await?;
                }
                Ok::<(), upkeep_platform::PlatformError>(())
            })
            .map_err(|error| format!("ignoring closed PR #{}: {error}", pr.number))
    }

    /// Builds the branch unless the remote one is upkeep's commit for this plan on this
    /// base; pushes (or commits through the API) what changed.
    fn build(
        &self,
        published: &mut PublishedBranch,
        remote_head: Option<&str>,
        force: bool,
    ) -> Step<Built> {
        let run = self.run;
        let workdir = &run.workdir;
        let name = published.branch.branch_name.clone();
        let print = fingerprint(&published.branch);
        let git_error = |error: upkeep_git::GitError| error.to_string();
        let existing = match remote_head {
            Some(head) => {
                if !run.prefetched.contains(&name) {
                    workdir
                        .fetch_branches(&[name.as_str()])
                        .map_err(git_error)?;
                }
                if !force && self.is_current(head, &print)? {
                    published.action = BranchAction::Unchanged;
                    return Ok(Built {
                        head: Some(head.to_owned()),
                        current: true,
                    });
                }
                let mut ignored = run.options.ignored_authors.clone();
                ignored.extend(self.own_authors(head)?);
                let state = workdir.analyze_branch(&name, &ignored).map_err(git_error)?;
                if state.is_modified() {
                    published.action = BranchAction::KeptModified;
                    return Ok(Built {
                        head: Some(state.head.clone()),
                        current: !state.behind_base,
                    });
                }
                Some(state)
            }
            None => None,
        };
        workdir.checkout_from_base(&name).map_err(git_error)?;
        let apply_started = std::time::Instant::now();
        let applied = apply_branch(
            workdir.path(),
            &published.branch.upgrades,
            &run.options.tools,
        );
        self.apply_time
            .set(self.apply_time.get() + apply_started.elapsed());
        published.changed_files = applied.changed_files;
        published.artifact_errors = applied.artifact_errors;
        published.update_errors = applied.update_errors;
        let mut message = commit_message(&published.branch.commit_message);
        message.body = Some(with_fingerprint(
            message.body.as_deref().unwrap_or(""),
            &print,
        ));
        let commit = match workdir.commit(&message).map_err(git_error)? {
            CommitOutcome::Committed { commit } => commit,
            CommitOutcome::NothingToCommit => {
                published.action = BranchAction::NoChanges;
                return Ok(Built {
                    head: existing.map(|state| state.head),
                    current: false,
                });
            }
        };
        let matches = match &existing {
            Some(state) => workdir.content_matches(&commit, state).map_err(git_error)?,
            None => false,
        };
        let mut decision = decide(
            existing.as_ref(),
            matches,
            rebase_policy(self.config, &published.branch),
        );
        if force && matches!(decision, BranchDecision::Unchanged | BranchDecision::Update) {
            decision = BranchDecision::Rebuild;
        }
        let (action, lease) = match decision {
            BranchDecision::Create => (BranchAction::Created, Lease::Absent),
            BranchDecision::Update | BranchDecision::Rebuild => {
                let head = existing
                    .as_ref()
                    .map(|s| s.head.clone())
                    .unwrap_or_default();
                let action = if decision == BranchDecision::Update {
                    BranchAction::Updated
                } else {
                    BranchAction::Rebuilt
                };
                (action, Lease::At(head))
            }
            BranchDecision::Unchanged
            | BranchDecision::KeepByPolicy
            | BranchDecision::KeepModified { .. } => {
                published.action = if decision == BranchDecision::Unchanged {
                    BranchAction::Unchanged
                } else {
                    BranchAction::KeptByPolicy
                };
                let state = existing.as_ref();
                return Ok(Built {
                    head: state.map(|s| s.head.clone()),
                    current: state.is_some_and(|s| !s.behind_base),
                });
            }
        };
        published.action = action;
        if !run.writes() {
            return Ok(Built {
                head: Some(commit),
                current: true,
            });
        }
        let head = if run.platform_commit(self.config) {
            self.api_commit(
                &name,
                &commit,
                &message.text(),
                &published.changed_files,
                &lease,
            )?
        } else {
            workdir.push(&name, &commit, &lease).map_err(git_error)?;
            commit
        };
        Ok(Built {
            head: Some(head),
            current: true,
        })
    }

    /// Authors of upkeep's own commits on the branch (its API commits are the App's).
    fn own_authors(&self, head: &str) -> Step<Vec<String>> {
        let run = self.run;
        let output = run
            .git
            .output(
                run.workdir.path(),
                [
                    "log",
                    "--format=%ae%x00%B%x1e",
                    head,
                    "--not",
                    run.workdir.base_head(),
                    "--",
                ],
            )
            .map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Ok(Vec::new());
        }
        Ok(fingerprinted_authors(&output.text()))
    }

    /// Whether `head` is upkeep's commit for this plan on the current base.
    fn is_current(&self, head: &str, fingerprint: &str) -> Step<bool> {
        let run = self.run;
        let output = run
            .git
            .output(run.workdir.path(), ["log", "-1", "--format=%P%n%B", head])
            .map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Ok(false);
        }
        let text = output.text();
        let (parents, message) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let parents: Vec<String> = parents.split_whitespace().map(str::to_owned).collect();
        Ok(is_built_for(
            &parents,
            message,
            run.workdir.base_head(),
            fingerprint,
        ))
    }

    /// The same commit made through the platform's API (`platformCommit`).
    fn api_commit(
        &self,
        name: &str,
        _local: &str,
        message: &str,
        changed: &[String],
        lease: &Lease,
    ) -> Step<String> {
        let run = self.run;
        let root = run.workdir.path();
        let changes = changed
            .iter()
            .map(|path| {
                let file = root.join(path);
                // only a file that is gone is a deletion: any other read error must not
                // turn into one
                let contents = match std::fs::read(&file) {
                    Ok(bytes) => Some(bytes),
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                    Err(error) => {
                        return Err(format!("cannot read `{path}` to commit it: {error}"));
                    }
                };
                let executable = std::fs::metadata(&file)
                    .map(|m| m.permissions().mode() & 0o111 != 0)
                    .unwrap_or(false);
                Ok(FileChange {
                    path: path.clone(),
                    contents,
                    executable,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let commit = ApiCommit {
            branch_name: name.to_owned(),
            parent: run.workdir.base_head().to_owned(),
            message: message.to_owned(),
            changes,
            expected_head: match lease {
                Lease::Absent => None,
                Lease::At(head) => Some(head.clone()),
            },
        };
        run.runtime
            .block_on(run.platform.create_commit(run.repository, &commit))
            .map_err(|error| format!("commit through the API: {error}"))
    }

    /// Creates, updates or leaves the branch's PR; returns it, if there is one.
    fn pull_request(
        &self,
        published: &mut PublishedBranch,
        settings: &Settings,
        open: Option<&PullRequest>,
        head: &str,
    ) -> Step<Option<PullRequest>> {
        let run = self.run;
        let branch = &published.branch;
        let branch_automerge =
            branch.automerge.is_some() && settings.automerge_type == AutomergeType::Branch;
        if open.is_none() && branch_automerge {
            return Ok(None);
        }
        let title = branch.pr_title.clone();
        let body = self.body(published, settings, &title);
        let creation = if open.is_some() {
            Ok(())
        } else {
            self.creation_gate(settings, head, &published.branch.branch_name)?
        };
        let mut current = open.cloned();
        match pr_decision(open, &title, &body, creation) {
            PrDecision::Unchanged => {
                published.pr = PrAction::Unchanged;
                published.pr_number = open.map(|pr| pr.number);
            }
            PrDecision::Wait(reason) => {
                published.pr = PrAction::Waiting;
                published.waiting = Some(reason);
            }
            PrDecision::Update { title, body } => {
                let number = open.map_or(0, |pr| pr.number);
                published.pr_number = Some(number);
                published.pr = PrAction::Updated;
                if run.writes() {
                    let update = PrUpdate {
                        title,
                        body,
                        state: None,
                    };
                    run.runtime
                        .block_on(
                            run.platform
                                .update_pull_request(run.repository, number, &update),
                        )
                        .map_err(|e| format!("updating PR #{number}: {e}"))?;
                }
            }
            PrDecision::Create => {
                published.pr = PrAction::Created;
                if run.writes() {
                    let pr = self.create_pr(&published.branch, settings, title, body)?;
                    published.pr_number = Some(pr.number);
                    current = Some(pr);
                }
            }
        }
        Ok(current)
    }

    fn create_pr(
        &self,
        branch: &Branch,
        settings: &Settings,
        title: String,
        body: String,
    ) -> Step<PullRequest> {
        let run = self.run;
        let mut reviewers = settings.reviewers.clone();
        for reviewer in &settings.additional_reviewers {
            if !reviewers.contains(reviewer) {
                reviewers.push(reviewer.clone());
            }
        }
        let new = NewPullRequest {
            branch_name: branch.branch_name.clone(),
            base_branch: run.workdir.base_branch().to_owned(),
            title,
            body,
            labels: branch.labels.clone(),
            reviewers,
            assignees: settings.assignees.clone(),
            draft: settings.draft_pr,
        };
        run.runtime
            .block_on(run.platform.create_pull_request(run.repository, &new))
            .map_err(|e| format!("opening the PR: {e}"))
    }

    /// `prCreation` for a branch without a PR.
    fn creation_gate(
        &self,
        settings: &Settings,
        head: &str,
        name: &str,
    ) -> Step<Result<(), String>> {
        let checks = if needs_checks(settings.pr_creation) {
            Some(self.checks(head)?)
        } else {
            None
        };
        let hours = self.hours_since_commit(head);
        Ok(creation_allowed(
            settings.pr_creation,
            checks,
            hours,
            settings.pr_not_pending_hours,
            self.requests.has(Action::ApprovePr, name),
        ))
    }

    fn checks(&self, head: &str) -> Step<ChecksState> {
        let run = self.run;
        run.runtime
            .block_on(run.platform.checks_state(run.repository, head))
            .map_err(|e| format!("reading the checks of {head}: {e}"))
    }

    /// Hours since the commit `head` was made (0 when unknown).
    fn hours_since_commit(&self, head: &str) -> f64 {
        let run = self.run;
        let seconds = run
            .git
            .output(run.workdir.path(), ["log", "-1", "--format=%ct", head])
            .ok()
            .and_then(|o| o.text().trim().parse::<i64>().ok());
        match seconds {
            Some(seconds) => (run.options.now.as_second() - seconds).max(0) as f64 / 3600.0,
            None => 0.0,
        }
    }

    fn body(&self, published: &PublishedBranch, settings: &Settings, title: &str) -> String {
        let branch = &published.branch;
        let advisories: Vec<Vec<DependencyAdvisory>> = branch
            .upgrades
            .iter()
            .map(|update| {
                self.lookup
                    .dependencies()
                    .find(|(manager, file, dep)| {
                        *manager == update.manager
                            && file.package_file == update.package_file
                            && dep.dependency.dep_name == update.dependency.dep_name
                    })
                    .map(|(_, _, dep)| {
                        if update.update.is_vulnerability_fix {
                            dep.vulnerabilities.clone()
                        } else {
                            Vec::new()
                        }
                    })
                    .unwrap_or_default()
            })
            .collect();
        let summary = PrSettingsSummary {
            schedule: settings.schedule.sources().to_vec(),
            time_zone: self
                .config
                .timezone
                .clone()
                .unwrap_or_else(|| "UTC".to_owned()),
            automerge: branch.automerge.clone(),
            automerge_schedule: settings.automerge_schedule.sources().to_vec(),
            rebase_when: serde_json::to_value(settings.rebase_when)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            immortal: is_immortal(branch, settings.recreate_when),
        };
        render_pr_body(
            title,
            &PrBodyInput {
                branch,
                advisories: &advisories,
                artifact_errors: &published.artifact_errors,
                update_errors: &published.update_errors,
                settings: &summary,
                fingerprint: &fingerprint(branch),
            },
        )
    }

    /// Acts on the branch's automerge step; no limit of merges per run.
    fn automerge(
        &self,
        published: &mut PublishedBranch,
        settings: &Settings,
        pr: Option<&PullRequest>,
        head: &str,
        current: bool,
    ) -> Step<()> {
        let run = self.run;
        let repo = run.repository;
        let in_schedule = self
            .config
            .in_schedule(&settings.automerge_schedule, run.options.now);
        let mut facts = AutomergeFacts {
            kind: settings.automerge_type,
            strategy: settings.automerge_strategy,
            in_schedule,
            platform_automerge: settings.platform_automerge,
            repository_allows: run.info.allow_auto_merge,
            ignore_tests: settings.ignore_tests,
            branch_current: current,
            pr_auto_merge: pr.map(|pr| pr.auto_merge),
            checks: None,
        };
        let mut step = decide_automerge(&facts);
        if step == AutomergeStep::NeedChecks {
            facts.checks = Some(self.checks(head)?);
            step = decide_automerge(&facts);
        }
        let writes = run.writes();
        let status = match step {
            AutomergeStep::Wait(reason) => format!("waiting: {reason}"),
            AutomergeStep::NeedChecks => "waiting for the checks".to_owned(),
            AutomergeStep::Unsupported(reason) => return Err(reason),
            AutomergeStep::EnableNative(method) => {
                if let (Some(pr), true) = (pr, writes) {
                    run.runtime
                        .block_on(run.platform.enable_auto_merge(repo, pr, method))
                        .map_err(|e| format!("enabling auto-merge on #{}: {e}", pr.number))?;
                }
                "native auto-merge enabled".to_owned()
            }
            AutomergeStep::MergePr(method) => {
                let number = published.pr_number.unwrap_or_default();
                let merged = !writes
                    || run
                        .runtime
                        .block_on(run.platform.merge_pull_request(repo, number, head, method))
                        .map_err(|e| format!("merging #{number}: {e}"))?;
                if merged {
                    published.pr = PrAction::Merged;
                    "merged".to_owned()
                } else {
                    "the platform refused the merge; retried next run".to_owned()
                }
            }
            AutomergeStep::FastForward => {
                let base = run.workdir.base_branch().to_owned();
                let moved = !writes
                    || run
                        .runtime
                        .block_on(run.platform.fast_forward(repo, &base, head))
                        .map_err(|e| format!("fast-forwarding `{base}`: {e}"))?;
                if moved && writes {
                    run.runtime
                        .block_on(
                            run.platform
                                .delete_branch(repo, &published.branch.branch_name),
                        )
                        .map_err(|e| format!("deleting the merged branch: {e}"))?;
                }
                if moved {
                    format!("`{base}` fast-forwarded to the branch")
                } else {
                    "not a fast-forward any more; rebased next run".to_owned()
                }
            }
            AutomergeStep::OpenPr => {
                if published.pr_number.is_none() && writes {
                    let title = published.branch.pr_title.clone();
                    let body = self.body(published, settings, &title);
                    let pr = self.create_pr(&published.branch, settings, title, body)?;
                    published.pr_number = Some(pr.number);
                    published.pr = PrAction::Created;
                }
                "the checks failed: a PR was opened instead of merging".to_owned()
            }
        };
        published.automerge_status = Some(status);
        Ok(())
    }
}
