//! `upkeep audit [PATH] [--json] [--fail-on SEVERITY] [--osv-db DIR|ZIP] [--osv-api URL]`:
//! the vulnerable packages of a checkout, direct and transitive, with the fix upkeep
//! would apply — a CI gate like `cargo audit` and `npm audit`.
//!
//! Flow: extract the checkout → read the lock files the package files use (every
//! registry package, direct or transitive) and the exact pins of package files without
//! one → ask the vulnerability source about every package once → for each vulnerable
//! version choose the fix (the lowest version fixing every advisory of the package that
//! none affects) and how to get there (package file, lock file only, or a parent update
//! first).
//!
//! Without a registry the fix is chosen among the versions the advisories name as fixed
//! (those exist); the entry's `reason` says so. Cargo parents' requirements are not in
//! Cargo.lock, so offline a transitive crate's fix path reads "requirement unknown".
//!
//! Exit codes: 0 nothing at or above the threshold; 4 something is (the default
//! threshold is any vulnerability, as `cargo audit` and `npm audit` do; an advisory of
//! unknown severity counts as meeting every threshold, since upkeep cannot tell it is
//! below); 3 nothing found at the threshold but some data was unavailable or some file
//! could not be read; 1 the audit could not run (no vulnerability data at all).

mod collect;
mod output;

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_vuln::fix::{self, CandidateOrigin, CandidateVersions};
use upkeep_vuln::transitive::{self, FixPath, UnknownRequirements};
use upkeep_vuln::{DEFAULT_OSV_API, OfflineDatabase, OsvApi, SeverityLabel, VulnerabilitySource};

use self::collect::{Advisories, Finding};
use self::output::{Report, Unavailable, Vulnerability};
use crate::{EXIT_OK, EXIT_PARTIAL, EXIT_VULNERABLE};

/// Arguments of `upkeep audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The checkout to audit (default: the current directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print one JSON object (`vulnerabilities`, `summary`, `unavailable`).
    #[arg(long)]
    json: bool,
    /// Exit with 4 only when an advisory is at least this severe (default: any).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_threshold)]
    fail_on: Option<SeverityLabel>,
    /// An offline OSV database: a directory of OSV JSON records or an `all.zip` dump.
    #[arg(long, value_name = "DIR|ZIP", env = "UPKEEP_OSV_DB")]
    osv_db: Option<PathBuf>,
    /// The OSV API (or a mirror) to ask when no offline database is given.
    #[arg(long, value_name = "URL", env = "UPKEEP_OSV_API", default_value = DEFAULT_OSV_API)]
    osv_api: String,
}

fn parse_threshold(text: &str) -> Result<SeverityLabel, String> {
    match text {
        "low" => Ok(SeverityLabel::Low),
        "medium" => Ok(SeverityLabel::Medium),
        "high" => Ok(SeverityLabel::High),
        "critical" => Ok(SeverityLabel::Critical),
        _ => Err("expected one of `low`, `medium`, `high`, `critical`".to_owned()),
    }
}

/// Runs the command.
pub fn run(args: &AuditArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(audit(args))
}

async fn audit(args: &AuditArgs) -> anyhow::Result<u8> {
    let extracted = upkeep_worker::extract_repository(&args.path)
        .with_context(|| format!("cannot audit `{}`", args.path.display()))?;
    let inputs = collect::collect(&args.path, &extracted);
    let source = open_source(args)?;
    let queries = inputs.queries();
    let mut unavailable = Vec::new();
    let advisories = if queries.is_empty() {
        Advisories::default()
    } else {
        match source.advisories(&queries).await {
            Ok(answers) => Advisories::new(&queries, answers),
            Err(error) => {
                // One failed source answer leaves every ecosystem asked without data.
                unavailable = inputs
                    .ecosystems()
                    .into_iter()
                    .map(|ecosystem| Unavailable {
                        ecosystem: ecosystem.osv_name,
                        reason: error.to_string(),
                    })
                    .collect();
                Advisories::default()
            }
        }
    };
    // No registry is asked here; the worker passes its datasources.
    let candidates: Option<&dyn CandidateVersions> = None;
    let mut vulnerabilities = Vec::new();
    for finding in inputs.findings(&advisories) {
        vulnerabilities.push(resolve(finding, candidates).await);
    }
    let mut errors: Vec<String> = extracted
        .errors
        .iter()
        .map(|error| format!("`{}`: {}", error.package_file, error.message))
        .collect();
    errors.extend(inputs.errors);
    let report = Report::new(vulnerabilities, unavailable, errors);
    report.print(args.json)?;

    let failing = report.count_at_or_above(args.fail_on);
    if failing > 0 {
        return Ok(EXIT_VULNERABLE);
    }
    if !report.unavailable.is_empty() && !queries.is_empty() {
        let reasons: Vec<String> = report
            .unavailable
            .iter()
            .map(|entry| format!("{}: {}", entry.ecosystem, entry.reason))
            .collect();
        anyhow::bail!(
            "vulnerability data is unavailable, nothing was audited ({})",
            reasons.join("; ")
        );
    }
    Ok(if report.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
}

fn open_source(args: &AuditArgs) -> anyhow::Result<Box<dyn VulnerabilitySource>> {
    if let Some(path) = &args.osv_db {
        let database = OfflineDatabase::open(path)?;
        let report = database.report();
        if !report.errors.is_empty() {
            eprintln!(
                "warning: {} OSV records skipped as broken, first: {}",
                report.errors.len(),
                report.errors[0]
            );
        }
        return Ok(Box::new(database));
    }
    let client = HttpClient::new(HttpOptions::default(), HostRules::default())
        .context("cannot set up the HTTP client")?;
    Ok(Box::new(OsvApi::new(client, &args.osv_api)?))
}

/// Chooses the fix of one finding and how to reach it.
async fn resolve(finding: Finding, candidates: Option<&dyn CandidateVersions>) -> Vulnerability {
    let locked = &finding.locked;
    let ecosystem = finding.ecosystem;
    let registry = match candidates {
        Some(source) => source.versions(ecosystem, &locked.name).await.ok(),
        None => None,
    };
    let (versions, origin) = match registry {
        Some(versions) => (versions, CandidateOrigin::Registry),
        None => (
            fix::fixed_version_candidates(&locked.all_advisories, ecosystem),
            CandidateOrigin::AdvisoryFixedVersions,
        ),
    };
    let choice = fix::choose_fix(
        &locked.name,
        &locked.parsed_version,
        &versions,
        origin,
        &locked.all_advisories,
    );
    let path = choice
        .version
        .as_ref()
        .map(|version| transitive::fix_path(locked, version, ecosystem, &UnknownRequirements));
    let mut reasons = Vec::new();
    if let (Some(path), Some(version)) = (&path, &choice.version)
        && *path != FixPath::Direct
    {
        reasons.push(path.describe(&locked.name, version.as_str()));
    }
    reasons.extend(choice.reason);
    Vulnerability::new(finding, choice.version, path, reasons)
}
