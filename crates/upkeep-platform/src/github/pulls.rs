//! Pull requests: list upkeep's (one conditional read per page of 100, paging only
//! when a next page exists), create with labels, assignees and reviewers, update,
//! comment, merge, and read the head commit's checks.

use http::Method;
use serde_json::{Value, json};

use crate::error::PlatformError;
use crate::types::{
    ChecksState, Comment, MergeMethod, NewPullRequest, PrState, PrUpdate, PullRequest,
};

use super::client::{Call, Retry};
use super::wire::{CheckRuns, CombinedStatus, WireComment, WireIssue, WirePull};
use super::{GitHub, Result, encode_query, split};

/// The `merge_method` GitHub names.
pub(crate) fn merge_method_name(method: MergeMethod) -> &'static str {
    match method {
        MergeMethod::Merge => "merge",
        MergeMethod::Squash => "squash",
        MergeMethod::Rebase => "rebase",
    }
}

/// Reviewers split into users and team slugs (`team:slug`).
fn split_reviewers(reviewers: &[String]) -> (Vec<String>, Vec<String>) {
    let mut users = Vec::new();
    let mut teams = Vec::new();
    for r in reviewers {
        match r.strip_prefix("team:") {
            Some(team) => teams.push(team.to_string()),
            None => users.push(r.trim_start_matches('@').to_string()),
        }
    }
    (users, teams)
}

/// The combined state of statuses and check runs (`None` when none reported).
pub(crate) fn combine_checks(
    statuses: &[String],
    runs: &[(String, Option<String>)],
) -> ChecksState {
    if statuses.is_empty() && runs.is_empty() {
        return ChecksState::None;
    }
    let failed_status = statuses.iter().any(|s| s == "failure" || s == "error");
    let failed_run = runs.iter().any(|(status, conclusion)| {
        status == "completed"
            && conclusion.as_deref().is_some_and(|c| {
                matches!(
                    c,
                    "failure"
                        | "cancelled"
                        | "timed_out"
                        | "action_required"
                        | "startup_failure"
                        | "stale"
                )
            })
    });
    if failed_status || failed_run {
        return ChecksState::Red;
    }
    let pending_status = statuses.iter().any(|s| s != "success");
    let pending_run = runs.iter().any(|(status, _)| status != "completed");
    if pending_status || pending_run {
        ChecksState::Yellow
    } else {
        ChecksState::Green
    }
}

