//! One repository on a platform (GitHub): the whole pipeline ending in pull requests,
//! the Dependency Dashboard and onboarding, with the fewest API calls.
//!
//! ```text
//! get_repo (archived/disabled: skip) ─► credentials ─► shallow clone of the base
//!   ─► config (repository presets through the platform; none: onboarding)
//!   ─► enabled: false? stop ─► list PRs, list own issues (dashboard, its ticked boxes)
//!   ─► extract ─► lookup ─► plan (existing branches, open PRs, PRs created this hour,
//!      approvals) ─► dashboard requests (force-create)
//!   ─► per branch: closed PR? ignore ─► build (fingerprint fast path: an unchanged
//!      branch costs no rebuild and no write) ─► push with lease or API commit
//!      ─► PR create/update/leave (marker: zero writes on a rerun) ─► automerge
//!   ─► obsolete PRs closed, branches deleted ─► dashboard written only if it changed
//! ```
//!
//! A repository with nothing to do costs three API calls (get repo, list PRs, list own
//! issues) besides the git fetch; branches are read with `git ls-remote`. A failure on
//! one branch is that branch's error and the others go ahead; only a failed clone,
//! unreadable config or a failed listing stops the repository.
//!
//! The run is synchronous like [`crate::run::run_local`]: git and the lock file tools
//! block, and `runtime` drives the platform and the registries.

mod branch;
mod dashboard_input;
mod onboard;
mod report;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Map, Value};
use upkeep_config::global::DryRun;
use upkeep_config::{LoadOptions, LoadedConfig, PlatformCommit, RepositoryConfig, load_defaults};
use upkeep_datasource::{LookupContext, read_registry_config};
use upkeep_git::{Git, GitAuthor, GitCredential, WorkDir};
use upkeep_http::HttpClient;
use upkeep_platform::{Issue, Platform, PrState, PrUpdate, PullRequest, RepoInfo};
use upkeep_types::BranchState;

pub use dashboard_input::dashboard_input;
pub use report::{
    DashboardAction, PlatformRunReport, PrAction, PrActionCounts, PublishedBranch, StageTimings,
};

use crate::apply::Tools;
use crate::branch_commit::semantic_commits_detected;
use crate::config::{apply_update_rules, load_repository_config};
use crate::lookup::{Datasources, LookupOptions, LookupReport};
use crate::plan::{ExistingBranch, PlanContext, RepositoryState, plan_branches};
use crate::publish::dashboard::{Action, DashboardRequests, read_requests, render_dashboard};
use crate::publish::lifecycle::{OBSOLETE_COMMENT, obsolete_branches, obsolete_prs};
use crate::publish::marker::compare;
use crate::publish::onboarding::{Onboarding, OnboardingDecision, decide_onboarding};
use crate::publish::presets::PlatformPresets;
use crate::run::{DEFAULT_GIT_AUTHOR, candidates, settings_for};
use upkeep_vuln::VulnerabilitySource;

/// How a platform run goes.
#[derive(Clone)]
pub struct PlatformRunOptions {
    /// Who upkeep's commits are by (`gitAuthor`).
    pub git_author: GitAuthor,
    /// Other authors whose commits do not count as modifications (`gitIgnoredAuthors`).
    pub ignored_authors: Vec<String>,
    /// Where the run stops; `None`: everything is written.
    pub dry_run: Option<DryRun>,
    /// The instant the run plans for.
    pub now: Timestamp,
    /// Lock file tools.
    pub tools: Tools,
    /// Where clones go (`baseDir`); `None`: the system's temp directory.
    pub scratch_dir: Option<PathBuf>,
    /// Repository options from the bot's config, beneath the repository's file.
    pub repository_defaults: Option<Map<String, Value>>,
    /// The onboarding options.
    pub onboarding: Onboarding,
    /// Packages looked up at once.
    pub concurrency: usize,
    /// Vulnerability data, when available.
    pub vulnerabilities: Option<Arc<dyn VulnerabilitySource>>,
    /// The repository was found by autodiscover, not listed by name (`forkProcessing`
    /// skips forks found that way unless they have their own config).
    pub autodiscovered: bool,
    /// Allow `file://` clone URLs (tests against bare repositories on disk).
    pub allow_local_remotes: bool,
    /// Asked before the lookup and before each branch's build/push/PR step (never in the
    /// middle of one): once it answers `true` the run stops there and reports
    /// `interrupted` — how a fleet ends within a pod's grace period after SIGTERM.
    pub stop: Option<StopCheck>,
}

