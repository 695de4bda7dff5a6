//! The ecosystem table: which OSV ecosystem a datasource's packages live in, which
//! versioning orders its versions, and how its package names compare.
//!
//! Adding an ecosystem is one row in [`ECOSYSTEMS`]. Records for ecosystems not in the
//! table (an OSV dump holds PyPI, Go, Debian, …) are skipped when indexing.
//!
//! # Package names
//!
//! - `npm`: names compare exactly. New names must be lower case, but legacy packages
//!   with capitals exist and are different packages from their lower-case namesakes
//!   (`JSONStream` and `jsonstream` are both published), so folding case would match
//!   the wrong package.
//! - `crates.io`: crates.io refuses a new crate whose name equals an existing one after
//!   lower-casing and treating `-` and `_` as the same, so that folding never joins two
//!   different crates. Records use the published spelling, and so does `Cargo.lock`,
//!   but a manifest may write `serde_json` for a crate published as `serde-json` (Cargo
//!   resolves it), so names are compared folded.

use std::borrow::Cow;

use upkeep_types::Datasource;
use upkeep_versioning::Versioning;

/// How an ecosystem's package names compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRule {
    /// Byte for byte.
    Exact,
    /// ASCII case and `-`/`_` folded (crates.io's uniqueness rule).
    CaseAndSeparatorInsensitive,
}

/// One OSV ecosystem upkeep can match.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Ecosystem {
    /// The ecosystem's name in OSV records and API queries (`npm`, `crates.io`).
    pub osv_name: &'static str,
    /// The datasources whose packages belong to it.
    pub datasources: &'static [Datasource],
    /// The id of the versioning that parses and orders its `ECOSYSTEM` versions.
    pub versioning_id: &'static str,
    /// How package names compare.
    pub name_rule: NameRule,
}

/// Every ecosystem upkeep matches, in one explicit list. A test checks every row.
pub static ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem {
        osv_name: "npm",
        datasources: &[Datasource::Npm],
        versioning_id: "npm",
        name_rule: NameRule::Exact,
    },
    Ecosystem {
        osv_name: "crates.io",
        datasources: &[Datasource::Crate],
        versioning_id: "cargo",
        name_rule: NameRule::CaseAndSeparatorInsensitive,
    },
];

impl Ecosystem {
    /// The ecosystem OSV calls `name` (exactly as records spell it).
    pub fn from_osv_name(name: &str) -> Option<&'static Ecosystem> {
        ECOSYSTEMS
            .iter()
            .find(|ecosystem| ecosystem.osv_name == name)
    }

    /// The ecosystem a datasource's packages belong to; `None` for datasources OSV
    /// does not cover (docker, terraform).
    pub fn for_datasource(datasource: Datasource) -> Option<&'static Ecosystem> {
        ECOSYSTEMS
            .iter()
            .find(|ecosystem| ecosystem.datasources.contains(&datasource))
    }

    /// The versioning that parses and orders this ecosystem's versions.
    pub fn versioning(&self) -> &'static dyn Versioning {
        upkeep_versioning::get_versioning(self.versioning_id)
            .unwrap_or_else(|| panic!("ecosystem `{}`: unknown versioning", self.osv_name))
    }

    /// The key a package name is indexed and looked up under.
    pub fn normalize_name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        match self.name_rule {
            NameRule::Exact => Cow::Borrowed(name),
            NameRule::CaseAndSeparatorInsensitive => {
                if name.bytes().any(|b| b == b'_' || b.is_ascii_uppercase()) {
                    Cow::Owned(name.to_ascii_lowercase().replace('_', "-"))
                } else {
                    Cow::Borrowed(name)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ecosystem_has_a_versioning_and_a_datasource() {
        for ecosystem in ECOSYSTEMS {
            assert_eq!(ecosystem.versioning().id(), ecosystem.versioning_id);
            assert!(!ecosystem.datasources.is_empty(), "{}", ecosystem.osv_name);
            assert_eq!(
                Ecosystem::from_osv_name(ecosystem.osv_name),
                Some(ecosystem)
            );
            for datasource in ecosystem.datasources {
                assert_eq!(Ecosystem::for_datasource(*datasource), Some(ecosystem));
            }
        }
    }

    #[test]
    fn datasources_map_to_osv_ecosystems() {
        let name = |datasource| Ecosystem::for_datasource(datasource).map(|e| e.osv_name);
        assert_eq!(name(Datasource::Npm), Some("npm"));
        assert_eq!(name(Datasource::Crate), Some("crates.io"));
        assert_eq!(name(Datasource::Docker), None);
    }

    #[test]
    fn crate_names_fold_case_and_separators_npm_names_do_not() {
        let crates = Ecosystem::from_osv_name("crates.io").unwrap();
        assert_eq!(crates.normalize_name("serde_json"), "serde-json");
        assert_eq!(crates.normalize_name("Inflector"), "inflector");
        assert_eq!(crates.normalize_name("tokio"), "tokio");
        let npm = Ecosystem::from_osv_name("npm").unwrap();
        assert_eq!(npm.normalize_name("JSONStream"), "JSONStream");
        assert_eq!(npm.normalize_name("@cypress/request"), "@cypress/request");
    }
}
