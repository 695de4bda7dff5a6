//! `upkeep run --platform local [PATH]`: the whole pipeline on a checkout — config,
//! extract, lookup, plan, apply — ending in upkeep's branches in the checkout's own
//! repository (never its working tree, index or current branch).
//! `upkeep run --platform github [REPOSITORIES…]`: a fleet on GitHub (see [`super::fleet`]).
//!
//! The bot's global options come from `--config FILE` (JSON or JSON5), then `UPKEEP_*`
//! environment variables, then these flags, through [`GlobalConfig::load`]: `platform`,
//! `endpoint`, `token`, `githubAppId`, `githubAppKey`, `autodiscover`,
//! `autodiscoverFilter`, `dryRun`, `gitAuthor`, `baseDir`, `cacheDir`, and repository
//! defaults such as `branchPrefix` (beneath the repository's own config).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;
use upkeep_config::global::{DryRun, Platform};
use upkeep_config::{GlobalConfig, format_diagnostics};
use upkeep_vuln::DEFAULT_OSV_API;
use upkeep_worker::lookup::Datasources;
use upkeep_worker::run::{
    BranchAction, BranchReport, DEFAULT_GIT_AUTHOR, GitAuthor, LocalRunOptions, LocalRunReport,
    run_local,
};

use super::common::{self, Bar};
use crate::{EXIT_OK, EXIT_PARTIAL};

