//! The GitHub platform wired to the worker, shared by `run --platform github` and
//! `serve`: the platform from the bot's config, one job per repository (the worker's
//! `run_on_platform` on a blocking thread, asked to stop at its next branch boundary
//! once the shutdown is triggered), and the metrics each report feeds.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use serde_json::Value;
use upkeep_config::GlobalConfig;
use upkeep_config::global::Secret;
use upkeep_http::HttpClient;
use upkeep_http::StatsSnapshot;
use upkeep_platform::github::{GITHUB_COM, Identity};
use upkeep_platform::{
    ApiCalls, AutodiscoverFilter, GitHub, GitHubAuth, GitHubConfig, Platform, RepoInfo,
};
use upkeep_server::BoxFuture;
use upkeep_server::fleet::{RepoOutcome, RepoRef, RepositoryJob};
use upkeep_server::metrics::{Metrics, PullRequestAction, RepositoryResult, RunResult, Stage};
use upkeep_server::shutdown::Shutdown;
use upkeep_worker::lookup::Datasources;
use upkeep_worker::platform_run::{PlatformRunOptions, PlatformRunReport, run_on_platform};

/// How to reach GitHub, from the bot's config: `endpoint` (default github.com), and an
/// App (`githubAppId` with `githubAppKey`: the PEM itself or a path to it) or a
/// `token`.
pub fn platform_config(global: &GlobalConfig) -> anyhow::Result<GitHubConfig> {
    let auth = match (&global.github_app_id, &global.github_app_key, &global.token) {
        (Some(id), Some(key), _) => app_auth(app_id(id)?, key)?,
        (Some(_), None, _) => bail!(
            "`githubAppId` is set but not the App's private key: give \
             --github-app-key-file FILE or set UPKEEP_GITHUB_APP_KEY (the PEM)"
        ),
        (None, _, Some(token)) => GitHubAuth::token(token.expose()),
        (None, _, None) => bail!(
            "no GitHub credentials: give --token (or UPKEEP_TOKEN), or a GitHub App with \
             --github-app-id and --github-app-key-file (or UPKEEP_GITHUB_APP_KEY)"
        ),
    };
    let mut config = GitHubConfig::new(auth);
    config.endpoint = global
        .endpoint
        .clone()
        .unwrap_or_else(|| GITHUB_COM.to_owned());
    Ok(config)
}

