//! `--platform local`: one checkout through the whole pipeline — config, extract,
//! lookup, plan, apply — ending in upkeep's branches inside the checkout's own
//! repository, the way the GitHub platform will end in pull requests.
//!
//! ```text
//! base commit (HEAD or --base-branch) ─► export its tree to a scratch dir
//!   ─► config (renovate.json of that commit) ─► extract ─► lookup (.npmrc and
//!   .cargo/config.toml of that commit) ─► plan (existing upkeep branches as state)
//!   ─► per ready branch: export base ─► apply ─► commit ─► decide ─► update-ref
//! ```
//!
//! Decisions, each one a Renovate user's expectation on a laptop:
//!
//! - **The base is a commit, never the working tree.** upkeep works on what is
//!   committed on the base branch (the checked-out branch's head, or `--base-branch`);
//!   uncommitted edits are not the repository's state and would make branches that the
//!   user cannot reproduce. Everything is read from an exported copy of that commit, and
//!   [`LocalRepo`] writes branches with plumbing against a temporary index, so the
//!   working tree, the index and `HEAD` are never touched.
//! - **Repository state.** The existing branches under the prefix are the state planning
//!   sees (names, and so `branchConcurrentLimit`). There are no pull requests locally:
//!   open PRs and PRs created this hour are 0 and `prHourlyLimit` and
//!   `prConcurrentLimit` are switched off ([`without_pull_request_limits`]);
//!   `branchConcurrentLimit` (unset: `prConcurrentLimit`, as in Renovate) holds new
//!   branches back. Nothing is approved on a dashboard. `semanticCommits: auto` looks
//!   at the base's last 20 commit subjects.
//! - **Author.** Commits are made as `gitAuthor`, by default
//!   [`DEFAULT_GIT_AUTHOR`]; a commit on an upkeep branch by anyone else (and not in
//!   `ignored_authors`) marks it as modified and it is never overwritten.
//! - **Existing branches.** `analyze_branch` + `content_matches` + [`decide`]: a branch
//!   whose content would not change is not touched (a second run makes no commits that
//!   any branch points at), one that is behind or conflicted is rebuilt per
//!   `rebaseWhen` (`auto`: when conflicted, or behind for an automerging branch).
//! - **Obsolete branches** (under the prefix, not in the plan) are listed, not deleted:
//!   deleting is the publishing platform's business (it closes the PR first).
//! - **Failures stay on their branch.** An artifact (lock file) error is recorded on
//!   the branch, which is still committed with its manifest edits, as Renovate pushes
//!   it with an artifact-error comment; a git failure on one branch is that branch's
//!   `error`; the other branches go ahead.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;
use upkeep_config::global::DryRun;
use upkeep_config::{Diagnostic, LoadOptions, LoadedConfig, RepositoryConfig, Settings};
use upkeep_datasource::{LookupContext, read_registry_config};
pub use upkeep_git::GitAuthor;
use upkeep_git::{BranchDecision, CommitOutcome, Git, GitError, Lease, LocalRepo, decide};
use upkeep_http::HttpClient;
use upkeep_manager::ExtractReport;
use upkeep_types::{Branch, BranchState, LookedUpDependency};
use upkeep_vuln::VulnerabilitySource;

use crate::apply::{ApplyResult, ArtifactError, Tools, UpdateFailure, apply_branch};
use crate::branch_commit::{
    commit_message, fingerprint, is_built_for, rebase_policy, repository_settings,
    semantic_commits_detected, with_fingerprint,
};
use crate::config::{apply_update_rules, load_repository_config, lookup_settings_for};
use crate::lookup::{
    Datasources, LookedUpPackageFile, LookupOptions, LookupProgress, LookupReport, SettingsFor,
};
use crate::plan::{
    ExistingBranch, Plan, PlanContext, RepositoryState, plan_branches, resolve_candidate,
};

/// The identity of upkeep's commits when `gitAuthor` is not configured.
pub const DEFAULT_GIT_AUTHOR: &str = "upkeep <upkeep@localhost>";

