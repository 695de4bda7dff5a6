//! The `Manager` trait and its metadata.

use upkeep_types::{Datasource, Dependency, DependencyChange, LockFile, PackageFile};

use crate::{ExtractError, UpdateError};

/// What a manager declares about itself: the same fields for every manager.
#[derive(Debug)]
pub struct ManagerMetadata {
    /// The manager's id (`dockerfile`, `cargo`, …), as in Renovate's `matchManagers`.
    pub id: &'static str,
    /// Default file patterns (regular expressions over the `/`-separated path relative to
    /// the repository root), Renovate's `managerFilePatterns`.
    pub file_patterns: &'static [&'static str],
    /// The datasources its dependencies can use.
    pub datasources: &'static [Datasource],
    /// Lock file names it reads (and, later, refreshes).
    pub lock_files: &'static [&'static str],
    /// The versioning scheme its dependencies use unless a dependency says otherwise.
    pub default_versioning: &'static str,
}

/// One file format: extract dependencies, read lock files, update one dependency in place.
///
/// Implementations are pure and stateless; the registry holds one `&'static` of each.
pub trait Manager: Send + Sync {
    /// The manager's metadata.
    fn metadata(&self) -> &'static ManagerMetadata;

    /// Extracts every dependency of `content`, the text of `package_file` (a path relative
    /// to the repository root). `Ok(None)` means the file is not one this manager owns after
    /// all (e.g. a YAML file that is not a Kubernetes manifest).
    fn extract(
        &self,
        package_file: &str,
        content: &str,
    ) -> Result<Option<PackageFile>, ExtractError>;

    /// The lock files that may hold locked versions for `package_file`, most specific first
    /// (paths relative to the repository root). The first one that exists is used.
    fn lock_file_candidates(&self, package_file: &str) -> Vec<String> {
        let directory = crate::text::parent_directory(package_file);
        self.metadata()
            .lock_files
            .iter()
            .map(|name| crate::text::join_path(directory, name))
            .collect()
    }

    /// Parses a lock file into the packages it pins.
    fn parse_lock_file(&self, lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
        let _ = content;
        Err(ExtractError::new(format!(
            "manager `{}` does not read lock files like `{lock_file}`",
            self.metadata().id
        )))
    }

    /// Gives the dependencies of `package_file` their `lockedVersion` from `lock_file`.
    /// Returns whether the lock file governs this package file at all: when it does not
    /// (e.g. an npm lock file further up that does not list the package as a workspace
    /// member), the search goes on with the next candidate and the lock file is not recorded.
    fn apply_lock_file(&self, package_file: &mut PackageFile, lock_file: &LockFile) -> bool {
        let _ = (package_file, lock_file);
        false
    }

    /// Returns `content` with `dep` (extracted from this same `content`) changed as
    /// `change` says. Only the value and/or digest token may change. Callers should use
    /// [`crate::update_dependency`], which also confirms the result by re-extraction.
    fn update(
        &self,
        content: &str,
        dep: &Dependency,
        change: &DependencyChange,
    ) -> Result<String, UpdateError>;
}
