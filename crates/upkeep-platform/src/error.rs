//! What can go wrong talking to a platform.

use thiserror::Error;

/// A platform request that failed. Every variant names the request or repository.
#[derive(Debug, Error)]
pub enum PlatformError {
    /// The repository does not exist or the credential cannot see it.
    #[error("repository `{0}` not found (or not visible to upkeep's credential)")]
    RepositoryNotFound(String),
    /// The pull request, issue, ref or file does not exist (any more).
    #[error("{what} not found in `{repository}`")]
    NotFound {
        /// `owner/repo`.
        repository: String,
        /// What was looked for (`pull request #12`, `branch upkeep/foo`).
        what: String,
    },
    /// The credential was refused (401) or lacks a permission (403 without rate limit).
    #[error("{request}: access denied ({status}): {message}")]
    Forbidden {
        /// `METHOD /path`.
        request: String,
        /// HTTP status.
        status: u16,
        /// The platform's message.
        message: String,
    },
    /// The rate limit is exhausted until `reset` (primary) or for `retry_after` seconds
    /// (secondary), and waiting was not allowed or did not help.
    #[error("{request}: rate limited until {reset}")]
    RateLimited {
        /// `METHOD /path`.
        request: String,
        /// When the budget comes back.
        reset: jiff::Timestamp,
    },
    /// The platform refused the request's content (422): a conflict, a validation error.
    #[error("{request}: rejected ({status}): {message}")]
    Rejected {
        /// `METHOD /path`.
        request: String,
        /// HTTP status.
        status: u16,
        /// The platform's message, with the failing field where it says.
        message: String,
    },
    /// A ref update lost a race: the branch is no longer where upkeep expected.
    #[error("`{branch}` in `{repository}` moved: expected {expected}")]
    RefMoved {
        /// `owner/repo`.
        repository: String,
        /// The branch.
        branch: String,
        /// The commit upkeep expected it at.
        expected: String,
    },
    /// The platform answered something upkeep could not read, or failed (5xx) after
    /// retries, or could not be reached.
    #[error("{request}: {message}")]
    Transport {
        /// `METHOD /path`.
        request: String,
        /// What went wrong.
        message: String,
    },
    /// upkeep's own configuration is wrong (missing key, unreadable key file).
    #[error("platform configuration: {0}")]
    Config(String),
}
