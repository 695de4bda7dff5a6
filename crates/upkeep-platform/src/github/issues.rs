//! Issues (the Dependency Dashboard): open one once, edit one.

use http::Method;
use serde_json::{Value, json};

use crate::error::PlatformError;
use crate::types::Issue;

use super::client::{Call, Retry};
use super::wire::WireIssue;
use super::{GitHub, Result, split};

impl GitHub {
    /// Opens an issue; after an ambiguous failure, upkeep's open issues are searched
    /// for one with this title before trying again.
    pub(crate) async fn open_issue(
        &self,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let mut request = json!({ "title": title, "body": body });
        if !labels.is_empty() {
            request["labels"] = json!(labels);
        }
        let call = || {
            Call::write(
                Method::POST,
                self.rest(&format!("/repos/{owner}/{name}/issues")),
                Some(request.clone()),
                Some(identity),
                Retry::Once,
            )
            .repo(repo)
            .creates_content()
        };
        let reply = match self.client.request(call()).await {
            Ok(reply) => reply,
            Err(PlatformError::Transport { request, message }) => {
                tracing::warn!(%request, %message, "opening the issue failed; checking whether it exists");
                if let Some(existing) = self
                    .own_issues(repo)
                    .await?
                    .into_iter()
                    .find(|i| i.title == title)
                {
                    return Ok(existing);
                }
                self.client.request(call()).await?
            }
            Err(e) => return Err(e),
        };
        if reply.status == 404 || reply.status == 410 {
            return Err(PlatformError::Rejected {
                request: reply.request.clone(),
                status: reply.status,
                message: format!("issues are disabled in `{repo}`"),
            });
        }
        Ok(reply.ok()?.json::<WireIssue>()?.into_issue())
    }

    /// Edits title, body or open state; nothing to change costs nothing.
    pub(crate) async fn edit_issue(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<()> {
        let mut edit = serde_json::Map::new();
        if let Some(t) = title {
            edit.insert("title".to_string(), json!(t));
        }
        if let Some(b) = body {
            edit.insert("body".to_string(), json!(b));
        }
        if let Some(open) = open {
            edit.insert(
                "state".to_string(),
                json!(if open { "open" } else { "closed" }),
            );
        }
        self.patch_numbered(repo, "issues", number, edit, "issue")
            .await
    }

    /// PATCHes issue or pull request `number` (`kind`: `issues`, `pulls`) with `edit`;
    /// an empty edit costs no call. `what` names it in a not-found error.
    pub(crate) async fn patch_numbered(
        &self,
        repo: &str,
        kind: &str,
        number: u64,
        edit: serde_json::Map<String, Value>,
        what: &str,
    ) -> Result<()> {
        if edit.is_empty() {
            return Ok(());
        }
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let call = Call::write(
            Method::PATCH,
            self.rest(&format!("/repos/{owner}/{name}/{kind}/{number}")),
            Some(Value::Object(edit)),
            Some(identity),
            Retry::Safe,
        )
        .repo(repo);
        let reply = self.client.request(call).await?;
        if reply.status == 404 {
            return Err(PlatformError::NotFound {
                repository: repo.to_string(),
                what: format!("{what} #{number}"),
            });
        }
        reply.ok().map(|_| ())
    }
}
