//! The `cargo` manager: Cargo manifests (`Cargo.toml`), every dependency table, with
//! locked versions from the nearest `Cargo.lock`.
//!
//! Manifests are parsed with `toml_edit`, which keeps byte spans, so extraction records
//! exactly where each version string sits (inside its quotes) and an update rewrites
//! only those bytes: comments, alignment, quoting and line endings stay as they were.
//!
//! Conventions a reader of the extracted data needs to know:
//! - `depType` is the kind of table (`dependencies`, `dev-dependencies`,
//!   `build-dependencies`, `workspace.dependencies`), whether or not the table is
//!   target-specific, and with Cargo's underscore spellings folded into the hyphenated
//!   ones.
//! - `registry = "name"` is kept in `registryName`: only `.cargo/config.toml` knows its
//!   URL, so lookup resolves it; `registryUrls` holds only URLs the manifest itself gives
//!   (`registry-index`).
//! - A git dependency keeps its repository URL in `registryUrls` (where its versions
//!   come from) and its `tag`, `rev` or `branch` as `currentValue`; only a `tag` has a
//!   value position, so only a tag can be updated.

mod dependency;
mod extract;
mod lockfile;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, LockFile, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError, text};

/// The `cargo` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cargo;

/// The lock file Cargo writes at the root of a workspace (or beside a lone package).
const LOCK_FILE: &str = "Cargo.lock";

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "cargo",
    file_patterns: &[r"(^|/)Cargo\.toml$"],
    datasources: &[Datasource::Crate],
    lock_files: &[LOCK_FILE],
    default_versioning: "cargo",
};

impl Manager for Cargo {
    fn metadata(&self) -> &'static ManagerMetadata {
        &METADATA
    }

    fn extract(
        &self,
        package_file: &str,
        content: &str,
    ) -> Result<Option<PackageFile>, ExtractError> {
        extract::extract(package_file, content)
    }

    /// A workspace member has no lock file of its own: Cargo writes one at the workspace
    /// root, so every ancestor directory is a candidate, nearest first.
    fn lock_file_candidates(&self, package_file: &str) -> Vec<String> {
        let mut candidates = Vec::new();
        let mut directory = text::parent_directory(package_file);
        loop {
            candidates.push(text::join_path(directory, LOCK_FILE));
            if directory.is_empty() {
                return candidates;
            }
            directory = text::parent_directory(directory);
        }
    }

    fn parse_lock_file(&self, lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
        lockfile::parse(lock_file, content)
    }

    fn apply_lock_file(&self, package_file: &mut PackageFile, lock_file: &LockFile) -> bool {
        lockfile::apply(package_file, lock_file)
    }

    fn update(
        &self,
        content: &str,
        dep: &Dependency,
        change: &DependencyChange,
    ) -> Result<String, UpdateError> {
        update::update(content, dep, change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_is_searched_from_the_manifest_up_to_the_root() {
        assert_eq!(
            Cargo.lock_file_candidates("crates/core/Cargo.toml"),
            ["crates/core/Cargo.lock", "crates/Cargo.lock", "Cargo.lock"]
        );
        assert_eq!(Cargo.lock_file_candidates("Cargo.toml"), ["Cargo.lock"]);
    }
}
