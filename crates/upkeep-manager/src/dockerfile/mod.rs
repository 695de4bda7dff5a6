//! The `dockerfile` manager: Dockerfiles and Containerfiles: `FROM` images, `COPY --from` and `RUN --mount=from=` images.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `dockerfile` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dockerfile;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "dockerfile",
    file_patterns: &[
        r"(^|/|\.)([Dd]ocker|[Cc]ontainer)file$",
        r"(^|/)([Dd]ocker|[Cc]ontainer)file\.[^/]*$",
    ],
    datasources: &[Datasource::Docker],
    lock_files: &[],
    default_versioning: "docker",
};

impl Manager for Dockerfile {
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
