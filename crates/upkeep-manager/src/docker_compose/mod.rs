//! The `docker-compose` manager: Docker Compose files: `services.*.image`.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `docker-compose` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct DockerCompose;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "docker-compose",
    file_patterns: &[r"(^|/)(docker-)?compose[^/]*\.ya?ml$"],
    datasources: &[Datasource::Docker],
    lock_files: &[],
    default_versioning: "docker",
};

impl Manager for DockerCompose {
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
