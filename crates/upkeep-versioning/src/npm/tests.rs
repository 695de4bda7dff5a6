use crate::RangeStrategy::*;

use super::*;
use crate::tests::{
    check_ascending, check_matches, check_new_values, check_stable, check_validity, version,
};

const NPM: &dyn Versioning = &NpmVersioning;

#[test]
fn validity_versions_ranges_and_dist_tags() {
    check_validity(
        NPM,
        &[
            ("1.2.3", true, true, true),
            ("v1.2.3", true, true, true),
            ("=1.2.3", true, false, true),
            ("1.2", true, false, false),
            ("1", true, false, false),
            ("^1.2.3", true, false, false),
            ("~1.2.3", true, false, false),
            ("~>1.2", true, false, false),
            ("1.x", true, false, false),
            ("1.2.X", true, false, false),
            ("*", true, false, false),
            ("x", true, false, false),
            (">=1.2.3 <2.0.0", true, false, false),
            (">= 1.2.3 < 2", true, false, false),
            ("1.2.3 - 2.3.4", true, false, false),
            ("^1.0.0 || ^2.0.0", true, false, false),
            ("1.2.3-beta.1", true, true, true),
            ("latest", true, false, false),
            ("next", true, false, false),
            ("beta-2", true, false, false),
            ("01.2.3", false, false, false),
            ("npm:foo@1.2.3", false, false, false),
            ("workspace:*", false, false, false),
            ("https://example.com/x.tgz", false, false, false),
            ("1.2.3.4", false, false, false),
            ("~> 1.2, < 2", false, false, false),
        ],
    );
}

#[test]
fn dist_tags_are_ranges_that_match_nothing() {
    let tag = NPM.parse_range("latest").unwrap();
    assert!(tag.is_tag());
    assert!(!NPM.matches(&version(NPM, "1.0.0"), &tag));
}

#[test]
fn matching_ranges_x_ranges_hyphens_and_prereleases() {
    check_matches(
        NPM,
        &[
            ("1.2.3", "1.2.3", true),
            ("1.2.4", "1.2.3", false),
            ("1.2.9", "1.2", true),
            ("1.3.0", "1.2", false),
            ("1.9.0", "1.x", true),
            ("2.0.0", "1.x", false),
            ("5.0.0", "*", true),
            ("5.0.0", "", true),
            ("1.9.9", "^1.2.3", true),
            ("2.0.0", "^1.2.3", false),
            ("0.2.9", "^0.2.3", true),
            ("0.3.0", "^0.2.3", false),
            ("1.2.9", "~1.2.3", true),
            ("1.3.0", "~1.2.3", false),
            ("1.9.0", "~1", true),
            ("1.5.0", "1.2.3 - 1.5", true),
            ("1.5.9", "1.2.3 - 1.5", true),
            ("1.6.0", "1.2.3 - 1.5", false),
            ("2.5.0", "^1.0.0 || ^2.0.0", true),
            ("3.0.0", "^1.0.0 || ^2.0.0", false),
            ("1.3.0", ">1.2", true),
            ("1.2.9", ">1.2", false),
            ("1.2.9", "<=1.2", true),
            ("1.2.3-beta.3", "^1.2.3-beta.2", true),
            ("1.2.4-beta.3", "^1.2.3-beta.2", false),
            ("2.0.0-rc.1", "^1.2.3", false),
            ("2.0.0-rc.1", ">=1.0.0", false),
            ("1.2.3", "v1.2.3", true),
        ],
    );
}

/// Our matching must agree with `nodejs-semver`, a port of npm's `node-semver`.
#[test]
fn matching_agrees_with_nodejs_semver() {
    let ranges = [
        "1.2.3",
        "^1.2.3",
        "~1.2.3",
        "1.2",
        "1",
        "1.x",
        "1.2.x",
        "*",
        "x",
        ">=1.2.3 <2.0.0",
        ">= 1.2.3 < 2",
        "1.2.3 - 1.4",
        "1.2 - 2",
        "^0.2.3",
        "^0.0.3",
        "^0.0",
        "~1",
        "<1.2",
        ">1.2",
        "<=1.2",
        ">=1.2",
        "^1.2.3-beta.2",
        "^1.0.0 || ^2.0.0",
        "~1.2.3 || >=2.0.0-alpha <2.1.0",
        "=1.2.3",
        "~>1.2",
        "0.x",
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
        "1.2.3-beta.2",
        "1.2.3-beta.3",
        "1.3.0",
        "1.4.9",
        "1.5.0",
        "1.9.0",
        "2.0.0",
        "2.0.0-alpha",
        "2.0.0-beta",
        "2.1.0",
        "3.0.0",
    ];
    for range_text in ranges {
        let oracle = nodejs_semver::Range::parse(range_text).unwrap();
        let range = NPM.parse_range(range_text).unwrap();
        for version_text in versions {
            let expected = oracle.satisfies(&nodejs_semver::Version::parse(version_text).unwrap());
            assert_eq!(
                NPM.matches(&version(NPM, version_text), &range),
                expected,
                "`{version_text}` in `{range_text}`"
            );
        }
    }
}

#[test]
fn ordering_and_stability() {
    check_ascending(
        NPM,
        &[
            "0.0.1",
            "0.1.0",
            "1.0.0-rc.1",
            "1.0.0",
            "1.9.0",
            "1.10.0",
            "10.0.0",
        ],
    );
    check_stable(
        NPM,
        &[("1.2.3", true), ("1.2.3-rc.1", false), ("21.0.0", true)],
    );
}

