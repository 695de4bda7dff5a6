//! One repository through upkeep's pipeline. For now: list a checkout's files and extract
//! every dependency; lookup, planning, applying and publishing join as they are built.

pub mod config;
pub mod files;
pub mod plan;

use std::path::Path;

use thiserror::Error;
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

/// A checkout's files: where to read them, and every path (sorted).
pub fn repository_files(root: &Path) -> Result<(DiskFiles, Vec<String>), WorkerError> {
    let paths = list_files(root).map_err(|source| WorkerError::ListFiles {
        path: root.display().to_string(),
        source,
    })?;
    Ok((DiskFiles::new(root), paths))
}
