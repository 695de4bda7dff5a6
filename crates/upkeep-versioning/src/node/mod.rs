//! `node`: Node.js versions (`.nvmrc`, `engines.node`, `node:` images use `docker`).
//!
//! npm's semantics, with two differences Renovate users expect: only LTS lines are
//! stable — Node gives LTS status to even majors only, so an odd major (`21.x`) is
//! never proposed to someone on a stable line — and `lts/*`-style aliases are valid
//! values that are not versions. Mapping codenames (`lts/iron`) to majors needs Node's
//! release schedule, which this crate does not carry.

use crate::npm::{DIALECT, parse_npm_range, parse_npm_version};
use crate::{NewValueRequest, Range, Version, Versioning};

/// Node.js versions: npm semantics, LTS-only stability, `lts/*` aliases.
#[derive(Debug, Clone, Copy)]
pub struct NodeVersioning;

impl Versioning for NodeVersioning {
    fn id(&self) -> &'static str {
        "node"
    }

    fn parse_version(&self, text: &str) -> Option<Version> {
        parse_npm_version(text)
    }

    fn parse_range(&self, text: &str) -> Option<Range> {
        if let Some(codename) = text.strip_prefix("lts/") {
            let valid = codename == "*"
                || codename
                    .strip_prefix('-')
                    .is_some_and(|n| n.parse::<u32>().is_ok())
                || (!codename.is_empty() && codename.chars().all(|c| c.is_ascii_alphabetic()));
            return valid.then(|| Range::tag(text));
        }
        parse_npm_range(text)
    }

    fn is_stable(&self, version: &Version) -> bool {
        !version.is_prerelease() && version.major().is_multiple_of(2)
    }

    fn get_new_value(&self, request: &NewValueRequest<'_>) -> Option<String> {
        crate::new_value::constraint_new_value(&DIALECT, request)
    }
}

#[cfg(test)]
mod tests;
