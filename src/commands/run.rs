//! `upkeep run --platform local [PATH]`: the whole pipeline on a checkout — config,
//! extract, lookup, plan, apply — ending in upkeep's branches in the checkout's own
//! repository (never its working tree, index or current branch).
//!
//! The bot's global options come from `--config FILE` (JSON or JSON5), then `UPKEEP_*`
//! environment variables, then these flags, through [`GlobalConfig::load`]: `platform`,
//! `dryRun`, `gitAuthor`, `baseDir`, `cacheDir`, and repository defaults such as
//! `branchPrefix` (beneath the repository's own config).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use upkeep_config::global::{DryRun, Platform};
use upkeep_config::{Diagnostic, GlobalConfig, GlobalSources, Severity, format_diagnostics};
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
    /// The checkout (default: the current directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where the branches go: `local` (branches in the checkout's repository).
    #[arg(long, value_parser = ["local", "github"])]
    platform: Option<String>,
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
    /// Packages looked up at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
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
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the config file `{}`", path.display()))?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    let sources = GlobalSources {
        file,
        env: std::env::vars().collect(),
        flags: args.global_flags(),
    };
    let (config, diagnostics) = GlobalConfig::load(&sources);
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if !warnings.is_empty() {
        eprint!("{}", format_diagnostics(&warnings));
    }
    if !errors.is_empty() {
        bail!(
            "the bot's config has errors:\n{}",
            format_diagnostics(&errors)
        );
    }
    Ok(config)
}

/// Runs the command; exits with [`EXIT_PARTIAL`] when files, lookups, the repository
/// config or a branch had errors.
pub fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let span = upkeep_log::repository_span(&args.path.display().to_string(), None);
    let _entered = span.enter();
    let global = global_config(args)?;
    if global.platform != Platform::Local {
        bail!("`run` supports only `--platform local` for now");
    }
    let author_text = global.git_author.as_deref().unwrap_or(DEFAULT_GIT_AUTHOR);
    let git_author = GitAuthor::parse(author_text)
        .with_context(|| format!("`gitAuthor` is not usable: `{author_text}`"))?;
    let bar = Arc::new(Bar::new(common::show_progress(args.json)));
    let cache = common::CacheChoice {
        directory: global.cache_dir.clone(),
        redis_url: match &global.redis_url {
            Some(text) => {
                common::CacheChoice::parse(text)
                    .context("`redisUrl`")?
                    .redis_url
            }
            None => None,
        },
        ttls: args.cache.cache_ttl_override.clone().unwrap_or_default(),
    };
    let http = common::http_client(common::http_options(args.timeout, cache))?;
    let options = LocalRunOptions {
        base_branch: args.base_branch.clone(),
        git_author,
        dry_run: global.dry_run,
        scratch_dir: global.base_dir.clone(),
        repository_defaults: Some(global.repository_defaults.clone()),
        concurrency: usize::from(args.concurrency),
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
        &args.path,
        &options,
        http,
        &Datasources::builtin(),
        runtime.handle(),
    )
    .with_context(|| format!("cannot run on `{}`", args.path.display()))?;
    bar.0.finish_and_clear();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if !report.config_diagnostics.is_empty() {
            eprint!("{}", format_diagnostics(&report.config_diagnostics));
        }
        write_report(&mut out, &report, options.now)?;
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
    let mut widths = [0usize; 3];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
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
