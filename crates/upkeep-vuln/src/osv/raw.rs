//! The schema as serde reads it, and the checks that turn it into the public types.
//!
//! Lists may be absent or `null` (both read as empty). Everything else that matching
//! relies on is checked in [`TryFrom`], with the record id in every error.

use serde::Deserialize;
use serde_json::Value;

use super::{
    Affected, Event, InvalidRecord, Package, Range, RangeType, Reference, ReferenceType,
    SeverityScore, SeverityType, Vulnerability,
};

#[derive(Deserialize)]
pub(super) struct RawVulnerability {
    schema_version: Option<String>,
    id: String,
    modified: String,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    affected: Option<Vec<RawAffected>>,
    references: Option<Vec<RawReference>>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    severity: Option<Vec<RawSeverity>>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
    ecosystem_specific: Option<Value>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    repo: Option<String>,
    events: Vec<RawEvent>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(rename = "type")]
    kind: String,
    url: String,
}

impl TryFrom<RawVulnerability> for Vulnerability {
    type Error = InvalidRecord;

    fn try_from(raw: RawVulnerability) -> Result<Vulnerability, InvalidRecord> {
        let invalid = |reason: String| InvalidRecord {
            id: raw.id.clone(),
            reason,
        };
        if raw.id.trim().is_empty() {
            return Err(invalid("the `id` is empty".to_owned()));
        }
        let affected = raw
            .affected
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, affected)| affected_from_raw(index, affected))
            .collect::<Result<Vec<_>, String>>()
            .map_err(invalid)?;
        Ok(Vulnerability {
            schema_version: raw.schema_version,
            id: raw.id,
            modified: raw.modified,
            published: raw.published,
            withdrawn: raw.withdrawn,
            aliases: raw.aliases.unwrap_or_default(),
            related: raw.related.unwrap_or_default(),
            summary: raw.summary,
            details: raw.details,
            severity: severities(raw.severity),
            affected,
            references: raw
                .references
                .unwrap_or_default()
                .into_iter()
                .map(|reference| Reference {
                    kind: ReferenceType::from(reference.kind.as_str()),
                    url: reference.url,
                })
                .collect(),
            database_specific: raw.database_specific,
        })
    }
}

fn severities(raw: Option<Vec<RawSeverity>>) -> Vec<SeverityScore> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|severity| SeverityScore {
            kind: SeverityType::from(severity.kind.as_str()),
            score: severity.score,
        })
        .collect()
}

fn affected_from_raw(index: usize, raw: RawAffected) -> Result<Affected, String> {
    let package = raw.package.map(|package| Package {
        ecosystem: package.ecosystem,
        name: package.name,
        purl: package.purl,
    });
    let place = match &package {
        Some(package) => format!(
            "affected[{index}] ({} `{}`)",
            package.ecosystem, package.name
        ),
        None => format!("affected[{index}]"),
    };
    let ranges = raw
        .ranges
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(range_index, range)| {
            range_from_raw(range).map_err(|reason| format!("{place} range {range_index} {reason}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Affected {
        package,
        severity: severities(raw.severity),
        ranges,
        versions: raw.versions.unwrap_or_default(),
        ecosystem_specific: raw.ecosystem_specific,
        database_specific: raw.database_specific,
    })
}

fn range_from_raw(raw: RawRange) -> Result<Range, String> {
    let mut events = Vec::with_capacity(raw.events.len());
    for (index, event) in raw.events.into_iter().enumerate() {
        let kinds = [
            event.introduced.map(Event::Introduced),
            event.fixed.map(Event::Fixed),
            event.last_affected.map(Event::LastAffected),
            event.limit.map(Event::Limit),
        ];
        let mut present = kinds.into_iter().flatten();
        let Some(event) = present.next() else {
            // No known key: an event kind from a later schema version.
            continue;
        };
        if present.next().is_some() {
            return Err(format!("event {index} has more than one kind"));
        }
        if event.version().trim().is_empty() {
            return Err(format!("event {index} has an empty version"));
        }
        events.push(event);
    }
    Range::new(
        RangeType::from(raw.kind.as_str()),
        raw.repo,
        events,
        raw.database_specific,
    )
}
