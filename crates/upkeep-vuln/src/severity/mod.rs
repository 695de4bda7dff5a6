//! How bad an advisory is: a label (none … critical) and, when a CVSS v3 vector gives
//! one, a score.
//!
//! Sources, first that applies wins:
//!
//! 1. a `CVSS_V3` vector (record-level `severity`, else the package's
//!    `affected[].severity`): the base score is computed ([`Cvss3`]) and labelled with
//!    the CVSS qualitative scale (0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high,
//!    9.0–10 critical); several vectors: the highest score;
//! 2. `database_specific.severity` (GHSA's `LOW`, `MODERATE`, `HIGH`, `CRITICAL`;
//!    `MODERATE` is medium): a label without a score;
//! 3. a malicious-package record: critical, as GitHub rates its malware advisories;
//! 4. otherwise unknown.
//!
//! CVSS v4 vectors are kept ([`Severity::vector`]) but not scored: v4's base score
//! comes from a 270-entry MacroVector table plus interpolation, which is not written
//! yet. A v4-only record therefore takes its label from `database_specific` or is
//! `unknown` — never guessed from the vector. CVSS v2 and Ubuntu priorities are
//! ignored for the same reason.

mod cvss3;

use serde::Serialize;

pub use cvss3::Cvss3;

use crate::osv::{SeverityScore, SeverityType, Vulnerability};

/// The qualitative severity. Orders from `Unknown` (lowest) to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityLabel {
    /// No usable severity data.
    Unknown,
    /// CVSS 0.0.
    None,
    /// CVSS 0.1–3.9, GHSA `LOW`.
    Low,
    /// CVSS 4.0–6.9, GHSA `MODERATE`.
    Medium,
    /// CVSS 7.0–8.9, GHSA `HIGH`.
    High,
    /// CVSS 9.0–10.0, GHSA `CRITICAL`, malicious packages.
    Critical,
}

impl SeverityLabel {
    /// The label of a CVSS base score.
    pub fn from_score(score: f64) -> SeverityLabel {
        match score {
            score if score >= 9.0 => SeverityLabel::Critical,
            score if score >= 7.0 => SeverityLabel::High,
            score if score >= 4.0 => SeverityLabel::Medium,
            score if score > 0.0 => SeverityLabel::Low,
            _ => SeverityLabel::None,
        }
    }

    /// Reads a database's severity word (`LOW`, `MODERATE`, `medium`, `High`, …).
    pub fn from_database_text(text: &str) -> Option<SeverityLabel> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Some(SeverityLabel::None),
            "low" => Some(SeverityLabel::Low),
            "moderate" | "medium" => Some(SeverityLabel::Medium),
            "high" => Some(SeverityLabel::High),
            "critical" => Some(SeverityLabel::Critical),
            _ => None,
        }
    }

    /// The lower-case name (`medium`), as `--fail-on` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityLabel::Unknown => "unknown",
            SeverityLabel::None => "none",
            SeverityLabel::Low => "low",
            SeverityLabel::Medium => "medium",
            SeverityLabel::High => "high",
            SeverityLabel::Critical => "critical",
        }
    }
}

/// Where a [`Severity`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SeveritySource {
    /// Computed from a CVSS v3 vector.
    CvssV3,
    /// Computed from a CVSS v4.0 vector (FIRST's MacroVector scoring, by the `cvss` crate).
    CvssV4,
    /// The database's own label (`database_specific.severity`).
    Database,
    /// A malicious package, rated critical.
    Malicious,
    /// Nothing usable.
    Unknown,
}

/// An advisory's severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Severity {
    /// The CVSS base score, when a v3 or v4 vector gave one.
    pub score: Option<f64>,
    /// The qualitative label.
    pub label: SeverityLabel,
    /// The vector the score came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// Where the label came from.
    pub source: SeveritySource,
}

impl Severity {
    /// No usable severity data.
    pub fn unknown() -> Severity {
        Severity {
            score: None,
            label: SeverityLabel::Unknown,
            vector: None,
            source: SeveritySource::Unknown,
        }
    }

