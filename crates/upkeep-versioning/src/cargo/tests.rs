use crate::RangeStrategy::*;

use super::*;
use crate::tests::{
    check_ascending, check_matches, check_new_values, check_stable, check_validity, version,
};

const CARGO: &dyn Versioning = &CargoVersioning;

#[test]
fn validity_follows_cargo() {
    check_validity(
        CARGO,
        &[
            ("1.2.3", true, true, false),
            ("1.2", true, false, false),
            ("1", true, false, false),
            ("^1.2.3", true, false, false),
            ("~1.2", true, false, false),
            ("=1.2.3", true, false, true),
            ("=1.2", true, false, false),
            (">=1.2, <1.5", true, false, false),
            (">= 1.2, < 2", true, false, false),
            ("*", true, false, false),
            ("1.*", true, false, false),
            ("1.2.*", true, false, false),
            ("1.2.3-alpha.1", true, true, false),
            ("v1.2.3", false, false, false),
            ("^1.2 || ^2", false, false, false),
            ("1.2.3 - 2", false, false, false),
            ("~> 1.2", false, false, false),
            ("latest", false, false, false),
            ("01.2.3", false, false, false),
            ("==1.2.3", false, false, false),
            (">=1.2,", false, false, false),
        ],
    );
}

#[test]
fn bare_versions_are_caret_requirements() {
    check_matches(
        CARGO,
        &[
            ("1.9.0", "1.2", true),
            ("2.0.0", "1.2", false),
            ("1.2.9", "1.2.3", true),
            ("1.2.2", "1.2.3", false),
            ("0.2.9", "0.2", true),
            ("0.3.0", "0.2", false),
            ("0.0.3", "0.0.3", true),
            ("0.0.4", "0.0.3", false),
            ("1.4.0", "1.*", true),
            ("1.3.0", "1.2.*", false),
            ("1.2.7", "1.2.*", true),
            ("1.4.9", ">=1.2, <1.5", true),
            ("1.5.0", ">=1.2, <1.5", false),
            ("1.2.3", "=1.2.3", true),
            ("1.2.4", "=1.2.3", false),
            ("1.2.9", "=1.2", true),
            ("1.2.3-alpha.2", "^1.2.3-alpha.1", true),
            ("1.2.4-alpha.2", "^1.2.3-alpha.1", false),
            ("2.0.0-rc.1", "^1.2", false),
            ("2.0.0-rc.1", "*", false),
        ],
    );
}

/// Our matching must agree with the `semver` crate, which is Cargo's own.
#[test]
fn matching_agrees_with_the_semver_crate() {
    let ranges = [
        "1.2.3",
        "^1.2.3",
        "~1.2.3",
        "=1.2.3",
        "1.2",
        "1",
        "0.2.3",
        "0.0.3",
        "^0.0",
        "^0",
        "~1",
        "~1.2",
        "~0.2.3",
        "0.0",
        "*",
        "1.*",
        "1.2.*",
        ">=1.2, <1.5",
        "> 1.2",
        ">1.2.3",
        "<=1.2",
        "<1.2",
        "=1.2",
        ">=1.2.3-alpha.1, <2",
        "^1.2.3-beta.2",
        ">1",
        "<=1",
        "=1",
    ];
    let versions = [
        "0.0.1",
        "0.0.3",
        "0.0.4",
        "0.1.0",
        "0.2.3",
        "0.2.9",
        "0.3.0",
        "1.0.0",
        "1.2.0",
        "1.2.2",
        "1.2.3",
        "1.2.4",
        "1.2.3-alpha.1",
        "1.2.3-beta.2",
        "1.2.3-beta.3",
        "1.3.0",
        "1.4.9",
        "1.5.0",
        "1.9.0",
        "2.0.0",
        "2.0.0-alpha",
        "2.1.0",
    ];
    for range_text in ranges {
        let oracle = ::semver::VersionReq::parse(range_text).unwrap();
        let range = CARGO.parse_range(range_text).unwrap();
        for version_text in versions {
            let expected = oracle.matches(&::semver::Version::parse(version_text).unwrap());
            assert_eq!(
                CARGO.matches(&version(CARGO, version_text), &range),
                expected,
                "`{version_text}` in `{range_text}`"
            );
        }
    }
}

#[test]
fn ordering_and_stability() {
    check_ascending(
        CARGO,
        &[
            "0.9.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta.11",
            "1.0.0",
            "1.9.0",
            "1.10.0",
        ],
    );
    check_stable(
        CARGO,
        &[("1.2.3", true), ("1.2.3-rc.1", false), ("0.1.0", true)],
    );
}

#[test]
fn update_type_and_breaking() {
    let v = |text| version(CARGO, text);
    assert_eq!(
        CARGO.update_type(&v("1.2.3"), &v("2.0.0")),
        Some(upkeep_types::UpdateType::Major)
    );
    assert_eq!(
        CARGO.update_type(&v("1.2.3"), &v("1.3.0")),
        Some(upkeep_types::UpdateType::Minor)
    );
    assert_eq!(
        CARGO.update_type(&v("1.2.3"), &v("1.2.4")),
        Some(upkeep_types::UpdateType::Patch)
    );
    assert_eq!(CARGO.update_type(&v("1.2.3"), &v("1.2.2")), None);
    assert!(CARGO.is_breaking(&v("0.2.3"), &v("0.3.0")));
    assert!(!CARGO.is_breaking(&v("0.2.3"), &v("0.2.9")));
    assert!(CARGO.is_breaking(&v("0.0.3"), &v("0.0.4")));
    assert!(!CARGO.is_breaking(&v("1.2.3"), &v("1.9.0")));
}

