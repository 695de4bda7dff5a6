//! `upkeep healthcheck URL`: the container's health check without curl in the image.
//! One `GET` with a short timeout and no retries; exit 0 on a 2xx answer, 1 otherwise.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use upkeep_http::{HostRules, HttpClient, HttpOptions, Request, RetryOptions, Url};

use crate::{EXIT_FAILURE, EXIT_OK};

/// Arguments of `upkeep healthcheck`.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The URL to ask, e.g. `http://127.0.0.1:8080/healthz`.
    #[arg(default_value = "http://127.0.0.1:8080/healthz")]
    url: Url,
    /// Seconds allowed for the answer.
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    timeout: u64,
}

/// Runs the command.
pub fn run(args: &HealthcheckArgs) -> anyhow::Result<u8> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let options = HttpOptions {
        connect_timeout: timeout,
        timeout,
        retry: RetryOptions {
            max_retries: 0,
            ..RetryOptions::default()
        },
        use_env_proxy: false,
        ..HttpOptions::default()
    };
    let client = HttpClient::new(options, HostRules::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match runtime.block_on(client.get_bytes(Request::new(args.url.clone()))) {
        Ok(_) => Ok(EXIT_OK),
        Err(error) => {
            eprintln!("unhealthy: {error}");
            Ok(EXIT_FAILURE)
        }
    }
}
