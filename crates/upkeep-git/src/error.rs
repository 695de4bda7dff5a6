//! Typed errors of the git layer.
//!
//! Every error names what it was working on — the repository (a display-safe URL or a
//! path), the branch or ref — and, when git itself failed, git's stderr. Text that
//! came from git has already passed through [`crate::redact`], so an error can go into
//! a log or a report as it is.

use std::path::PathBuf;
use std::time::Duration;

use crate::refname::RefNameError;

/// What went wrong in a git operation.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The git program could not be started at all.
    #[error("could not run `{program}`: {source}")]
    Spawn {
        /// The program that was started (normally `git`).
        program: String,
        /// Why the operating system refused.
        source: std::io::Error,
    },
    /// git ran and exited with a failure.
    #[error("`git {command}` failed for `{repository}` ({status}): {stderr}")]
    Failed {
        /// The git subcommand and its non-secret arguments.
        command: String,
        /// The repository: a display-safe URL or a path.
        repository: String,
        /// The exit status as git reported it.
        status: String,
        /// git's stderr, trimmed and redacted.
        stderr: String,
    },
    /// git did not finish within the configured timeout and was killed.
    #[error("`git {command}` for `{repository}` did not finish within {after:?}")]
    TimedOut {
        /// The git subcommand.
        command: String,
        /// The repository: a display-safe URL or a path.
        repository: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// git's output could not be understood.
    #[error("unexpected output from `git {command}` for `{repository}`: {detail}")]
    UnexpectedOutput {
        /// The git subcommand.
        command: String,
        /// The repository: a display-safe URL or a path.
        repository: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A branch or ref name is not valid for git.
    #[error(transparent)]
    InvalidRefName(#[from] RefNameError),
    /// A `gitAuthor` value could not be parsed.
    #[error("invalid git author `{input}`: {reason}")]
    InvalidAuthor {
        /// The configured text.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// upkeep was asked to write to a branch it does not own.
    #[error(
        "refusing to write branch `{branch}` of `{repository}`: it is not under upkeep's prefix `{prefix}`"
    )]
    NotOwnedBranch {
        /// The branch that was asked for.
        branch: String,
        /// The prefix upkeep owns (`branchPrefix`).
        prefix: String,
        /// The repository.
        repository: String,
    },
    /// The remote branch is not where upkeep last saw it: someone else pushed, so the
    /// push (or deletion) was refused by `--force-with-lease`.
    #[error(
        "branch `{branch}` of `{repository}` moved since it was read (expected {expected}); not overwritten"
    )]
    StaleLease {
        /// The branch.
        branch: String,
        /// The repository.
        repository: String,
        /// The commit upkeep expected, or `absent`.
        expected: String,
    },
    /// A local-checkout branch is checked out in a working tree, so moving it would
    /// change files under the user's feet.
    #[error(
        "branch `{branch}` is checked out in `{worktree}`; upkeep does not move a checked-out branch"
    )]
    CheckedOut {
        /// The branch.
        branch: String,
        /// The working tree that has it checked out.
        worktree: PathBuf,
    },
    /// A remote URL carries a credential; it would be written to `.git/config`.
    #[error(
        "refusing remote `{repository}`: credentials go through the credential helper, never in a URL"
    )]
    CredentialInUrl {
        /// The URL, redacted.
        repository: String,
    },
    /// Reading or writing a file of a work directory failed.
    #[error("could not access `{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl GitError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        GitError::Io {
            path: path.into(),
            source,
        }
    }
}
