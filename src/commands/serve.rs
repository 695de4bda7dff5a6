//! `upkeep serve`: the GitHub App service — signed webhooks, a cron schedule of full
//! passes, `/healthz`, `/readyz` and `/metrics` — from `upkeep-server`.
//!
//! Each queued repository runs through the worker on the GitHub platform built from
//! the bot's config (as `upkeep run --platform github`: one HTTP client and cache for
//! every run, metrics fed from each report and served on `/metrics`); a full pass runs
//! every discovered repository kept by `autodiscoverFilter`.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use clap::Args;
use secrecy::SecretString;
use upkeep_config::GlobalConfig;
use upkeep_platform::{AutodiscoverFilter, GitHub};
use upkeep_server::BoxFuture;
use upkeep_server::cron::Cron;
use upkeep_server::fleet::{RepoOutcome, RepoRef};
use upkeep_server::metrics::Metrics;
use upkeep_server::serve::{Reason, ServeOptions, Service, Work, WorkError, serve};
use upkeep_server::shutdown::Shutdown;

use upkeep_worker::platform_run::PlatformRunOptions;
use upkeep_worker::publish::onboarding::Onboarding;
use upkeep_worker::run::{DEFAULT_GIT_AUTHOR, GitAuthor};

use super::common;
use super::github::{self, GitHubRuns};
use crate::{EXIT_OK, EXIT_PARTIAL};

/// The environment variable holding the webhook secret (when no file is given).
const SECRET_ENV: &str = "UPKEEP_WEBHOOK_SECRET";

/// Arguments of `upkeep serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen for webhooks, health checks and metrics scrapes.
    #[arg(long, default_value = "0.0.0.0:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// A file holding the webhook secret (a trailing newline is ignored); without it the
    /// secret is `webhookSecret` of the bot's config or UPKEEP_WEBHOOK_SECRET. `serve`
    /// refuses to start without one.
    #[arg(long, value_name = "FILE")]
    webhook_secret_file: Option<PathBuf>,
    /// The bot's config file (JSON or JSON5): global options and repository defaults.
    #[arg(long, env = "UPKEEP_CONFIG_FILE", value_name = "FILE")]
    config: Option<PathBuf>,
    /// `endpoint`: the GitHub API (default `https://api.github.com`).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// `token`: a personal access token, for repository webhooks without an App (prefer
    /// UPKEEP_TOKEN: arguments are visible to other processes).
    #[arg(long)]
    token: Option<String>,
    /// `githubAppId`: the GitHub App the webhooks come from.
    #[arg(long, value_name = "ID")]
    github_app_id: Option<String>,
    /// The GitHub App's private key (PEM file); or its contents in UPKEEP_GITHUB_APP_KEY.
    #[arg(long, value_name = "FILE")]
    github_app_key_file: Option<PathBuf>,
    /// `autodiscoverFilter`: repositories of full passes to keep (globs, `/regex/`, `!`
    /// negates); repeat the flag for several.
    #[arg(long, value_name = "PATTERN")]
    autodiscover_filter: Vec<String>,
    /// `baseDir`: where clones go (default: the system's temp directory).
    #[arg(long, value_name = "DIR")]
    base_dir: Option<PathBuf>,
    /// The registry cache (`--cache URL|DIR`, `cacheTtlOverride`).
    #[command(flatten)]
    cache: common::CacheArgs,
    /// Content-creating GitHub requests (PRs, issues, comments) per identity:
    /// `PER_MINUTE/PER_HOUR` (default GitHub's documented 80/500), or `off`.
    #[arg(long, value_name = "M/H|off", value_parser = github::parse_content_limit)]
    github_content_limit: Option<(u32, u32)>,
    /// An offline OSV database (a directory of records or an `all.zip` dump).
    #[arg(long, env = "UPKEEP_OSV_DB", value_name = "DIR|ZIP")]
    osv_db: Option<PathBuf>,
    /// The OSV API (or a mirror) asked when no offline database is given; `off` uses no
    /// vulnerability data.
    #[arg(long, value_name = "URL|off", env = "UPKEEP_OSV_API", default_value = upkeep_vuln::DEFAULT_OSV_API)]
    osv_api: String,
    /// When to run a full pass over every repository: a 5-field cron expression in UTC
    /// (`minute hour day-of-month month day-of-week`, e.g. `0 */4 * * *`). Without it
    /// only webhooks start runs.
    #[arg(long, value_name = "CRON")]
    schedule: Option<Cron>,
    /// Repositories run at once, across webhooks and scheduled passes.
    #[arg(long, default_value_t = NonZeroUsize::new(4).expect("non-zero"), value_name = "N")]
    concurrency: NonZeroUsize,
    /// Seconds running jobs get after SIGTERM before the service exits anyway (keep it
    /// below the pod's terminationGracePeriodSeconds).
    #[arg(long, default_value_t = 25, value_name = "SECONDS")]
    grace_period: u64,
}