/// What stops a local run (everything else is recorded in the report).
#[derive(Debug, Error)]
pub enum RunError {
    /// git failed on the repository as a whole (not a git repository, no such base).
    #[error(transparent)]
    Git(#[from] GitError),
    /// The base branch does not resolve to a commit.
    #[error("the base branch `{0}` does not exist in this repository")]
    NoBase(String),
    /// A scratch directory could not be made.
    #[error("cannot create a scratch directory: {0}")]
    Scratch(std::io::Error),
}

/// How a local run goes.
#[derive(Clone)]
pub struct LocalRunOptions {
    /// The base branch (any revision); `None`: the checked-out branch (`HEAD`).
    pub base_branch: Option<String>,
    /// Who upkeep's commits are by (`gitAuthor`).
    pub git_author: GitAuthor,
    /// Other authors whose commits do not count as modifications (`gitIgnoredAuthors`).
    pub ignored_authors: Vec<String>,
    /// Where the run stops; `None`: branches are written.
    pub dry_run: Option<DryRun>,
    /// The instant the run plans for (schedules, `minimumReleaseAge`).
    pub now: Timestamp,
    /// Lock file tools.
    pub tools: Tools,
    /// Where scratch directories go (`baseDir`); `None`: the system's temp directory.
    pub scratch_dir: Option<PathBuf>,
    /// Repository options from the bot's config, beneath the repository's file.
    pub repository_defaults: Option<Map<String, Value>>,
    /// Packages looked up at once.
    pub concurrency: usize,
    /// Lookup progress.
    pub progress: Option<Arc<dyn LookupProgress>>,
    /// Where vulnerability data comes from (offline database, OSV API), when anywhere.
    pub vulnerabilities: Option<Arc<dyn VulnerabilitySource>>,
}

impl LocalRunOptions {
    /// Defaults: `HEAD`, [`DEFAULT_GIT_AUTHOR`], no dry run, now, tools on `PATH`.
    pub fn new() -> LocalRunOptions {
        LocalRunOptions {
            base_branch: None,
            git_author: GitAuthor::parse(DEFAULT_GIT_AUTHOR).expect("the default author parses"),
            ignored_authors: Vec::new(),
            dry_run: None,
            now: Timestamp::now(),
            tools: Tools::from_path(),
            scratch_dir: None,
            repository_defaults: None,
            concurrency: 16,
            progress: None,
            vulnerabilities: None,
        }
    }
}

impl Default for LocalRunOptions {
    fn default() -> Self {
        LocalRunOptions::new()
    }
}

/// What happened to one branch in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchAction {
    /// The branch was created.
    Created,
    /// Its content changed: it now points at a new commit on the base.
    Updated,
    /// It was behind or conflicted and was rebuilt on the base.
    Rebuilt,
    /// It already had this content: not touched.
    Unchanged,
    /// Someone else committed to it: left as it is.
    KeptModified,
    /// Its content differs but `rebaseWhen: never` keeps it.
    KeptByPolicy,
    /// Applying its updates changed no file: nothing to commit (see its errors).
    NoChanges,
    /// git failed on this branch (see `error`).
    Failed,
    /// `--dry-run=lookup`: planned, not applied.
    Planned,
    /// `--dry-run=full`: would be created.
    WouldCreate,
    /// `--dry-run=full`: would be updated.
    WouldUpdate,
    /// `--dry-run=full`: would be rebuilt.
    WouldRebuild,
    /// Outside its schedule.
    NotScheduled,
    /// Held back by a limit.
    RateLimited,
    /// Every member is younger than `minimumReleaseAge`.
    PendingReleaseAge,
    /// Waits for dashboard approval.
    AwaitingApproval,
    /// Cannot be applied.
    NotApplicable,
}

