//! GitHub's GraphQL API, for what REST cannot do: native auto-merge.

use http::Method;
use serde_json::{Value, json};

use crate::error::PlatformError;
use crate::types::{MergeMethod, PullRequest};

use super::client::{Call, Retry};
use super::{GitHub, Result};

const ENABLE_AUTO_MERGE: &str = "mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) { pullRequest { number autoMergeRequest { enabledAt } } } }";

/// GraphQL's `PullRequestMergeMethod`.
fn graphql_merge_method(method: MergeMethod) -> &'static str {
    match method {
        MergeMethod::Merge => "MERGE",
        MergeMethod::Squash => "SQUASH",
        MergeMethod::Rebase => "REBASE",
    }
}

impl GitHub {
    /// Turns on native auto-merge (`platformAutomerge`); GitHub merges once the
    /// required checks pass. Already enabled costs nothing.
    pub(crate) async fn auto_merge(
        &self,
        repo: &str,
        pr: &PullRequest,
        method: MergeMethod,
    ) -> Result<()> {
        if pr.auto_merge {
            return Ok(());
        }
        let identity = self.identity_for(repo).await?;
        let body = json!({
            "query": ENABLE_AUTO_MERGE,
            "variables": {
                "pullRequestId": pr.node_id,
                "mergeMethod": graphql_merge_method(method),
            },
        });
        // Enabling twice is harmless, so the mutation may be retried.
        let call = Call::write(
            Method::POST,
            self.client.endpoint().graphql(),
            Some(body),
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        let reply = self.client.request(call).await?.ok()?;
        let answer: Value = reply.json()?;
        let errors: Vec<String> = answer["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["message"].as_str().map(str::to_string))
            .collect();
        if !errors.is_empty() {
            return Err(PlatformError::Rejected {
                request: format!("enablePullRequestAutoMerge on #{} of `{repo}`", pr.number),
                status: reply.status,
                message: errors.join("; "),
            });
        }
        Ok(())
    }
}