/// The webhook secret: the file's content (without its trailing newline) or the
/// environment variable's value; an error when neither gives a non-empty secret.
fn webhook_secret(file: Option<&Path>, env: Option<String>) -> anyhow::Result<SecretString> {
    let secret = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the webhook secret file `{}`", path.display()))?
            .trim_end_matches(['\n', '\r'])
            .to_owned(),
        None => env.unwrap_or_default(),
    };
    if secret.is_empty() {
        match file {
            Some(path) => bail!("the webhook secret file `{}` is empty", path.display()),
            None => bail!(
                "no webhook secret: give --webhook-secret-file FILE, `webhookSecret` in the \
                 config file or set {SECRET_ENV} (the secret configured in the GitHub App's \
                 webhook settings)"
            ),
        }
    }
    Ok(SecretString::from(secret))
}

/// The service's work: repositories on GitHub through the worker.
struct GitHubWork {
    runs: GitHubRuns,
    filter: AutodiscoverFilter,
    metrics: Arc<Metrics>,
    /// Repositories of the current full pass still to run; the pass ends at zero.
    pass_left: AtomicUsize,
}

impl GitHubWork {
    async fn discover(&self) -> Result<Vec<upkeep_platform::RepoInfo>, WorkError> {
        let repositories = github::discover(self.runs.platform(), &self.filter)
            .await
            .map_err(|error| WorkError::from(format!("{error:#}")))?;
        let (kept, archived): (Vec<_>, Vec<_>) = repositories
            .into_iter()
            .partition(|repo| !repo.archived && !repo.disabled);
        for repo in archived {
            self.metrics.forget_repository(&repo.full_name);
        }
        Ok(kept)
    }
}

impl Work for GitHubWork {
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        reason: &'a Reason,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(async move {
            let outcome = self.runs.run(repo, shutdown).await;
            let pass_done = *reason == Reason::Schedule
                && self
                    .pass_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    == Ok(1);
            if pass_done {
                let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
                self.metrics.set_last_run_timestamp(now);
            }
            outcome
        })
    }

    fn full_pass(&self) -> BoxFuture<'_, Result<Vec<RepoRef>, WorkError>> {
        Box::pin(async {
            let repositories: Vec<RepoRef> = self
                .discover()
                .await?
                .into_iter()
                .map(|repo| RepoRef {
                    installation: repo.installation_id,
                    full_name: repo.full_name,
                })
                .collect();
            self.pass_left.store(repositories.len(), Ordering::SeqCst);
            Ok(repositories)
        })
    }

    fn installation_repositories(
        &self,
        installation: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, WorkError>> {
        Box::pin(async move {
            Ok(self
                .discover()
                .await?
                .into_iter()
                .filter(|repo| repo.installation_id == Some(installation))
                .map(|repo| repo.full_name)
                .collect())
        })
    }
}

impl ServeArgs {
    /// The flags that are global options, as `(flag name, value)`.
    fn global_flags(&self) -> Vec<(String, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let cache = self.cache.cache.as_deref().map(|text| {
            let redis = common::CacheChoice::parse(text).is_ok_and(|c| c.redis_url.is_some());
            (
                if redis { "redis-url" } else { "cache-dir" },
                text.to_owned(),
            )
        });
        [
            ("platform", Some("github".to_owned())),
            ("endpoint", self.endpoint.clone()),
            ("token", self.token.clone()),
            ("github-app-id", self.github_app_id.clone()),
            ("github-app-key", path(&self.github_app_key_file)),
            (
                "autodiscover-filter",
                (!self.autodiscover_filter.is_empty())
                    .then(|| serde_json::Value::from(self.autodiscover_filter.clone()).to_string()),
            ),
            ("base-dir", path(&self.base_dir)),
        ]
        .into_iter()
        .chain(cache.map(|(name, value)| (name, Some(value))))
        .filter_map(|(name, value)| value.map(|value| (name.to_owned(), value)))
        .collect()
    }
}