/// `--github-content-limit`: `PER_MINUTE/PER_HOUR` content-creating requests (PRs,
/// issues, comments) per identity, or `off` (a GitHub Enterprise Server whose rate
/// limits are turned off, a fake).
pub fn parse_content_limit(text: &str) -> Result<(u32, u32), String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok((u32::MAX, u32::MAX));
    }
    let (minute, hour) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not PER_MINUTE/PER_HOUR or `off`"))?;
    let number = |t: &str| {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{t}` is not a positive number"))
    };
    Ok((number(minute)?, number(hour)?))
}

fn app_id(value: &Value) -> anyhow::Result<u64> {
    let parsed = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    parsed.with_context(|| format!("`githubAppId` must be a number, found `{value}`"))
}

/// `githubAppKey` holds the PEM itself, or the path of a file holding it.
fn app_auth(id: u64, key: &Secret) -> anyhow::Result<GitHubAuth> {
    let key = key.expose();
    let auth = if key.contains("-----BEGIN") || key.contains("\\n") {
        GitHubAuth::app_from_pem(id, key.to_owned(), "`githubAppKey`")
    } else {
        GitHubAuth::app_from_file(id, Path::new(key.trim()))
    };
    Ok(auth?)
}

/// The repositories `autodiscover` finds, kept by `autodiscoverFilter`, sorted.
pub async fn discover(
    platform: &GitHub,
    filter: &AutodiscoverFilter,
) -> anyhow::Result<Vec<RepoInfo>> {
    let mut repositories: Vec<RepoInfo> = platform
        .discover_repositories()
        .await
        .context("cannot discover the repositories")?
        .into_iter()
        .filter(|repo| filter.matches(&repo.full_name))
        .collect();
    repositories.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    repositories.dedup_by(|a, b| a.full_name == b.full_name);
    Ok(repositories)
}

/// Runs repositories on GitHub; cheap to clone (everything is shared).
#[derive(Clone)]
pub struct GitHubRuns {
    inner: Arc<Inner>,
}

struct Inner {
    platform: Arc<GitHub>,
    options: PlatformRunOptions,
    http: Arc<HttpClient>,
    datasources: Datasources,
    runtime: tokio::runtime::Handle,
    observer: Observer,
    /// Reports of finished runs, kept for `run`'s output (not by `serve`).
    reports: Option<Mutex<Vec<PlatformRunReport>>>,
    /// `serve` forgets in-run registry answers when it is idle, so a later run sees new
    /// releases; `run` keeps them for the whole fleet (one request per unique package).
    forget_when_idle: bool,
    active: AtomicUsize,
}

impl GitHubRuns {
    /// Runs on `platform` with `options`, one HTTP client for every repository.
    pub fn new(
        platform: Arc<GitHub>,
        options: PlatformRunOptions,
        http: Arc<HttpClient>,
        runtime: tokio::runtime::Handle,
        metrics: Arc<Metrics>,
        keep_reports: bool,
    ) -> GitHubRuns {
        GitHubRuns {
            inner: Arc::new(Inner {
                platform,
                options,
                http,
                datasources: Datasources::builtin(),
                runtime,
                observer: Observer::new(metrics),
                reports: keep_reports.then(|| Mutex::new(Vec::new())),
                forget_when_idle: !keep_reports,
                active: AtomicUsize::new(0),
            }),
        }
    }

    /// The platform.
    pub fn platform(&self) -> &GitHub {
        &self.inner.platform
    }

    /// The HTTP client shared by every repository.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The reports kept so far (empty unless created with `keep_reports`).
    pub fn take_reports(&self) -> Vec<PlatformRunReport> {
        self.inner
            .reports
            .as_ref()
            .map(|reports| std::mem::take(&mut *reports.lock().unwrap()))
            .unwrap_or_default()
    }

    /// Files a report made without running (a repository skipped at discovery).
    pub fn record_skipped(&self, report: PlatformRunReport) {
        self.inner
            .observer
            .repository_done(&report, &outcome(&report));
        if let Some(reports) = &self.inner.reports {
            reports.lock().unwrap().push(report);
        }
    }

    /// Runs one repository to the end or to the branch boundary after `shutdown`.
    pub async fn run(&self, repo: &RepoRef, shutdown: &Shutdown) -> RepoOutcome {
        if shutdown.is_triggered() {
            return RepoOutcome::Interrupted;
        }
        let inner = Arc::clone(&self.inner);
        if inner.active.fetch_add(1, Ordering::SeqCst) == 0 && inner.forget_when_idle {
            inner.http.clear_memo();
        }
        let stop = shutdown.clone();
        let full_name = repo.full_name.clone();
        let installation = repo.installation;
        let joined = tokio::task::spawn_blocking(move || {
            let span = upkeep_log::repository_span(&full_name, installation);
            let _entered = span.enter();
            let options = PlatformRunOptions {
                stop: Some(Arc::new(move || stop.is_triggered())),
                now: jiff::Timestamp::now(),
                ..inner.options.clone()
            };
            let report = run_on_platform(
                &*inner.platform,
                &full_name,
                &options,
                Arc::clone(&inner.http),
                &inner.datasources,
                &inner.runtime,
            );
            let outcome = outcome(&report);
            log_outcome(&report, &outcome);
            inner.observer.repository_done(&report, &outcome);
            inner.observer.traffic(&inner.http, &inner.platform);
            if let Some(reports) = &inner.reports {
                reports.lock().unwrap().push(report);
            }
            inner.active.fetch_sub(1, Ordering::SeqCst);
            outcome
        })
        .await;
        joined.unwrap_or_else(|error| {
            self.inner.active.fetch_sub(1, Ordering::SeqCst);
            RepoOutcome::Failed(format!("the run did not finish: {error}"))
        })
    }

    /// Adds the traffic since the last observation to the metrics.
    pub fn observe_traffic(&self) {
        self.inner
            .observer
            .traffic(&self.inner.http, &self.inner.platform);
    }
}

impl RepositoryJob for GitHubRuns {
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(self.run(repo, shutdown))
    }
}

/// How a repository's run ended, from its report.
pub fn outcome(report: &PlatformRunReport) -> RepoOutcome {
    match &report.skipped {
        Some(reason) if report.failed => RepoOutcome::Failed(reason.clone()),
        Some(reason) => RepoOutcome::Skipped(reason.clone()),
        None if report.interrupted => RepoOutcome::Interrupted,
        None if report.has_errors() => RepoOutcome::Partial(first_error(report)),
        None => RepoOutcome::Success,
    }
}

fn first_error(report: &PlatformRunReport) -> String {
    let branch_error = report
        .branches
        .iter()
        .chain(report.onboarding.as_ref())
        .find_map(|b| {
            b.errors
                .first()
                .map(|e| format!("{}: {e}", b.branch.branch_name))
        });
    report
        .errors
        .first()
        .cloned()
        .or(branch_error)
        .or_else(|| {
            report
                .lookup
                .host_errors
                .first()
                .map(|h| format!("registry {}: {}", h.host, h.message))
        })
        .unwrap_or_else(|| "some files, lookups or branches had errors".to_owned())
}

fn log_outcome(report: &PlatformRunReport, outcome: &RepoOutcome) {
    let calls = report.api_calls;
    match outcome {
        RepoOutcome::Failed(reason) => tracing::error!(reason, "repository failed"),
        RepoOutcome::Partial(reason) => tracing::warn!(
            reason,
            reads = calls.reads,
            writes = calls.writes,
            "repository done with errors"
        ),
        RepoOutcome::Skipped(reason) => tracing::info!(reason, "repository skipped"),
        RepoOutcome::Interrupted => tracing::info!("repository interrupted by the shutdown"),
        RepoOutcome::Success => tracing::info!(
            branches = report.branches.len(),
            reads = calls.reads,
            writes = calls.writes,
            seconds = report.timings.total,
            "repository done"
        ),
    }
}

/// Feeds the metrics from reports and from the traffic counters of the HTTP client
/// and the GitHub client (both count for the whole process: the observer adds what
/// changed since it last looked).
struct Observer {
    metrics: Arc<Metrics>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    registry: StatsSnapshot,
    github: BTreeMap<String, ApiCalls>,
}

impl Observer {
    fn new(metrics: Arc<Metrics>) -> Observer {
        Observer {
            metrics,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn repository_done(&self, report: &PlatformRunReport, outcome: &RepoOutcome) {
        let metrics = &self.metrics;
        let repository = report.repository.as_str();
        let (run, handled) = match outcome {
            RepoOutcome::Success => (Some(RunResult::Success), RepositoryResult::Processed),
            RepoOutcome::Partial(_) | RepoOutcome::Interrupted => {
                (Some(RunResult::Partial), RepositoryResult::Processed)
            }
            RepoOutcome::Failed(_) => (Some(RunResult::Failed), RepositoryResult::Failed),
            RepoOutcome::Skipped(_) => (None, RepositoryResult::Skipped),
        };
        metrics.count_repository(handled);
        if let Some(run) = run {
            metrics.observe_run(run, &stage_seconds(report));
        }
        if report.skipped.is_some() {
            // Archived, disabled, not onboarded: no dependencies to show any more.
            if !report.failed {
                metrics.forget_repository(repository);
            }
        } else if !report.interrupted {
            metrics.set_dependencies(repository, report.dependencies_by_manager());
            metrics.set_outdated_dependencies(repository, report.outdated_by_update_type());
            metrics.set_vulnerable_dependencies(repository, report.vulnerable_by_severity());
        }
        let prs = report.pr_actions();
        for (action, count) in [
            (PullRequestAction::Opened, prs.opened),
            (PullRequestAction::Updated, prs.updated),
            (PullRequestAction::Closed, prs.closed),
            (PullRequestAction::Merged, prs.merged),
        ] {
            if count > 0 {
                metrics.count_pull_requests(action, count);
            }
        }
    }

    /// Registry requests per host and GitHub calls per installation since last time.
    fn traffic(&self, http: &HttpClient, platform: &GitHub) {
        let mut seen = self.seen.lock().unwrap();
        let now = http.stats();
        for (host, stats) in &now.hosts {
            let before = seen.registry.host(host);
            self.metrics.count_registry(
                host,
                stats.requests - before.requests,
                (stats.cache_hits + stats.revalidations + stats.coalesced)
                    - (before.cache_hits + before.revalidations + before.coalesced),
                stats.errors - before.errors,
            );
        }
        seen.registry = now;
        let mut identities: Vec<(String, ApiCalls, Option<u64>)> = platform
            .calls_by_identity()
            .into_iter()
            .map(|(identity, calls, remaining)| (installation_label(identity), calls, remaining))
            .collect();
        identities.push(("app".to_owned(), platform.app_calls(), None));
        for (label, calls, remaining) in identities {
            let before = seen.github.insert(label.clone(), calls).unwrap_or_default();
            let (reads, writes) = (calls.reads - before.reads, calls.writes - before.writes);
            if reads + writes > 0 || calls.reads + calls.writes > 0 {
                self.metrics.count_github_api_calls(&label, reads, writes);
            }
            if let Some(remaining) = remaining {
                self.metrics
                    .set_github_rate_limit_remaining(&label, remaining);
            }
        }
    }
}

/// The `installation` label: the installation id, `token` for a personal access token
/// (the App's own JWT calls are `app`).
fn installation_label(identity: Identity) -> String {
    match identity {
        Identity::Installation(id) => id.to_string(),
        Identity::Token => "token".to_owned(),
    }
}

fn stage_seconds(report: &PlatformRunReport) -> Vec<(Stage, f64)> {
    let t = &report.timings;
    [
        (Stage::Clone, t.clone),
        (Stage::Config, t.config),
        (Stage::Extract, t.extract),
        (Stage::Lookup, t.lookup),
        (Stage::Plan, t.plan),
        (Stage::Apply, t.apply),
        (Stage::Publish, t.publish),
        (Stage::Total, Some(t.total)),
    ]
    .into_iter()
    .filter_map(|(stage, seconds)| seconds.map(|s| (stage, s)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_limits_are_per_minute_and_hour_or_off() {
        assert_eq!(parse_content_limit("80/500"), Ok((80, 500)));
        assert_eq!(parse_content_limit("off"), Ok((u32::MAX, u32::MAX)));
        assert!(parse_content_limit("80").is_err());
        assert!(parse_content_limit("0/500").is_err());
    }

    #[test]
    fn app_ids_are_numbers_or_numeric_text() {
        assert_eq!(app_id(&Value::from(42)).unwrap(), 42);
        assert_eq!(app_id(&Value::from(" 42 ")).unwrap(), 42);
        let error = app_id(&Value::from("forty-two")).unwrap_err().to_string();
        assert!(error.contains("forty-two"), "{error}");
    }

    #[test]
    fn a_report_becomes_the_fleets_outcome() {
        let mut report = PlatformRunReport::default();
        assert_eq!(outcome(&report), RepoOutcome::Success);
        report
            .errors
            .push("cannot write the Dependency Dashboard: 502".into());
        assert!(matches!(outcome(&report), RepoOutcome::Partial(e) if e.contains("Dashboard")));
        report.interrupted = true;
        report.errors.clear();
        assert_eq!(outcome(&report), RepoOutcome::Interrupted);
        report.skipped = Some("the repository is archived".into());
        assert!(matches!(outcome(&report), RepoOutcome::Skipped(_)));
        report.failed = true;
        assert!(matches!(outcome(&report), RepoOutcome::Failed(_)));
    }

    #[test]
    fn no_credentials_is_an_error_naming_the_flags() {
        let error = platform_config(&GlobalConfig::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--token") && error.contains("--github-app-id"),
            "{error}"
        );
    }
}
