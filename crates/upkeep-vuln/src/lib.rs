//! Vulnerability data for upkeep: which versions of a package are affected by a known
//! advisory, and which version is safe to move to.
//!
//! # Flow
//!
//! ```text
//! OSV JSON ─► osv::Vulnerability ─► IndexBuilder ─► AdvisoryIndex ─► Advisory ─► decision
//! (dir, zip,   (typed, validated)   (compile ranges,  (by ecosystem   (merged     (is_affected,
//!  OSV API)                          merge aliases)    + package)      view)       lowest fix)
//! ```
//!
//! - [`osv`]: the OSV schema as validated types; [`ecosystem`]: the table mapping
//!   datasources to OSV ecosystems and versionings;
//! - [`IndexBuilder`] parses each record once, compiles each `affected[]` entry into
//!   parsed versions ([`AffectedVersions`], the OSV evaluation algorithm) and joins
//!   GHSA/CVE/RUSTSEC duplicates into one [`Advisory`] per package;
//! - [`VulnerabilitySource`] is the trait the worker calls; [`OfflineDatabase`]
//!   implements it from a directory or an OSV `all.zip` dump, [`OsvApi`] from the OSV
//!   API (`querybatch`, then `vulns/{id}` once per advisory, cached);
//! - [`decision`] holds the pure rules the lookup and audit apply: never propose an
//!   affected version, and fix an affected current version with the lowest (or
//!   highest) unaffected newer one;
//! - [`fix`] picks the version a vulnerable one moves to, from the registry's releases
//!   ([`fix::CandidateVersions`]) or, offline, the advisories' fixed versions;
//! - [`transitive`] finds the vulnerable packages of a lock file, direct or transitive,
//!   with their parents, and tells a lockfile-only fix from one that needs a parent
//!   updated;
//! - [`severity`] scores CVSS v3 vectors and reads database labels.
//!
//! # Non-goals (here)
//!
//! CVSS v4 scoring, `GIT` ranges (registry
//! versions cannot be placed in a commit graph).

mod advisory;
mod api;
mod database;
mod index;
mod matcher;
mod offline;

pub mod decision;
pub mod ecosystem;
pub mod fix;
pub mod osv;
pub mod severity;
pub mod transitive;

pub use advisory::Advisory;
pub use api::{ApiReport, DEFAULT_OSV_API, OSV_HOST_TYPE, OsvApi, QUERY_BATCH_LIMIT};
pub use database::{BoxFuture, DatabaseError, PackageQuery, VulnerabilitySource};
pub use ecosystem::{ECOSYSTEMS, Ecosystem};
pub use index::{AdvisoryIndex, IndexBuilder, InvalidVersion, LoadReport, RecordError};
pub use matcher::AffectedVersions;
pub use offline::{OfflineDatabase, load_zip};
pub use severity::{Severity, SeverityLabel, SeveritySource};
