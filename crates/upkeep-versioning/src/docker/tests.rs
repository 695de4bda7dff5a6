use crate::RangeStrategy::*;
use upkeep_types::UpdateType;

use super::*;
use crate::tests::{check_ascending, check_new_values, check_stable, check_validity, version};

const DOCKER: &dyn Versioning = &DockerVersioning;

#[test]
fn version_tags_and_non_version_tags() {
    check_validity(
        DOCKER,
        &[
            ("1", true, true, true),
            ("1.2", true, true, true),
            ("1.2.3", true, true, true),
            ("1.2.3.4", true, true, true),
            ("v1.2", true, true, true),
            ("18-alpine", true, true, true),
            ("18-alpine3.20", true, true, true),
            ("1.25.3-bookworm", true, true, true),
            ("3.12-slim-bookworm", true, true, true),
            ("1.2.3-rc1", true, true, true),
            ("3.13.0rc2-slim", true, true, true),
            ("2023.11.05", true, true, true),
            ("20231105", true, true, true),
            ("latest", false, false, false),
            ("stable", false, false, false),
            ("alpine", false, false, false),
            ("mainline-alpine", false, false, false),
            ("sha256:0123456789abcdef", false, false, false),
            ("1.2.3@sha256:0123", false, false, false),
            ("1.2.3.4.5", false, false, false),
            ("1.2-", false, false, false),
            ("1.2--slim", false, false, false),
            ("8u302-jdk", false, false, false),
            ("v", false, false, false),
        ],
    );
}

#[test]
fn prerelease_like_tags_are_unstable() {
    check_stable(
        DOCKER,
        &[
            ("1.2.3", true),
            ("18-alpine", true),
            ("8-jdk", true),
            ("1.2.3-rc1", false),
            ("1.2.3-beta", false),
            ("1.2.3-alpha.2-slim", false),
            ("3.13.0rc2-slim", false),
            ("1.0-preview", false),
            ("7.0-nightly-alpine", false),
        ],
    );
}

#[test]
fn the_suffix_family_excludes_the_prerelease() {
    for (tag, suffix) in [
        ("1.2.3-rc1-alpine", "alpine"),
        ("18-alpine3.20", "alpine3.20"),
        ("3.13.0rc2-slim", "slim"),
        ("3.12-slim-bookworm", "slim-bookworm"),
        ("1.2.3-rc1", ""),
        ("1.2.3", ""),
    ] {
        assert_eq!(version(DOCKER, tag).suffix(), suffix, "{tag}");
    }
}

#[test]
fn ordering_is_numeric_and_prereleases_come_first() {
    check_ascending(DOCKER, &["1.9", "1.10", "2.0"]);
    check_ascending(DOCKER, &["1.2.3-rc1", "1.2.3-rc2", "1.2.3-rc10", "1.2.3"]);
    check_ascending(
        DOCKER,
        &[
            "3.13.0a1-slim",
            "3.13.0b2-slim",
            "3.13.0rc1-slim",
            "3.13.0-slim",
        ],
    );
    check_ascending(
        DOCKER,
        &[
            "18-alpine3.19",
            "20-alpine3.19",
            "20-alpine3.20",
            "22-alpine3.20",
        ],
    );
    check_ascending(DOCKER, &["9", "10", "100"]);
}

#[test]
fn compatibility_needs_the_same_suffix_precision_and_prefix() {
    let table = [
        ("20-alpine3.19", "18-alpine3.19", true),
        // The suffix is compared exactly, digits included: a new Alpine is not an upgrade.
        ("20-alpine3.20", "18-alpine3.19", false),
        ("20", "18", true),
        ("20.11.1", "18", false),
        ("20-alpine", "18", false),
        ("20", "18-alpine", false),
        ("1.27-bookworm", "1.25-bookworm", true),
        ("1.27-bullseye", "1.25-bookworm", false),
        ("v2.11", "v2.10", true),
        ("2.11", "v2.10", false),
        ("1.2.4-rc1", "1.2.3", true),
    ];
    for (candidate, current, expected) in table {
        assert_eq!(
            DOCKER.is_compatible(&version(DOCKER, candidate), &version(DOCKER, current)),
            expected,
            "{candidate} for {current}"
        );
    }
}

#[test]
fn a_tag_matches_only_itself() {
    let range = DOCKER.parse_range("18-alpine").unwrap();
    assert!(DOCKER.matches(&version(DOCKER, "18-alpine"), &range));
    assert!(!DOCKER.matches(&version(DOCKER, "18"), &range));
    assert!(!DOCKER.matches(&version(DOCKER, "18.0-alpine"), &range));
}

#[test]
fn update_types() {
    let update = |from, to| DOCKER.update_type(&version(DOCKER, from), &version(DOCKER, to));
    assert_eq!(update("18", "20"), Some(UpdateType::Major));
    assert_eq!(update("1.25", "1.27"), Some(UpdateType::Minor));
    assert_eq!(
        update("1.25.3-bookworm", "1.25.4-bookworm"),
        Some(UpdateType::Patch)
    );
    assert_eq!(update("1.25", "1.24"), None);
    assert!(!DOCKER.is_breaking(&version(DOCKER, "0.9"), &version(DOCKER, "0.10")));
}

#[test]
fn new_values_are_the_new_tag_within_the_family() {
    check_new_values(
        DOCKER,
        &[
            ("18", Replace, "18", "20", Some("20")),
            ("18", Replace, "18", "20.11.1", None),
            (
                "18-alpine3.19",
                Replace,
                "18-alpine3.19",
                "20-alpine3.19",
                Some("20-alpine3.19"),
            ),
            (
                "18-alpine3.19",
                Replace,
                "18-alpine3.19",
                "20-alpine3.20",
                None,
            ),
            ("1.25", Pin, "1.25", "1.27", Some("1.27")),
            ("1.25", Bump, "1.25", "1.27", Some("1.27")),
            ("1.25", Auto, "1.25", "1.27", Some("1.27")),
            ("1.25", InRangeOnly, "1.25", "1.27", None),
            ("1.25", InRangeOnly, "1.25", "1.25", Some("1.25")),
            ("v2.10", Replace, "v2.10", "v2.11", Some("v2.11")),
            (
                "3.12.1-slim-bookworm",
                Replace,
                "",
                "3.13.0-slim-bookworm",
                Some("3.13.0-slim-bookworm"),
            ),
            ("latest", Replace, "", "20", None),
            ("sha256:0123abcd", Replace, "", "20", None),
        ],
    );
}
