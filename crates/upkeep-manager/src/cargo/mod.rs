//! The `cargo` manager: Cargo manifests: every dependency table, with locked versions from `Cargo.lock`.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `cargo` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cargo;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "cargo",
    file_patterns: &[r"(^|/)Cargo\.toml$"],
    datasources: &[Datasource::Crate],
    lock_files: &["Cargo.lock"],
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

    fn update(
        &self,
        content: &str,
        dep: &Dependency,
        change: &DependencyChange,
    ) -> Result<String, UpdateError> {
        update::update(content, dep, change)
    }
}