/// Arguments of `upkeep run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// `--platform local`: the checkout (default: the current directory).
    /// `--platform github`: the repositories (`owner/name`), instead of `repositories`.
    #[arg(value_name = "PATH|REPOSITORY")]
    targets: Vec<String>,
    /// Where the branches go: `local` (branches in the checkout's repository) or
    /// `github` (pull requests, the Dependency Dashboard, onboarding).
    #[arg(long, value_parser = ["local", "github"])]
    platform: Option<String>,
    /// `endpoint`: the GitHub API (default `https://api.github.com`; GitHub Enterprise
    /// Server: `https://HOST/api/v3`).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// `token`: a personal access token (prefer UPKEEP_TOKEN: arguments are visible to
    /// other processes).
    #[arg(long)]
    token: Option<String>,
    /// `githubAppId`: run as this GitHub App, through its installations.
    #[arg(long, value_name = "ID")]
    github_app_id: Option<String>,
    /// The GitHub App's private key (PEM file); or its contents in UPKEEP_GITHUB_APP_KEY.
    #[arg(long, value_name = "FILE")]
    github_app_key_file: Option<PathBuf>,
    /// `autodiscover`: every repository the App's installations (or the token) reach.
    #[arg(long)]
    autodiscover: bool,
    /// `autodiscoverFilter`: discovered repositories to keep (globs, `/regex/`, `!`
    /// negates); repeat the flag for several.
    #[arg(long, value_name = "PATTERN")]
    autodiscover_filter: Vec<String>,
    /// Only this shard of the repositories (`I/N`, from 1), split stably by full name.
    #[arg(long, value_name = "I/N")]
    shard: Option<upkeep_server::fleet::Shard>,
    /// The shard count of a Kubernetes Indexed Job, whose JOB_COMPLETION_INDEX (from 0)
    /// picks the shard.
    #[arg(long, env = "UPKEEP_SHARD_COUNT", value_name = "N")]
    shard_count: Option<u32>,
    /// Push the run's metrics to this Prometheus Pushgateway at the end (grouped by
    /// `job="upkeep"` and, sharded, `shard`).
    #[arg(long, env = "UPKEEP_PUSHGATEWAY", value_name = "URL")]
    pushgateway: Option<String>,
    /// Write the run's metrics (Prometheus text format) to this file at the end.
    #[arg(long, value_name = "PATH")]
    metrics_file: Option<PathBuf>,
    /// Content-creating GitHub requests (PRs, issues, comments) per identity:
    /// `PER_MINUTE/PER_HOUR` (default GitHub's documented 80/500), or `off`.
    #[arg(long, value_name = "M/H|off", value_parser = super::github::parse_content_limit)]
    github_content_limit: Option<(u32, u32)>,
    /// Seconds running repositories get after SIGTERM to reach a branch boundary (keep it
    /// below the pod's terminationGracePeriodSeconds).
    #[arg(long, default_value_t = 25, value_name = "SECONDS")]
    grace_period: u64,
    /// Stop after a stage: `extract`, `lookup` (plan, apply nothing) or `full` (apply
    /// into scratch directories, write no branch); `--dry-run` alone is `full`.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "full",
          value_parser = ["extract", "lookup", "full"])]
    dry_run: Option<String>,
    /// The base branch (default: the checked-out branch). Its committed content is
    /// used; uncommitted changes are not.
    #[arg(long)]
    base_branch: Option<String>,
    /// Print one JSON object (package files with updates, `branches`, …) instead of a table.
    #[arg(long)]
    json: bool,
    /// The bot's config file (JSON or JSON5): global options and repository defaults.
    #[arg(long, env = "UPKEEP_CONFIG_FILE", value_name = "FILE")]
    config: Option<PathBuf>,
    /// `gitAuthor`: who upkeep's commits are by (default `upkeep <upkeep@localhost>`).
    #[arg(long, value_name = "NAME <EMAIL>")]
    git_author: Option<String>,
    /// `branchPrefix` for repositories that do not set one (default `upkeep/`).
    #[arg(long)]
    branch_prefix: Option<String>,
    /// `baseDir`: where scratch directories go (default: the system's temp directory).
    #[arg(long)]
    base_dir: Option<PathBuf>,
    /// `cacheDir`: the HTTP cache (revalidated with ETag/Last-Modified); none by default.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// `--cache URL|DIR` sets `redisUrl` or `cacheDir`.
    #[command(flatten)]
    cache: common::CacheArgs,
    /// `--platform local`: packages looked up at once (default 16). `--platform github`:
    /// repositories processed at once (default 4; each looks up 16 packages at once).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// Seconds allowed for one registry request.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// An offline OSV database (a directory of records or an `all.zip` dump): vulnerable
    /// versions are never proposed, vulnerable current versions get fix branches.
    #[arg(long, env = "UPKEEP_OSV_DB", value_name = "DIR|ZIP")]
    osv_db: Option<PathBuf>,
    /// The OSV API (or a mirror) asked when no offline database is given; `off` uses no
    /// vulnerability data. Unreachable: reported as unavailable, never as "no
    /// vulnerabilities".
    #[arg(long, value_name = "URL|off", env = "UPKEEP_OSV_API", default_value = DEFAULT_OSV_API)]
    osv_api: String,
}

impl RunArgs {
    /// The flags that are global options, as `(flag name, value)`.
    fn global_flags(&self) -> Vec<(String, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        [
            ("platform", self.platform.clone()),
            ("endpoint", self.endpoint.clone()),
            ("token", self.token.clone()),
            ("github-app-id", self.github_app_id.clone()),
            ("github-app-key", path(&self.github_app_key_file)),
            ("autodiscover", self.autodiscover.then(|| "true".to_owned())),
            (
                "autodiscover-filter",
                (!self.autodiscover_filter.is_empty())
                    .then(|| Value::from(self.autodiscover_filter.clone()).to_string()),
            ),
            ("dry-run", self.dry_run.clone()),
            ("git-author", self.git_author.clone()),
            ("branch-prefix", self.branch_prefix.clone()),
            ("base-dir", path(&self.base_dir)),
            ("cache-dir", path(&self.cache_dir)),
            (self.cache_flag(), self.cache.cache.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name.to_owned(), value)))
        .collect()
    }

    /// The global option `--cache` stands for: `redisUrl` for a Redis URL, else `cacheDir`.
    fn cache_flag(&self) -> &'static str {
        match self.cache.cache.as_deref().map(common::CacheChoice::parse) {
            Some(Ok(choice)) if choice.redis_url.is_some() => "redis-url",
            _ => "cache-dir",
        }
    }
}

