//! `upkeep`: keeps the dependencies of many repositories current and secure.
//!
//! This binary is only argument parsing and wiring; the work lives in the `upkeep-*`
//! crates under `crates/`.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code when every file was processed.
pub const EXIT_OK: u8 = 0;
/// Exit code when upkeep itself failed (bad arguments are clap's 2).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code when the run finished but some files or lookups had errors (they are in the
/// report).
pub const EXIT_PARTIAL: u8 = 3;
/// Exit code of `upkeep audit` when a vulnerability at or above `--fail-on` was found.
pub const EXIT_VULNERABLE: u8 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "upkeep",
    version,
    about = "Keeps dependencies current and secure"
)]
struct Cli {
    /// How log lines on stderr look: `pretty` for people, `json` (one object per line)
    /// for a log pipeline. The level comes from `UPKEEP_LOG_LEVEL`, else `RUST_LOG`
    /// (default: `warn` for pretty, `info` for json).
    #[arg(long, global = true, env = "UPKEEP_LOG_FORMAT", value_name = "json|pretty",
          default_value = "pretty", value_parser = ["json", "pretty"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find every dependency in a checkout, offline.
    Extract(commands::extract::ExtractArgs),
    /// Check renovate-style config files, offline.
    ValidateConfig(commands::validate_config::ValidateConfigArgs),
    /// Show which packageRules apply to a dependency and what each one sets.
    Explain(commands::explain::ExplainArgs),
    /// Look every dependency up in its registry and show the updates upkeep would propose.
    Lookup(commands::lookup::LookupArgs),
    /// List vulnerable dependencies, direct and transitive, with the fix upkeep would apply.
    Audit(commands::audit::AuditArgs),
    /// Run the pipeline: on a checkout, creating upkeep's branches in it (`--platform
    /// local`), or on GitHub repositories, with pull requests (`--platform github`);
    /// `--dry-run` stops earlier.
    Run(commands::run::RunArgs),
    /// Serve GitHub App webhooks (each runs the repository concerned), a cron schedule
    /// of full passes, /healthz, /readyz and /metrics.
    Serve(commands::serve::ServeArgs),
    /// Exit 0 when a URL answers 2xx (the container health check of `serve`).
    Healthcheck(commands::healthcheck::HealthcheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A service's log is its only output: it logs its work at `info` by default.
    let service = matches!(cli.command, Command::Serve(_));
    let log = match init_logging(&cli.log_format, service) {
        Ok(log) => log,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let result = match cli.command {
        Command::Extract(args) => commands::extract::run(&args),
        Command::ValidateConfig(args) => commands::validate_config::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Lookup(args) => commands::lookup::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Run(args) => commands::run::run(&args, Some(&log)),
        Command::Serve(args) => commands::serve::run(&args, &log),
        Command::Healthcheck(args) => commands::healthcheck::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Logs to stderr, with the values of secret-looking environment variables masked.
fn init_logging(format: &str, service: bool) -> anyhow::Result<upkeep_log::LogHandle> {
    let format: upkeep_log::LogFormat = format.parse()?;
    let default_level = if service {
        "info"
    } else {
        format.default_level()
    };
    let filter = upkeep_log::filter_from_env(std::env::vars(), default_level)?;
    let redactor = upkeep_log::Redactor::new(upkeep_log::secrets_from_env(std::env::vars()));
    Ok(upkeep_log::init(format, filter, redactor)?)
}
