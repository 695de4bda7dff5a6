//! One repository through upkeep's pipeline. For now: list a checkout's files, extract
//! every dependency, look each up ([`lookup`]), plan branches ([`plan`]) and apply them
//! ([`apply`]); publishing joins as it is built.

pub mod apply;
pub mod branch_commit;
pub mod config;
pub mod files;
pub mod lookup;
pub mod plan;
pub mod platform_run;
pub mod publish;
pub mod run;

use std::path::Path;
use std::sync::Arc;

use thiserror::Error;
use upkeep_datasource::LookupContext;
use upkeep_manager::ExtractReport;

pub use files::{DiskFiles, list_files};

/// Errors that stop work on a repository (per-file problems are recorded in reports).
#[derive(Debug, Error)]
pub enum WorkerError {
    /// The repository's files could not be listed.
    #[error("cannot list the files of `{path}`: {source}")]
    ListFiles {
        /// The repository root.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The extract stage for a checkout on disk: every dependency of every file a manager
/// claims, and an error entry for each file that could not be read or parsed.
pub fn extract_repository(root: &Path) -> Result<ExtractReport, WorkerError> {
    let (files, paths) = repository_files(root)?;
    Ok(upkeep_manager::extract_files(&files, &paths))
}

/// Extract and lookup for a checkout on disk: what `upkeep lookup` reports.
///
/// The repository's registry configuration (`.npmrc`, `.cargo/config.toml`) travels in
/// `context.registries`; reading it from the checkout belongs to the datasource crate.
pub async fn lookup_checkout(
    root: &Path,
    context: Arc<LookupContext>,
    datasources: &lookup::Datasources,
    options: &lookup::LookupOptions,
) -> Result<lookup::LookupReport, WorkerError> {
    let extract = extract_repository(root)?;
    let options = lookup::LookupOptions {
        files: Some(Arc::new(DiskFiles::new(root))),
        ..options.clone()
    };
    Ok(lookup::lookup_repository(extract, context, datasources, &options).await)
}

/// A checkout's files: where to read them, and every path (sorted).
pub fn repository_files(root: &Path) -> Result<(DiskFiles, Vec<String>), WorkerError> {
    let paths = list_files(root).map_err(|source| WorkerError::ListFiles {
        path: root.display().to_string(),
        source,
    })?;
    Ok((DiskFiles::new(root), paths))
}
