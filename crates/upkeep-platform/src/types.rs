//! The platform's data, in Renovate's terms.

use jiff::Timestamp;
use secrecy::SecretString;
use serde::Serialize;

/// A repository as the platform describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoInfo {
    /// `owner/repo`.
    pub full_name: String,
    /// The default branch (upkeep's base branch unless `baseBranches` says otherwise).
    pub default_branch: String,
    /// Archived repositories are skipped.
    pub archived: bool,
    /// Disabled repositories are skipped.
    pub disabled: bool,
    /// Whether it is a fork (`includeForks`).
    pub fork: bool,
    /// The HTTPS clone URL, without credentials.
    pub clone_url: String,
    /// Whether the repository allows native auto-merge (`platformAutomerge`).
    pub allow_auto_merge: bool,
    /// The installation the repository was reached through (GitHub App), if any.
    pub installation_id: Option<u64>,
}

/// A credential for git over HTTPS; given to git through its credential helper only.
#[derive(Clone)]
pub struct GitCredentials {
    /// The URL prefix the credential is for (`https://github.com`).
    pub url: String,
    /// The user name (`x-access-token` for GitHub tokens).
    pub username: String,
    /// The token.
    pub token: SecretString,
}

impl std::fmt::Debug for GitCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCredentials")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// Where a pull request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrState {
    /// Open (draft or not).
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
}

/// A pull request upkeep opened (its head branch is under upkeep's prefix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// The platform's global id (GraphQL `node_id`), for auto-merge.
    pub node_id: String,
    /// The head branch (`upkeep/serde-1.x`).
    pub branch_name: String,
    /// The head commit.
    pub head_sha: String,
    /// The base branch.
    pub base_branch: String,
    /// Title.
    pub title: String,
    /// Body (empty when none).
    pub body: String,
    /// Open, closed or merged.
    pub state: PrState,
    /// Whether it is a draft.
    pub draft: bool,
    /// Label names.
    pub labels: Vec<String>,
    /// When it was opened (`prHourlyLimit` counts these).
    pub created_at: Timestamp,
    /// When it was closed or merged.
    pub closed_at: Option<Timestamp>,
    /// Whether native auto-merge is enabled on it.
    pub auto_merge: bool,
    /// Its URL for humans.
    pub html_url: String,
}

/// A pull request to open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPullRequest {
    /// Head branch.
    pub branch_name: String,
    /// Base branch.
    pub base_branch: String,
    /// Title.
    pub title: String,
    /// Body (already within the platform's length limit).
    pub body: String,
    /// Labels to add (`labels`, `addLabels`).
    pub labels: Vec<String>,
    /// Reviewers to request (`reviewers`); `team:slug` entries are team reviewers.
    pub reviewers: Vec<String>,
    /// Assignees (`assignees`).
    pub assignees: Vec<String>,
    /// Open as a draft (`draftPR`).
    pub draft: bool,
}

/// An edit of an open pull request; `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrUpdate {
    /// New title.
    pub title: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// `Some(PrState::Closed)` closes it, `Some(PrState::Open)` reopens it.
    pub state: Option<PrState>,
}

/// An issue (the Dependency Dashboard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Its number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body (empty when none).
    pub body: String,
    /// Whether it is open.
    pub open: bool,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its text.
    pub body: String,
}

/// The combined state of a commit's status checks and check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksState {
    /// Every check passed (at least one ran).
    Green,
    /// At least one check is still running, or none reported yet.
    Yellow,
    /// At least one check failed.
    Red,
    /// No checks are configured on the repository at all.
    None,
}

/// How a pull request is merged (`automergeStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergeMethod {
    /// A merge commit.
    Merge,
    /// Squash.
    Squash,
    /// Rebase.
    Rebase,
}

/// One file in a commit made through the API (`platformCommit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path from the repository root.
    pub path: String,
    /// New contents; `None` deletes the file.
    pub contents: Option<Vec<u8>>,
    /// Whether the file is executable (mode 100755).
    pub executable: bool,
}

/// A commit to make through the API on top of `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCommit {
    /// The branch to point at the new commit.
    pub branch_name: String,
    /// The parent commit (the base).
    pub parent: String,
    /// The full commit message.
    pub message: String,
    /// The files that differ from the parent.
    pub changes: Vec<FileChange>,
    /// Where the branch is now (`None`: it must not exist yet).
    pub expected_head: Option<String>,
}

/// API calls made for one repository (the report's `apiCalls`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApiCalls {
    /// Reads (GET, GraphQL queries), including conditional reads answered 304.
    pub reads: u64,
    /// Writes (POST, PATCH, PUT, DELETE, GraphQL mutations).
    pub writes: u64,
}
