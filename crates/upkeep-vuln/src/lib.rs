//! Vulnerability data for upkeep: which versions of a package are affected by a known
//! advisory, and which version is safe to move to.
//!
//! # Flow
//!
//! ```text
//! OSV JSON ─► osv::Vulnerability ─► IndexBuilder ─► AdvisoryIndex ─► Advisory ─► decision
//! (dir, zip,   (typed, validated)   (compile ranges,  (by ecosystem   (merged     (is_affected,
//!  API later)                        merge aliases)    + package)      view)       lowest fix)
//! ```
//!
//! - [`osv`]: the OSV schema as validated types; [`ecosystem`]: the table mapping
//!   datasources to OSV ecosystems and versionings;
//! - [`IndexBuilder`] parses each record once, compiles each `affected[]` entry into
//!   parsed versions ([`AffectedVersions`], the OSV evaluation algorithm) and joins
//!   GHSA/CVE/RUSTSEC duplicates into one [`Advisory`] per package;
//! - [`VulnerabilityDatabase`] is the trait the worker calls; [`OfflineDatabase`]
//!   implements it from a directory or an OSV `all.zip` dump, the OSV API client will
//!   implement it next;
//! - [`decision`] holds the pure rules the lookup and audit apply: never propose an
//!   affected version, and fix an affected current version with the lowest (or
//!   highest) unaffected newer one;
//! - [`severity`] scores CVSS v3 vectors and reads database labels.
//!
//! # Non-goals (here)
//!
//! HTTP (the OSV API client lands with the HTTP crate), lock-file walking and the
//! `audit` command (worker and binary), CVSS v4 scoring, `GIT` ranges (registry
//! versions cannot be placed in a commit graph).

mod advisory;
mod database;
mod index;
mod matcher;
mod offline;

pub mod decision;
pub mod ecosystem;
pub mod osv;
pub mod severity;

pub use advisory::Advisory;
pub use database::{BoxFuture, DatabaseError, PackageQuery, VulnerabilityDatabase};
pub use ecosystem::{ECOSYSTEMS, Ecosystem};
pub use index::{AdvisoryIndex, IndexBuilder, InvalidVersion, LoadReport, RecordError};
pub use matcher::AffectedVersions;
pub use offline::{OfflineDatabase, load_zip};
pub use severity::{Severity, SeverityLabel, SeveritySource};
