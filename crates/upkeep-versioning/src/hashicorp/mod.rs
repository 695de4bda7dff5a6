//! `hashicorp`: Terraform/OpenTofu version constraints (`~> 1.2`, `>= 1.0, < 2.0`,
//! `!= 1.3.0`, `= 1.2.3`, bare `1.2.3`).
//!
//! Semantics follow `hashicorp/go-version`, which Terraform uses: missing numbers are
//! zeros (`>= 1.2` is `>= 1.2.0`; there are no x-ranges), `~>` lets only the right-most
//! written number grow (`~> 1.2` is `>= 1.2, < 2.0`; `~> 1.2.0` is `< 1.3.0`), and a
//! prerelease matches only a constraint naming a prerelease of the same version.

use crate::range::{self, Bare, Dialect};
use crate::version::{SemverSyntax, parse_semver_like};
use crate::{NewValueRequest, Range, Version, Versioning};

/// Terraform's version constraints.
#[derive(Debug, Clone, Copy)]
pub struct HashicorpVersioning;

const SYNTAX: SemverSyntax = SemverSyntax {
    v_prefix: true,
    min_parts: 1,
    max_parts: 3,
    strict_numbers: false,
};

const DIALECT: Dialect = Dialect {
    bare: Bare::Exact,
    partial_is_wildcard: false,
    comma_separated: true,
    alternatives: false,
    hyphen: false,
    wildcards: false,
    caret_tilde: false,
    pessimistic: true,
    v_prefix: true,
    exact_only: false,
    strict_numbers: false,
    pin_operator: "",
};

impl Versioning for HashicorpVersioning {
    fn id(&self) -> &'static str {
        "hashicorp"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_semver_like(text, SYNTAX)
    }

    fn parse_range(&self, text: &str) -> Option<Range> {
        range::parse_range(text, &DIALECT)
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        crate::new_value::constraint_new_value(&DIALECT, request)
    }
}

#[cfg(test)]
mod tests;