#[test]
fn new_values_keep_operator_precision_and_prefix() {
    check_new_values(
        NPM,
        &[
            ("^1.2", Bump, "1.2.0", "1.4.0", Some("^1.4")),
            ("^1.2.3", Replace, "1.2.3", "2.0.0", Some("^2.0.0")),
            ("^1.2.3", Replace, "1.2.3", "1.9.0", Some("^1.2.3")),
            ("^1.2.3", Bump, "1.2.3", "1.9.0", Some("^1.9.0")),
            ("^1.2.3", Pin, "1.2.3", "1.4.0", Some("1.4.0")),
            ("~1.2.3", Pin, "1.2.3", "1.2.5", Some("1.2.5")),
            ("1.2.3", Replace, "1.2.3", "1.4.0", Some("1.4.0")),
            ("1.2.3", Bump, "1.2.3", "2.0.0", Some("2.0.0")),
            ("1.2.3", UpdateLockfile, "1.2.3", "1.4.0", Some("1.4.0")),
            ("1.2.3", InRangeOnly, "1.2.3", "1.4.0", None),
            ("v1.2.3", Replace, "1.2.3", "1.4.0", Some("v1.4.0")),
            ("v1.2.3", Pin, "1.2.3", "1.4.0", Some("v1.4.0")),
            ("=1.2.3", Replace, "1.2.3", "1.4.0", Some("=1.4.0")),
            ("1.x", Replace, "1.4.0", "2.0.0", Some("2.x")),
            ("1.2.x", Replace, "1.2.0", "1.3.0", Some("1.3.x")),
            ("1.X", Replace, "1.2.0", "2.1.0", Some("2.X")),
            ("1", Replace, "1.0.0", "2.1.0", Some("2")),
            ("1.2", Replace, "1.2.0", "1.3.4", Some("1.3")),
            (
                ">=1.0.0 <2.0.0",
                Replace,
                "1.5.0",
                "2.1.0",
                Some(">=2.1.0 <3.0.0"),
            ),
            (
                ">=1.0.0 <2.0.0",
                Widen,
                "1.5.0",
                "2.1.0",
                Some(">=1.0.0 <3.0.0"),
            ),
            (
                ">=1.0.0 <2.0.0",
                Bump,
                "1.5.0",
                "1.4.0",
                Some(">=1.4.0 <2.0.0"),
            ),
            (
                ">= 1.0.0 < 2.0.0",
                Widen,
                "1.5.0",
                "2.1.0",
                Some(">= 1.0.0 < 3.0.0"),
            ),
            (
                "^1.0.0 || ^2.0.0",
                Widen,
                "2.0.0",
                "3.0.0",
                Some("^1.0.0 || ^2.0.0 || ^3.0.0"),
            ),
            (
                "^1.0.0 || ^2.0.0",
                Widen,
                "2.0.0",
                "2.5.0",
                Some("^1.0.0 || ^2.0.0"),
            ),
            (
                "^1.0.0||^2.0.0",
                Widen,
                "2.0.0",
                "3.0.0",
                Some("^1.0.0||^2.0.0||^3.0.0"),
            ),
            (
                "^1.0.0 || ^2.0.0",
                Replace,
                "2.0.0",
                "3.1.0",
                Some("^3.1.0"),
            ),
            (
                "^1.0.0 || ^2.0.0",
                Bump,
                "2.0.0",
                "2.3.0",
                Some("^1.0.0 || ^2.3.0"),
            ),
            ("^1.0.0", Widen, "1.0.0", "2.0.0", Some("^1.0.0 || ^2.0.0")),
            ("~1.2.0", Widen, "1.2.0", "1.3.4", Some("~1.2.0 || ~1.3.4")),
            (
                "1.2.3 - 1.4.0",
                Widen,
                "1.2.3",
                "1.6.0",
                Some("1.2.3 - 1.6.0"),
            ),
            (
                "1.2.3 - 1.4",
                Replace,
                "1.2.3",
                "2.0.1",
                Some("2.0.1 - 2.0"),
            ),
            ("1.2.3 - 1.4", Bump, "1.2.3", "1.3.0", Some("1.3.0 - 1.4")),
            ("*", Bump, "1.0.0", "2.0.0", Some("*")),
            ("latest", Replace, "1.0.0", "2.0.0", None),
            ("^1.2.3", InRangeOnly, "1.2.3", "2.0.0", None),
            ("^1.2.3", UpdateLockfile, "1.2.3", "1.5.0", Some("^1.2.3")),
            ("^1.2.3", UpdateLockfile, "1.2.3", "2.0.0", Some("^2.0.0")),
            ("^0.2.3", Replace, "0.2.3", "0.3.0", Some("^0.3.0")),
            ("~1.2.3", Replace, "1.2.3", "1.3.1", Some("~1.3.1")),
            (
                "^1.2.3-beta.1",
                Replace,
                "1.2.3-beta.1",
                "2.0.0",
                Some("^2.0.0"),
            ),
            (
                "^1.2.3",
                Replace,
                "1.2.3",
                "2.0.0-rc.1",
                Some("^2.0.0-rc.1"),
            ),
            ("<2.0.0", Replace, "1.0.0", "2.3.1", Some("<3.0.0")),
            ("^1.2", Auto, "1.2.0", "2.0.0", Some("^2.0")),
        ],
    );
}
