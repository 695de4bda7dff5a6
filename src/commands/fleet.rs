//! `upkeep run --platform github [REPOSITORIES…]`: a fleet of repositories on GitHub —
//! the CronJob. Repositories come from the arguments or `repositories`, else from
//! `autodiscover` (kept by `autodiscoverFilter`; archived and disabled ones are reported
//! as skipped without being touched); a shard (`--shard I/N`, or an Indexed Job's
//! `JOB_COMPLETION_INDEX` with `--shard-count`) keeps its share; upkeep-server's
//! `run_fleet` runs them `--concurrency` at once with one HTTP client (and cache) for
//! all, stops starting new ones on SIGTERM and lets running ones stop at a branch
//! boundary. Metrics go to a Pushgateway and/or a file at the end.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use upkeep_config::GlobalConfig;
use upkeep_platform::{AutodiscoverFilter, GitHub};
use upkeep_server::fleet::{FleetOptions, FleetSummary, RepoOutcome, RepoRef, Shard, run_fleet};
use upkeep_server::metrics::{Metrics, Pushgateway, RepositoryResult};
use upkeep_server::shutdown::Shutdown;
use upkeep_worker::platform_run::{PlatformRunOptions, PlatformRunReport, PrAction};
use upkeep_worker::publish::onboarding::Onboarding;
use upkeep_worker::run::{DEFAULT_GIT_AUTHOR, GitAuthor};

use super::common;
use super::github::{self, GitHubRuns};
use crate::EXIT_PARTIAL;

/// Repositories at once when `--concurrency` is not given.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Packages one repository looks up at once.
const LOOKUP_CONCURRENCY: usize = 16;

/// What `run` gives the fleet besides the bot's config.
pub struct FleetArgs<'a> {
    /// Repositories named on the command line (they replace `repositories`).
    pub repositories: Vec<String>,
    /// Repositories at once.
    pub concurrency: usize,
    /// `--shard`.
    pub shard: Option<Shard>,
    /// `--shard-count` / `UPKEEP_SHARD_COUNT`.
    pub shard_count: Option<u32>,
    /// Seconds running repositories get after SIGTERM.
    pub grace_period: u64,
    /// `--pushgateway`.
    pub pushgateway: Option<&'a str>,
    /// `--metrics-file`.
    pub metrics_file: Option<&'a std::path::Path>,
    /// `--json`.
    pub json: bool,
    /// Registry request timeout, seconds.
    pub timeout: u64,
    /// `--cache`/`redisUrl`/`cacheDir`.
    pub cache: common::CacheChoice,
    /// `--osv-db`.
    pub osv_db: Option<&'a std::path::Path>,
    /// `--osv-api` (`off`: no vulnerability data unless `--osv-db`).
    pub osv_api: &'a str,
    /// `--github-content-limit` (per minute, per hour).
    pub content_limit: Option<(u32, u32)>,
}

