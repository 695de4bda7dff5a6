//! The `kubernetes` manager: Kubernetes manifests (found by `apiVersion` and `kind`): container images.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `kubernetes` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kubernetes;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "kubernetes",
    file_patterns: &[r"\.ya?ml$"],
    datasources: &[Datasource::Docker],
    lock_files: &[],
    default_versioning: "docker",
};

impl Manager for Kubernetes {
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
