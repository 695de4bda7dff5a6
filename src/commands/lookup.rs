//! `upkeep lookup [PATH] [--json]`: every dependency of a checkout, what its registry
//! offers, and the updates upkeep would propose.
//!
//! Settings come from flags for now (Renovate's names and defaults); the config crate
//! will compute them per dependency from `renovate.json`. HTTP timeouts are shorter
//! than a long-running bot's: an unreachable registry must be reported within seconds.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{ArgAction, Args};
use jiff::Timestamp;
use upkeep_config::{Diagnostic, LoadOptions, format_diagnostics};
use upkeep_datasource::{LookupContext, read_registry_config};
use upkeep_http::{HostStats, HttpOptions, StatsSnapshot};
use upkeep_types::Dependency;
use upkeep_types::{Datasource, LookedUpDependency, SkipReason, Update, UpdateType};
use upkeep_versioning::RangeStrategy;
use upkeep_vuln::DEFAULT_OSV_API;
use upkeep_worker::config::{apply_update_rules, load_repository_config, lookup_settings_for};
use upkeep_worker::lookup::{
    AllowedVersions, Datasources, LookupOptions, LookupReport, LookupSettings, SettingsFor,
    parse_age,
};

use super::common::{self, Bar};
use crate::{EXIT_OK, EXIT_PARTIAL};

/// Arguments of `upkeep lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The checkout to read (default: the current directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print one JSON object (the extract report with each dependency's `updates`, plus
    /// `hostErrors` and `lookupErrors`) instead of a table.
    #[arg(long)]
    json: bool,
    /// Packages looked up at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Renovate's `rangeStrategy` for every dependency (overrides the repository config):
    /// auto, pin, bump, replace, widen, update-lockfile, in-range-only.
    #[arg(long, value_parser = parse_range_strategy)]
    range_strategy: Option<RangeStrategy>,
    /// Renovate's `minimumReleaseAge`, e.g. `3 days`: younger releases are held back.
    #[arg(long, value_parser = parse_age)]
    minimum_release_age: Option<jiff::SignedDuration>,
    /// Renovate's `allowedVersions`: a range, or `/regex/` (`!/regex/` to exclude).
    #[arg(long)]
    allowed_versions: Option<String>,
    /// Renovate's `ignoreUnstable` (overrides the repository config).
    #[arg(long, action = ArgAction::Set, value_name = "BOOL")]
    ignore_unstable: Option<bool>,
    /// Renovate's `ignoreDeprecated` (overrides the repository config).
    #[arg(long, action = ArgAction::Set, value_name = "BOOL")]
    ignore_deprecated: Option<bool>,
    /// Renovate's `respectLatest`.
    #[arg(long, action = ArgAction::Set, value_name = "BOOL")]
    respect_latest: Option<bool>,
    /// Renovate's `separateMinorPatch`.
    #[arg(long)]
    separate_minor_patch: bool,
    /// Renovate's `separateMultipleMajor`.
    #[arg(long)]
    separate_multiple_major: bool,
    /// Renovate's `pinDigests`.
    #[arg(long)]
    pin_digests: bool,
    /// Ignore the repository's renovate-style config (use only defaults and these flags).
    #[arg(long)]
    no_config: bool,
    /// An offline OSV database (a directory of records or an `all.zip` dump): vulnerable
    /// versions are never proposed, and vulnerable current versions (direct, or
    /// transitive in a lock file) get a fix update. Wins over `--osv-api`.
    #[arg(long, env = "UPKEEP_OSV_DB", value_name = "DIR|ZIP")]
    osv_db: Option<PathBuf>,
    /// The OSV API (or a mirror) asked when no offline database is given; `off` uses no
    /// vulnerability data. Unreachable: reported as unavailable, never as "no
    /// vulnerabilities".
    #[arg(long, value_name = "URL|off", env = "UPKEEP_OSV_API", default_value = DEFAULT_OSV_API)]
    osv_api: String,
    /// Seconds allowed for one request (connecting takes at most a third of it).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// Directory for the HTTP cache (revalidated with ETag/Last-Modified); none by default.
    /// (`--cache` wins when both are given.)
    #[arg(long, env = "UPKEEP_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: common::CacheArgs,
    /// Report the HTTP counters per registry host (requests, cache hits, revalidations,
    /// coalesced calls, errors): as `httpStats` in the JSON report, else on stderr.
    #[arg(long)]
    stats: bool,
}

