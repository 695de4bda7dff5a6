//! Table helpers shared by the schemes' tests, and the conformance test that loops over
//! [`VERSIONINGS`].

use std::cmp::Ordering;

use super::*;

/// One `get_new_value` row: current value, strategy, current version (`""` if unknown),
/// new version, expected new value.
pub(crate) type NewValueRow = (
    &'static str,
    RangeStrategy,
    &'static str,
    &'static str,
    Option<&'static str>,
);

pub(crate) fn version(versioning: &dyn Versioning, text: &str) -> Version {
    versioning
        .parse_version(text)
        .unwrap_or_else(|| panic!("{}: `{text}` should be a version", versioning.id()))
}

pub(crate) fn check_new_values(versioning: &dyn Versioning, rows: &[NewValueRow]) {
    let mut failures = Vec::new();
    for &(current_value, strategy, current_version, new_version, expected) in rows {
        let current_version =
            (!current_version.is_empty()).then(|| version(versioning, current_version));
        let new_version = version(versioning, new_version);
        let actual = versioning.get_new_value(&NewValueRequest {
            current_value,
            range_strategy: strategy,
            current_version: current_version.as_ref(),
            new_version: &new_version,
        });
        if actual.as_deref() != expected {
            failures.push(format!(
                "`{current_value}` {strategy} → {new_version}: expected {expected:?}, got {actual:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}",
        versioning.id(),
        failures.join("\n")
    );
}

pub(crate) fn check_matches(versioning: &dyn Versioning, rows: &[(&str, &str, bool)]) {
    let mut failures = Vec::new();
    for &(version_text, range_text, expected) in rows {
        let range = versioning
            .parse_range(range_text)
            .unwrap_or_else(|| panic!("`{range_text}` should be a valid range"));
        let actual = versioning.matches(&version(versioning, version_text), &range);
        if actual != expected {
            failures.push(format!(
                "`{version_text}` in `{range_text}`: expected {expected}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}",
        versioning.id(),
        failures.join("\n")
    );
}

/// Rows of (text, is_valid, is_version, is_single_version).
pub(crate) fn check_validity(versioning: &dyn Versioning, rows: &[(&str, bool, bool, bool)]) {
    let mut failures = Vec::new();
    for &(text, valid, is_version, single) in rows {
        let actual = (
            versioning.is_valid(text),
            versioning.is_version(text),
            versioning.is_single_version(text),
        );
        if actual != (valid, is_version, single) {
            failures.push(format!(
                "`{text}`: expected valid/version/single {:?}, got {actual:?}",
                (valid, is_version, single)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}",
        versioning.id(),
        failures.join("\n")
    );
}

/// Each version must sort strictly after the one before it.
pub(crate) fn check_ascending(versioning: &dyn Versioning, ascending: &[&str]) {
    let versions: Vec<Version> = ascending
        .iter()
        .map(|text| version(versioning, text))
        .collect();
    for pair in versions.windows(2) {
        assert_eq!(
            versioning.compare(&pair[0], &pair[1]),
            Ordering::Less,
            "{}: {} < {}",
            versioning.id(),
            pair[0],
            pair[1]
        );
        assert!(versioning.is_greater_than(&pair[1], &pair[0]));
    }
    let mut shuffled = versions.clone();
    shuffled.reverse();
    shuffled.sort_by(|a, b| versioning.compare(a, b));
    assert_eq!(shuffled, versions);
}

pub(crate) fn check_stable(versioning: &dyn Versioning, rows: &[(&str, bool)]) {
    for &(text, stable) in rows {
        assert_eq!(
            versioning.is_stable(&version(versioning, text)),
            stable,
            "{}: is_stable({text})",
            versioning.id()
        );
    }
}

/// Sample versions per scheme for the conformance test; a new scheme must add its own.
fn samples(id: &str) -> &'static [&'static str] {
    match id {
        "cargo" | "npm" | "node" | "semver" => &["0.1.0", "1.2.3", "1.10.0", "2.0.0-rc.1", "2.0.0"],
        "hashicorp" => &["0.13.0", "1.2.3", "1.10.0", "2.0.0-beta1", "2.0.0"],
        "docker" => &[
            "1",
            "18-alpine",
            "1.25.3-bookworm",
            "3.13.0rc2-slim",
            "1.2.3.4",
        ],
        other => panic!("versioning `{other}` needs conformance samples in src/tests.rs"),
    }
}

#[test]
fn registry_ids_are_unique_and_found_by_get_versioning() {
    for (index, versioning) in VERSIONINGS.iter().enumerate() {
        let id = versioning.id();
        assert!(
            VERSIONINGS[..index].iter().all(|other| other.id() != id),
            "duplicate `{id}`"
        );
        assert_eq!(get_versioning(id).map(|found| found.id()), Some(id));
    }
    assert!(get_versioning("maven").is_none());
}

#[test]
fn every_scheme_treats_its_versions_consistently() {
    for versioning in VERSIONINGS {
        let versions: Vec<Version> = samples(versioning.id())
            .iter()
            .map(|text| version(*versioning, text))
            .collect();
        for version in &versions {
            let text = version.as_str();
            assert!(
                versioning.is_valid(text),
                "{}: `{text}` valid",
                versioning.id()
            );
            assert!(versioning.is_version(text));
            let range = versioning.parse_range(text).unwrap();
            assert!(
                versioning.matches(version, &range),
                "{}: `{text}` matches itself",
                versioning.id()
            );
            assert_eq!(versioning.compare(version, version), Ordering::Equal);
            assert_eq!(versioning.update_type(version, version), None);
        }
        for current in &versions {
            for new in versions
                .iter()
                .filter(|new| versioning.is_compatible(new, current))
            {
                let request = NewValueRequest {
                    current_value: current.as_str(),
                    range_strategy: RangeStrategy::Replace,
                    current_version: Some(current),
                    new_version: new,
                };
                if let Some(value) = versioning.get_new_value(&request) {
                    let range = versioning.parse_range(&value).unwrap();
                    assert!(
                        versioning.matches(new, &range),
                        "{}: `{value}` (from `{current}`) admits {new}",
                        versioning.id()
                    );
                }
            }
        }
    }
}

#[test]
fn an_empty_value_is_any_version_for_npm_only() {
    for versioning in VERSIONINGS {
        let npm_like = matches!(versioning.id(), "npm" | "node");
        assert_eq!(versioning.is_valid(""), npm_like, "{}", versioning.id());
        assert_eq!(versioning.is_valid("  "), npm_like, "{}", versioning.id());
    }
}

#[test]
fn garbage_is_invalid_everywhere() {
    for versioning in VERSIONINGS {
        for text in ["!!", "1..2", "sha256:0123abcd", ">=>1", "1.2.3 ||| 2"] {
            assert!(
                !versioning.is_valid(text),
                "{}: `{text}` should be invalid",
                versioning.id()
            );
            assert!(!versioning.is_version(text));
        }
    }
}