/// The worker's options for every run, from the bot's config.
fn run_options(
    args: &ServeArgs,
    global: &GlobalConfig,
    http: &upkeep_http::HttpClient,
) -> anyhow::Result<PlatformRunOptions> {
    let author_text = global.git_author.as_deref().unwrap_or(DEFAULT_GIT_AUTHOR);
    Ok(PlatformRunOptions {
        git_author: GitAuthor::parse(author_text)
            .with_context(|| format!("`gitAuthor` is not usable: `{author_text}`"))?,
        dry_run: global.dry_run,
        scratch_dir: global.base_dir.clone(),
        repository_defaults: Some(global.repository_defaults.clone()),
        onboarding: Onboarding::from_global(global),
        vulnerabilities: common::vulnerability_source(args.osv_db.as_deref(), &args.osv_api, http)?,
        // the service works on whatever its installations hold, as autodiscover does
        autodiscovered: true,
        ..PlatformRunOptions::new()
    })
}

/// Runs the service until SIGTERM or ctrl-c; exits with [`EXIT_PARTIAL`] when runs had
/// to be abandoned at the end of the grace period.
pub fn run(args: &ServeArgs, log: &upkeep_log::LogHandle) -> anyhow::Result<u8> {
    let global = common::load_global_config(args.config.as_deref(), args.global_flags())?;
    common::mask_secrets(log, &global);
    let secret = webhook_secret(
        args.webhook_secret_file.as_deref(),
        global
            .webhook_secret
            .as_ref()
            .map(|s| s.expose().to_owned()),
    )?;
    let mut platform_config = github::platform_config(&global)?;
    if let Some((per_minute, per_hour)) = args.github_content_limit {
        platform_config.limits.content_per_minute = per_minute;
        platform_config.limits.content_per_hour = per_hour;
    }
    let filter = AutodiscoverFilter::new(&global.autodiscover_filter)?;
    let http = common::http_client(common::http_options(
        30,
        common::cache_choice(&args.cache, &global)?,
    ))?;
    let options = run_options(args, &global, &http)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // octocrab's client binds to the runtime it is built in.
    let _guard = runtime.enter();
    let platform = Arc::new(GitHub::new(platform_config)?);
    let metrics = Arc::new(Metrics::new());
    let work = GitHubWork {
        runs: GitHubRuns::new(
            platform,
            options,
            http,
            runtime.handle().clone(),
            Arc::clone(&metrics),
            false,
        ),
        filter,
        metrics: Arc::clone(&metrics),
        pass_left: AtomicUsize::new(0),
    };
    let code = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on `{}`", args.listen))?;
        let shutdown = Shutdown::new();
        shutdown
            .trigger_on_signals()
            .context("cannot install the SIGTERM handler")?;
        let options = ServeOptions {
            concurrency: args.concurrency,
            schedule: args.schedule.clone(),
            grace_period: Duration::from_secs(args.grace_period),
            ..ServeOptions::new(secret)
        };
        let service = Service::new(options, Arc::new(work), metrics, shutdown);
        let summary = serve(listener, service).await?;
        tracing::info!(
            runs = summary.runs,
            interrupted = summary.interrupted,
            abandoned = ?summary.abandoned,
            "stopped"
        );
        anyhow::Ok(if summary.abandoned.is_empty() {
            EXIT_OK
        } else {
            EXIT_PARTIAL
        })
    })?;
    // Abandoned runs may still hold blocking threads: do not wait for them.
    drop(_guard);
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(code)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn the_secret_file_wins_and_loses_its_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret value\n").unwrap();
        let secret = webhook_secret(Some(&path), Some("from env".into())).unwrap();
        assert_eq!(secret.expose_secret(), "s3cret value");
        let secret = webhook_secret(None, Some("from env".into())).unwrap();
        assert_eq!(secret.expose_secret(), "from env");
    }

    #[test]
    fn serve_refuses_to_start_without_a_secret() {
        let missing = webhook_secret(None, None).unwrap_err().to_string();
        assert!(missing.contains("UPKEEP_WEBHOOK_SECRET"), "{missing}");
        let empty_env = webhook_secret(None, Some(String::new())).unwrap_err();
        assert!(empty_env.to_string().contains("--webhook-secret-file"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "\n").unwrap();
        let empty_file = webhook_secret(Some(&path), None).unwrap_err().to_string();
        assert!(empty_file.contains("is empty"), "{empty_file}");
    }

    #[test]
    fn fleet_exit_codes_are_the_binarys() {
        use upkeep_server::fleet::FleetStatus;
        assert_eq!(FleetStatus::Ok.exit_code(), EXIT_OK);
        assert_eq!(FleetStatus::Partial.exit_code(), EXIT_PARTIAL);
        assert_eq!(FleetStatus::Failed.exit_code(), crate::EXIT_FAILURE);
    }
}
