//! The `npm` manager: npm `package.json` files: dependencies, overrides, engines, packageManager, volta.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

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
    ],
    lock_files: &["package-lock.json", "npm-shrinkwrap.json"],
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

    fn update(
        &self,
        content: &str,
        dep: &Dependency,
        change: &DependencyChange,
    ) -> Result<String, UpdateError> {
        update::update(content, dep, change)
    }
}