/// Whether a run should stop at its next step boundary.
pub type StopCheck = Arc<dyn Fn() -> bool + Send + Sync>;

impl PlatformRunOptions {
    /// Defaults: [`DEFAULT_GIT_AUTHOR`], no dry run, now, tools on `PATH`, onboarding on.
    pub fn new() -> PlatformRunOptions {
        PlatformRunOptions {
            git_author: GitAuthor::parse(DEFAULT_GIT_AUTHOR).expect("the default author parses"),
            ignored_authors: Vec::new(),
            dry_run: None,
            now: Timestamp::now(),
            tools: Tools::from_path(),
            scratch_dir: None,
            repository_defaults: None,
            onboarding: Onboarding::default(),
            concurrency: 16,
            vulnerabilities: None,
            autodiscovered: false,
            allow_local_remotes: false,
            stop: None,
        }
    }
}

impl Default for PlatformRunOptions {
    fn default() -> Self {
        PlatformRunOptions::new()
    }
}

/// Runs one repository on `platform`. Never fails as a whole: what went wrong is in the
/// report (`skipped`, `errors`, each branch's `errors`).
pub fn run_on_platform<P: Platform>(
    platform: &P,
    repository: &str,
    options: &PlatformRunOptions,
    http: Arc<HttpClient>,
    datasources: &Datasources,
    runtime: &tokio::runtime::Handle,
) -> PlatformRunReport {
    let started = Instant::now();
    let mut report = PlatformRunReport {
        repository: repository.to_owned(),
        dry_run: options.dry_run,
        ..PlatformRunReport::default()
    };
    let scratch = match scratch_dir(options) {
        Ok(dir) => dir,
        Err(error) => {
            report.fail(format!("cannot create a scratch directory: {error}"));
            return report;
        }
    };
    let mut run = match Run::start(
        platform,
        repository,
        options,
        runtime,
        scratch.path(),
        &mut report,
    ) {
        Some(run) => run,
        None => {
            report.api_calls = platform.api_calls(repository);
            report.timings.total = started.elapsed().as_secs_f64();
            return report;
        }
    };
    report.timings.clone = Some(started.elapsed().as_secs_f64());
    run.go(http, datasources, &mut report);
    report.api_calls = platform.api_calls(repository);
    report.timings.total = started.elapsed().as_secs_f64();
    report
}

fn git_credential(credentials: upkeep_platform::GitCredentials) -> GitCredential {
    GitCredential::new(credentials.url, credentials.username, credentials.token)
}

fn scratch_dir(options: &PlatformRunOptions) -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("upkeep-repo-");
    match &options.scratch_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            builder.tempdir_in(dir)
        }
        None => builder.tempdir(),
    }
}

/// One repository's run: the platform, the clone and what was learnt so far.
struct Run<'a, P: Platform> {
    platform: &'a P,
    repository: &'a str,
    options: &'a PlatformRunOptions,
    runtime: &'a tokio::runtime::Handle,
    info: RepoInfo,
    git: Git,
    workdir: WorkDir,
    /// upkeep branches already fetched into the clone (one fetch for all of them).
    prefetched: BTreeSet<String>,
}

