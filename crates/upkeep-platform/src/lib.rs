//! Platforms: where pull requests live. [`Platform`] is what the worker's publish stage
//! needs from one — repositories, pull requests, issues (the Dependency Dashboard),
//! comments, labels, branch protection status, merging, and commits made through the
//! API — in the platform's own terms but with Renovate's meaning. The GitHub platform
//! (`github/`) implements it for github.com and GitHub Enterprise Server, authenticated
//! as a GitHub App installation or with a personal access token.

mod autodiscover;
mod error;
pub mod github;
mod platform;
mod types;

pub use autodiscover::{AutodiscoverFilter, autodiscover_filter};
pub use error::PlatformError;
pub use github::{GitHub, GitHubAuth, GitHubConfig};
pub use platform::Platform;
pub use types::*;
