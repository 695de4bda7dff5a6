//! The [`Platform`] trait.

use std::future::Future;

use crate::error::PlatformError;
use crate::types::{
    ApiCalls, ApiCommit, ChecksState, Comment, GitCredentials, Issue, MergeMethod, NewPullRequest,
    PrUpdate, PullRequest, RepoInfo,
};

/// Result of a platform call.
pub type Result<T> = std::result::Result<T, PlatformError>;

/// What the publish stage needs from the place pull requests live. Repositories are
/// named `owner/repo`; an implementation finds the credential for each (an App
/// installation's token, minted and refreshed as needed) by itself.
///
/// Every method is one logical operation; implementations count the API calls each
/// costs per repository ([`Platform::api_calls`]).
pub trait Platform: Send + Sync {
    /// The platform's id (`github`).
    fn id(&self) -> &'static str;

    /// Every repository upkeep can work on (`autodiscover`): for an App, the
    /// repositories of all its installations; for a token, those of its user.
    fn discover_repositories(&self) -> impl Future<Output = Result<Vec<RepoInfo>>> + Send;

    /// One repository.
    fn get_repo(&self, repo: &str) -> impl Future<Output = Result<RepoInfo>> + Send;

    /// The credential git uses to fetch and push `repo` (a fresh token if needed).
    fn git_credentials(&self, repo: &str) -> impl Future<Output = Result<GitCredentials>> + Send;

    /// A file of the repository at `reference` (a branch, tag or commit; `None`: the
    /// default branch); `None` when it does not exist. Used for repository presets.
    fn get_file(
        &self,
        repo: &str,
        path: &str,
        reference: Option<&str>,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// Every pull request, open or not, whose head branch starts with `branch_prefix`,
    /// newest first (the state planning and the lifecycle decisions read).
    fn list_pull_requests(
        &self,
        repo: &str,
        branch_prefix: &str,
    ) -> impl Future<Output = Result<Vec<PullRequest>>> + Send;

    /// Opens a pull request, then adds its labels, reviewers and assignees.
    fn create_pull_request(
        &self,
        repo: &str,
        pr: &NewPullRequest,
    ) -> impl Future<Output = Result<PullRequest>> + Send;

    /// Edits title, body or state of a pull request.
    fn update_pull_request(
        &self,
        repo: &str,
        number: u64,
        update: &PrUpdate,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Adds labels to an issue or pull request.
    fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The comments on an issue or pull request.
    fn list_comments(
        &self,
        repo: &str,
        number: u64,
    ) -> impl Future<Output = Result<Vec<Comment>>> + Send;

    /// Comments on an issue or pull request.
    fn add_comment(
        &self,
        repo: &str,
        number: u64,
        body: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Deletes a branch (after its PR was closed).
    fn delete_branch(&self, repo: &str, branch: &str) -> impl Future<Output = Result<()>> + Send;

    /// The combined status checks and check runs of a commit.
    fn checks_state(
        &self,
        repo: &str,
        sha: &str,
    ) -> impl Future<Output = Result<ChecksState>> + Send;

    /// Turns on the platform's native auto-merge for a pull request.
    fn enable_auto_merge(
        &self,
        repo: &str,
        pr: &PullRequest,
        method: MergeMethod,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Merges a pull request whose head is `sha`; `false` when the platform refused
    /// (not mergeable, head moved, checks required).
    fn merge_pull_request(
        &self,
        repo: &str,
        number: u64,
        sha: &str,
        method: MergeMethod,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Moves `branch` (the base branch) to `sha` only as a fast-forward
    /// (`automergeType: branch`); `false` when it is not one.
    fn fast_forward(
        &self,
        repo: &str,
        branch: &str,
        sha: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Makes a commit through the API (`platformCommit`: verified for Apps) and points
    /// the branch at it, creating the branch or moving it from `expected_head`.
    fn create_commit(
        &self,
        repo: &str,
        commit: &ApiCommit,
    ) -> impl Future<Output = Result<String>> + Send;

    /// Open issues upkeep itself opened, newest first (finds the Dependency Dashboard).
    fn list_own_issues(&self, repo: &str) -> impl Future<Output = Result<Vec<Issue>>> + Send;

    /// Opens an issue.
    fn create_issue(
        &self,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> impl Future<Output = Result<Issue>> + Send;

    /// Edits an issue's title, body, or open state (`Some(false)` closes it).
    fn update_issue(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// API calls made for `repo` so far in this process.
    fn api_calls(&self, repo: &str) -> ApiCalls;
}
