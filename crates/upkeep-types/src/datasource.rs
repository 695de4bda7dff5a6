use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of registry a dependency's versions come from (Renovate's datasource ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Datasource {
    /// Any OCI distribution registry (Docker Hub, GHCR, quay, private registries).
    Docker,
    /// A Terraform provider registry (`registry.terraform.io` or another host).
    TerraformProvider,
    /// A Terraform module registry.
    TerraformModule,
    /// A Cargo registry (crates.io sparse index or an alternate registry).
    Crate,
    /// An npm registry.
    Npm,
    /// Tags of a GitHub repository.
    GithubTags,
    /// Releases of a GitHub repository (e.g. `hashicorp/terraform` for `required_version`).
    GithubReleases,
    /// Tags of any git repository, listed with `git ls-remote`.
    GitTags,
    /// Node.js releases (for `engines.node` and `volta.node`).
    NodeVersion,
}

impl Datasource {
    /// Every datasource, in declaration order.
    pub const ALL: &[Datasource] = &[
        Datasource::Docker,
        Datasource::TerraformProvider,
        Datasource::TerraformModule,
        Datasource::Crate,
        Datasource::Npm,
        Datasource::GithubTags,
        Datasource::GithubReleases,
        Datasource::GitTags,
        Datasource::NodeVersion,
    ];

    /// The id Renovate uses for this datasource.
    pub fn as_str(self) -> &'static str {
        match self {
            Datasource::Docker => "docker",
            Datasource::TerraformProvider => "terraform-provider",
            Datasource::TerraformModule => "terraform-module",
            Datasource::Crate => "crate",
            Datasource::Npm => "npm",
            Datasource::GithubTags => "github-tags",
            Datasource::GithubReleases => "github-releases",
            Datasource::GitTags => "git-tags",
            Datasource::NodeVersion => "node-version",
        }
    }

    /// Looks a datasource up by its Renovate id.
    pub fn from_id(id: &str) -> Option<Datasource> {
        Datasource::ALL.iter().copied().find(|d| d.as_str() == id)
    }
}

impl fmt::Display for Datasource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_serde_and_from_id() {
        for datasource in Datasource::ALL {
            let json = serde_json::to_string(datasource).unwrap();
            assert_eq!(json, format!("\"{}\"", datasource.as_str()));
            assert_eq!(Datasource::from_id(datasource.as_str()), Some(*datasource));
        }
        assert_eq!(Datasource::from_id("maven"), None);
    }
}
