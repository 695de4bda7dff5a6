use crate::RangeStrategy::*;

use super::*;
use crate::tests::{check_ascending, check_new_values, check_stable, check_validity};

const SEMVER: &dyn Versioning = &SemverVersioning;

#[test]
fn only_strict_semver_versions_are_valid() {
    check_validity(
        SEMVER,
        &[
            ("1.2.3", true, true, true),
            ("v1.2.3", true, true, true),
            ("1.2.3-rc.1+build.5", true, true, true),
            ("1.2", false, false, false),
            ("^1.2.3", false, false, false),
            ("=1.2.3", false, false, false),
            ("01.2.3", false, false, false),
            ("1.2.3.4", false, false, false),
            ("latest", false, false, false),
            ("1.2.3-", false, false, false),
        ],
    );
}

#[test]
fn ordering_and_stability() {
    check_ascending(
        SEMVER,
        &[
            "v0.9.0",
            "1.0.0-alpha",
            "v1.0.0-alpha.1",
            "1.0.0",
            "1.9.0",
            "v1.10.0",
        ],
    );
    check_stable(SEMVER, &[("v1.2.3", true), ("1.2.3-rc.1", false)]);
}

#[test]
fn new_values_keep_the_v_prefix() {
    check_new_values(
        SEMVER,
        &[
            ("v1.2.3", Replace, "v1.2.3", "1.4.0", Some("v1.4.0")),
            ("v1.2.3", Pin, "v1.2.3", "v1.4.0", Some("v1.4.0")),
            ("1.2.3", Bump, "1.2.3", "v2.0.0", Some("2.0.0")),
            ("1.2.3", Replace, "1.2.3", "2.0.0-rc.1", Some("2.0.0-rc.1")),
            ("1.2.3", InRangeOnly, "1.2.3", "1.4.0", None),
            ("1.2.3", InRangeOnly, "1.2.3", "1.2.3", Some("1.2.3")),
            ("^1.2.3", Replace, "1.2.3", "1.4.0", None),
        ],
    );
}
