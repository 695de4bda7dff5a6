//! `upkeep serve`: the GitHub App service — signed webhooks, a cron schedule of full
//! passes, `/healthz`, `/readyz` and `/metrics` — from `upkeep-server`.
//!
//! The runs themselves are not wired yet: [`LogOnlyWork`] logs each repository the
//! service would run and why (wired to the GitHub platform in a later change).

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use secrecy::SecretString;
use upkeep_server::BoxFuture;
use upkeep_server::cron::Cron;
use upkeep_server::fleet::{RepoOutcome, RepoRef};
use upkeep_server::metrics::Metrics;
use upkeep_server::serve::{Reason, ServeOptions, Service, Work, WorkError, serve};
use upkeep_server::shutdown::Shutdown;

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
    /// secret comes from UPKEEP_WEBHOOK_SECRET. `serve` refuses to start without one.
    #[arg(long, value_name = "FILE")]
    webhook_secret_file: Option<PathBuf>,
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
                "no webhook secret: give --webhook-secret-file FILE or set {SECRET_ENV} \
                 (the secret configured in the GitHub App's webhook settings)"
            ),
        }
    }
    Ok(SecretString::from(secret))
}

/// Logs what would run; says so instead of running anything.
struct LogOnlyWork;

const NOT_WIRED: &str = "not run: `upkeep serve` is not wired to the GitHub platform yet";

impl Work for LogOnlyWork {
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        reason: &'a Reason,
        _shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(async move {
            tracing::info!(
                repository = %repo.full_name,
                installation = ?repo.installation,
                %reason,
                "would run the repository ({NOT_WIRED})"
            );
            RepoOutcome::Skipped(NOT_WIRED.to_owned())
        })
    }

    fn full_pass(&self) -> BoxFuture<'_, Result<Vec<RepoRef>, WorkError>> {
        Box::pin(async {
            tracing::info!("would start a full pass over every installation ({NOT_WIRED})");
            Ok(Vec::new())
        })
    }

    fn installation_repositories(
        &self,
        installation: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, WorkError>> {
        Box::pin(async move {
            tracing::info!(
                installation,
                "would list the installation's repositories ({NOT_WIRED})"
            );
            Ok(Vec::new())
        })
    }
}

/// Runs the service until SIGTERM or ctrl-c; exits with [`EXIT_PARTIAL`] when runs had
/// to be abandoned at the end of the grace period.
pub fn run(args: &ServeArgs) -> anyhow::Result<u8> {
    let secret = webhook_secret(
        args.webhook_secret_file.as_deref(),
        std::env::var(SECRET_ENV).ok(),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
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
        let service = Service::new(
            options,
            Arc::new(LogOnlyWork),
            Arc::new(Metrics::new()),
            shutdown,
        );
        let summary = serve(listener, service).await?;
        tracing::info!(
            runs = summary.runs,
            interrupted = summary.interrupted,
            abandoned = ?summary.abandoned,
            "stopped"
        );
        Ok(if summary.abandoned.is_empty() {
            EXIT_OK
        } else {
            EXIT_PARTIAL
        })
    })
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
