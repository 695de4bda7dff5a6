//! Datasource failures: the package's own, or its host's.

use thiserror::Error;
use upkeep_http::HttpError;

/// Why a lookup failed.
#[derive(Debug, Error)]
pub enum DatasourceError {
    /// The registry does not know the package.
    #[error("package `{package}` not found at `{registry}`")]
    NotFound {
        /// The package asked for.
        package: String,
        /// The registry asked (redacted).
        registry: String,
    },
    /// The registry answered something that is not a valid listing.
    #[error("invalid answer for `{package}` from `{url}`: {reason}")]
    InvalidResponse {
        /// The package asked for.
        package: String,
        /// The URL asked (redacted).
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// The dependency names a registry upkeep cannot locate or use.
    #[error("`{package}`: {reason}")]
    Unsupported {
        /// The package asked for.
        package: String,
        /// Why not.
        reason: String,
    },
    /// The host failed (unreachable, 5xx after retries, auth, rate limits, oversized body).
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl DatasourceError {
    /// Whether the failure is the host's rather than the package's: the lookup records it
    /// against the host and stops asking it.
    pub fn is_host_failure(&self) -> bool {
        match self {
            DatasourceError::Http(error) => error.is_host_failure(),
            _ => false,
        }
    }
}
