//! The audit report: `--json` prints [`Report`] as is; the table shows one line per
//! vulnerable package version.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use upkeep_versioning::Version;
use upkeep_vuln::SeverityLabel;
use upkeep_vuln::transitive::{FixPath, Parent};

use super::collect::Finding;

/// Everything `upkeep audit --json` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// One entry per vulnerable package version (per lock file).
    pub vulnerabilities: Vec<Vulnerability>,
    /// Advisory occurrences by severity (`critical`, `high`, `medium`, `low`, `none`,
    /// `unknown`) and in `total`.
    pub summary: BTreeMap<&'static str, usize>,
    /// Ecosystems whose vulnerability data could not be had: not "no vulnerabilities".
    pub unavailable: Vec<Unavailable>,
    /// Package or lock files that could not be read.
    pub errors: Vec<String>,
}

/// An ecosystem without data.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unavailable {
    /// The OSV ecosystem.
    pub ecosystem: &'static str,
    /// Why.
    pub reason: String,
}

/// One vulnerable package version.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vulnerability {
    pub package_name: String,
    pub ecosystem: &'static str,
    pub version: String,
    pub direct: bool,
    /// The package file naming it (direct), else the lock file holding it.
    pub package_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_file: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    pub advisories: Vec<AdvisoryEntry>,
    /// The version upkeep would move to; null when it cannot (see `reason`).
    pub fix_version: Option<String>,
    /// How: `direct` (the package file), `lockfileOnly`, `needsParentUpdate`,
    /// `requirementUnknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixPath>,
    /// Why there is no fix, or what the fix involves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The registry packages depending on it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depended_on_by: Vec<Parent>,
    #[serde(skip)]
    severity: SeverityLabel,
}

/// One advisory of a vulnerable version.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisoryEntry {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity: SeverityLabel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The lowest version above the current one that this advisory says fixes it.
    pub fixed_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Vulnerability {
    pub fn new(
        finding: Finding,
        fix_version: Option<Version>,
        fix: Option<FixPath>,
        reasons: Vec<String>,
    ) -> Vulnerability {
        let locked = finding.locked;
        let advisories: Vec<AdvisoryEntry> = locked
            .advisories
            .iter()
            .map(|advisory| AdvisoryEntry {
                id: advisory.id.clone(),
                aliases: advisory.aliases.clone(),
                summary: advisory.summary.clone(),
                severity: advisory.severity.label,
                score: advisory.severity.score,
                fixed_in: advisory
                    .first_fix_after(&locked.parsed_version)
                    .map(str::to_owned),
                url: advisory.url.clone(),
            })
            .collect();
        let severity = advisories
            .iter()
            .map(|advisory| advisory.severity)
            .max()
            .unwrap_or(SeverityLabel::Unknown);
        Vulnerability {
            package_name: locked.name,
            ecosystem: finding.ecosystem.osv_name,
            version: locked.version,
            direct: locked.direct,
            package_file: finding.package_file,
            lock_file: finding.lock_file,
            dev: locked.dev,
            advisories,
            fix_version: fix_version.map(|version| version.as_str().to_owned()),
            fix,
            reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
            depended_on_by: locked.parents,
            severity,
        }
    }
}

const LABELS: [SeverityLabel; 6] = [
    SeverityLabel::Critical,
    SeverityLabel::High,
    SeverityLabel::Medium,
    SeverityLabel::Low,
    SeverityLabel::None,
    SeverityLabel::Unknown,
];

/// Whether an advisory of `label` fails the gate at `threshold` (`None`: any does).
/// Unknown severity fails every threshold: upkeep cannot tell it is below.
fn meets(label: SeverityLabel, threshold: Option<SeverityLabel>) -> bool {
    match threshold {
        None => true,
        Some(threshold) => label == SeverityLabel::Unknown || label >= threshold,
    }
}

impl Report {
    pub fn new(
        mut vulnerabilities: Vec<Vulnerability>,
        unavailable: Vec<Unavailable>,
        errors: Vec<String>,
    ) -> Report {
        vulnerabilities.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.ecosystem.cmp(b.ecosystem))
                .then_with(|| a.package_name.cmp(&b.package_name))
                .then_with(|| a.version.cmp(&b.version))
                .then_with(|| a.package_file.cmp(&b.package_file))
        });
        let mut summary: BTreeMap<&'static str, usize> =
            LABELS.iter().map(|label| (label.as_str(), 0)).collect();
        let mut total = 0;
        for advisory in vulnerabilities.iter().flat_map(|v| &v.advisories) {
            *summary.entry(advisory.severity.as_str()).or_default() += 1;
            total += 1;
        }
        summary.insert("total", total);
        Report {
            vulnerabilities,
            summary,
            unavailable,
            errors,
        }
    }

    /// Advisory occurrences that fail the gate at `threshold`.
    pub fn count_at_or_above(&self, threshold: Option<SeverityLabel>) -> usize {
        self.vulnerabilities
            .iter()
            .flat_map(|v| &v.advisories)
            .filter(|advisory| meets(advisory.severity, threshold))
            .count()
    }

    pub fn print(&self, json: bool) -> io::Result<()> {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        if json {
            serde_json::to_writer_pretty(&mut out, self)?;
            writeln!(out)?;
        } else {
            self.write_table(&mut out)?;
        }
        out.flush()
    }

    fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        let mut rows = vec![
            [
                "SEVERITY",
                "PACKAGE",
                "VERSION",
                "DEPENDENCY",
                "ADVISORIES",
                "FIX",
                "FILE",
            ]
            .map(str::to_owned),
        ];
        for v in &self.vulnerabilities {
            let ids: Vec<&str> = v.advisories.iter().map(|a| a.id.as_str()).collect();
            rows.push([
                v.severity.as_str().to_owned(),
                format!("{} ({})", v.package_name, v.ecosystem),
                v.version.clone(),
                if v.direct { "direct" } else { "transitive" }.to_owned(),
                ids.join(", "),
                v.fix_version.clone().unwrap_or_else(|| "none".to_owned()),
                v.package_file.clone(),
            ]);
        }
        if !self.vulnerabilities.is_empty() {
            crate::commands::common::write_columns(out, &rows)?;
            writeln!(out)?;
            for v in self.vulnerabilities.iter().filter(|v| v.reason.is_some()) {
                let reason = v.reason.as_deref().unwrap_or_default();
                writeln!(out, "{} {}: {reason}", v.package_name, v.version)?;
            }
        }
        let counts: Vec<String> = LABELS
            .iter()
            .map(|label| (label.as_str(), self.summary[label.as_str()]))
            .filter(|(_, count)| *count > 0)
            .map(|(label, count)| format!("{count} {label}"))
            .collect();
        writeln!(
            out,
            "{} vulnerable package versions, {} advisories{}",
            self.vulnerabilities.len(),
            self.summary["total"],
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        )?;
        for entry in &self.unavailable {
            writeln!(out, "unavailable: {}: {}", entry.ecosystem, entry.reason)?;
        }
        for error in &self.errors {
            writeln!(out, "error: {error}")?;
        }
        Ok(())
    }
}