fn parse_range_strategy(text: &str) -> Result<RangeStrategy, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("unknown rangeStrategy `{text}`"))
}

/// Settings given on the command line, laid over each dependency's config.
#[derive(Debug, Clone, Default)]
struct Overrides {
    range_strategy: Option<RangeStrategy>,
    minimum_release_age: Option<jiff::SignedDuration>,
    allowed_versions: Option<AllowedVersions>,
    ignore_unstable: Option<bool>,
    ignore_deprecated: Option<bool>,
    respect_latest: Option<bool>,
    separate_minor_patch: bool,
    separate_multiple_major: bool,
    pin_digests: bool,
}

impl Overrides {
    fn apply(&self, settings: &mut LookupSettings) {
        if let Some(strategy) = self.range_strategy {
            settings.range_strategy = strategy;
        }
        if let Some(age) = self.minimum_release_age {
            settings.minimum_release_age = Some(age);
        }
        if let Some(allowed) = &self.allowed_versions {
            settings.allowed_versions = Some(allowed.clone());
        }
        if let Some(value) = self.ignore_unstable {
            settings.ignore_unstable = value;
        }
        if let Some(value) = self.ignore_deprecated {
            settings.ignore_deprecated = value;
        }
        if let Some(value) = self.respect_latest {
            settings.respect_latest = value;
        }
        settings.separate_minor_patch |= self.separate_minor_patch;
        settings.separate_multiple_major |= self.separate_multiple_major;
        settings.pin_digests |= self.pin_digests;
    }
}

impl LookupArgs {
    fn overrides(&self) -> anyhow::Result<Overrides> {
        let allowed_versions = self
            .allowed_versions
            .as_deref()
            .map(str::parse::<AllowedVersions>)
            .transpose()?;
        Ok(Overrides {
            range_strategy: self.range_strategy,
            minimum_release_age: self.minimum_release_age,
            allowed_versions,
            ignore_unstable: self.ignore_unstable,
            ignore_deprecated: self.ignore_deprecated,
            respect_latest: self.respect_latest,
            separate_minor_patch: self.separate_minor_patch,
            separate_multiple_major: self.separate_multiple_major,
            pin_digests: self.pin_digests,
        })
    }

    fn http_options(&self) -> anyhow::Result<HttpOptions> {
        let mut cache = match &self.cache.cache {
            Some(text) => common::CacheChoice::parse(text)?,
            None => common::CacheChoice {
                directory: self.cache_dir.clone(),
                ..common::CacheChoice::default()
            },
        };
        cache.ttls = self.cache.cache_ttl_override.clone().unwrap_or_default();
        Ok(common::http_options(self.timeout, cache))
    }
}

/// The lookup report with the config's diagnostics, as `--json` prints it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a LookupReport,
    #[serde(skip_serializing_if = "<[Diagnostic]>::is_empty")]
    config_diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    http_stats: Option<HttpStats>,
    /// Advisories affecting current versions, counted per severity.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    vulnerability_summary: BTreeMap<String, usize>,
}

/// Advisories affecting current versions, counted per severity label.
fn vulnerability_summary(report: &LookupReport) -> BTreeMap<String, usize> {
    let mut summary = BTreeMap::new();
    for dep in report
        .package_files
        .values()
        .flatten()
        .flat_map(|file| &file.deps)
    {
        for advisory in &dep.vulnerabilities {
            *summary.entry(advisory.severity.clone()).or_insert(0) += 1;
        }
    }
    summary
}

/// The HTTP counters of the run, per host and summed (`--stats`).
#[derive(serde::Serialize)]
struct HttpStats {
    hosts: BTreeMap<String, HostStats>,
    total: HostStats,
}

impl From<StatsSnapshot> for HttpStats {
    fn from(snapshot: StatsSnapshot) -> Self {
        HttpStats {
            total: snapshot.total(),
            hosts: snapshot.hosts,
        }
    }
}

