use crate::RangeStrategy::*;

use super::*;
use crate::tests::{
    check_ascending, check_matches, check_new_values, check_stable, check_validity,
};

const HASHICORP: &dyn Versioning = &HashicorpVersioning;

#[test]
fn validity_of_terraform_constraints() {
    check_validity(
        HASHICORP,
        &[
            ("1.2.3", true, true, true),
            ("1.2", true, true, true),
            ("v1.2.3", true, true, true),
            ("= 1.2.3", true, false, true),
            ("=1.2.3", true, false, true),
            ("~> 1.2", true, false, false),
            ("~>1.2.0", true, false, false),
            (">= 1.0, < 2.0", true, false, false),
            (">=1.0,<2.0", true, false, false),
            ("!= 1.3.0", true, false, false),
            (">= 1.2, != 1.3.0, < 2", true, false, false),
            ("1.2.0-beta1", true, true, true),
            ("^1.2", false, false, false),
            ("~1.2", false, false, false),
            ("1.x", false, false, false),
            ("*", false, false, false),
            (">= 1.0 < 2.0", false, false, false),
            ("latest", false, false, false),
            ("~> 1.2 || ~> 2.0", false, false, false),
            ("== 1.2.3", false, false, false),
            ("~> 1.2,", false, false, false),
        ],
    );
}

#[test]
fn matching_as_terraform_does() {
    check_matches(
        HASHICORP,
        &[
            ("1.2.0", "~> 1.2", true),
            ("1.9.9", "~> 1.2", true),
            ("2.0.0", "~> 1.2", false),
            ("1.1.0", "~> 1.2", false),
            ("1.2.5", "~> 1.2.0", true),
            ("1.2.0", "~> 1.2.0", true),
            ("1.3.0", "~> 1.2.0", false),
            ("1.2.7", "~> 1.2.3", true),
            ("1.2.2", "~> 1.2.3", false),
            ("5.0.0", "~> 1", true),
            ("0.9.0", "~> 1", false),
            ("1.5.0", ">= 1.0, < 2.0", true),
            ("2.0.0", ">= 1.0, < 2.0", false),
            ("1.3.0", ">= 1.2, != 1.3.0, < 2", false),
            ("1.3.1", ">= 1.2, != 1.3.0, < 2", true),
            ("1.2.0", "= 1.2", true),
            ("1.2.1", "= 1.2", false),
            ("1.2.3", "1.2.3", true),
            ("1.2.4", "1.2.3", false),
            ("1.2.0", "<= 1.2", true),
            ("1.2.1", "<= 1.2", false),
            ("1.2.1", "> 1.2", true),
            ("1.3.0-beta1", "~> 1.2", false),
            ("1.3.0-beta1", ">= 1.3.0-beta1", true),
            ("1.3.0-beta2", ">= 1.3.0-beta1", true),
            ("1.3.0", ">= 1.3.0-beta1", true),
            ("1.4.0-beta1", ">= 1.3.0-beta1", false),
            ("1.2", "~> 1.2.0", true),
        ],
    );
}

#[test]
fn ordering_and_stability() {
    check_ascending(
        HASHICORP,
        &[
            "0.12.31",
            "0.13.0",
            "1.0.0-alpha1",
            "1.0.0-beta1",
            "1.0.0",
            "1.9.0",
            "1.10.0",
        ],
    );
    check_stable(
        HASHICORP,
        &[
            ("1.6.0", true),
            ("1.6.0-beta1", false),
            ("1.6.0-rc1", false),
        ],
    );
}

#[test]
fn new_values_keep_operator_spacing_and_precision() {
    check_new_values(
        HASHICORP,
        &[
            ("~> 4.0", Replace, "4.0.0", "5.0.0", Some("~> 5.0")),
            ("~> 4.0", Replace, "4.1.0", "4.9.0", Some("~> 4.0")),
            ("~> 4.1.2", Replace, "4.1.2", "5.0.0", Some("~> 5.0.0")),
            ("~> 4.1.2", Replace, "4.1.2", "4.2.0", Some("~> 4.2.0")),
            ("~> 4.1.2", Bump, "4.1.2", "4.1.5", Some("~> 4.1.5")),
            ("~> 4.0", Bump, "4.0.0", "4.3.1", Some("~> 4.3")),
            ("~>4.0", Replace, "4.0.0", "5.2.0", Some("~>5.2")),
            ("~> 4.0", Pin, "4.0.0", "5.1.0", Some("5.1.0")),
            ("~> 4.0", InRangeOnly, "4.0.0", "5.0.0", None),
            ("~> 4.0", InRangeOnly, "4.0.0", "4.2.0", Some("~> 4.0")),
            ("~> 4.0", UpdateLockfile, "4.0.0", "5.0.0", Some("~> 5.0")),
            (
                ">= 1.2, < 2.0",
                Widen,
                "1.2.0",
                "2.1.0",
                Some(">= 1.2, < 3.0"),
            ),
            (
                ">= 1.2, < 2.0",
                Widen,
                "1.2.0",
                "1.9.0",
                Some(">= 1.2, < 2.0"),
            ),
            (
                ">= 1.2, < 2.0",
                Replace,
                "1.2.0",
                "2.1.0",
                Some(">= 2.1, < 3.0"),
            ),
            (
                ">= 1.2, < 2.0",
                Bump,
                "1.2.0",
                "1.5.0",
                Some(">= 1.5, < 2.0"),
            ),
            (
                ">= 1.2.0, <= 2.0.0",
                Widen,
                "1.2.0",
                "2.3.1",
                Some(">= 1.2.0, <= 2.3.1"),
            ),
            (
                "~> 1.2, != 1.3.0",
                Replace,
                "1.2.0",
                "2.1.0",
                Some("~> 2.1, != 1.3.0"),
            ),
            ("1.2.3", Replace, "1.2.3", "1.4.0", Some("1.4.0")),
            ("1.2.3", Bump, "1.2.3", "2.0.0", Some("2.0.0")),
            ("= 1.2.3", Bump, "1.2.3", "1.4.0", Some("= 1.4.0")),
            ("= 1.2", Replace, "1.2.0", "1.3.0", Some("= 1.3")),
            ("= 1.2", Replace, "1.2.0", "1.3.1", Some("= 1.3.1")),
            ("v1.2.3", Replace, "1.2.3", "1.4.0", Some("v1.4.0")),
            (">= 1.0", Replace, "1.0.0", "3.0.0", Some(">= 1.0")),
            (">= 1.0", Bump, "1.0.0", "3.0.0", Some(">= 3.0")),
            ("~> 4.0", Widen, "4.0.0", "5.0.0", Some("~> 5.0")),
        ],
    );
}