impl BranchAction {
    /// The id in reports (`kept-modified`).
    pub fn as_str(self) -> &'static str {
        match self {
            BranchAction::Created => "created",
            BranchAction::Updated => "updated",
            BranchAction::Rebuilt => "rebuilt",
            BranchAction::Unchanged => "unchanged",
            BranchAction::KeptModified => "kept-modified",
            BranchAction::KeptByPolicy => "kept-by-policy",
            BranchAction::NoChanges => "no-changes",
            BranchAction::Failed => "failed",
            BranchAction::Planned => "planned",
            BranchAction::WouldCreate => "would-create",
            BranchAction::WouldUpdate => "would-update",
            BranchAction::WouldRebuild => "would-rebuild",
            BranchAction::NotScheduled => "not-scheduled",
            BranchAction::RateLimited => "rate-limited",
            BranchAction::PendingReleaseAge => "pending-release-age",
            BranchAction::AwaitingApproval => "awaiting-approval",
            BranchAction::NotApplicable => "not-applicable",
        }
    }

    /// What a dry run reports for this action: `created` becomes `would-create`, and
    /// so on; the others are already true of a run that writes nothing.
    pub fn in_dry_run(self) -> BranchAction {
        match self {
            BranchAction::Created => BranchAction::WouldCreate,
            BranchAction::Updated => BranchAction::WouldUpdate,
            BranchAction::Rebuilt => BranchAction::WouldRebuild,
            other => other,
        }
    }

    fn held(state: BranchState) -> BranchAction {
        match state {
            BranchState::Ready => BranchAction::Planned,
            BranchState::NotScheduled => BranchAction::NotScheduled,
            BranchState::RateLimited => BranchAction::RateLimited,
            BranchState::PendingReleaseAge => BranchAction::PendingReleaseAge,
            BranchState::AwaitingApproval => BranchAction::AwaitingApproval,
            BranchState::NotApplicable => BranchAction::NotApplicable,
        }
    }
}

/// One planned branch and what the run did with it (the report's `branches`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchReport {
    /// The planned branch: name, group, updates, state, schedule, limits, messages.
    #[serde(flatten)]
    pub branch: Branch,
    /// What happened.
    pub action: BranchAction,
    /// The commit the branch points at after the run (or would, in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Files the branch changes relative to the base.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_files: Vec<String>,
    /// Lock files that could not be refreshed (the branch still carries the manifest edits).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifact_errors: Vec<ArtifactError>,
    /// Updates that could not be applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub update_errors: Vec<UpdateFailure>,
    /// Who else committed to the branch, when it was kept for that reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modified_by: Vec<String>,
    /// What failed, when `action` is `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl BranchReport {
    fn new(branch: Branch, action: BranchAction) -> BranchReport {
        BranchReport {
            branch,
            action,
            commit: None,
            changed_files: Vec::new(),
            artifact_errors: Vec::new(),
            update_errors: Vec::new(),
            modified_by: Vec::new(),
            error: None,
        }
    }
}

/// An upkeep branch that no planned branch uses any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObsoleteBranch {
    /// Its name.
    pub branch_name: String,
    /// Its head.
    pub head: String,
}

/// Everything a local run found and did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalRunReport {
    /// The checkout.
    pub repository: String,
    /// The base branch as given (or the checked-out branch; `HEAD` when detached).
    pub base_branch: String,
    /// The base commit everything was read from.
    pub base_commit: String,
    /// The stage the run stopped after, if it was a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRun>,
    /// Package files with their dependencies (and, after lookup, their updates), plus
    /// the extraction and lookup failures.
    #[serde(flatten)]
    pub lookup: LookupReport,
    /// Problems with the repository's config.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_diagnostics: Vec<Diagnostic>,
    /// Every planned branch, in processing order, with what happened to it.
    pub branches: Vec<BranchReport>,
    /// upkeep branches that the plan no longer has (listed, not deleted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub obsolete_branches: Vec<ObsoleteBranch>,
    /// Planning warnings and registry configuration problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl LocalRunReport {
    /// Whether everything went through: files extracted, packages looked up, config
    /// valid, every branch applied cleanly.
    pub fn is_complete(&self) -> bool {
        self.lookup.is_complete()
            && !self.config_diagnostics.iter().any(Diagnostic::is_error)
            && self.branches.iter().all(|b| {
                b.action != BranchAction::Failed
                    && b.artifact_errors.is_empty()
                    && b.update_errors.is_empty()
            })
    }
}

