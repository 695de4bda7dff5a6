use crate::RangeStrategy::*;

use super::*;
use crate::tests::{check_new_values, check_stable, check_validity};

const NODE: &dyn Versioning = &NodeVersioning;

#[test]
fn only_even_majors_are_stable_lts_lines() {
    check_stable(
        NODE,
        &[
            ("20.11.1", true),
            ("22.0.0", true),
            ("21.1.0", false),
            ("23.0.0", false),
            ("22.0.0-rc.1", false),
        ],
    );
}

#[test]
fn lts_aliases_are_valid_but_not_versions() {
    check_validity(
        NODE,
        &[
            ("lts/*", true, false, false),
            ("lts/iron", true, false, false),
            ("lts/-1", true, false, false),
            ("20", true, false, false),
            ("v20.11.1", true, true, true),
            (">=18", true, false, false),
            ("lts/", false, false, false),
            ("lts/1x", false, false, false),
        ],
    );
}

#[test]
fn nvmrc_style_values_keep_their_precision() {
    check_new_values(
        NODE,
        &[
            ("20", Replace, "20.11.1", "22.1.0", Some("22")),
            ("20.11", Replace, "20.11.1", "22.1.0", Some("22.1")),
            ("v20.11.1", Replace, "20.11.1", "22.1.0", Some("v22.1.0")),
            (">=18", Replace, "18.0.0", "22.1.0", Some(">=18")),
            ("lts/*", Replace, "20.0.0", "22.1.0", None),
        ],
    );
}
