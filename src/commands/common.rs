//! Wiring shared by the commands that talk to registries (`lookup`, `run`): the HTTP
//! client with a person's timeouts, the progress bar, and the vulnerability source.

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
    let mut host_types: Vec<&str> = Datasource::ALL.iter().map(|d| d.as_str()).collect();
    host_types.push(upkeep_vuln::OSV_HOST_TYPE);
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

/// The `--osv-api` value that turns vulnerability data off.
pub const OSV_API_OFF: &str = "off";

/// Where `lookup` and `run` get vulnerability data, as `audit` does: the offline
/// database when `--osv-db` (`UPKEEP_OSV_DB`) names one, else the OSV API at `--osv-api`
/// (`UPKEEP_OSV_API`, default `https://api.osv.dev`) through the run's HTTP client (its
/// host rules and cache apply; host type `osv`). `--osv-api off` turns vulnerability
/// data off. An API that cannot be reached makes the ecosystems asked about
/// *unavailable* in the report, never "no vulnerabilities".
pub fn vulnerability_source(
    osv_db: Option<&std::path::Path>,
    osv_api: &str,
    http: &HttpClient,
) -> anyhow::Result<Option<Arc<dyn upkeep_vuln::VulnerabilitySource>>> {
    use anyhow::Context as _;
    if let Some(path) = osv_db {
        let database = upkeep_vuln::OfflineDatabase::open(path)
            .with_context(|| format!("cannot read the OSV database `{}`", path.display()))?;
        for problem in &database.report().errors {
            eprintln!("warning: OSV record {}: {}", problem.source, problem.reason);
        }
        return Ok(Some(Arc::new(database)));
    }
    if osv_api.eq_ignore_ascii_case(OSV_API_OFF) {
        return Ok(None);
    }
    let api = upkeep_vuln::OsvApi::new(http.clone(), osv_api)
        .with_context(|| format!("`--osv-api {osv_api}` is not usable"))?;
    Ok(Some(Arc::new(api)))
}