/// Runs the pipeline on the checkout at `path`. Lookups go through `http` with the
/// datasources given; `runtime` drives them (everything else is synchronous).
pub fn run_local(
    path: &Path,
    options: &LocalRunOptions,
    http: Arc<HttpClient>,
    datasources: &Datasources,
    runtime: &tokio::runtime::Handle,
) -> Result<LocalRunReport, RunError> {
    let git = Git::new(options.git_author.clone()).with_timeout(options.tools.timeout);
    // The prefix is only known once the config is read; `rev-parse` and `export_tree`
    // write nothing, so a provisional handle reads the base.
    LocalRepo::open(&git, path, "upkeep/")?;
    // PATH may be a directory inside the repository (one project of a monorepo): it is
    // the root for config, extraction and lock file tools; commits hold the whole tree.
    let subdirectory = git_text(&git, path, "--show-prefix")?;
    let top = PathBuf::from(git_text(&git, path, "--show-toplevel")?);
    let reader = LocalRepo::open(&git, &top, "upkeep/")?;
    let (base_branch, base_commit) = resolve_base(&reader, options.base_branch.as_deref())?;
    let scratch = scratch_dir(options)?;
    let exported = scratch.path().join("base");
    reader.export_tree(&base_commit, &exported)?;
    let base_files = exported.join(&subdirectory);

    let defaults = options.repository_defaults.as_ref();
    let load_options = LoadOptions {
        defaults,
        ..LoadOptions::default()
    };
    let loaded = load_repository_config(&base_files, &load_options);
    let mut report = LocalRunReport {
        repository: path.display().to_string(),
        base_branch,
        base_commit: base_commit.clone(),
        dry_run: options.dry_run,
        lookup: LookupReport::default(),
        config_diagnostics: loaded.diagnostics.clone(),
        branches: Vec::new(),
        obsolete_branches: Vec::new(),
        warnings: Vec::new(),
    };
    if loaded.has_errors() {
        report
            .warnings
            .push("the repository's config has errors: nothing was looked up or written".into());
        return Ok(report);
    }
    let LoadedConfig { config, .. } = loaded;
    if !config.enabled {
        report
            .warnings
            .push("the repository's config sets `enabled: false`".into());
        return Ok(report);
    }
    let repository_settings = repository_settings(&config);
    let repo = LocalRepo::open(&git, &top, &repository_settings.branch_prefix)?;

    let mut paths: Vec<String> = repo
        .list_files(&base_commit)?
        .into_iter()
        .filter_map(|p| p.strip_prefix(subdirectory.as_str()).map(str::to_owned))
        .collect();
    paths.sort();
    let extract = upkeep_manager::extract_files(&crate::DiskFiles::new(&base_files), &paths);
    if options.dry_run == Some(DryRun::Extract) {
        report.lookup = unlooked(extract);
        return Ok(report);
    }

    let config = Arc::new(config);
    // `${VAR}` in a repository's `.npmrc` is not expanded (Renovate's `exposeAllEnv`).
    let (registries, problems) = read_registry_config(&base_files, false);
    report.warnings.extend(problems);
    let context = Arc::new(LookupContext { http, registries });
    let settings_for = settings_for(Arc::clone(&config));
    let lookup_options = LookupOptions {
        settings_for: Some(settings_for),
        concurrency: options.concurrency.max(1),
        now: options.now,
        vulnerabilities: options.vulnerabilities.clone(),
        files: Some(Arc::new(crate::DiskFiles::new(&base_files))),
        progress: options.progress.clone(),
        ..LookupOptions::default()
    };
    let mut lookup = runtime.block_on(crate::lookup::lookup_repository(
        extract,
        context,
        datasources,
        &lookup_options,
    ));
    apply_update_rules(&mut lookup, &config);

    let existing = repo.list_branches()?;
    let state = RepositoryState {
        branches: existing
            .iter()
            .map(|b| ExistingBranch {
                branch_name: b.name.clone(),
                pr_open: false,
            })
            .collect(),
        semantic_commits_detected: semantic_commits_detected(&git, &top, &base_commit),
        ..RepositoryState::default()
    };
    let mut candidates = candidates(&config, &lookup);
    for candidate in &mut candidates {
        without_pull_request_limits(&mut candidate.settings);
    }
    let plan = plan_branches(
        candidates,
        &PlanContext {
            now: options.now,
            time_zone: config.time_zone().clone(),
            repository: state,
        },
    );
    report.lookup = lookup;
    let Plan { branches, warnings } = plan;
    report.warnings.extend(warnings);
    report.obsolete_branches = existing
        .iter()
        .filter(|e| !branches.iter().any(|b| b.branch_name == e.name))
        .map(|e| ObsoleteBranch {
            branch_name: e.name.clone(),
            head: e.commit.clone(),
        })
        .collect();

    let writer = BranchWriter {
        repo: &repo,
        config: &config,
        base_commit: &base_commit,
        scratch: scratch.path(),
        subdirectory: &subdirectory,
        options,
    };
    for (position, branch) in branches.into_iter().enumerate() {
        let exists = existing.iter().any(|e| e.name == branch.branch_name);
        let outcome = if branch.state != BranchState::Ready {
            let action = BranchAction::held(branch.state);
            BranchReport::new(branch, action)
        } else if options.dry_run == Some(DryRun::Lookup) {
            BranchReport::new(branch, BranchAction::Planned)
        } else {
            writer.write(branch, exists, position)
        };
        report.branches.push(outcome);
    }
    Ok(report)
}

