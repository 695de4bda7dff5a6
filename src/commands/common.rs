//! Wiring shared by the commands that talk to registries (`lookup`, `run`): the HTTP
//! client with a person's timeouts, and the progress bar.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use upkeep_http::{HostRules, HttpClient, HttpOptions, RetryOptions, rules_from_env};
use upkeep_types::Datasource;
use upkeep_worker::lookup::LookupProgress;

/// Short timeouts and few retries: a person is waiting. `timeout` is one request's
/// limit in seconds (connecting takes at most a third of it).
pub fn http_options(timeout: u64, cache_dir: Option<PathBuf>) -> HttpOptions {
    let timeout = Duration::from_secs(timeout.max(1));
    HttpOptions {
        connect_timeout: (timeout / 3).min(Duration::from_secs(5)),
        timeout,
        retry: RetryOptions {
            max_retries: 2,
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(15),
            ..RetryOptions::default()
        },
        cache_dir,
        ..HttpOptions::default()
    }
}

/// The run's one HTTP client, with host rules from the environment.
pub fn http_client(options: HttpOptions) -> anyhow::Result<Arc<HttpClient>> {
    let host_types: Vec<&str> = Datasource::ALL.iter().map(|d| d.as_str()).collect();
    let rules = HostRules::new(rules_from_env(std::env::vars(), &host_types));
    Ok(Arc::new(HttpClient::new(options, rules)?))
}

/// Whether a person watches: progress is drawn only then (and never with `--json`).
pub fn show_progress(json: bool) -> bool {
    !json && io::stderr().is_terminal() && io::stdout().is_terminal()
}

/// The progress bar, drawn on stderr only when a person watches a terminal.
pub struct Bar(pub ProgressBar);

impl Bar {
    /// A bar, hidden unless `visible`.
    pub fn new(visible: bool) -> Bar {
        if !visible {
            return Bar(ProgressBar::hidden());
        }
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{spinner} looking up {pos}/{len} packages {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(bar)
    }
}

impl LookupProgress for Bar {
    fn start(&self, packages: usize) {
        self.0.set_length(packages as u64);
    }

    fn package_done(&self, package: &str) {
        self.0.set_message(package.to_owned());
        self.0.inc(1);
    }
}

/// Vulnerability data from an offline OSV database (`--osv-db`, `UPKEEP_OSV_DB`); `None`
/// when none is given. Broken records are warned about and skipped.
pub fn vulnerability_lookup(
    path: Option<&std::path::Path>,
) -> anyhow::Result<Option<Arc<dyn upkeep_worker::lookup::VulnerabilityLookup>>> {
    use anyhow::Context as _;
    let Some(path) = path else {
        return Ok(None);
    };
    let database = upkeep_vuln::OfflineDatabase::open(path)
        .with_context(|| format!("cannot read the OSV database `{}`", path.display()))?;
    for problem in &database.report().errors {
        eprintln!("warning: OSV record {}: {}", problem.source, problem.reason);
    }
    let index = Arc::new(database.into_index());
    Ok(Some(Arc::new(upkeep_worker::lookup::AdvisoryLookup::new(
        index,
    ))))
}