/// Runs the command; exits with [`EXIT_PARTIAL`] when files or lookups failed or the
/// repository config has errors.
pub fn run(args: &LookupArgs) -> anyhow::Result<u8> {
    let span = upkeep_log::repository_span(&args.path.display().to_string(), None);
    let _entered = span.enter();
    let overrides = args.overrides()?;
    let loaded = if args.no_config {
        None
    } else {
        Some(load_repository_config(&args.path, &LoadOptions::default()))
    };
    let diagnostics = loaded
        .as_ref()
        .map(|loaded| loaded.diagnostics.clone())
        .unwrap_or_default();
    if !args.json && !diagnostics.is_empty() {
        eprint!("{}", format_diagnostics(&diagnostics));
    }
    let config = loaded.map(|loaded| Arc::new(loaded.config));
    let mut settings = LookupSettings::default();
    overrides.apply(&mut settings);
    let settings_for: Option<Arc<SettingsFor>> = config.clone().map(|config| {
        let overrides = overrides.clone();
        Arc::new(move |manager: &str, package_file: &str, dep: &Dependency| {
            let mut settings = lookup_settings_for(&config, manager, package_file, dep);
            overrides.apply(&mut settings);
            settings
        }) as Arc<SettingsFor>
    });
    let extract = upkeep_worker::extract_repository(&args.path)
        .with_context(|| format!("cannot look up `{}`", args.path.display()))?;
    let http = common::http_client(args.http_options()?)?;
    // `${VAR}` in a repository's `.npmrc` is not expanded: a repository must not be able
    // to send the bot's secrets to a registry of its choosing (Renovate's `exposeAllEnv`).
    let (registries, problems) = read_registry_config(&args.path, false);
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    let context = Arc::new(LookupContext {
        http: Arc::clone(&http),
        registries,
    });
    let bar = Arc::new(Bar::new(common::show_progress(args.json)));
    let now = Timestamp::now();
    let vulnerabilities =
        common::vulnerability_source(args.osv_db.as_deref(), &args.osv_api, &http)?;
    let options = LookupOptions {
        settings,
        settings_for,
        concurrency: usize::from(args.concurrency),
        now,
        vulnerabilities,
        files: Some(Arc::new(upkeep_worker::DiskFiles::new(&args.path))),
        progress: Some(bar.clone()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(upkeep_worker::lookup::lookup_repository(
        extract,
        context,
        &Datasources::builtin(),
        &options,
    ));
    let mut report = report;
    let totals = http.stats().total();
    tracing::info!(
        package_files = report.package_files.values().map(Vec::len).sum::<usize>(),
        requests = totals.requests,
        cache_hits = totals.cache_hits + totals.revalidations,
        errors = totals.errors,
        cache_working = http.cache_is_working(),
        "lookup finished"
    );
    if let Some(config) = &config {
        apply_update_rules(&mut report, config);
    }
    bar.0.finish_and_clear();
    let http_stats = args.stats.then(|| HttpStats::from(http.stats()));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        let json = JsonReport {
            report: &report,
            config_diagnostics: &diagnostics,
            http_stats,
            vulnerability_summary: vulnerability_summary(&report),
        };
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &report, now)?;
        if let Some(stats) = &http_stats {
            for (host, counters) in &stats.hosts {
                eprintln!(
                    "http {host}: {} requests ({} retries), {} cache hits, {} revalidations, {} coalesced, {} errors",
                    counters.requests,
                    counters.retries,
                    counters.cache_hits,
                    counters.revalidations,
                    counters.coalesced,
                    counters.errors
                );
            }
        }
    }
    out.flush()?;
    let config_errors = diagnostics.iter().any(Diagnostic::is_error);
    Ok(if report.is_complete() && !config_errors {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
}

pub(crate) fn write_table(
    out: &mut impl Write,
    report: &LookupReport,
    now: Timestamp,
) -> io::Result<()> {
    let mut rows = vec![[
        "FILE".to_owned(),
        "DEPENDENCY".to_owned(),
        "CURRENT → NEW".to_owned(),
        "UPDATE".to_owned(),
        "AGE".to_owned(),
    ]];
    let (mut up_to_date, mut skipped, mut notes) = (0, 0, Vec::new());
    let mut unavailable: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, file, dep) in report.dependencies() {
        let name = &dep.dependency.dep_name;
        if dep.dependency.skip_reason == Some(SkipReason::UnsupportedDatasource) {
            let datasource = dep.dependency.datasource.map_or("?", Datasource::as_str);
            *unavailable.entry(datasource).or_default() += 1;
            skipped += 1;
            continue;
        }
        for warning in &dep.warnings {
            notes.push(format!("{} {name}: {warning}", file.package_file));
        }
        if dep.dependency.skip_reason.is_some() {
            skipped += 1;
        } else if dep.updates.is_empty() {
            up_to_date += 1;
        }
        for update in &dep.updates {
            rows.push([
                file.package_file.clone(),
                name.clone(),
                change(dep, update),
                update_label(update),
                age(update, now),
            ]);
        }
    }
    if rows.len() > 1 {
        common::write_columns(out, &rows)?;
        writeln!(out)?;
    }
    let files: usize = report.package_files.values().map(Vec::len).sum();
    writeln!(
        out,
        "{} updates in {files} files; {up_to_date} dependencies up to date, {skipped} skipped",
        report.update_count()
    )?;
    for file in report.package_files.values().flatten() {
        for dep in file
            .deps
            .iter()
            .filter(|dep| !dep.vulnerabilities.is_empty())
        {
            let ids: Vec<String> = dep
                .vulnerabilities
                .iter()
                .map(|advisory| format!("{} ({})", advisory.id, advisory.severity))
                .collect();
            writeln!(
                out,
                "vulnerable: {} {} {}: {}",
                file.package_file,
                dep.dependency.dep_name,
                dep.current_version.as_deref().unwrap_or("?"),
                ids.join(", ")
            )?;
        }
    }
    for unavailable in &report.vulnerabilities_unavailable {
        writeln!(
            out,
            "error: vulnerability data for {} is unavailable (nothing there was checked): {}",
            unavailable.ecosystem, unavailable.reason
        )?;
    }
    for host in &report.host_errors {
        writeln!(
            out,
            "error: registry `{}` failed ({} packages not looked up): {}",
            host.host,
            host.packages.len(),
            host.message
        )?;
    }
    for error in &report.lookup_errors {
        writeln!(
            out,
            "error: {} {}: {}",
            error.package_file, error.dep_name, error.message
        )?;
    }
    for error in &report.errors {
        writeln!(
            out,
            "error: {} ({}): {}",
            error.package_file, error.manager, error.message
        )?;
    }
    for note in notes {
        writeln!(out, "note: {note}")?;
    }
    for (datasource, count) in unavailable {
        writeln!(
            out,
            "note: {count} dependencies not looked up: datasource `{datasource}` is not available in this build"
        )?;
    }
    Ok(())
}

/// `^18.2.0 → ^19.0.0`; a lock file update shows versions; a digest its first digits.
fn change(dep: &LookedUpDependency, update: &Update) -> String {
    let dependency = &dep.dependency;
    let with_digest = |value: Option<&str>, digest: Option<&str>| {
        let mut text = value.unwrap_or("").to_owned();
        if let Some(digest) = digest {
            let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
            text = format!("{text}@{}", &hex[..hex.len().min(12)]);
        }
        text
    };
    if update.is_lockfile_update {
        let from = dep.current_version.as_deref().unwrap_or("?");
        let to = update.new_version.as_deref().unwrap_or("?");
        return format!("{from} → {to} (lock file)");
    }
    let from = with_digest(
        dependency.current_value.as_deref(),
        dependency.current_digest.as_deref(),
    );
    let to = with_digest(update.new_value.as_deref(), update.new_digest.as_deref());
    format!("{from} → {to}")
}

fn update_label(update: &Update) -> String {
    let kind = update.update_type.map_or("?", UpdateType::as_str);
    if update.is_vulnerability_fix {
        return format!("{kind} [SECURITY]");
    }
    match &update.eligible_at {
        Some(at) if update.pending_checks => {
            format!("{kind} (pending until {})", &at[..10.min(at.len())])
        }
        _ if update.pending_checks => format!("{kind} (pending)"),
        _ => kind.to_owned(),
    }
}

/// How long ago `newVersion` was released: `5d`, `3mo`, `2y`.
fn age(update: &Update, now: Timestamp) -> String {
    let Some(released) = update
        .release_timestamp
        .as_deref()
        .and_then(|text| text.parse::<Timestamp>().ok())
    else {
        return String::new();
    };
    let seconds = now.duration_since(released).as_secs().max(0);
    let (hour, day) = (3_600, 86_400);
    match seconds {
        s if s < hour => format!("{}m", s / 60),
        s if s < day => format!("{}h", s / hour),
        s if s < 60 * day => format!("{}d", s / day),
        s if s < 365 * day => format!("{}mo", s / (30 * day)),
        s => format!("{}y", s / (365 * day)),
    }
}