    /// The severity of one record, for the package whose `affected[].severity` is
    /// `package_scores`.
    pub fn of_record(
        record: &Vulnerability,
        package_scores: &[SeverityScore],
        malicious: bool,
    ) -> Severity {
        let scores = || record.severity.iter().chain(package_scores);
        let best_v3 = scores()
            .filter(|entry| entry.kind == SeverityType::CvssV3)
            .filter_map(|entry| Some((Cvss3::parse(&entry.score)?.base_score(), entry)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((score, entry)) = best_v3 {
            return Severity {
                score: Some(score),
                label: SeverityLabel::from_score(score),
                vector: Some(entry.score.clone()),
                source: SeveritySource::CvssV3,
            };
        }
        // v3 first: the scores users compare with (NVD, GitHub) are still mostly v3.1
        let best_v4 = scores()
            .filter(|entry| entry.kind == SeverityType::CvssV4)
            .filter_map(|entry| Some((cvss4_score(&entry.score)?, entry)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((score, entry)) = best_v4 {
            return Severity {
                score: Some(score),
                label: SeverityLabel::from_score(score),
                vector: Some(entry.score.clone()),
                source: SeveritySource::CvssV4,
            };
        }
        // an unparseable v4 vector is still worth showing next to the database's label
        let v4_vector = scores()
            .find(|entry| entry.kind == SeverityType::CvssV4)
            .map(|entry| entry.score.clone());
        let (label, source) = match record
            .database_severity()
            .and_then(SeverityLabel::from_database_text)
        {
            Some(label) => (label, SeveritySource::Database),
            None if malicious => (SeverityLabel::Critical, SeveritySource::Malicious),
            None => (SeverityLabel::Unknown, SeveritySource::Unknown),
        };
        Severity {
            score: None,
            label,
            vector: v4_vector,
            source,
        }
    }

    /// The severity of several records of one vulnerability (aliases merged): a
    /// computed score beats a database label, which beats the rest; among equals, the
    /// most severe.
    pub fn merge(severities: impl IntoIterator<Item = Severity>) -> Severity {
        let rank = |severity: &Severity| match severity.source {
            SeveritySource::CvssV3 | SeveritySource::CvssV4 => 3,
            SeveritySource::Database => 2,
            SeveritySource::Malicious => 1,
            SeveritySource::Unknown => 0,
        };
        severities
            .into_iter()
            .max_by(|a, b| {
                rank(a)
                    .cmp(&rank(b))
                    .then(a.label.cmp(&b.label))
                    .then(a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)))
                    .then(a.vector.is_some().cmp(&b.vector.is_some()))
            })
            .unwrap_or_else(Severity::unknown)
    }
}

/// The base score of a CVSS v4.0 vector (`CVSS:4.0/AV:N/…`), `None` when it is not one.
fn cvss4_score(vector: &str) -> Option<f64> {
    let vector: cvss::v4::Vector = vector.trim().parse().ok()?;
    Some(vector.score().value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_cvss_scale() {
        let cases = [
            (0.0, SeverityLabel::None),
            (0.1, SeverityLabel::Low),
            (3.9, SeverityLabel::Low),
            (4.0, SeverityLabel::Medium),
            (6.9, SeverityLabel::Medium),
            (7.0, SeverityLabel::High),
            (8.9, SeverityLabel::High),
            (9.0, SeverityLabel::Critical),
            (10.0, SeverityLabel::Critical),
        ];
        for (score, label) in cases {
            assert_eq!(SeverityLabel::from_score(score), label, "{score}");
        }
    }

    #[test]
    fn ghsa_moderate_is_medium() {
        assert_eq!(
            SeverityLabel::from_database_text("MODERATE"),
            Some(SeverityLabel::Medium)
        );
        assert_eq!(
            SeverityLabel::from_database_text("CRITICAL"),
            Some(SeverityLabel::Critical)
        );
        assert_eq!(SeverityLabel::from_database_text("urgent"), None);
    }

    #[test]
    fn merge_prefers_a_computed_score() {
        let database = Severity {
            score: None,
            label: SeverityLabel::Critical,
            vector: None,
            source: SeveritySource::Database,
        };
        let computed = Severity {
            score: Some(8.1),
            label: SeverityLabel::High,
            vector: Some("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
            source: SeveritySource::CvssV3,
        };
        assert_eq!(
            Severity::merge([database, computed.clone(), Severity::unknown()]),
            computed
        );
        assert_eq!(Severity::merge([]), Severity::unknown());
    }

    #[test]
    fn cvss4_vectors_are_scored_like_firsts_calculator() {
        // values as FIRST's CVSS v4.0 calculator gives them
        let cases = [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
        ];
        for (vector, expected) in cases {
            assert_eq!(cvss4_score(vector), Some(expected), "{vector}");
        }
        assert_eq!(
            cvss4_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        assert_eq!(cvss4_score("CVSS:4.0/AV:N"), None);
    }
}
