use std::sync::Arc;

use super::*;
use crate::{Ecosystem, IndexBuilder};

/// The advisories of npm package `p` from records given as `(id, ranges JSON)`.
fn advisories(records: &[(&str, &str)]) -> Arc<[Advisory]> {
    let mut builder = IndexBuilder::new();
    for (id, ranges) in records {
        let json = format!(
            r#"{{"id": "{id}", "modified": "m", "affected": [{{
                "package": {{"ecosystem": "npm", "name": "p"}}, "ranges": {ranges}}}]}}"#
        );
        builder.add_json(id, json.as_bytes());
    }
    let (index, report) = builder.finish();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    index.advisories(Ecosystem::from_osv_name("npm").unwrap(), "p")
}

fn v(text: &str) -> Version {
    upkeep_versioning::get_versioning("npm")
        .unwrap()
        .parse_version(text)
        .unwrap()
}

fn versions(texts: &[&str]) -> Vec<Version> {
    texts.iter().map(|text| v(text)).collect()
}

fn text(version: Result<&Version, NoFix>) -> Result<&str, NoFix> {
    version.map(Version::as_str)
}

/// minimist-like: two advisories, one fixed in 1.2.6 (and 0.2.4 on the old line), one
/// fixed in 1.2.8.
fn minimist() -> Arc<[Advisory]> {
    advisories(&[
        (
            "GHSA-A",
            r#"[{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.6"}]},
               {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.2.4"}]}]"#,
        ),
        (
            "GHSA-B",
            r#"[{"type": "ECOSYSTEM", "events": [{"introduced": "1.2.0"}, {"fixed": "1.2.8"}]}]"#,
        ),
    ])
}

const CANDIDATES: &[&str] = &[
    "0.2.3", "0.2.4", "1.0.0", "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.3.0", "2.0.0",
];

#[test]
fn is_affected_table() {
    let advisories = minimist();
    let cases = [
        ("0.2.3", true),
        ("0.2.4", false),
        ("0.9.0", false),
        ("1.0.0", true),
        ("1.2.5", true),
        ("1.2.6", true), // still affected by GHSA-B
        ("1.2.8", false),
        ("2.0.0", false),
    ];
    for (version, expected) in cases {
        assert_eq!(is_affected(&v(version), &advisories), expected, "{version}");
    }
    let ids: Vec<&str> = affecting(&v("1.2.5"), &advisories)
        .iter()
        .map(|advisory| advisory.id.as_str())
        .collect();
    assert_eq!(ids, ["GHSA-A", "GHSA-B"]);
}

#[test]
fn lowest_fixing_version_table() {
    let advisories = minimist();
    let candidates = versions(CANDIDATES);
    let cases: [(&str, Result<&str, NoFix>); 5] = [
        // Fixes every advisory: 1.2.6 fixes A but not B, so 1.2.8.
        ("1.2.5", Ok("1.2.8")),
        ("1.0.0", Ok("1.2.8")),
        // The old line's fix is the next unaffected version up.
        ("0.2.3", Ok("0.2.4")),
        ("0.2.4", Err(NoFix::NotAffected)),
        ("1.3.0", Err(NoFix::NotAffected)),
    ];
    for (current, expected) in cases {
        let found = lowest_fixing_version(&v(current), &candidates, &advisories);
        assert_eq!(text(found), expected, "{current}");
    }
}

#[test]
fn highest_fixing_version_table() {
    let advisories = minimist();
    let candidates = versions(CANDIDATES);
    assert_eq!(
        text(highest_fixing_version(
            &v("1.2.5"),
            &candidates,
            &advisories
        )),
        Ok("2.0.0")
    );
    assert_eq!(
        text(highest_fixing_version(
            &v("2.0.0"),
            &candidates,
            &advisories
        )),
        Err(NoFix::NotAffected)
    );
}

#[test]
fn no_fix_when_every_newer_version_is_affected() {
    // request: last_affected 2.88.2, no fix released.
    let advisories = advisories(&[(
        "GHSA-R",
        r#"[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "2.88.2"}]}]"#,
    )]);
    let candidates = versions(&["2.88.0", "2.88.1", "2.88.2"]);
    assert_eq!(
        text(lowest_fixing_version(
            &v("2.88.0"),
            &candidates,
            &advisories
        )),
        Err(NoFix::NoUnaffectedNewerVersion)
    );
    // A later release beyond last_affected counts as unaffected.
    let candidates = versions(&["2.88.2", "2.89.0"]);
    assert_eq!(
        text(lowest_fixing_version(
            &v("2.88.0"),
            &candidates,
            &advisories
        )),
        Ok("2.89.0")
    );
}

#[test]
fn highest_unaffected_table() {
    let advisories = minimist();
    let cases: [(&[&str], Option<&str>); 4] = [
        (CANDIDATES, Some("2.0.0")),
        (&["1.2.5", "1.2.6", "1.2.7"], None),
        (&["0.2.3", "0.2.4", "1.2.7"], Some("0.2.4")),
        (&[], None),
    ];
    for (candidates, expected) in cases {
        let candidates = versions(candidates);
        let found = highest_unaffected(&candidates, &advisories).map(Version::as_str);
        assert_eq!(found, expected, "{candidates:?}");
    }
}

#[test]
fn secure_proposal_falls_back_within_the_filtered_set() {
    // The newest release itself is vulnerable: 1.3.0 introduced a new issue.
    let advisories = advisories(&[(
        "GHSA-N",
        r#"[{"type": "ECOSYSTEM", "events": [{"introduced": "1.3.0"}, {"fixed": "1.4.0"}]}]"#,
    )]);
    let minor_candidates = versions(&["1.1.0", "1.2.0", "1.3.0"]);
    let pick = &minor_candidates[2];
    assert_eq!(
        secure_proposal(pick, &minor_candidates, &advisories),
        Proposal::FellBack {
            affected: pick,
            advisories: vec!["GHSA-N".to_owned()],
            to: &minor_candidates[1],
        }
    );
    let unaffected = &minor_candidates[1];
    assert_eq!(
        secure_proposal(unaffected, &minor_candidates, &advisories),
        Proposal::Unaffected(unaffected)
    );
    let only_affected = versions(&["1.3.0", "1.3.1"]);
    assert_eq!(
        secure_proposal(&only_affected[1], &only_affected, &advisories),
        Proposal::NoUnaffected {
            affected: &only_affected[1],
            advisories: vec!["GHSA-N".to_owned()],
        }
    );
}
