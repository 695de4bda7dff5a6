//! Commits through the Git Data API (`platformCommit`: GitHub signs an App's commits
//! made this way, so they show as verified), branch refs, fast-forwards.
//!
//! A commit costs: one read of the parent (its tree; conditional, so a rerun on the
//! same base is free of rate limit), a blob per binary file (text goes inline in the
//! tree), the tree, the commit, the ref — and one read of the ref first when the
//! branch must still be at `expected_head`.

use base64::Engine;
use http::Method;
use serde_json::{Value, json};

use crate::error::PlatformError;
use crate::types::ApiCommit;

use super::client::{Call, Retry};
use super::wire::{Sha, WireGitCommit, WireRef};
use super::{GitHub, Identity, Result, encode_path, split};

impl GitHub {
    /// Where `branch` points now (`None`: no such branch).
    async fn branch_head(
        &self,
        repo: &str,
        identity: Identity,
        branch: &str,
    ) -> Result<Option<String>> {
        let (owner, name) = split(repo)?;
        let path = self.rest(&format!(
            "/repos/{owner}/{name}/git/ref/heads/{}",
            encode_path(branch)
        ));
        let mut call = Call::get(path, Some(identity)).repo(repo);
        call.conditional = false;
        let reply = self.client.request(call).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        Ok(Some(reply.ok()?.json::<WireRef>()?.object.sha))
    }

    /// Makes `commit` and points its branch at it; `RefMoved` when the branch is not
    /// where `expected_head` says.
    pub(crate) async fn api_commit(&self, repo: &str, commit: &ApiCommit) -> Result<String> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let branch = &commit.branch_name;
        let moved = |expected: &str| PlatformError::RefMoved {
            repository: repo.to_string(),
            branch: branch.clone(),
            expected: expected.to_string(),
        };
        if let Some(expected) = &commit.expected_head
            && self.branch_head(repo, identity, branch).await?.as_deref() != Some(expected.as_str())
        {
            return Err(moved(expected));
        }

        let git = |route: &str| self.rest(&format!("/repos/{owner}/{name}/git/{route}"));
        let reply = self
            .client
            .request(
                Call::get(git(&format!("commits/{}", commit.parent)), Some(identity)).repo(repo),
            )
            .await?;
        if reply.status == 404 {
            return Err(PlatformError::NotFound {
                repository: repo.to_string(),
                what: format!("commit {}", commit.parent),
            });
        }
        let base_tree = reply.ok()?.json::<WireGitCommit>()?.tree.sha;

        let tree = if commit.changes.is_empty() {
            base_tree
        } else {
            let mut entries = Vec::with_capacity(commit.changes.len());
            for change in &commit.changes {
                let mode = if change.executable {
                    "100755"
                } else {
                    "100644"
                };
                let entry = match &change.contents {
                    None => {
                        json!({"path": change.path, "mode": mode, "type": "blob", "sha": Value::Null})
                    }
                    Some(bytes) => match std::str::from_utf8(bytes) {
                        Ok(text) => {
                            json!({"path": change.path, "mode": mode, "type": "blob", "content": text})
                        }
                        Err(_) => {
                            let blob = Call::write(
                                Method::POST,
                                git("blobs"),
                                Some(json!({
                                    "content": base64::engine::general_purpose::STANDARD.encode(bytes),
                                    "encoding": "base64",
                                })),
                                Some(identity),
                                Retry::Safe,
                            )
                            .repo(repo);
                            let sha = self.client.request(blob).await?.ok()?.json::<Sha>()?.sha;
                            json!({"path": change.path, "mode": mode, "type": "blob", "sha": sha})
                        }
                    },
                };
                entries.push(entry);
            }
            let call = Call::write(
                Method::POST,
                git("trees"),
                Some(json!({"base_tree": base_tree, "tree": entries})),
                Some(identity),
                Retry::Safe,
            )
            .repo(repo);
            self.client.request(call).await?.ok()?.json::<Sha>()?.sha
        };

        // Without author/committer GitHub attributes the commit to the App and signs it.
        let call = Call::write(
            Method::POST,
            git("commits"),
            Some(json!({"message": commit.message, "tree": tree, "parents": [commit.parent]})),
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        let sha = self
            .client
            .request(call)
            .await?
            .ok()?
            .json::<WireGitCommit>()?
            .sha;

        match &commit.expected_head {
            None => {
                let call = Call::write(
                    Method::POST,
                    git("refs"),
                    Some(json!({"ref": format!("refs/heads/{branch}"), "sha": sha})),
                    Some(identity),
                    Retry::Safe,
                )
                .repo(repo);
                let reply = self.client.request(call).await?;
                if reply.status == 422 {
                    // A retried create whose first try went through is fine.
                    if self.branch_head(repo, identity, branch).await?.as_deref()
                        == Some(sha.as_str())
                    {
                        return Ok(sha);
                    }
                    return Err(moved("no branch"));
                }
                reply.ok()?;
            }
            Some(expected) => {
                // On its old head a fast-forward is enforced by GitHub; a rebased
                // branch needs force, guarded by the read above.
                let force = expected != &commit.parent;
                let call = Call::write(
                    Method::PATCH,
                    git(&format!("refs/heads/{}", encode_path(branch))),
                    Some(json!({"sha": sha, "force": force})),
                    Some(identity),
                    Retry::Safe,
                )
                .repo(repo);
                let reply = self.client.request(call).await?;
                if reply.status == 422 || reply.status == 409 {
                    return Err(moved(expected));
                }
                reply.ok()?;
            }
        }
        Ok(sha)
    }

    /// Moves `branch` to `sha` only as a fast-forward.
    pub(crate) async fn fast_forward_branch(
        &self,
        repo: &str,
        branch: &str,
        sha: &str,
    ) -> Result<bool> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = Call::write(
            Method::PATCH,
            self.rest(&format!(
                "/repos/{owner}/{name}/git/refs/heads/{}",
                encode_path(branch)
            )),
            Some(json!({"sha": sha, "force": false})),
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        let reply = self.client.request(call).await?;
        match reply.status {
            200..=299 => Ok(true),
            409 | 422 => {
                tracing::info!(repo, branch, message = %reply.message(), "not a fast-forward");
                Ok(false)
            }
            _ => Err(reply.error()),
        }
    }

    /// Deletes a branch; one that is gone already is fine.
    pub(crate) async fn remove_branch(&self, repo: &str, branch: &str) -> Result<()> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = Call::write(
            Method::DELETE,
            self.rest(&format!(
                "/repos/{owner}/{name}/git/refs/heads/{}",
                encode_path(branch)
            )),
            None,
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        let reply = self.client.request(call).await?;
        match reply.status {
            200..=299 | 422 => Ok(()),
            _ => Err(reply.error()),
        }
    }
}
