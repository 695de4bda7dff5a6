//! Repositories: which installation reaches a repository, discovery (`autodiscover`),
//! one repository, one file, and upkeep's own login.

use std::collections::HashMap;

use base64::Engine;
use serde::de::DeserializeOwned;

use crate::error::PlatformError;
use crate::types::RepoInfo;

use super::client::{Call, Reply};
use super::wire::{InstallationRepos, Login, WireApp, WireContent, WireInstallation, WireRepo};
use super::{GitHub, Identity, Result, encode_path, encode_query, split};

impl GitHub {
    /// Every page of a list, following `Link: rel="next"` only while there is one.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        first: String,
        identity: Option<Identity>,
        repo: Option<&str>,
        items: fn(&Reply) -> Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next.take() {
            let mut call = Call::get(path, identity);
            call.repo = repo;
            let reply = self.client.request(call).await?;
            if reply.status == 404
                && let Some(repo) = repo
            {
                return Err(PlatformError::RepositoryNotFound(repo.to_string()));
            }
            let reply = reply.ok()?;
            out.extend(items(&reply)?);
            next = reply.next_page(self.client.endpoint());
        }
        Ok(out)
    }

    /// The App's installations by account login (lower case), listed once per
    /// process unless `refresh`.
    async fn installations(&self, refresh: bool) -> Result<HashMap<String, u64>> {
        let mut cached = self.installations.lock().await;
        if !refresh && let Some(map) = cached.as_ref() {
            return Ok(map.clone());
        }
        let list: Vec<WireInstallation> = self
            .get_all(
                self.rest("/app/installations?per_page=100"),
                None,
                None,
                |r| r.json(),
            )
            .await?;
        let map: HashMap<String, u64> = list
            .into_iter()
            .filter(|i| {
                if i.suspended_at.is_some() {
                    tracing::warn!(installation = i.id, "installation is suspended; skipped");
                }
                i.suspended_at.is_none()
            })
            .filter_map(|i| Some((i.account?.login.to_ascii_lowercase(), i.id)))
            .collect();
        *cached = Some(map.clone());
        Ok(map)
    }

    /// Who upkeep acts as for `repo`: the installation on its owner, or the token.
    pub(crate) async fn identity_for(&self, repo: &str) -> Result<Identity> {
        let (owner, _) = split(repo)?;
        if !self.app {
            return Ok(Identity::Token);
        }
        let owner = owner.to_ascii_lowercase();
        if let Some(id) = self.installations(false).await?.get(&owner) {
            return Ok(Identity::Installation(*id));
        }
        // Installed since the list was read?
        match self.installations(true).await?.get(&owner) {
            Some(id) => Ok(Identity::Installation(*id)),
            None => Err(PlatformError::RepositoryNotFound(repo.to_string())),
        }
    }

    /// `autodiscover`: every repository of every installation, or the token user's.
    pub(crate) async fn discover(&self) -> Result<Vec<RepoInfo>> {
        if !self.app {
            let repos: Vec<WireRepo> = self
                .get_all(
                    self.rest("/user/repos?per_page=100"),
                    Some(Identity::Token),
                    None,
                    |r| r.json(),
                )
                .await?;
            return Ok(repos.into_iter().map(|r| r.into_info(None)).collect());
        }
        let mut installations: Vec<u64> = self.installations(true).await?.into_values().collect();
        installations.sort_unstable();
        let mut out = Vec::new();
        let mut first_error = None;
        for id in &installations {
            let listed = self
                .get_all(
                    self.rest("/installation/repositories?per_page=100"),
                    Some(Identity::Installation(*id)),
                    None,
                    |r| Ok(r.json::<InstallationRepos>()?.repositories),
                )
                .await;
            match listed {
                Ok(repos) => out.extend(repos.into_iter().map(|r| r.into_info(Some(*id)))),
                // One broken installation must not hide the others' repositories.
                Err(e) => {
                    tracing::warn!(installation = id, error = %e, "cannot list the installation's repositories");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if out.is_empty() => Err(e),
            _ => {
                out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
                Ok(out)
            }
        }
    }

    /// One repository.
    pub(crate) async fn repo_info(&self, repo: &str) -> Result<RepoInfo> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let path = self.rest(&format!("/repos/{owner}/{name}"));
        let reply = self
            .client
            .request(Call::get(path, Some(identity)).repo(repo))
            .await?;
        if reply.status == 404 {
            return Err(PlatformError::RepositoryNotFound(repo.to_string()));
        }
        let installation = match identity {
            Identity::Installation(id) => Some(id),
            Identity::Token => None,
        };
        Ok(reply.ok()?.json::<WireRepo>()?.into_info(installation))
    }

    /// A text file at `reference` (default branch when `None`); `None` when absent.
    pub(crate) async fn file(
        &self,
        repo: &str,
        path: &str,
        reference: Option<&str>,
    ) -> Result<Option<String>> {
        let identity = self.identity_for(repo).await?;
        let (owner, name) = split(repo)?;
        let mut route = format!(
            "/repos/{owner}/{name}/contents/{}",
            encode_path(path.trim_matches('/'))
        );
        if let Some(r) = reference {
            route.push_str(&format!("?ref={}", encode_query(r)));
        }
        let reply = self
            .client
            .request(Call::get(self.rest(&route), Some(identity)).repo(repo))
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = reply.ok()?;
        let request = reply.request.clone();
        let unreadable = |message: String| PlatformError::Transport {
            request: request.clone(),
            message,
        };
        // A directory answers with an array: there is no such file.
        let Ok(content) = reply.json::<WireContent>() else {
            return Ok(None);
        };
        if content.kind != "file" {
            return Ok(None);
        }
        let bytes = match (content.encoding.as_deref(), content.content) {
            (Some("base64"), Some(text)) => base64::engine::general_purpose::STANDARD
                .decode(text.replace(['\n', '\r'], ""))
                .map_err(|e| unreadable(format!("`{path}` is not valid base64: {e}")))?,
            // Files over 1 MB come without content: ask for the raw bytes.
            _ => {
                let mut call = Call::get(self.rest(&route), Some(identity)).repo(repo);
                call.accept = Some("application/vnd.github.raw+json");
                call.conditional = false;
                self.client.request(call).await?.ok()?.body.into_bytes()
            }
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| unreadable(format!("`{path}` in `{repo}` is not UTF-8 text")))
    }

    /// The login upkeep acts as: the App's bot (`slug[bot]`) or the token's user.
    pub(crate) async fn own_login(&self) -> Result<String> {
        self.own_login
            .get_or_try_init(|| async {
                if self.app {
                    let app: WireApp = self
                        .client
                        .request(Call::get(self.rest("/app"), None))
                        .await?
                        .ok()?
                        .json()?;
                    let slug = app.slug.ok_or_else(|| PlatformError::Transport {
                        request: "GET /app".to_string(),
                        message: "the App has no slug".to_string(),
                    })?;
                    Ok(format!("{slug}[bot]"))
                } else {
                    let user: Login = self
                        .client
                        .request(Call::get(self.rest("/user"), Some(Identity::Token)))
                        .await?
                        .ok()?
                        .json()?;
                    Ok(user.login)
                }
            })
            .await
            .cloned()
    }

    /// The credential for git (a live token; `x-access-token` as GitHub asks).
    pub(crate) async fn credentials(&self, repo: &str) -> Result<crate::types::GitCredentials> {
        let identity = self.identity_for(repo).await?;
        let token = self.client.token(identity).await?;
        Ok(crate::types::GitCredentials {
            url: self.client.endpoint().git_origin(),
            username: "x-access-token".to_string(),
            token,
        })
    }
}
