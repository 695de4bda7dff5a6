//! Wiring shared by the commands that talk to registries (`lookup`, `run`): the HTTP
//! client with a person's timeouts and its cache, the progress bar, and the vulnerability
//! source.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use upkeep_http::{CacheTtls, HostRules, HttpClient, HttpOptions, RetryOptions, rules_from_env};
use upkeep_types::Datasource;
use upkeep_worker::lookup::LookupProgress;

/// Where registry answers are cached, shared by `lookup` and `run`.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// The registry cache: a directory, or a `redis://` / `rediss://` URL shared by
    /// every worker of a fleet. A cache that fails is turned off with one warning.
    #[arg(long, env = "UPKEEP_CACHE", value_name = "URL|DIR")]
    pub cache: Option<String>,
    /// `cacheTtlOverride`: minutes per cache namespace, as JSON, e.g.
    /// `{"docker-tags": 120, "npm": 30, "*": 15}`.
    #[arg(long, env = "UPKEEP_CACHE_TTL_OVERRIDE", value_name = "JSON",
          value_parser = CacheTtls::from_json_minutes)]
    pub cache_ttl_override: Option<CacheTtls>,
}

/// A cache choice: a directory or a Redis URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheChoice {
    /// `cacheDir`.
    pub directory: Option<PathBuf>,
    /// `redisUrl`; wins over the directory.
    pub redis_url: Option<upkeep_http::Url>,
    /// `cacheTtlOverride`.
    pub ttls: CacheTtls,
}

impl CacheChoice {
    /// Reads `--cache`: a `redis://`/`rediss://` URL, else a directory.
    pub fn parse(text: &str) -> anyhow::Result<CacheChoice> {
        let lowered = text.to_ascii_lowercase();
        if lowered.starts_with("redis://") || lowered.starts_with("rediss://") {
            let url = upkeep_http::Url::parse(text).map_err(|error| {
                anyhow::anyhow!(
                    "`--cache` is not a valid Redis URL: {error} (`{}`)",
                    upkeep_http::RedactedUrl::parse(text)
                        .map_or_else(|_| "…".to_owned(), |url| url.to_string())
                )
            })?;
            return Ok(CacheChoice {
                redis_url: Some(url),
                ..CacheChoice::default()
            });
        }
        if lowered.contains("://") {
            anyhow::bail!("`--cache` takes a directory or a redis:// / rediss:// URL");
        }
        Ok(CacheChoice {
            directory: Some(PathBuf::from(text)),
            ..CacheChoice::default()
        })
    }
}

/// Short timeouts and few retries: a person is waiting. `timeout` is one request's
/// limit in seconds (connecting takes at most a third of it).
pub fn http_options(timeout: u64, cache: CacheChoice) -> HttpOptions {
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
        cache_dir: cache.directory,
        redis_url: cache.redis_url,
        cache_ttls: cache.ttls,
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

/// The bot's config: `config` (JSON or JSON5), then `UPKEEP_*` variables, then `flags`
/// (`(flag name, value)`); warnings are printed, errors stop the command.
pub fn load_global_config(
    config: Option<&std::path::Path>,
    flags: Vec<(String, String)>,
) -> anyhow::Result<upkeep_config::GlobalConfig> {
    use anyhow::Context as _;
    use upkeep_config::{Diagnostic, GlobalConfig, GlobalSources, Severity, format_diagnostics};
    let file = match config {
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
        flags,
    };
    let (config, diagnostics) = GlobalConfig::load(&sources);
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if !warnings.is_empty() {
        eprint!("{}", format_diagnostics(&warnings));
    }
    if !errors.is_empty() {
        anyhow::bail!(
            "the bot's config has errors:\n{}",
            format_diagnostics(&errors)
        );
    }
    Ok(config)
}

/// Masks the bot config's secrets (token, App key, webhook secret) in every log line.
pub fn mask_secrets(log: &upkeep_log::LogHandle, global: &upkeep_config::GlobalConfig) {
    for secret in [
        &global.token,
        &global.github_app_key,
        &global.webhook_secret,
    ]
    .into_iter()
    .flatten()
    {
        log.add_secret(secret.expose());
    }
}

/// The registry cache for a bot run: `redisUrl` (from `--cache URL` or the config), else
/// `cacheDir`, with `cacheTtlOverride` from the flags.
pub fn cache_choice(
    cache: &CacheArgs,
    global: &upkeep_config::GlobalConfig,
) -> anyhow::Result<CacheChoice> {
    use anyhow::Context as _;
    Ok(CacheChoice {
        directory: global.cache_dir.clone(),
        redis_url: match &global.redis_url {
            Some(text) => CacheChoice::parse(text).context("`redisUrl`")?.redis_url,
            None => None,
        },
        ttls: cache.cache_ttl_override.clone().unwrap_or_default(),
    })
}

/// Rows as left-aligned columns two spaces apart, each line without trailing blanks.
pub fn write_columns<const N: usize>(
    out: &mut impl io::Write,
    rows: &[[String; N]],
) -> io::Result<()> {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_urls_are_redis_and_anything_else_a_directory() {
        let redis = CacheChoice::parse("rediss://:pw@cache.internal:6380/2").unwrap();
        assert_eq!(redis.redis_url.unwrap().port(), Some(6380));
        assert_eq!(redis.directory, None);
        let directory = CacheChoice::parse("/var/cache/upkeep").unwrap();
        assert_eq!(
            directory.directory,
            Some(PathBuf::from("/var/cache/upkeep"))
        );
        assert!(CacheChoice::parse("memcached://cache:11211").is_err());
    }
}