/// Loads the bot's config; errors stop the run.
fn global_config(args: &RunArgs) -> anyhow::Result<GlobalConfig> {
    common::load_global_config(args.config.as_deref(), args.global_flags())
}

/// Runs the command; exits with [`EXIT_PARTIAL`] when files, lookups, the repository
/// config or a branch had errors.
pub fn run(args: &RunArgs, log: Option<&upkeep_log::LogHandle>) -> anyhow::Result<u8> {
    let global = global_config(args)?;
    if let Some(log) = log {
        common::mask_secrets(log, &global);
    }
    if global.platform == Platform::Github {
        return run_fleet(args, &global);
    }
    let path = match args.targets.as_slice() {
        [] => PathBuf::from("."),
        [path] => PathBuf::from(path),
        _ => bail!(
            "`--platform local` runs on one checkout; {} paths given",
            args.targets.len()
        ),
    };
    let span = upkeep_log::repository_span(&path.display().to_string(), None);
    let _entered = span.enter();
    let author_text = global.git_author.as_deref().unwrap_or(DEFAULT_GIT_AUTHOR);
    let git_author = GitAuthor::parse(author_text)
        .with_context(|| format!("`gitAuthor` is not usable: `{author_text}`"))?;
    let bar = Arc::new(Bar::new(common::show_progress(args.json)));
    let cache = common::cache_choice(&args.cache, &global)?;
    let http = common::http_client(common::http_options(args.timeout, cache))?;
    let options = LocalRunOptions {
        base_branch: args.base_branch.clone(),
        git_author,
        dry_run: global.dry_run,
        scratch_dir: global.base_dir.clone(),
        repository_defaults: Some(global.repository_defaults.clone()),
        concurrency: usize::from(args.concurrency.unwrap_or(16)),
        progress: Some(bar.clone()),
        vulnerabilities: common::vulnerability_source(
            args.osv_db.as_deref(),
            &args.osv_api,
            &http,
        )?,
        ..LocalRunOptions::new()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = run_local(
        &path,
        &options,
        http,
        &Datasources::builtin(),
        runtime.handle(),
    )
    .with_context(|| format!("cannot run on `{}`", path.display()))?;
    write_local(args, &report, options.now, &bar)
}

/// `run --platform github`.
fn run_fleet(args: &RunArgs, global: &GlobalConfig) -> anyhow::Result<u8> {
    let fleet_args = super::fleet::FleetArgs {
        repositories: args.targets.clone(),
        concurrency: args
            .concurrency
            .map_or(super::fleet::DEFAULT_CONCURRENCY, usize::from),
        shard: args.shard,
        shard_count: args.shard_count,
        grace_period: args.grace_period,
        pushgateway: args.pushgateway.as_deref(),
        metrics_file: args.metrics_file.as_deref(),
        json: args.json,
        timeout: args.timeout,
        cache: common::cache_choice(&args.cache, global)?,
        osv_db: args.osv_db.as_deref(),
        osv_api: &args.osv_api,
        content_limit: args.github_content_limit,
    };
    super::fleet::run(global, fleet_args)
}

fn write_local(
    args: &RunArgs,
    report: &LocalRunReport,
    now: jiff::Timestamp,
    bar: &Bar,
) -> anyhow::Result<u8> {
    bar.0.finish_and_clear();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        if !report.config_diagnostics.is_empty() {
            eprint!("{}", format_diagnostics(&report.config_diagnostics));
        }
        write_report(&mut out, report, now)?;
    }
    out.flush()?;
    Ok(if report.is_complete() {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
}

fn write_report(
    out: &mut impl Write,
    report: &LocalRunReport,
    now: jiff::Timestamp,
) -> io::Result<()> {
    let short = &report.base_commit[..report.base_commit.len().min(12)];
    writeln!(out, "base: {} ({short})", report.base_branch)?;
    super::lookup::write_table(out, &report.lookup, now)?;
    if report.dry_run == Some(DryRun::Extract) {
        writeln!(out, "dry run: stopped after extract")?;
        return Ok(());
    }
    writeln!(out)?;
    if report.branches.is_empty() {
        writeln!(out, "no branches")?;
    } else {
        write_branches(out, &report.branches)?;
    }
    for obsolete in &report.obsolete_branches {
        writeln!(
            out,
            "obsolete: {} (no longer needed; not deleted)",
            obsolete.branch_name
        )?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    let mut counts: Vec<(BranchAction, usize)> = Vec::new();
    for branch in &report.branches {
        match counts
            .iter_mut()
            .find(|(action, _)| *action == branch.action)
        {
            Some((_, count)) => *count += 1,
            None => counts.push((branch.action, 1)),
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(action, count)| format!("{count} {}", action.as_str()))
        .collect();
    let dry = match report.dry_run {
        Some(DryRun::Lookup) => " (dry run: nothing applied)",
        Some(DryRun::Full) => " (dry run: no branch written)",
        _ => "",
    };
    writeln!(
        out,
        "{} branches: {}{dry}",
        report.branches.len(),
        if summary.is_empty() {
            "none".to_owned()
        } else {
            summary.join(", ")
        }
    )
}

fn write_branches(out: &mut impl Write, branches: &[BranchReport]) -> io::Result<()> {
    let mut rows = vec![[
        "BRANCH".to_owned(),
        "ACTION".to_owned(),
        "UPDATES".to_owned(),
    ]];
    for branch in branches {
        let updates: Vec<String> = branch
            .branch
            .upgrades
            .iter()
            .map(|u| {
                if u.update.is_lockfile_update {
                    let to = u.update.new_version.as_deref().unwrap_or("?");
                    return format!("{} → {to} (lock file)", u.dependency.dep_name);
                }
                let to = u
                    .update
                    .new_value
                    .as_deref()
                    .or(u.update.new_version.as_deref())
                    .unwrap_or("?");
                format!("{} → {to}", u.dependency.dep_name)
            })
            .collect();
        rows.push([
            branch.branch.branch_name.clone(),
            branch.action.as_str().to_owned(),
            updates.join(", "),
        ]);
    }
    common::write_columns(out, &rows)?;
    // A reason many branches share (a schedule, a limit) is printed once.
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for branch in branches {
        if let Some(reason) = &branch.branch.reason {
            let name = branch.branch.branch_name.as_str();
            match reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, names)) => names.push(name),
                None => reasons.push((reason, vec![name])),
            }
        }
    }
    for (reason, names) in reasons {
        match names.as_slice() {
            [name] => writeln!(out, "  {name}: {reason}")?,
            _ => writeln!(out, "  {} branches: {reason}", names.len())?,
        }
    }
    for branch in branches {
        let name = &branch.branch.branch_name;
        for left in &branch.branch.left_out {
            writeln!(
                out,
                "  {name}: {} left the group ({}): {}",
                left.update.dependency.dep_name, left.state, left.reason
            )?;
        }
        if !branch.modified_by.is_empty() {
            writeln!(
                out,
                "  {name}: modified by {}; not overwritten",
                branch.modified_by.join(", ")
            )?;
        }
        for error in &branch.artifact_errors {
            writeln!(
                out,
                "  {name}: error: {} ({}) not refreshed: {}",
                error.lock_file, error.tool, error.message
            )?;
        }
        for error in &branch.update_errors {
            writeln!(
                out,
                "  {name}: error: {} {}: {}",
                error.package_file, error.dep_name, error.message
            )?;
        }
        if let Some(error) = &branch.error {
            writeln!(out, "  {name}: error: {error}")?;
        }
    }
    Ok(())
}
