use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a dependency is extracted but not looked up (Renovate's `skipReason` values).
///
/// Every dependency a manager finds is reported; one that cannot be updated carries one
/// of these instead of being dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// The value contains a variable that could not be resolved (`${VERSION}`).
    ContainsVariable,
    /// The dependency was disabled by configuration.
    Disabled,
    /// The dependency is listed in `ignoreDeps` or disabled by a packageRule.
    Ignored,
    /// The value is inherited from the workspace (`workspace = true`).
    InheritedDependency,
    /// A `file:` dependency.
    FileDependency,
    /// A git dependency without an updatable tag.
    GitDependency,
    /// A GitHub shorthand dependency (`owner/repo#ref`).
    GithubDependency,
    /// A dependency on another package of the same workspace (`workspace:`, `link:`).
    LocalDependency,
    /// A path dependency (Cargo `path = …`, a local Terraform module).
    PathDependency,
    /// A local Terraform module or a local path.
    Local,
    /// A Terraform module block without a `source`.
    NoSource,
    /// The package name is not valid for its registry.
    InvalidName,
    /// The value is not something this manager's versioning understands.
    InvalidValue,
    /// The dependency specification is malformed.
    InvalidDependencySpecification,
    /// The value is not a version (a URL, a tarball, an unsupported protocol).
    UnsupportedValue,
    /// A URL dependency that cannot be updated.
    UnsupportedUrl,
    /// The value names a version upkeep cannot update (e.g. an npm `catalog:` entry).
    UnsupportedVersion,
    /// The dependency has no version (`FROM ubuntu` is not this; `*` or empty is).
    UnspecifiedVersion,
    /// `FROM scratch`, which is not an image.
    Scratch,
    /// A reference to an earlier build stage, not an image.
    StageName,
    /// The registry is unknown (e.g. a Cargo `registry = …` not configured).
    UnknownRegistry,
    /// An `engines` entry upkeep does not know how to look up.
    UnknownEngines,
    /// A `volta` entry upkeep does not know how to look up.
    UnknownVolta,
    /// The dependency uses an unsupported datasource.
    UnsupportedDatasource,
    /// A placeholder value (e.g. `0.0.0` in a template).
    VersionPlaceholder,
    /// A Yarn/pnpm `patch:` protocol dependency.
    PatchDependency,
}

impl SkipReason {
    /// The kebab-case id Renovate uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::ContainsVariable => "contains-variable",
            SkipReason::Disabled => "disabled",
            SkipReason::Ignored => "ignored",
            SkipReason::InheritedDependency => "inherited-dependency",
            SkipReason::FileDependency => "file-dependency",
            SkipReason::GitDependency => "git-dependency",
            SkipReason::GithubDependency => "github-dependency",
            SkipReason::LocalDependency => "local-dependency",
            SkipReason::PathDependency => "path-dependency",
            SkipReason::Local => "local",
            SkipReason::NoSource => "no-source",
            SkipReason::InvalidName => "invalid-name",
            SkipReason::InvalidValue => "invalid-value",
            SkipReason::InvalidDependencySpecification => "invalid-dependency-specification",
            SkipReason::UnsupportedValue => "unsupported-value",
            SkipReason::UnsupportedUrl => "unsupported-url",
            SkipReason::UnsupportedVersion => "unsupported-version",
            SkipReason::UnspecifiedVersion => "unspecified-version",
            SkipReason::Scratch => "scratch",
            SkipReason::StageName => "stage-name",
            SkipReason::UnknownRegistry => "unknown-registry",
            SkipReason::UnknownEngines => "unknown-engines",
            SkipReason::UnknownVolta => "unknown-volta",
            SkipReason::UnsupportedDatasource => "unsupported-datasource",
            SkipReason::VersionPlaceholder => "version-placeholder",
            SkipReason::PatchDependency => "patch-dependency",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_matches_as_str() {
        for reason in [
            SkipReason::ContainsVariable,
            SkipReason::InheritedDependency,
            SkipReason::InvalidDependencySpecification,
            SkipReason::StageName,
        ] {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
    }
}
