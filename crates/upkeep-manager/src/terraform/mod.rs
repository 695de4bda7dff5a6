//! The `terraform` manager: Terraform and OpenTofu files (`*.tf`, `*.tofu`): providers
//! (`required_providers` and legacy `provider` blocks), modules, and `required_version`,
//! with locked provider versions from `.terraform.lock.hcl`.
//!
//! Files are parsed with hcl-edit, which keeps byte spans; every updatable value is a plain
//! string literal whose span (inside the quotes, or the `ref=` value inside a git source)
//! is recorded at extraction and is the only thing an update rewrites.
//!
//! Not extracted (yet): `helm_release` charts, Docker/Kubernetes images in resources,
//! `tfe_workspace` versions — Renovate reads those too, under their own `depType`s.

mod context;
mod extract;
mod extractors;
mod hcl;
mod lockfile;
mod scan;
mod source;
mod update;

use upkeep_types::{Datasource, Dependency, DependencyChange, LockFile, PackageFile};

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

    fn parse_lock_file(&self, lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
        lockfile::parse(lock_file, content)
    }

    fn apply_lock_file(&self, package_file: &mut PackageFile, lock_file: &LockFile) -> bool {
        lockfile::apply(package_file, lock_file);
        // `.terraform.lock.hcl` sits in the module's own directory: it always governs it
        true
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