impl GitHub {
    /// Every pull request of `repo` whose head branch (in `repo` itself) starts with
    /// `prefix`, newest first.
    pub(crate) async fn pulls(&self, repo: &str, prefix: &str) -> Result<Vec<PullRequest>> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let pulls: Vec<WirePull> = self
            .get_all(
                self.rest(&format!(
                    "/repos/{owner}/{name}/pulls?state=all&per_page=100"
                )),
                Some(identity),
                Some(repo),
                |r| r.json(),
            )
            .await?;
        let mut out: Vec<PullRequest> = pulls
            .into_iter()
            .filter(|p| p.head.reference.starts_with(prefix) && p.head_in(repo))
            .map(WirePull::into_pull)
            .collect();
        out.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then(b.number.cmp(&a.number))
        });
        Ok(out)
    }

    /// The open pull request from `branch` into `base`, if any (one uncached read).
    async fn open_pull_from(
        &self,
        repo: &str,
        branch: &str,
        base: &str,
    ) -> Result<Option<PullRequest>> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let path = self.rest(&format!(
            "/repos/{owner}/{name}/pulls?state=open&head={}&base={}",
            encode_query(&format!("{owner}:{branch}")),
            encode_query(base)
        ));
        let mut call = Call::get(path, Some(identity)).repo(repo);
        call.conditional = false;
        let pulls: Vec<WirePull> = self.client.request(call).await?.ok()?.json()?;
        Ok(pulls.into_iter().next().map(WirePull::into_pull))
    }

    /// Opens a pull request, then sets labels and assignees (one write) and requests
    /// reviewers (one write). A failure of those is logged: the pull request exists.
    pub(crate) async fn open_pull(&self, repo: &str, pr: &NewPullRequest) -> Result<PullRequest> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let body = json!({
            "title": pr.title,
            "head": pr.branch_name,
            "base": pr.base_branch,
            "body": pr.body,
            "draft": pr.draft,
        });
        let create = || {
            Call::write(
                Method::POST,
                self.rest(&format!("/repos/{owner}/{name}/pulls")),
                Some(body.clone()),
                Some(identity),
                Retry::Once,
            )
            .repo(repo)
            .creates_content()
        };
        let mut created = match self.client.request(create()).await {
            Ok(reply) if reply.success() => reply.json::<WirePull>()?.into_pull(),
            Ok(reply) => {
                let err = reply.error();
                // A rerun after an earlier ambiguous failure: it is there already.
                if reply.status == 422
                    && reply.message().contains("already exists")
                    && let Some(existing) = self
                        .open_pull_from(repo, &pr.branch_name, &pr.base_branch)
                        .await?
                {
                    existing
                } else {
                    return Err(err);
                }
            }
            // GitHub may have opened it before failing: look before trying again.
            Err(PlatformError::Transport { request, message }) => {
                tracing::warn!(%request, %message, "creating the pull request failed; checking whether it exists");
                match self
                    .open_pull_from(repo, &pr.branch_name, &pr.base_branch)
                    .await?
                {
                    Some(existing) => existing,
                    None => self
                        .client
                        .request(create())
                        .await?
                        .ok()?
                        .json::<WirePull>()?
                        .into_pull(),
                }
            }
            Err(e) => return Err(e),
        };
        let number = created.number;
        if !pr.labels.is_empty() || !pr.assignees.is_empty() {
            let mut edit = serde_json::Map::new();
            if !pr.labels.is_empty() {
                edit.insert("labels".to_string(), json!(pr.labels));
            }
            if !pr.assignees.is_empty() {
                edit.insert("assignees".to_string(), json!(pr.assignees));
            }
            let call = Call::write(
                Method::PATCH,
                self.rest(&format!("/repos/{owner}/{name}/issues/{number}")),
                Some(Value::Object(edit)),
                Some(identity),
                Retry::Safe,
            )
            .repo(repo);
            match self.client.request(call).await.and_then(|r| r.ok()) {
                Ok(reply) => {
                    if let Ok(issue) = reply.json::<Value>() {
                        created.labels = issue["labels"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|l| l["name"].as_str().map(str::to_string))
                            .collect();
                    }
                }
                Err(e) => tracing::warn!(repo, number, error = %e, "cannot set labels/assignees"),
            }
        }
        if !pr.reviewers.is_empty() {
            let (users, teams) = split_reviewers(&pr.reviewers);
            let mut request = serde_json::Map::new();
            if !users.is_empty() {
                request.insert("reviewers".to_string(), json!(users));
            }
            if !teams.is_empty() {
                request.insert("team_reviewers".to_string(), json!(teams));
            }
            let call = Call::write(
                Method::POST,
                self.rest(&format!(
                    "/repos/{owner}/{name}/pulls/{number}/requested_reviewers"
                )),
                Some(Value::Object(request)),
                Some(identity),
                Retry::Safe,
            )
            .repo(repo);
            if let Err(e) = self.client.request(call).await.and_then(|r| r.ok()) {
                tracing::warn!(repo, number, error = %e, "cannot request reviewers");
            }
        }
        Ok(created)
    }

    /// Edits title, body, state; nothing to change costs nothing.
    pub(crate) async fn edit_pull(&self, repo: &str, number: u64, update: &PrUpdate) -> Result<()> {
        let mut body = serde_json::Map::new();
        if let Some(title) = &update.title {
            body.insert("title".to_string(), json!(title));
        }
        if let Some(text) = &update.body {
            body.insert("body".to_string(), json!(text));
        }
        match update.state {
            Some(PrState::Open) => {
                body.insert("state".to_string(), json!("open"));
            }
            Some(PrState::Closed) => {
                body.insert("state".to_string(), json!("closed"));
            }
            Some(PrState::Merged) => {
                return Err(PlatformError::Config(format!(
                    "pull request #{number} of `{repo}`: merging is not an edit (use merge_pull_request)"
                )));
            }
            None => {}
        }
        self.patch_numbered(repo, "pulls", number, body, "pull request")
            .await
    }

    /// Adds labels to an issue or pull request.
    pub(crate) async fn label(&self, repo: &str, number: u64, labels: &[String]) -> Result<()> {
        if labels.is_empty() {
            return Ok(());
        }
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = Call::write(
            Method::POST,
            self.rest(&format!("/repos/{owner}/{name}/issues/{number}/labels")),
            Some(json!({ "labels": labels })),
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        self.not_found_as(repo, number, self.client.request(call).await?)
    }

    fn not_found_as(&self, repo: &str, number: u64, reply: super::client::Reply) -> Result<()> {
        if reply.status == 404 {
            return Err(PlatformError::NotFound {
                repository: repo.to_string(),
                what: format!("issue or pull request #{number}"),
            });
        }
        reply.ok().map(|_| ())
    }

    /// The comments on an issue or pull request, oldest first.
    pub(crate) async fn comments(&self, repo: &str, number: u64) -> Result<Vec<Comment>> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let comments: Vec<WireComment> = self
            .get_all(
                self.rest(&format!(
                    "/repos/{owner}/{name}/issues/{number}/comments?per_page=100"
                )),
                Some(identity),
                Some(repo),
                |r| r.json(),
            )
            .await?;
        Ok(comments
            .into_iter()
            .map(WireComment::into_comment)
            .collect())
    }

    /// Comments once: after an ambiguous failure, the comments are read before trying
    /// again.
    pub(crate) async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = || {
            Call::write(
                Method::POST,
                self.rest(&format!("/repos/{owner}/{name}/issues/{number}/comments")),
                Some(json!({ "body": body })),
                Some(identity),
                Retry::Once,
            )
            .repo(repo)
            .creates_content()
        };
        match self.client.request(call()).await {
            Ok(reply) => self.not_found_as(repo, number, reply),
            Err(PlatformError::Transport { request, message }) => {
                tracing::warn!(%request, %message, "commenting failed; checking whether it went through");
                let existing = self.comments(repo, number).await?;
                if existing.last().is_some_and(|c| c.body == body) {
                    return Ok(());
                }
                let reply = self.client.request(call()).await?;
                self.not_found_as(repo, number, reply)
            }
            Err(e) => Err(e),
        }
    }

    /// The combined status and check runs of `sha`.
    pub(crate) async fn checks(&self, repo: &str, sha: &str) -> Result<ChecksState> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let status_path = self.rest(&format!(
            "/repos/{owner}/{name}/commits/{sha}/status?per_page=100"
        ));
        let reply = self
            .client
            .request(Call::get(status_path, Some(identity)).repo(repo))
            .await?;
        if reply.status == 404 || reply.status == 422 {
            return Err(PlatformError::NotFound {
                repository: repo.to_string(),
                what: format!("commit {sha}"),
            });
        }
        let combined: CombinedStatus = reply.ok()?.json()?;
        let runs: Vec<(String, Option<String>)> = self
            .get_all(
                self.rest(&format!(
                    "/repos/{owner}/{name}/commits/{sha}/check-runs?per_page=100"
                )),
                Some(identity),
                Some(repo),
                |r| Ok(r.json::<CheckRuns>()?.check_runs),
            )
            .await?
            .into_iter()
            .map(|r| (r.status, r.conclusion))
            .collect();
        let statuses: Vec<String> = combined.statuses.into_iter().map(|s| s.state).collect();
        Ok(combine_checks(&statuses, &runs))
    }

    /// Merges `number` if its head is still `sha`; `false` when GitHub refuses.
    pub(crate) async fn merge(
        &self,
        repo: &str,
        number: u64,
        sha: &str,
        method: MergeMethod,
    ) -> Result<bool> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = Call::write(
            Method::PUT,
            self.rest(&format!("/repos/{owner}/{name}/pulls/{number}/merge")),
            Some(json!({ "sha": sha, "merge_method": merge_method_name(method) })),
            Some(identity),
            Retry::Once,
        )
        .repo(repo);
        let reply = self.client.request(call).await?;
        match reply.status {
            200..=299 => Ok(true),
            405 | 409 | 422 => {
                tracing::info!(repo, number, message = %reply.message(), "merge refused");
                Ok(false)
            }
            404 => Err(PlatformError::NotFound {
                repository: repo.to_string(),
                what: format!("pull request #{number}"),
            }),
            _ => Err(reply.error()),
        }
    }

    /// Open issues (not pull requests) upkeep itself opened, newest first.
    pub(crate) async fn own_issues(&self, repo: &str) -> Result<Vec<crate::types::Issue>> {
        let login = self.own_login().await?;
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let issues: Vec<WireIssue> = self
            .get_all(
                self.rest(&format!(
                    "/repos/{owner}/{name}/issues?state=open&creator={}&per_page=100",
                    encode_query(&login)
                )),
                Some(identity),
                Some(repo),
                |r| r.json(),
            )
            .await?;
        Ok(issues
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(WireIssue::into_issue)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_reviewers_are_told_apart_from_users() {
        let (users, teams) = split_reviewers(&[
            "alice".to_string(),
            "team:platform".to_string(),
            "@bob".to_string(),
        ]);
        assert_eq!(users, ["alice", "bob"]);
        assert_eq!(teams, ["platform"]);
    }

    #[test]
    fn checks_combine_statuses_and_check_runs() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let run = |status: &str, conclusion: Option<&str>| {
            (status.to_string(), conclusion.map(str::to_string))
        };
        assert_eq!(combine_checks(&[], &[]), ChecksState::None);
        assert_eq!(
            combine_checks(&s(&["success"]), &[run("completed", Some("success"))]),
            ChecksState::Green
        );
        assert_eq!(
            combine_checks(
                &[],
                &[
                    run("completed", Some("skipped")),
                    run("completed", Some("neutral"))
                ]
            ),
            ChecksState::Green
        );
        assert_eq!(combine_checks(&s(&["pending"]), &[]), ChecksState::Yellow);
        assert_eq!(
            combine_checks(&s(&["success"]), &[run("in_progress", None)]),
            ChecksState::Yellow
        );
        assert_eq!(
            combine_checks(&s(&["pending", "error"]), &[]),
            ChecksState::Red
        );
        assert_eq!(
            combine_checks(&s(&["success"]), &[run("completed", Some("timed_out"))]),
            ChecksState::Red
        );
    }
}