/// Runs the fleet; the exit code is the fleet summary's.
pub fn run(global: &GlobalConfig, args: FleetArgs<'_>) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut config = github::platform_config(global)?;
    if let Some((per_minute, per_hour)) = args.content_limit {
        config.limits.content_per_minute = per_minute;
        config.limits.content_per_hour = per_hour;
    }
    let filter = AutodiscoverFilter::new(&global.autodiscover_filter)?;
    let explicit = if args.repositories.is_empty() {
        global.repositories.clone()
    } else {
        args.repositories.clone()
    };
    if explicit.is_empty() && !global.autodiscover {
        bail!(
            "no repositories to run: name them (`upkeep run --platform github owner/name …` or \
             `repositories` in the config), or give --autodiscover"
        );
    }
    let completion_index = std::env::var("JOB_COMPLETION_INDEX").ok();
    let shard = Shard::resolve(
        args.shard,
        completion_index.as_deref(),
        args.shard_count,
        None,
    )?;
    let shard_text = shard.map(|s| s.index().to_string());
    let grouping: Vec<(&str, &str)> = shard_text
        .as_deref()
        .map(|index| vec![("shard", index)])
        .unwrap_or_default();
    let pushgateway = args
        .pushgateway
        .map(|url| Pushgateway::new(url, "upkeep", &grouping))
        .transpose()?;
    let author_text = global.git_author.as_deref().unwrap_or(DEFAULT_GIT_AUTHOR);
    let mut options = PlatformRunOptions {
        git_author: GitAuthor::parse(author_text)
            .with_context(|| format!("`gitAuthor` is not usable: `{author_text}`"))?,
        dry_run: global.dry_run,
        scratch_dir: global.base_dir.clone(),
        repository_defaults: Some(global.repository_defaults.clone()),
        onboarding: Onboarding::from_global(global),
        concurrency: LOOKUP_CONCURRENCY,
        // named repositories were chosen; discovered ones may be forks nobody asked for
        autodiscovered: explicit.is_empty(),
        ..PlatformRunOptions::new()
    };
    let http = common::http_client(common::http_options(args.timeout, args.cache.clone()))?;
    // one source for the whole fleet: the offline database is indexed once, the API's
    // answers are cached per package
    options.vulnerabilities = common::vulnerability_source(args.osv_db, args.osv_api, &http)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let metrics = Arc::new(Metrics::new());
    let ((summary, mut reports, registry), push_failed) = {
        // octocrab's client binds to the runtime it is built in.
        let _guard = runtime.enter();
        let platform = Arc::new(GitHub::new(config)?);
        let runs = GitHubRuns::new(
            platform,
            options,
            http,
            runtime.handle().clone(),
            Arc::clone(&metrics),
            true,
        );
        runtime.block_on(async {
            let shutdown = Shutdown::new();
            shutdown
                .trigger_on_signals()
                .context("cannot install the SIGTERM handler")?;
            let targets = targets(&runs, explicit, &filter, shard).await?;
            tracing::info!(repositories = targets.len(), shard = ?shard.map(|s| s.to_string()), "fleet starts");
            let fleet_options = FleetOptions {
                concurrency: NonZeroUsize::new(args.concurrency.max(1)).expect("at least 1"),
                grace_period: Duration::from_secs(args.grace_period),
            };
            let summary = run_fleet(targets, Arc::new(runs.clone()), fleet_options, shutdown).await;
            runs.observe_traffic();
            for _ in &summary.abandoned {
                metrics.count_repository(RepositoryResult::Failed);
            }
            metrics.set_last_run_timestamp(jiff::Timestamp::now().as_millisecond() as f64 / 1000.0);
            let mut push_failed = false;
            if let Some(target) = &pushgateway
                && let Err(error) = target.push(metrics.encode()).await
            {
                eprintln!("error: cannot push the metrics: {error}");
                push_failed = true;
            }
            let reports = runs.take_reports();
            anyhow::Ok(((summary, reports, runs.http().stats()), push_failed))
        })?
    };
    // Abandoned runs may still hold blocking threads: do not wait for them.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(path) = args.metrics_file {
        std::fs::write(path, metrics.encode())
            .with_context(|| format!("cannot write the metrics file `{}`", path.display()))?;
    }
    reports.sort_by(|a, b| a.repository.cmp(&b.repository));
    let mut code = summary.exit_code();
    if push_failed && code == crate::EXIT_OK {
        code = EXIT_PARTIAL;
    }
    let total = registry.total();
    let registry = json!({
        "requests": total.requests,
        "cacheHits": total.cache_hits + total.revalidations,
        "coalesced": total.coalesced,
        "errors": total.errors,
    });
    let summary_json = summary_json(&summary, &reports, shard, registry, started.elapsed(), code);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(
            &mut out,
            &json!({"repositories": reports, "summary": summary_json}),
        )?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &reports, &summary)?;
        write_summary(&mut out, &summary_json)?;
    }
    out.flush()?;
    Ok(code)
}

/// The repositories of this run (and shard): the explicit list, or those discovered.
/// Discovered archived and disabled repositories are filed as skipped without a run.
async fn targets(
    runs: &GitHubRuns,
    explicit: Vec<String>,
    filter: &AutodiscoverFilter,
    shard: Option<Shard>,
) -> anyhow::Result<Vec<RepoRef>> {
    let owned = |name: &str| shard.is_none_or(|shard| shard.owns(name));
    if !explicit.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        return Ok(explicit
            .into_iter()
            .filter(|name| seen.insert(name.to_ascii_lowercase()) && owned(name))
            .map(RepoRef::new)
            .collect());
    }
    let mut targets = Vec::new();
    for repo in github::discover(runs.platform(), filter).await? {
        if !owned(&repo.full_name) {
            continue;
        }
        if repo.archived || repo.disabled {
            let why = if repo.archived {
                "archived"
            } else {
                "disabled"
            };
            runs.record_skipped(PlatformRunReport {
                repository: repo.full_name.clone(),
                skipped: Some(format!("the repository is {why}")),
                base_branch: repo.default_branch.clone(),
                ..PlatformRunReport::default()
            });
            continue;
        }
        targets.push(RepoRef {
            installation: repo.installation_id,
            full_name: repo.full_name,
        });
    }
    Ok(targets)
}

