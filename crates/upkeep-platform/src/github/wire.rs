//! GitHub's JSON, only the fields upkeep reads, and its translation into the
//! platform's types.

use jiff::Timestamp;
use serde::Deserialize;

use crate::types::{Comment, Issue, PrState, PullRequest, RepoInfo};

/// A repository (`repos/get`, list entries).
#[derive(Debug, Deserialize)]
pub(crate) struct WireRepo {
    pub(crate) full_name: String,
    #[serde(default)]
    pub(crate) default_branch: Option<String>,
    #[serde(default)]
    pub(crate) archived: bool,
    #[serde(default)]
    pub(crate) disabled: bool,
    #[serde(default)]
    pub(crate) fork: bool,
    pub(crate) clone_url: String,
    #[serde(default)]
    pub(crate) allow_auto_merge: Option<bool>,
}

impl WireRepo {
    /// As the platform describes it, reached through `installation_id`.
    pub(crate) fn into_info(self, installation_id: Option<u64>) -> RepoInfo {
        RepoInfo {
            full_name: self.full_name,
            default_branch: self.default_branch.unwrap_or_else(|| "main".to_string()),
            archived: self.archived,
            disabled: self.disabled,
            fork: self.fork,
            clone_url: self.clone_url,
            allow_auto_merge: self.allow_auto_merge.unwrap_or(false),
            installation_id,
        }
    }
}

/// `GET /installation/repositories`.
#[derive(Debug, Deserialize)]
pub(crate) struct InstallationRepos {
    pub(crate) repositories: Vec<WireRepo>,
}

/// An installation (`apps/list-installations`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireInstallation {
    pub(crate) id: u64,
    pub(crate) account: Option<Login>,
    #[serde(default)]
    pub(crate) suspended_at: Option<String>,
}

/// Anything with a `login`.
#[derive(Debug, Deserialize)]
pub(crate) struct Login {
    pub(crate) login: String,
}

/// `GET /app`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireApp {
    pub(crate) slug: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Named {
    pub(crate) name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RepoRef {
    pub(crate) full_name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Side {
    #[serde(rename = "ref")]
    pub(crate) reference: String,
    pub(crate) sha: String,
    #[serde(default)]
    pub(crate) repo: Option<RepoRef>,
}

/// A pull request (`pulls/list`, `pulls/get`, `pulls/create`).
#[derive(Debug, Deserialize)]
pub(crate) struct WirePull {
    pub(crate) number: u64,
    pub(crate) node_id: String,
    pub(crate) state: String,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) draft: Option<bool>,
    #[serde(default)]
    pub(crate) labels: Vec<Named>,
    pub(crate) created_at: Timestamp,
    #[serde(default)]
    pub(crate) closed_at: Option<Timestamp>,
    #[serde(default)]
    pub(crate) merged_at: Option<Timestamp>,
    #[serde(default)]
    pub(crate) auto_merge: Option<serde_json::Value>,
    pub(crate) html_url: String,
    pub(crate) head: Side,
    pub(crate) base: Side,
}

impl WirePull {
    /// Whether its head branch lives in `repo` itself (not a fork).
    pub(crate) fn head_in(&self, repo: &str) -> bool {
        self.head
            .repo
            .as_ref()
            .is_some_and(|r| r.full_name.eq_ignore_ascii_case(repo))
    }

    /// In the platform's terms; merged versus closed from `merged_at`.
    pub(crate) fn into_pull(self) -> PullRequest {
        let state = if self.merged_at.is_some() {
            PrState::Merged
        } else if self.state == "open" {
            PrState::Open
        } else {
            PrState::Closed
        };
        PullRequest {
            number: self.number,
            node_id: self.node_id,
            branch_name: self.head.reference,
            head_sha: self.head.sha,
            base_branch: self.base.reference,
            title: self.title,
            body: self.body.unwrap_or_default(),
            state,
            draft: self.draft.unwrap_or(false),
            labels: self.labels.into_iter().map(|l| l.name).collect(),
            created_at: self.created_at,
            closed_at: self.closed_at.or(self.merged_at),
            auto_merge: self.auto_merge.is_some_and(|a| !a.is_null()),
            html_url: self.html_url,
        }
    }
}

/// An issue (`issues/list-for-repo` also lists pull requests, marked `pull_request`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireIssue {
    pub(crate) number: u64,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) body: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) pull_request: Option<serde_json::Value>,
}

impl WireIssue {
    /// In the platform's terms.
    pub(crate) fn into_issue(self) -> Issue {
        Issue {
            number: self.number,
            title: self.title,
            body: self.body.unwrap_or_default(),
            open: self.state == "open",
        }
    }
}

/// A comment.
#[derive(Debug, Deserialize)]
pub(crate) struct WireComment {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) body: Option<String>,
}

impl WireComment {
    /// In the platform's terms.
    pub(crate) fn into_comment(self) -> Comment {
        Comment {
            id: self.id,
            body: self.body.unwrap_or_default(),
        }
    }
}

/// A file (`repos/get-content`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireContent {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) content: Option<String>,
    #[serde(default)]
    pub(crate) encoding: Option<String>,
}

/// `GET …/commits/{ref}/status`.
#[derive(Debug, Deserialize)]
pub(crate) struct CombinedStatus {
    #[serde(default)]
    pub(crate) statuses: Vec<StatusEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusEntry {
    pub(crate) state: String,
}

/// `GET …/commits/{ref}/check-runs`.
#[derive(Debug, Deserialize)]
pub(crate) struct CheckRuns {
    #[serde(default)]
    pub(crate) check_runs: Vec<CheckRun>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CheckRun {
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) conclusion: Option<String>,
}

/// A ref (`git/get-ref`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireRef {
    pub(crate) object: Sha,
}

/// Anything with a `sha`.
#[derive(Debug, Deserialize)]
pub(crate) struct Sha {
    pub(crate) sha: String,
}

/// A git commit (`git/get-commit`, `git/create-commit`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireGitCommit {
    pub(crate) sha: String,
    pub(crate) tree: Sha,
}
