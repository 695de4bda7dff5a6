//! `semver`: strict SemVer 2.0 versions, with an optional `v` (GitHub tags such as
//! `v1.2.3`). There are no ranges: a value is one version, and an update replaces it
//! with the new version written the same way.

use crate::range::{self, Bare, Dialect};
use crate::version::{SemverSyntax, parse_semver_like};
use crate::{NewValueRequest, Range, Version, Versioning};

/// Strict SemVer 2.0 with an optional `v` prefix.
#[derive(Debug, Clone, Copy)]
pub struct SemverVersioning;

const SYNTAX: SemverSyntax = SemverSyntax {
    v_prefix: true,
    min_parts: 3,
    max_parts: 3,
    strict_numbers: true,
};

const DIALECT: Dialect = Dialect {
    bare: Bare::Exact,
    partial_is_wildcard: false,
    comma_separated: false,
    alternatives: false,
    hyphen: false,
    wildcards: false,
    caret_tilde: false,
    pessimistic: false,
    v_prefix: true,
    exact_only: true,
    strict_numbers: true,
    pin_operator: "",
};

impl Versioning for SemverVersioning {
    fn id(&self) -> &'static str {
        "semver"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_semver_like(text, SYNTAX)
    }

    fn parse_range(&self, text: &str) -> Option<Range> {
        self.parse_version(text)?;
        range::parse_range(text, &DIALECT)
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        self.parse_version(request.current_value)?;
        crate::new_value::constraint_new_value(&DIALECT, request)
    }
}

#[cfg(test)]
mod tests;
