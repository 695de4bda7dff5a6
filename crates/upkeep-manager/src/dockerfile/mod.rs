//! The `dockerfile` manager: Dockerfiles and Containerfiles: `FROM` images, `COPY --from` and `RUN --mount=from=` images.
//!
//! Docker's own reading of the file comes first ([`instructions`]: directives, escape
//! character, continuation lines, heredocs), then words and flags ([`words`]), then build
//! argument substitution ([`args`]) over text that remembers where each byte came from
//! ([`traced`]), so that a tag read from an `ARG` default is updated on the `ARG` line.

mod args;
mod extract;
mod instructions;
mod traced;
mod update;
mod words;

#[cfg(test)]
mod tests;

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