impl<'a, P: Platform> Run<'a, P> {
    /// The repository's description, credentials and clone; `None` (and the reason in
    /// the report) when the repository is skipped or unreachable.
    fn start(
        platform: &'a P,
        repository: &'a str,
        options: &'a PlatformRunOptions,
        runtime: &'a tokio::runtime::Handle,
        scratch: &std::path::Path,
        report: &mut PlatformRunReport,
    ) -> Option<Run<'a, P>> {
        let info = match runtime.block_on(platform.get_repo(repository)) {
            Ok(info) => info,
            Err(error) => {
                report.fail(error.to_string());
                return None;
            }
        };
        report.base_branch = info.default_branch.clone();
        if info.archived || info.disabled {
            let why = if info.archived {
                "archived"
            } else {
                "disabled"
            };
            report.skipped = Some(format!("the repository is {why}"));
            return None;
        }
        let credential = match runtime.block_on(platform.git_credentials(repository)) {
            Ok(credentials) => git_credential(credentials),
            Err(error) => {
                report.fail(format!("no git credential: {error}"));
                return None;
            }
        };
        let git = Git::new(options.git_author.clone())
            .with_timeout(options.tools.timeout)
            .allow_local_remotes(options.allow_local_remotes)
            .with_credential(credential);
        // The prefix is known once the config is read; until then nothing is written.
        let workdir = match WorkDir::clone_base(
            &git,
            &info.clone_url,
            &info.default_branch,
            &scratch.join("clone"),
            "upkeep/",
        ) {
            Ok(workdir) => workdir,
            Err(error) => {
                report.fail(format!("cannot clone: {error}"));
                return None;
            }
        };
        report.base_commit = workdir.base_head().to_owned();
        Some(Run {
            platform,
            repository,
            options,
            runtime,
            info,
            git,
            workdir,
            prefetched: BTreeSet::new(),
        })
    }

    fn writes(&self) -> bool {
        self.options.dry_run.is_none()
    }

    fn go(
        &mut self,
        http: Arc<HttpClient>,
        datasources: &Datasources,
        report: &mut PlatformRunReport,
    ) {
        let require = self.options.onboarding.require_config;
        let config_started = Instant::now();
        let loaded = self.load_config(require != upkeep_config::global::RequireConfig::Ignored);
        report.timings.config = Some(config_started.elapsed().as_secs_f64());
        report.config_diagnostics = loaded.diagnostics.clone();
        if self.info.fork
            && let Err(reason) = crate::publish::forks::fork_decision(
                loaded.config.fork_processing,
                self.options.autodiscovered,
                loaded.file.is_some(),
            )
        {
            report.skipped = Some(reason);
            return;
        }
        if loaded.file.is_none() {
            let prs = match self.list_prs(&self.options.onboarding.branch) {
                Ok(prs) => prs,
                Err(error) => {
                    report.fail(error);
                    return;
                }
            };
            match decide_onboarding(&self.options.onboarding, &prs) {
                OnboardingDecision::Skip(reason) => {
                    report.skipped = Some(reason);
                    return;
                }
                OnboardingDecision::Onboard => {
                    self.onboard(&prs, http, datasources, report);
                    return;
                }
                OnboardingDecision::RunWithDefaults => {}
            }
        }
        if loaded.has_errors() {
            report.fail("the repository's config has errors: nothing was looked up or written");
            return;
        }
        let LoadedConfig { config, .. } = loaded;
        if !config.enabled {
            report.skipped = Some("the repository's config sets `enabled: false`".into());
            return;
        }
        let prefix = crate::branch_commit::repository_settings(&config).branch_prefix;
        self.workdir.set_branch_prefix(&prefix);
        let prs = match self.list_prs(&prefix) {
            Ok(prs) => prs,
            Err(error) => {
                report.errors.push(error);
                return;
            }
        };
        let issues = match self
            .runtime
            .block_on(self.platform.list_own_issues(self.repository))
        {
            Ok(issues) => issues,
            Err(error) => {
                report
                    .errors
                    .push(format!("cannot list upkeep's issues: {error}"));
                return;
            }
        };
        let dashboard = issues
            .into_iter()
            .find(|issue| issue.open && issue.title == config.dependency_dashboard_title);
        let requests = dashboard
            .as_ref()
            .map(|issue| read_requests(&issue.body))
            .unwrap_or_default();
        self.close_onboarding_pr(&prs, report);
        if self.stop_requested(report) {
            return;
        }
        let Some(lookup) = self.lookup(&config, http, datasources, report) else {
            return;
        };
        self.refresh_git_credential();
        let listing_started = Instant::now();
        let remote = match self.workdir.list_remote_branches() {
            Ok(remote) => remote,
            Err(error) => {
                report
                    .errors
                    .push(format!("cannot list upkeep's branches: {error}"));
                return;
            }
        };
        // `git ls-remote` is git traffic like the clone: counted with it.
        let listing = listing_started.elapsed().as_secs_f64();
        report.timings.clone = Some(report.timings.clone.unwrap_or(0.0) + listing);
        let plan_started = Instant::now();
        let config = Arc::new(config);
        let mut plan = self.plan(&config, &lookup, &prs, &remote, &requests);
        report.timings.plan = Some(plan_started.elapsed().as_secs_f64());
        report.warnings.append(&mut plan.warnings);
        report.lookup = lookup;
        if self.options.dry_run.is_some_and(|d| d != DryRun::Full) {
            report.branches = plan
                .branches
                .into_iter()
                .map(|b| {
                    let action = branch::held_action(b.state);
                    PublishedBranch::new(b, action)
                })
                .collect();
            return;
        }
        self.prefetch(&plan.branches, &remote);
        let publish_started = Instant::now();
        let mut apply_time = Duration::ZERO;
        let mut published: Vec<PublishedBranch> = Vec::with_capacity(plan.branches.len());
        let mut stopped = false;
        for planned in &plan.branches {
            if self.options.stop.as_ref().is_some_and(|stop| stop()) {
                stopped = true;
                break;
            }
            // Lookups and lock file tools take time: git gets the token of now.
            if planned.state == BranchState::Ready {
                self.refresh_git_credential();
            }
            let publisher = branch::Publisher {
                run: self,
                config: &config,
                prs: &prs,
                remote: &remote,
                requests: &requests,
                lookup: &report.lookup,
                apply_time: std::cell::Cell::new(Duration::ZERO),
            };
            let mut outcome = publisher.publish(planned.clone());
            if !self.writes() {
                outcome.action = outcome.action.in_dry_run();
            }
            published.push(outcome);
            apply_time += publisher.apply_time.get();
        }
        report.branches = published;
        if stopped {
            report.interrupted = true;
        } else {
            let planned: BTreeSet<&str> = plan
                .branches
                .iter()
                .map(|b| b.branch_name.as_str())
                .collect();
            self.prune(&prs, &remote, &planned, report);
            self.write_dashboard(&config, dashboard, report);
        }
        report.timings.apply = Some(apply_time.as_secs_f64());
        report.timings.publish = Some(
            publish_started
                .elapsed()
                .saturating_sub(apply_time)
                .as_secs_f64(),
        );
    }

    /// Whether the run was asked to stop; marks the report when it was.
    fn stop_requested(&self, report: &mut PlatformRunReport) -> bool {
        let stop = self.options.stop.as_ref().is_some_and(|stop| stop());
        report.interrupted |= stop;
        stop
    }

    /// Fetches every ready branch that exists on the remote in one go: each one's head
    /// is read to recognise an unchanged branch, and one fetch per branch would cost a
    /// round trip each. When the batch fails (a branch deleted meanwhile), each branch
    /// is fetched on its own as it is built.
    fn prefetch(&mut self, branches: &[upkeep_types::Branch], remote: &[upkeep_git::RemoteRef]) {
        let names: Vec<&str> = branches
            .iter()
            .filter(|b| b.state == BranchState::Ready)
            .map(|b| b.branch_name.as_str())
            .filter(|name| remote.iter().any(|r| r.name == *name))
            .collect();
        if names.is_empty() {
            return;
        }
        self.refresh_git_credential();
        if self.workdir.fetch_branches(&names).is_ok() {
            self.prefetched = names.into_iter().map(str::to_owned).collect();
        }
    }

    /// Gives git the platform's current credential: an installation token lives an
    /// hour, and the platform replaces it before (or once after) it expires — the one
    /// git got at the clone would fail a later push. Free unless a token is minted.
    fn refresh_git_credential(&mut self) {
        match self
            .runtime
            .block_on(self.platform.git_credentials(self.repository))
        {
            Ok(credentials) => {
                let credential = git_credential(credentials);
                self.git = self.git.clone().with_credential(credential.clone());
                self.workdir.set_credential(credential);
            }
            // git keeps the credential it has; if that one expired, the next git
            // command fails and names itself on its branch
            Err(error) => tracing::warn!(
                repository = self.repository,
                %error,
                "cannot refresh the git credential; git keeps the previous one"
            ),
        }
    }

    /// The repository's config; repository presets are fetched through the platform.
    fn load_config(&self, read_repository_file: bool) -> LoadedConfig {
        let defaults = self.options.repository_defaults.as_ref();
        let dir = self.workdir.path().to_path_buf();
        self.runtime
            .block_on(PlatformPresets::resolve(self.platform, |presets| {
                let load_options = LoadOptions {
                    resolver: presets,
                    defaults,
                };
                if read_repository_file {
                    load_repository_config(&dir, &load_options)
                } else {
                    load_defaults(&load_options)
                }
            }))
    }

    fn list_prs(&self, prefix: &str) -> Result<Vec<PullRequest>, String> {
        self.runtime
            .block_on(self.platform.list_pull_requests(self.repository, prefix))
            .map_err(|error| format!("cannot list pull requests: {error}"))
    }

    /// Extract and lookup on the clone; `None` when the files cannot be listed.
    fn lookup(
        &self,
        config: &RepositoryConfig,
        http: Arc<HttpClient>,
        datasources: &Datasources,
        report: &mut PlatformRunReport,
    ) -> Option<LookupReport> {
        let root = self.workdir.path();
        let extract_started = Instant::now();
        let (files, paths) = match crate::repository_files(root) {
            Ok(found) => found,
            Err(error) => {
                report.errors.push(error.to_string());
                return None;
            }
        };
        let extract = upkeep_manager::extract_files(&files, &paths);
        report.timings.extract = Some(extract_started.elapsed().as_secs_f64());
        let lookup_started = Instant::now();
        if self.options.dry_run == Some(DryRun::Extract) {
            report.lookup = crate::run::unlooked(extract);
            return None;
        }
        let (registries, problems) = read_registry_config(root, false);
        report.warnings.extend(problems);
        let context = Arc::new(LookupContext { http, registries });
        let lookup_options = LookupOptions {
            settings_for: Some(settings_for(Arc::new(config.clone()))),
            concurrency: self.options.concurrency.max(1),
            now: self.options.now,
            vulnerabilities: self.options.vulnerabilities.clone(),
            // lock files are read again for vulnerable transitive packages
            files: Some(Arc::new(crate::DiskFiles::new(root))),
            ..LookupOptions::default()
        };
        let mut lookup = self.runtime.block_on(crate::lookup::lookup_repository(
            extract,
            context,
            datasources,
            &lookup_options,
        ));
        apply_update_rules(&mut lookup, config);
        report.timings.lookup = Some(lookup_started.elapsed().as_secs_f64());
        Some(lookup)
    }

    /// Plans with the platform's state: existing branches, open PRs, PRs created this
    /// hour, dashboard approvals; then the dashboard's force-create requests.
    fn plan(
        &self,
        config: &RepositoryConfig,
        lookup: &LookupReport,
        prs: &[PullRequest],
        remote: &[upkeep_git::RemoteRef],
        requests: &DashboardRequests,
    ) -> crate::plan::Plan {
        let state = RepositoryState {
            branches: remote
                .iter()
                .map(|b| ExistingBranch {
                    branch_name: b.name.clone(),
                    pr_open: prs
                        .iter()
                        .any(|pr| pr.state == PrState::Open && pr.branch_name == b.name),
                })
                .collect(),
            pr_created_at: prs.iter().map(|pr| pr.created_at).collect(),
            approved: requests.branches(Action::Approve),
            semantic_commits_detected: semantic_commits_detected(
                &self.git,
                self.workdir.path(),
                self.workdir.base_head(),
            ),
        };
        let mut plan = plan_branches(
            candidates(config, lookup),
            &PlanContext {
                now: self.options.now,
                time_zone: config.time_zone().clone(),
                repository: state,
            },
        );
        for branch in &mut plan.branches {
            let held = matches!(
                branch.state,
                BranchState::RateLimited | BranchState::NotScheduled
            );
            if held && requests.has(Action::Create, &branch.branch_name) {
                branch.state = BranchState::Ready;
                branch.reason = Some("created from the Dependency Dashboard".into());
            }
        }
        plan
    }

    /// Whether commits go through the platform's API.
    fn platform_commit(&self, config: &RepositoryConfig) -> bool {
        match config.platform_commit {
            PlatformCommit::Enabled => true,
            PlatformCommit::Disabled => false,
            PlatformCommit::Auto => self.info.installation_id.is_some(),
        }
    }

    /// An open onboarding PR in a repository that has a config now is closed.
    fn close_onboarding_pr(&self, prs: &[PullRequest], report: &mut PlatformRunReport) {
        let onboarding = &self.options.onboarding.branch;
        let Some(pr) = prs
            .iter()
            .find(|pr| pr.state == PrState::Open && &pr.branch_name == onboarding)
        else {
            return;
        };
        if self.writes() {
            self.close_pr(
                pr,
                "### upkeep closed this PR\n\nThe repository has a config now.",
                report,
            );
        }
    }

    /// Comments, closes a PR and deletes its branch; failures go to the report.
    fn close_pr(&self, pr: &PullRequest, comment: &str, report: &mut PlatformRunReport) {
        let repo = self.repository;
        let result = self.runtime.block_on(async {
            self.platform.add_comment(repo, pr.number, comment).await?;
            let close = PrUpdate {
                state: Some(PrState::Closed),
                ..PrUpdate::default()
            };
            self.platform
                .update_pull_request(repo, pr.number, &close)
                .await?;
            self.platform.delete_branch(repo, &pr.branch_name).await
        });
        match result {
            Ok(()) => {
                report.closed_prs.push(pr.number);
                report.deleted_branches.push(pr.branch_name.clone());
            }
            Err(error) => report
                .errors
                .push(format!("cannot close PR #{}: {error}", pr.number)),
        }
    }

    /// Closes obsolete PRs and deletes branches nothing needs — only after a complete
    /// lookup: a registry that failed would otherwise look like removed dependencies.
    fn prune(
        &self,
        prs: &[PullRequest],
        remote: &[upkeep_git::RemoteRef],
        planned: &BTreeSet<&str>,
        report: &mut PlatformRunReport,
    ) {
        if !self.writes() {
            return;
        }
        let onboarding = self.options.onboarding.branch.as_str();
        let stale = obsolete_prs(prs, planned, onboarding);
        let names: Vec<String> = remote.iter().map(|r| r.name.clone()).collect();
        let handled: BTreeSet<String> = report.deleted_branches.iter().cloned().collect();
        let branches: Vec<&str> = obsolete_branches(&names, planned, prs, onboarding)
            .into_iter()
            .filter(|name| !handled.contains(*name))
            .collect();
        if stale.is_empty() && branches.is_empty() {
            return;
        }
        if !report.lookup.is_complete() {
            report.warnings.push(format!(
                "{} obsolete PRs and {} branches are kept: the lookup was incomplete this run",
                stale.len(),
                branches.len()
            ));
            return;
        }
        for pr in stale {
            self.close_pr(pr, OBSOLETE_COMMENT, report);
        }
        for name in branches {
            match self
                .runtime
                .block_on(self.platform.delete_branch(self.repository, name))
            {
                Ok(()) => report.deleted_branches.push(name.to_owned()),
                Err(error) => report
                    .errors
                    .push(format!("cannot delete branch `{name}`: {error}")),
            }
        }
    }

    /// Writes the dashboard only when its text changed; closes it when it is turned off.
    fn write_dashboard(
        &self,
        config: &RepositoryConfig,
        existing: Option<Issue>,
        report: &mut PlatformRunReport,
    ) {
        let repo = self.repository;
        let title = config.dependency_dashboard_title.as_str();
        if !config.dependency_dashboard {
            if let Some(issue) = existing {
                let closed = self.writes()
                    && self
                        .runtime
                        .block_on(self.platform.update_issue(
                            repo,
                            issue.number,
                            None,
                            None,
                            Some(false),
                        ))
                        .map_err(|e| {
                            report
                                .errors
                                .push(format!("cannot close the dashboard: {e}"))
                        })
                        .is_ok();
                if closed {
                    report.dashboard = Some(DashboardAction::Closed(issue.number));
                }
            }
            return;
        }
        let input = dashboard_input(
            config.dependency_dashboard_header.clone(),
            config.dependency_dashboard_footer.clone(),
            &report.branches,
            &report.lookup,
            &report.config_diagnostics,
            &report.warnings,
        );
        let body = render_dashboard(title, &input);
        let result = match existing {
            Some(issue) if compare(&issue.title, &issue.body, title, &body).unchanged => {
                Ok(DashboardAction::Unchanged(issue.number))
            }
            Some(issue) if self.writes() => self
                .runtime
                .block_on(self.platform.update_issue(
                    repo,
                    issue.number,
                    Some(title),
                    Some(&body),
                    None,
                ))
                .map(|()| DashboardAction::Updated(issue.number)),
            None if self.writes() => self
                .runtime
                .block_on(self.platform.create_issue(repo, title, &body, &[]))
                .map(|issue| DashboardAction::Created(issue.number)),
            _ => return,
        };
        match result {
            Ok(action) => report.dashboard = Some(action),
            Err(error) => report
                .errors
                .push(format!("cannot write the Dependency Dashboard: {error}")),
        }
    }
}
