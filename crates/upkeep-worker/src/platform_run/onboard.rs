//! The onboarding PR: a branch adding the proposed config file, and a PR whose body
//! previews the PRs that config would open. Rerun, it is rebuilt only when the proposal
//! or the base changed; a user's own commit on the branch (an edited config) is kept and
//! previewed instead.

use std::sync::Arc;

use upkeep_config::{LoadOptions, load_config};
use upkeep_git::{CommitMessage, CommitOutcome, Lease};
use upkeep_http::HttpClient;
use upkeep_platform::{NewPullRequest, Platform, PrState, PrUpdate, PullRequest};
use upkeep_types::Branch;

use super::Run;
use super::report::{PlatformRunReport, PrAction, PublishedBranch};
use crate::branch_commit::{is_built_for, with_fingerprint};
use crate::lookup::Datasources;
use crate::publish::dashboard::DashboardRequests;
use crate::publish::lifecycle::{PrDecision, pr_decision};
use crate::publish::marker::content_hash;
use crate::publish::onboarding::{OnboardingInput, render_onboarding_body};
use crate::publish::presets::PlatformPresets;
use crate::run::BranchAction;

type Step<T> = Result<T, String>;

impl<P: Platform> Run<'_, P> {
    /// Opens or updates the onboarding PR; nothing else happens in the repository.
    pub(super) fn onboard(
        &mut self,
        prs: &[PullRequest],
        http: Arc<HttpClient>,
        datasources: &Datasources,
        report: &mut PlatformRunReport,
    ) {
        let onboarding = self.options.onboarding.clone();
        let name = onboarding.branch.clone();
        // Only the onboarding branch may be written; the prefix must be shorter than it.
        let prefix = match name.rfind('/') {
            Some(slash) => name[..=slash].to_owned(),
            None => name[..name.len().saturating_sub(1)].to_owned(),
        };
        self.workdir.set_branch_prefix(&prefix);
        let mut published = PublishedBranch::new(
            Branch {
                branch_name: name.clone(),
                pr_title: onboarding.pr_title.clone(),
                commit_message: format!("Add {}", onboarding.file_name),
                ..Branch::default()
            },
            BranchAction::Failed,
        );
        let remote_head = match self.workdir.list_remote_branches() {
            Ok(remote) => remote
                .into_iter()
                .find(|r| r.name == name)
                .map(|r| r.commit),
            Err(error) => {
                published.errors.push(error.to_string());
                report.onboarding = Some(published);
                return;
            }
        };
        let mut text = onboarding.file_text();
        if let Err(error) = self.build_onboarding(&mut published, remote_head.as_deref(), &mut text)
        {
            published.errors.push(error);
        }
        let preview = self.preview(&text, http, datasources, report);
        if published.commit.is_some()
            && let Err(error) = self.onboarding_pr(&mut published, prs, &preview, report)
        {
            published.errors.push(error);
        }
        report.onboarding = Some(published);
    }

    /// The branch adding the config file: unchanged when upkeep built it on this base for
    /// this text; kept when someone else committed to it (`text` becomes their file).
    fn build_onboarding(
        &self,
        published: &mut PublishedBranch,
        remote_head: Option<&str>,
        text: &mut String,
    ) -> Step<()> {
        let workdir = &self.workdir;
        let onboarding = &self.options.onboarding;
        let name = published.branch.branch_name.clone();
        let git_error = |e: upkeep_git::GitError| e.to_string();
        let existing = match remote_head {
            Some(head) => {
                workdir
                    .fetch_branches(&[name.as_str()])
                    .map_err(git_error)?;
                let state = workdir
                    .analyze_branch(&name, &self.options.ignored_authors)
                    .map_err(git_error)?;
                if state.is_modified() {
                    let spec = format!("{head}:{}", onboarding.file_name);
                    let shown = self
                        .git
                        .output(workdir.path(), ["show", spec.as_str()])
                        .map_err(git_error)?;
                    if shown.status.success() {
                        *text = String::from_utf8_lossy(&shown.stdout).into_owned();
                    }
                    published.action = BranchAction::KeptModified;
                    published.modified_commit(head);
                    return Ok(());
                }
                Some(state)
            }
            None => None,
        };
        let print = content_hash(&onboarding.file_name, text);
        if let Some(state) = &existing {
            let output = self
                .git
                .output(
                    workdir.path(),
                    ["log", "-1", "--format=%P%n%B", state.head.as_str()],
                )
                .map_err(git_error)?;
            let log = output.text();
            let (parents, message) = log.split_once('\n').unwrap_or((log.as_str(), ""));
            let parents: Vec<String> = parents.split_whitespace().map(str::to_owned).collect();
            if is_built_for(&parents, message, workdir.base_head(), &print) {
                published.action = BranchAction::Unchanged;
                published.commit = Some(state.head.clone());
                return Ok(());
            }
        }
        workdir.checkout_from_base(&name).map_err(git_error)?;
        workdir
            .write_file(&onboarding.file_name, text.as_bytes())
            .map_err(git_error)?;
        let message = CommitMessage::new(published.branch.commit_message.clone())
            .with_body(with_fingerprint("", &print));
        let commit = match workdir.commit(&message).map_err(git_error)? {
            CommitOutcome::Committed { commit } => commit,
            CommitOutcome::NothingToCommit => {
                return Err(format!(
                    "`{}` already exists on the base branch",
                    onboarding.file_name
                ));
            }
        };
        let lease = match &existing {
            Some(state) => Lease::At(state.head.clone()),
            None => Lease::Absent,
        };
        published.action = if existing.is_some() {
            BranchAction::Rebuilt
        } else {
            BranchAction::Created
        };
        published.changed_files = vec![onboarding.file_name.clone()];
        if !self.writes() {
            published.commit = Some(commit);
            return Ok(());
        }
        workdir.push(&name, &commit, &lease).map_err(git_error)?;
        published.commit = Some(commit);
        Ok(())
    }

    /// What the proposed config would do: extract, lookup and plan, nothing written.
    fn preview(
        &self,
        text: &str,
        http: Arc<HttpClient>,
        datasources: &Datasources,
        report: &mut PlatformRunReport,
    ) -> Vec<Branch> {
        let file_name = self.options.onboarding.file_name.clone();
        let defaults = self.options.repository_defaults.as_ref();
        let loaded = self
            .runtime
            .block_on(PlatformPresets::resolve(self.platform, |presets| {
                load_config(
                    &file_name,
                    text,
                    &LoadOptions {
                        resolver: presets,
                        defaults,
                    },
                )
            }));
        report.config_diagnostics = loaded.diagnostics.clone();
        let Some(lookup) = self.lookup(&loaded.config, http, datasources, report) else {
            return Vec::new();
        };
        let plan = self.plan(
            &loaded.config,
            &lookup,
            &[],
            &[],
            &DashboardRequests::default(),
        );
        report.warnings.extend(plan.warnings);
        report.lookup = lookup;
        plan.branches
    }

    fn onboarding_pr(
        &self,
        published: &mut PublishedBranch,
        prs: &[PullRequest],
        preview: &[Branch],
        report: &PlatformRunReport,
    ) -> Step<()> {
        let onboarding = &self.options.onboarding;
        let package_files: Vec<(String, String)> = report
            .lookup
            .package_files
            .iter()
            .flat_map(|(manager, files)| {
                files
                    .iter()
                    .map(move |f| (manager.clone(), f.package_file.clone()))
            })
            .collect();
        let warnings: Vec<String> = report
            .config_diagnostics
            .iter()
            .map(ToString::to_string)
            .chain(report.warnings.iter().cloned())
            .collect();
        let print = content_hash(&onboarding.file_name, &onboarding.file_text());
        let body = render_onboarding_body(&OnboardingInput {
            onboarding,
            package_files: &package_files,
            branches: preview,
            warnings: &warnings,
            fingerprint: &print,
        });
        let title = onboarding.pr_title.as_str();
        let open = prs
            .iter()
            .find(|pr| pr.state == PrState::Open && pr.branch_name == onboarding.branch);
        let repo = self.repository;
        match pr_decision(open, title, &body, Ok(())) {
            PrDecision::Unchanged | PrDecision::Wait(_) => {
                published.pr = PrAction::Unchanged;
                published.pr_number = open.map(|pr| pr.number);
            }
            PrDecision::Update { title, body } => {
                let number = open.map_or(0, |pr| pr.number);
                published.pr = PrAction::Updated;
                published.pr_number = Some(number);
                if self.writes() {
                    let update = PrUpdate {
                        title,
                        body,
                        state: None,
                    };
                    self.runtime
                        .block_on(self.platform.update_pull_request(repo, number, &update))
                        .map_err(|e| format!("updating the onboarding PR: {e}"))?;
                }
            }
            PrDecision::Create => {
                published.pr = PrAction::Created;
                if self.writes() {
                    let new = NewPullRequest {
                        branch_name: onboarding.branch.clone(),
                        base_branch: self.workdir.base_branch().to_owned(),
                        title: title.to_owned(),
                        body,
                        ..NewPullRequest::default()
                    };
                    let pr = self
                        .runtime
                        .block_on(self.platform.create_pull_request(repo, &new))
                        .map_err(|e| format!("opening the onboarding PR: {e}"))?;
                    published.pr_number = Some(pr.number);
                }
            }
        }
        Ok(())
    }
}

impl PublishedBranch {
    fn modified_commit(&mut self, head: &str) {
        self.commit = Some(head.to_owned());
    }
}