/// Extraction results in the lookup report's shape, without lookups.
pub(crate) fn unlooked(extract: ExtractReport) -> LookupReport {
    LookupReport {
        package_files: extract
            .package_files
            .into_iter()
            .map(|(manager, files)| {
                let files = files
                    .into_iter()
                    .map(|file| LookedUpPackageFile {
                        package_file: file.package_file,
                        lock_files: file.lock_files,
                        deps: file
                            .deps
                            .into_iter()
                            .map(|dependency| LookedUpDependency {
                                dependency,
                                ..LookedUpDependency::default()
                            })
                            .collect(),
                    })
                    .collect();
                (manager, files)
            })
            .collect(),
        errors: extract.errors,
        ..LookupReport::default()
    }
}

/// `git rev-parse OPTION` in `path` (`--show-prefix`: `PATH`'s directory inside its
/// repository, `""` at the top, else ending in `/`; `--show-toplevel`).
fn git_text(git: &Git, path: &Path, option: &str) -> Result<String, GitError> {
    let output = git.output(path, ["rev-parse", option])?;
    if !output.status.success() {
        return Err(GitError::Failed {
            command: format!("rev-parse {option}"),
            repository: path.display().to_string(),
            status: output.status.to_string(),
            stderr: output.stderr.trim().to_owned(),
        });
    }
    Ok(output.text().trim().to_owned())
}

/// The base branch's name and commit.
fn resolve_base(repo: &LocalRepo, base: Option<&str>) -> Result<(String, String), RunError> {
    let name = match base {
        Some(name) => name.to_owned(),
        None => repo.current_branch()?.unwrap_or_else(|| "HEAD".to_owned()),
    };
    let revision = if base.is_some() {
        name.as_str()
    } else {
        "HEAD"
    };
    let commit = repo
        .resolve(revision)?
        .ok_or_else(|| RunError::NoBase(name.clone()))?;
    Ok((name, commit))
}

fn scratch_dir(options: &LocalRunOptions) -> Result<tempfile::TempDir, RunError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("upkeep-run-");
    match &options.scratch_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(RunError::Scratch)?;
            builder.tempdir_in(dir)
        }
        None => builder.tempdir(),
    }
    .map_err(RunError::Scratch)
}

/// Per-dependency lookup settings from the repository's config.
pub fn settings_for(config: Arc<RepositoryConfig>) -> Arc<SettingsFor> {
    Arc::new(
        move |manager: &str, package_file: &str, dep: &upkeep_types::Dependency| {
            lookup_settings_for(&config, manager, package_file, dep)
        },
    )
}

/// One planning candidate per update of every looked-up dependency.
pub fn candidates(config: &RepositoryConfig, lookup: &LookupReport) -> Vec<crate::plan::Candidate> {
    lookup
        .dependencies()
        .flat_map(|(manager, file, dep)| {
            dep.updates.iter().map(move |update| {
                resolve_candidate(config, manager, &file.package_file, dep, update)
            })
        })
        .collect()
}

/// The local platform has no pull requests: `prHourlyLimit` and `prConcurrentLimit`
/// have nothing to count (a branch is not a PR, and a limit that resets on every run
/// would only trickle branches out run by run). `branchConcurrentLimit` still holds —
/// unset, it is `prConcurrentLimit`, as in Renovate.
pub fn without_pull_request_limits(settings: &mut Settings) {
    settings.branch_concurrent_limit = Some(
        settings
            .branch_concurrent_limit
            .unwrap_or(settings.pr_concurrent_limit),
    );
    settings.pr_hourly_limit = 0;
    settings.pr_concurrent_limit = 0;
}

/// Builds and writes one ready branch.
struct BranchWriter<'a> {
    repo: &'a LocalRepo,
    config: &'a RepositoryConfig,
    base_commit: &'a str,
    scratch: &'a Path,
    subdirectory: &'a str,
    options: &'a LocalRunOptions,
}

