//! [`Platform`] for [`GitHub`]: each method delegates to its concern's module.

use crate::platform::{Platform, Result};
use crate::types::{
    ApiCalls, ApiCommit, ChecksState, Comment, GitCredentials, Issue, MergeMethod, NewPullRequest,
    PrUpdate, PullRequest, RepoInfo,
};

use super::GitHub;

impl Platform for GitHub {
    fn id(&self) -> &'static str {
        "github"
    }

    async fn discover_repositories(&self) -> Result<Vec<RepoInfo>> {
        self.discover().await
    }

    async fn get_repo(&self, repo: &str) -> Result<RepoInfo> {
        self.repo_info(repo).await
    }

    async fn git_credentials(&self, repo: &str) -> Result<GitCredentials> {
        self.credentials(repo).await
    }

    async fn get_file(
        &self,
        repo: &str,
        path: &str,
        reference: Option<&str>,
    ) -> Result<Option<String>> {
        self.file(repo, path, reference).await
    }

    async fn list_pull_requests(
        &self,
        repo: &str,
        branch_prefix: &str,
    ) -> Result<Vec<PullRequest>> {
        self.pulls(repo, branch_prefix).await
    }

    async fn create_pull_request(&self, repo: &str, pr: &NewPullRequest) -> Result<PullRequest> {
        self.open_pull(repo, pr).await
    }

    async fn update_pull_request(&self, repo: &str, number: u64, update: &PrUpdate) -> Result<()> {
        self.edit_pull(repo, number, update).await
    }

    async fn add_labels(&self, repo: &str, number: u64, labels: &[String]) -> Result<()> {
        self.label(repo, number, labels).await
    }

    async fn list_comments(&self, repo: &str, number: u64) -> Result<Vec<Comment>> {
        self.comments(repo, number).await
    }

    async fn add_comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        self.comment(repo, number, body).await
    }

    async fn delete_branch(&self, repo: &str, branch: &str) -> Result<()> {
        self.remove_branch(repo, branch).await
    }

    async fn checks_state(&self, repo: &str, sha: &str) -> Result<ChecksState> {
        self.checks(repo, sha).await
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        pr: &PullRequest,
        method: MergeMethod,
    ) -> Result<()> {
        self.auto_merge(repo, pr, method).await
    }

    async fn merge_pull_request(
        &self,
        repo: &str,
        number: u64,
        sha: &str,
        method: MergeMethod,
    ) -> Result<bool> {
        self.merge(repo, number, sha, method).await
    }

    async fn fast_forward(&self, repo: &str, branch: &str, sha: &str) -> Result<bool> {
        self.fast_forward_branch(repo, branch, sha).await
    }

    async fn create_commit(&self, repo: &str, commit: &ApiCommit) -> Result<String> {
        self.api_commit(repo, commit).await
    }

    async fn list_own_issues(&self, repo: &str) -> Result<Vec<Issue>> {
        self.own_issues(repo).await
    }

    async fn create_issue(
        &self,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue> {
        self.open_issue(repo, title, body, labels).await
    }

    async fn update_issue(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<()> {
        self.edit_issue(repo, number, title, body, open).await
    }

    fn api_calls(&self, repo: &str) -> ApiCalls {
        self.client.counters.repo(repo)
    }
}
