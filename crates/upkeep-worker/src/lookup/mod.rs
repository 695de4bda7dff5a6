//! The lookup stage: for every extracted dependency, which releases exist and which
//! update upkeep proposes — the decisions a Renovate user expects.
//!
//! Two halves, kept apart so the decisions are tested without a network:
//! - [`decide`] is pure: one dependency, its versioning, the registry's answer, its
//!   [`LookupSettings`] and the time in; a `LookedUpDependency` (current version,
//!   updates, warnings) out, plus the facts (release times, digests) it still needs;
//! - [`lookup_repository`] is the async orchestration: one registry call per unique
//!   package, bounded concurrency, facts fetched only for the versions proposed, host
//!   and package failures recorded where they belong ([`LookupReport`]).
//!
//! Vulnerability data comes from a [`upkeep_vuln::VulnerabilitySource`] asked once per
//! run about every package (`advisories`), then judged per package through
//! [`AffectedVersions`]; vulnerable packages only a lock file holds get lockfile-only
//! fixes (`transitive`). Without a source nothing is affected.
//!
//! Non-goals here: rollbacks (`rollbackPrs`), replacements, `lockFileMaintenance`,
//! changelogs; grouping and scheduling belong to the plan stage.

mod advisories;
mod datasources;
mod decide;
mod filter;
mod report;
mod run;
mod settings;
mod transitive;
mod vulnerabilities;

pub use advisories::{RunAdvisories, VulnerabilityUnavailable};
pub use datasources::Datasources;
pub use decide::{
    AffectedVersions, Decision, Facts, LookupInput, Missing, NoVulnerabilities, decide,
};
pub use report::{HostError, LookedUpPackageFile, LookupError, LookupReport};
pub use run::{
    LookupKey, LookupOptions, LookupProgress, SettingsFor, VulnerabilityLookup, lookup_repository,
};
pub use settings::{AllowedVersions, LookupSettings, SettingError, parse_age};
pub use transitive::TRANSITIVE_DEP_TYPE;
pub use vulnerabilities::AdvisoryLookup;