impl BranchWriter<'_> {
    fn write(&self, branch: Branch, exists: bool, position: usize) -> BranchReport {
        let mut report = BranchReport::new(branch, BranchAction::Failed);
        if let Err(error) = self.try_write(&mut report, exists, position) {
            report.action = BranchAction::Failed;
            report.error = Some(error.to_string());
        }
        report
    }

    fn try_write(
        &self,
        report: &mut BranchReport,
        exists: bool,
        position: usize,
    ) -> Result<(), GitError> {
        let name = report.branch.branch_name.clone();
        let existing = if exists {
            let state =
                self.repo
                    .analyze_branch(&name, self.base_commit, &self.options.ignored_authors)?;
            if state.is_modified() {
                // Never overwritten: no need to build what would not be written.
                report.action = BranchAction::KeptModified;
                report.modified_by = state.modified_by.clone();
                report.commit = Some(state.head);
                return Ok(());
            }
            if self.is_current(&state.head, &report.branch)? {
                // Built by upkeep on this very base for these very updates: nothing to
                // redo (a rerun costs no lock file tool runs).
                report.action = BranchAction::Unchanged;
                report.commit = Some(state.head);
                return Ok(());
            }
            Some(state)
        } else {
            None
        };
        let dir = self.scratch.join(format!("branch-{position}"));
        self.repo.export_tree(self.base_commit, &dir)?;
        let ApplyResult {
            changed_files,
            artifact_errors,
            update_errors,
        } = apply_branch(
            &dir.join(self.subdirectory),
            &report.branch.upgrades,
            &self.options.tools,
        );
        report.changed_files = changed_files;
        report.artifact_errors = artifact_errors;
        report.update_errors = update_errors;
        let mut message = commit_message(&report.branch.commit_message);
        message.body = Some(with_fingerprint(
            message.body.as_deref().unwrap_or(""),
            &fingerprint(&report.branch),
        ));
        let outcome = self.repo.commit_directory(self.base_commit, &dir, &message);
        let _ = std::fs::remove_dir_all(&dir);
        let commit = match outcome? {
            CommitOutcome::Committed { commit } => commit,
            CommitOutcome::NothingToCommit => {
                report.action = BranchAction::NoChanges;
                report.commit = existing.map(|state| state.head);
                return Ok(());
            }
        };
        let matches = match &existing {
            Some(state) => self
                .repo
                .content_matches(&commit, self.base_commit, state)?,
            None => false,
        };
        let decision = decide(
            existing.as_ref(),
            matches,
            rebase_policy(self.config, &report.branch),
        );
        let dry = self.options.dry_run.is_some();
        let (action, lease) = match decision {
            BranchDecision::Create => (
                if dry {
                    BranchAction::WouldCreate
                } else {
                    BranchAction::Created
                },
                Some(Lease::Absent),
            ),
            BranchDecision::Update => (
                if dry {
                    BranchAction::WouldUpdate
                } else {
                    BranchAction::Updated
                },
                existing.as_ref().map(|s| Lease::At(s.head.clone())),
            ),
            BranchDecision::Rebuild => (
                if dry {
                    BranchAction::WouldRebuild
                } else {
                    BranchAction::Rebuilt
                },
                existing.as_ref().map(|s| Lease::At(s.head.clone())),
            ),
            BranchDecision::Unchanged => (BranchAction::Unchanged, None),
            BranchDecision::KeepByPolicy => (BranchAction::KeptByPolicy, None),
            BranchDecision::KeepModified { authors } => {
                report.modified_by = authors;
                (BranchAction::KeptModified, None)
            }
        };
        report.action = action;
        match lease {
            Some(lease) => {
                if !dry {
                    self.repo.update_branch(&name, &commit, &lease)?;
                }
                report.commit = Some(commit);
            }
            None => report.commit = existing.map(|state| state.head),
        }
        Ok(())
    }

    /// Whether `head` is upkeep's commit for exactly this branch on the current base: its
    /// only parent is the base and its fingerprint trailer matches the plan.
    fn is_current(&self, head: &str, branch: &Branch) -> Result<bool, GitError> {
        let (parents, message) = self.repo.commit_info(head)?;
        Ok(is_built_for(
            &parents,
            &message,
            self.base_commit,
            &fingerprint(branch),
        ))
    }
}
