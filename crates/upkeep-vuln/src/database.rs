//! [`VulnerabilitySource`]: where advisories come from, behind one trait the worker
//! calls — the offline database or the OSV API client ([`crate::OsvApi`]).
//!
//! The shape follows the OSV API so that the client is a plain implementation: one
//! call carries every package of a run (the client sends one `/v1/querybatch` per
//! 1,000 packages, then fetches `/v1/vulns/{id}` once per advisory id it has not
//! cached, and feeds the records to the same [`IndexBuilder`](crate::IndexBuilder)).
//! Packages are queried without a version: the lookup must check every candidate
//! version, not only the current one, and [`Advisory::affects`] answers that locally.
//!
//! The method returns a boxed future so the trait stays object-safe
//! (`Arc<dyn VulnerabilitySource>` in the worker) without an async runtime
//! dependency here; the offline database answers with a ready future. An error means
//! the data is *unavailable* — callers must report it so, never as "no
//! vulnerabilities".

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use crate::advisory::Advisory;
use crate::ecosystem::Ecosystem;

/// A boxed, sendable future (what `async fn` in a dyn-safe trait desugars to).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One package to look up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageQuery {
    /// The OSV ecosystem.
    pub ecosystem: &'static Ecosystem,
    /// The package name as the manifest or lock file spells it.
    pub name: String,
}

/// Why vulnerability data could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// A file or directory of the offline database could not be read.
    #[error("cannot read the OSV database at `{path}`: {source}")]
    Read {
        /// The path at fault.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A zip dump could not be read.
    #[error("cannot read the OSV archive `{path}`: {reason}")]
    Archive {
        /// The archive (and, for a nested one, the directory it was found in).
        path: String,
        /// What the zip reader said.
        reason: String,
    },
    /// The source answered, but not usefully (for API clients: host down, bad
    /// response); the affected ecosystems are reported as unavailable.
    #[error("vulnerability data from `{source_name}` is unavailable: {reason}")]
    Unavailable {
        /// The database, as [`VulnerabilitySource::name`] gives it.
        source_name: String,
        /// What went wrong.
        reason: String,
    },
}

/// A source of OSV advisories.
pub trait VulnerabilitySource: Send + Sync {
    /// A name for logs and reports (`offline OSV database `/srv/osv``).
    fn name(&self) -> String;

    /// Every advisory about each package, whatever the version, in query order (an
    /// empty list when a package has none).
    fn advisories<'a>(
        &'a self,
        packages: &'a [PackageQuery],
    ) -> BoxFuture<'a, Result<Vec<Arc<[Advisory]>>, DatabaseError>>;
}