fn summary_json(
    summary: &FleetSummary,
    reports: &[PlatformRunReport],
    shard: Option<Shard>,
    registry: Value,
    elapsed: Duration,
    exit_code: u8,
) -> Value {
    let counts = summary.counts();
    let skipped_at_discovery = reports.len().saturating_sub(summary.finished.len());
    let (reads, writes) = reports.iter().fold((0, 0), |(r, w), report| {
        (r + report.api_calls.reads, w + report.api_calls.writes)
    });
    let names =
        |repos: &[RepoRef]| -> Vec<String> { repos.iter().map(|r| r.full_name.clone()).collect() };
    json!({
        "repositories": reports.len() + summary.not_started.len() + summary.abandoned.len(),
        "succeeded": counts.succeeded,
        "partial": counts.partial,
        "failed": counts.failed,
        "skipped": counts.skipped + skipped_at_discovery,
        "notDone": counts.not_done,
        "notStarted": names(&summary.not_started),
        "abandoned": names(&summary.abandoned),
        "interrupted": summary.interrupted,
        "shard": shard.map(|s| s.to_string()),
        "apiCalls": {"reads": reads, "writes": writes},
        "registry": registry,
        "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
        "exitCode": exit_code,
    })
}

fn result_name(outcome: Option<&RepoOutcome>, report: &PlatformRunReport) -> &'static str {
    match outcome {
        Some(RepoOutcome::Success) => "success",
        Some(RepoOutcome::Partial(_)) => "partial",
        Some(RepoOutcome::Failed(_)) => "failed",
        Some(RepoOutcome::Skipped(_)) => "skipped",
        Some(RepoOutcome::Interrupted) => "interrupted",
        None if report.skipped.is_some() => "skipped",
        None => "?",
    }
}

fn pr_action_name(action: PrAction) -> Option<&'static str> {
    Some(match action {
        PrAction::None => return None,
        PrAction::Created => "created",
        PrAction::Updated => "updated",
        PrAction::Unchanged => "unchanged",
        PrAction::Waiting => "waiting",
        PrAction::Ignored => "ignored",
        PrAction::Closed => "closed",
        PrAction::Merged => "merged",
    })
}

/// `2 created, 1 unchanged` from names in order of first appearance.
fn tally<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for name in names {
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    if counts.is_empty() {
        return "-".to_owned();
    }
    counts
        .iter()
        .map(|(name, count)| format!("{count} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_table(
    out: &mut impl Write,
    reports: &[PlatformRunReport],
    summary: &FleetSummary,
) -> io::Result<()> {
    let mut rows = vec![["REPOSITORY", "RESULT", "BRANCHES", "PRS", "API CALLS"].map(String::from)];
    let mut notes = Vec::new();
    for report in reports {
        let outcome = summary
            .finished
            .iter()
            .find(|(repo, _)| repo.full_name == report.repository)
            .map(|(_, outcome)| outcome);
        let branches = tally(
            report
                .branches
                .iter()
                .chain(report.onboarding.as_ref())
                .map(|b| b.action.as_str()),
        );
        let prs = tally(
            report
                .branches
                .iter()
                .chain(report.onboarding.as_ref())
                .filter_map(|b| pr_action_name(b.pr))
                .chain(report.closed_prs.iter().map(|_| "closed")),
        );
        let calls = report.api_calls;
        rows.push([
            report.repository.clone(),
            result_name(outcome, report).to_owned(),
            branches,
            prs,
            format!("{} reads, {} writes", calls.reads, calls.writes),
        ]);
        if let Some(reason) = &report.skipped {
            notes.push(format!("{}: {reason}", report.repository));
        }
        if let Some(RepoOutcome::Partial(reason)) = outcome {
            notes.push(format!("{}: error: {reason}", report.repository));
        }
    }
    common::write_columns(out, &rows)?;
    for note in notes {
        writeln!(out, "  {note}")?;
    }
    for repo in &summary.not_started {
        writeln!(out, "  {}: not started (shutdown)", repo.full_name)?;
    }
    for repo in &summary.abandoned {
        writeln!(
            out,
            "  {}: abandoned at the end of the grace period",
            repo.full_name
        )?;
    }
    Ok(())
}

fn write_summary(out: &mut impl Write, summary: &Value) -> io::Result<()> {
    writeln!(
        out,
        "{} repositories: {} succeeded, {} partial, {} failed, {} skipped, {} not done; \
         {} API reads, {} writes; {} registry requests; {}s",
        summary["repositories"],
        summary["succeeded"],
        summary["partial"],
        summary["failed"],
        summary["skipped"],
        summary["notDone"],
        summary["apiCalls"]["reads"],
        summary["apiCalls"]["writes"],
        summary["registry"]["requests"],
        summary["seconds"],
    )
}
