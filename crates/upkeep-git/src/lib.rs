//! upkeep's git layer: the git CLI, run as a child process with an argument vector.
//!
//! - [`Git`] runs git in a fixed environment (no hooks, no system or user config, no
//!   prompts, a timeout) and hands a token to git through a credential helper reading
//!   the child's environment — never argv, a URL on disk or a log line.
//! - [`Git::ls_remote_tags`] and [`Git::ls_remote_heads`] read a remote without a clone
//!   (the `git-tags` datasource, branch listing).
//! - [`WorkDir`] is upkeep's own shallow clone of a repository's base branch: branches
//!   are built there, committed as `gitAuthor` and pushed with `--force-with-lease`,
//!   only under upkeep's branch prefix.
//! - [`BranchState`] and [`decide`] answer whether an existing branch is behind its
//!   base, was modified by someone else, or would not change at all.
//! - [`LocalRepo`] is `--platform local`: branches in a user's checkout are created with
//!   plumbing against a temporary index, so the user's working tree, index and current
//!   branch are never touched.
//!
//! Non-goals: no libgit2/gix, no merges or rebases of user branches, no submodules.
//! Everything is synchronous; async callers use `spawn_blocking`.

mod author;
mod error;
mod local;
pub mod process;
mod redact;
mod refname;
mod remote;
mod runner;
mod state;
mod workdir;

pub use author::GitAuthor;
pub use error::GitError;
pub use local::{FileChange, LocalRepo};
pub use redact::{REDACTED, redact_text, redact_url};
pub use refname::{RefNameError, clean_branch_name, is_owned_branch, validate_branch_name};
pub use remote::{RemoteRef, parse_ls_remote};
pub use runner::{DEFAULT_TIMEOUT, Git, GitCredential, GitOutput, TOKEN_ENV, USERNAME_ENV};
pub use state::{BranchDecision, BranchState, RebasePolicy, decide};
pub use workdir::{CommitMessage, CommitOutcome, Lease, WorkDir};