#[test]
fn satisfying_versions() {
    let versions: Vec<Version> = ["1.0.0", "1.2.0", "1.4.1", "2.0.0-rc.1", "2.0.0"]
        .iter()
        .map(|text| version(CARGO, text))
        .collect();
    let range = CARGO.parse_range("1.1").unwrap();
    assert_eq!(
        CARGO.max_satisfying(&versions, &range).map(Version::as_str),
        Some("1.4.1")
    );
    assert_eq!(
        CARGO.min_satisfying(&versions, &range).map(Version::as_str),
        Some("1.2.0")
    );
    let none = CARGO.parse_range("^3").unwrap();
    assert_eq!(CARGO.max_satisfying(&versions, &none), None);
}

#[test]
fn new_values_keep_operator_and_precision() {
    check_new_values(
        CARGO,
        &[
            ("^1.2", Bump, "1.2.0", "1.4.0", Some("^1.4")),
            ("^1.2.3", Replace, "1.2.3", "2.0.0", Some("^2.0.0")),
            ("^1.2.3", Replace, "1.2.3", "1.4.0", Some("^1.2.3")),
            ("^1.2.3", Bump, "1.2.3", "1.4.0", Some("^1.4.0")),
            ("^1", Replace, "1.0.0", "3.2.1", Some("^3")),
            ("1.2", Replace, "1.2.0", "2.1.3", Some("2.1")),
            ("1.2", Bump, "1.2.0", "1.4.5", Some("1.4")),
            ("1.2.3", Replace, "1.2.3", "1.3.0", Some("1.2.3")),
            ("1.2.3", Replace, "1.2.3", "2.0.0", Some("2.0.0")),
            ("1.2.3", Pin, "1.2.3", "1.3.0", Some("=1.3.0")),
            ("1.2", Pin, "1.2.0", "1.4.0", Some("=1.4.0")),
            ("^1.2.3", Pin, "1.2.3", "1.4.0", Some("=1.4.0")),
            ("=1.2.3", Replace, "1.2.3", "1.3.0", Some("=1.3.0")),
            ("=1.2.3", Bump, "1.2.3", "2.0.0", Some("=2.0.0")),
            ("=1.2.3", Widen, "1.2.3", "2.0.0", Some("=2.0.0")),
            ("~1.2.3", Replace, "1.2.3", "1.3.1", Some("~1.3.1")),
            ("~1.2", Replace, "1.2.0", "1.5.2", Some("~1.5")),
            ("~1.2.3", UpdateLockfile, "1.2.3", "1.2.9", Some("~1.2.3")),
            ("~1.2.3", UpdateLockfile, "1.2.3", "1.3.0", Some("~1.3.0")),
            ("~1.2.3", InRangeOnly, "1.2.3", "1.2.9", Some("~1.2.3")),
            ("~1.2.3", InRangeOnly, "1.2.3", "1.3.0", None),
            ("0.2", Replace, "0.2.0", "0.3.1", Some("0.3")),
            ("^0.2.3", Bump, "0.2.3", "0.2.5", Some("^0.2.5")),
            (">=1.2, <1.5", Widen, "1.2.0", "1.6.2", Some(">=1.2, <1.7")),
            (
                ">= 1.2, < 2.0",
                Widen,
                "1.2.0",
                "2.3.0",
                Some(">= 1.2, < 3.0"),
            ),
            (">=1.2, <2", Widen, "1.2.0", "1.7.0", Some(">=1.2, <2")),
            (">=1.2, <2", Replace, "1.2.0", "2.3.0", Some(">=2.3, <3")),
            (">=1.2, <2", Bump, "1.2.0", "1.7.0", Some(">=1.7, <2")),
            (">=1.2,<2", Replace, "1.2.0", "2.3.0", Some(">=2.3,<3")),
            ("1.*", Replace, "1.4.0", "2.0.1", Some("2.*")),
            ("1.2.*", Replace, "1.2.0", "1.3.0", Some("1.3.*")),
            ("*", Replace, "1.0.0", "3.0.0", Some("*")),
            ("*", Bump, "1.0.0", "3.0.0", Some("*")),
            ("^1.2", Widen, "1.2.0", "2.0.0", Some("^2.0")),
            (
                "^1.2.3",
                Replace,
                "1.2.3",
                "2.0.0-rc.1",
                Some("^2.0.0-rc.1"),
            ),
            (">=1.0", Replace, "1.0.0", "5.0.0", Some(">=1.0")),
            (">=1.0", Bump, "1.0.0", "5.0.0", Some(">=5.0")),
            ("<2", Replace, "1.0.0", "2.5.0", Some("<3")),
            ("^1.2", Auto, "1.2.0", "2.0.0", Some("^2.0")),
            ("^1.2", Replace, "", "2.0.0", Some("^2.0")),
            ("not a range", Replace, "", "2.0.0", None),
        ],
    );
}
