//! The `terraform` manager: Terraform and OpenTofu files: providers, modules and `required_version`.

mod extract;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, PackageFile};

use crate::{ExtractError, Manager, ManagerMetadata, UpdateError};

/// The `terraform` manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terraform;

static METADATA: ManagerMetadata = ManagerMetadata {
    id: "terraform",
    file_patterns: &[r"\.tf$", r"\.tofu$"],
    datasources: &[
        Datasource::TerraformProvider,
        Datasource::TerraformModule,
        Datasource::GithubTags,
        Datasource::GitTags,
        Datasource::GithubReleases,
    ],
    lock_files: &[".terraform.lock.hcl"],
    default_versioning: "hashicorp",
};

impl Manager for Terraform {
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
