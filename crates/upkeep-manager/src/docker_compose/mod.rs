//! The `docker-compose` manager: the images of Docker Compose services.
//!
//! Which files: Renovate's pattern, `(docker-)compose*.y(a)ml`. What is extracted, and
//! the decisions behind it:
//! - `services.<name>.image` of compose-spec files (no `version`) and version 2/3 files;
//!   in version 1 files (no `services`, no `version`) the top-level entries with an
//!   `image` or `build` are the services.
//! - A service with `build` has no dependency, with or without `image`: its `image` names
//!   the image the build produces, not one to pull (Renovate skips these too).
//! - YAML merge keys (`<<: *defaults`, usually from `x-` extension fields) are followed,
//!   explicit keys winning over merged ones; an image shared by several services through
//!   an anchor is one editable token and one dependency, located at the anchor.
//! - Interpolation follows compose: `${VAR:-default}` and `${VAR-default}` resolve to the
//!   default, `$$` is a literal `$`. When the tag (or digest) is exactly a default, it is
//!   the `currentValue` and an update edits the default inside the braces; a variable
//!   without a default, or a tag mixing a default with other text, is `contains-variable`.
//! - No `depType`: Renovate's docker-compose manager sets none.
//! - Block scalars and escaped or folded quoted scalars are `unsupported-value`.

mod extract;
mod interpolate;
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
