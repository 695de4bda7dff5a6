//! The `npm` manager: `package.json` files — dependency maps, overrides (npm, Yarn, pnpm),
//! `engines`, `volta` and `packageManager` — and the locked versions of
//! `package-lock.json` / `npm-shrinkwrap.json`.
//!
//! Layout: `json` parses with byte spans (updates rewrite one string in place), `spec`
//! and `git` say what a value means, `extract` walks the file and hands sections to
//! `overrides` and `tools`, `lockfile` reads lock files, `update` rewrites a value.
//! Names, dependency types and skip reasons are Renovate's.

mod extract;
mod git;
mod json;
mod lockfile;
mod overrides;
mod spec;
mod tools;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, LockFile, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `npm` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Npm;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "npm",
    file_patterns: &[r"(^|/)package\.json$"],
    datasources: &[
        Datasource::Npm,
        Datasource::NodeVersion,
        Datasource::GithubTags,
        Datasource::GitTags,
    ],
    lock_files: &["npm-shrinkwrap.json", "package-lock.json"],
    default_versioning: "npm",
};

impl Manager for Npm {
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

    fn lock_file_candidates(&self, package_file: &str) -> Vec<String> {
        lockfile::candidates(package_file)
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
