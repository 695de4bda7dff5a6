//! `npm`: node-semver ranges — comparators, x-ranges (`1.x`, `*`), hyphen ranges,
//! `||`, `~` and `^`, npm's prerelease rule — plus dist-tags (`latest`, `next`), which
//! are valid values but not versions.
//!
//! Validity is decided together with the `nodejs-semver` crate, a port of npm's own
//! `node-semver`; versions may carry a `v` prefix, as npm accepts. Protocol specs
//! (`npm:`, `workspace:`, URLs, git) are the manager's to strip before asking.

use crate::range::{self, Bare, Dialect};
use crate::version::{SemverSyntax, parse_semver_like};
use crate::{NewValueRequest, Range, Version, Versioning};

/// npm's node-semver ranges and dist-tags.
#[derive(Debug, Clone, Copy)]
pub struct NpmVersioning;

const SYNTAX: SemverSyntax = SemverSyntax {
    v_prefix: true,
    min_parts: 3,
    max_parts: 3,
    strict_numbers: true,
};

pub(crate) const DIALECT: Dialect = Dialect {
    bare: Bare::Exact,
    partial_is_wildcard: true,
    comma_separated: false,
    alternatives: true,
    hyphen: true,
    wildcards: true,
    caret_tilde: true,
    pessimistic: false,
    v_prefix: true,
    exact_only: false,
    strict_numbers: true,
    pin_operator: "",
};

/// Parses an npm version (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`).
pub(crate) fn parse_npm_version(text: &str) -> Option<Version> {
    parse_semver_like(text, SYNTAX)
}

/// Parses an npm range, or a dist-tag name.
pub(crate) fn parse_npm_range(text: &str) -> Option<Range> {
    if nodejs_semver::Range::parse(text).is_ok()
        && let Some(range) = range::parse_range(text, &DIALECT)
    {
        return Some(range);
    }
    is_dist_tag(text).then(|| Range::tag(text))
}

/// A dist-tag: a name that is not a range (`latest`, `next`, `beta`, `canary`).
fn is_dist_tag(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

impl Versioning for NpmVersioning {
    fn id(&self) -> &'static str {
        "npm"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_npm_version(text)
    }

    fn parse_range(&self, text: &str) -> Option<Range> {
        parse_npm_range(text)
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        crate::new_value::constraint_new_value(&DIALECT, request)
    }
}

#[cfg(test)]
mod tests;
