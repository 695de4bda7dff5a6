//! `cargo`: Cargo's version requirements (SemVer versions, `^` `~` `=` `>=` `<` `*`,
//! `1.*`, comma-separated comparators).
//!
//! The rule every user trips over: a bare `1.2` is `^1.2`, so it is a range, not a
//! pinned version, and pinning writes `=1.4.0`. Validity is decided by the `semver`
//! crate, which is the parser Cargo itself uses.

use crate::range::{self, Bare, Dialect};
use crate::version::{SemverSyntax, parse_semver_like};
use crate::{NewValueRequest, Range, Version, Versioning};

/// Cargo's SemVer requirements.
#[derive(Debug, Clone, Copy)]
pub struct CargoVersioning;

const SYNTAX: SemverSyntax = SemverSyntax {
    v_prefix: false,
    min_parts: 3,
    max_parts: 3,
    strict_numbers: true,
};

pub(crate) const DIALECT: Dialect = Dialect {
    bare: Bare::Caret,
    partial_is_wildcard: true,
    comma_separated: true,
    alternatives: false,
    hyphen: false,
    wildcards: true,
    caret_tilde: true,
    pessimistic: false,
    v_prefix: false,
    exact_only: false,
    strict_numbers: true,
    pin_operator: "=",
};

impl Versioning for CargoVersioning {
    fn id(&self) -> &'static str {
        "cargo"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_semver_like(text, SYNTAX)
    }

    fn parse_range(&self, text: &str) -> Option<Range> {
        ::semver::VersionReq::parse(text).ok()?;
        range::parse_range(text, &DIALECT)
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        self.parse_range(request.current_value)?;
        crate::new_value::constraint_new_value(&DIALECT, request)
    }
}

#[cfg(test)]
mod tests;
