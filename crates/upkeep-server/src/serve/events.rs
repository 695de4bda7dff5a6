//! What a GitHub webhook delivery asks upkeep to do — a pure function of the event name
//! (`X-GitHub-Event`) and the JSON payload.
//!
//! | event | action | work |
//! | --- | --- | --- |
//! | `installation` | `created`, `new_permissions_accepted`, `unsuspend` | run its repositories |
//! | `installation` | `deleted`, `suspend` | drop its queued work |
//! | `installation_repositories` | `added` / `removed` | run / drop those repositories |
//! | `push` | to the default branch | rerun the repository |
//! | `pull_request` | `closed`, `edited` | rerun the repository |
//! | `issues` | `edited` with a changed body (Dependency Dashboard checkboxes) | rerun |
//! | `ping` | — | answer |
//!
//! Everything else is ignored, with the reason. Pushes to any other branch (upkeep's
//! own `upkeep/…` branches included), tag pushes and branch deletions are ignored: only
//! the default branch's content changes what upkeep proposes. Payloads are read
//! leniently (unknown fields are fine) but a payload missing what its event needs is an
//! error naming the field.

use std::fmt;

use serde::Deserialize;

use crate::fleet::RepoRef;

/// Why a repository was queued; given to [`super::Work::run_repository`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The App was installed, or its permissions were accepted.
    Installed,
    /// The repository was added to the installation.
    RepositoryAdded,
    /// A push to the default branch.
    Push {
        /// The branch.
        branch: String,
        /// The new head commit.
        after: String,
    },
    /// A pull request was closed or edited.
    PullRequest {
        /// Its number.
        number: u64,
        /// `closed` or `edited`.
        action: String,
    },
    /// An issue's body was edited (Dependency Dashboard checkboxes).
    IssueEdited {
        /// Its number.
        number: u64,
    },
    /// A scheduled full pass.
    Schedule,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Installed => f.write_str("app installed"),
            Reason::RepositoryAdded => f.write_str("repository added to the installation"),
            Reason::Push { branch, after } => write!(f, "push to {branch} ({after})"),
            Reason::PullRequest { number, action } => write!(f, "pull request #{number} {action}"),
            Reason::IssueEdited { number } => write!(f, "issue #{number} edited"),
            Reason::Schedule => f.write_str("scheduled full pass"),
        }
    }
}

/// A repository to run and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The repository (always with its installation here).
    pub repo: RepoRef,
    /// Why.
    pub reason: Reason,
}

/// What a delivery asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routing {
    /// Queue these repositories.
    Run(Vec<Job>),
    /// Queue every repository of an installation (the payload does not list them).
    RunInstallation {
        /// The installation.
        installation: u64,
        /// Why.
        reason: Reason,
    },
    /// Drop queued work: of these repositories, or of the whole installation (`None`).
    Drop {
        /// The installation.
        installation: u64,
        /// The repositories' full names; `None` for all of them.
        repositories: Option<Vec<String>>,
    },
    /// A `ping`: GitHub checking the hook.
    Pong,
    /// Nothing to do, and why.
    Ignore(String),
}

/// A payload that cannot be read for its event.
#[derive(Debug, thiserror::Error)]
#[error("the `{event}` payload is not usable: {reason}")]
pub struct PayloadError {
    /// The event name.
    pub event: String,
    /// The JSON error (with its field) or what is missing.
    pub reason: String,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
    #[serde(default)]
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct InstallationEvent {
    action: String,
    installation: Installation,
    #[serde(default)]
    repositories: Option<Vec<Repository>>,
}

#[derive(Deserialize)]
struct InstallationRepositoriesEvent {
    action: String,
    installation: Installation,
    #[serde(default)]
    repositories_added: Vec<Repository>,
    #[serde(default)]
    repositories_removed: Vec<Repository>,
}

#[derive(Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    after: String,
    #[serde(default)]
    deleted: bool,
    repository: Repository,
    installation: Option<Installation>,
}

#[derive(Deserialize)]
struct PullRequestEvent {
    action: String,
    number: u64,
    repository: Repository,
    installation: Option<Installation>,
}

#[derive(Deserialize)]
struct IssuesEvent {
    action: String,
    issue: Issue,
    #[serde(default)]
    changes: Option<Changes>,
    repository: Repository,
    installation: Option<Installation>,
}

#[derive(Deserialize)]
struct Issue {
    number: u64,
}

#[derive(Deserialize)]
struct Changes {
    #[serde(default)]
    body: Option<serde_json::Value>,
}

/// What the delivery of `event` with `payload` asks for.
pub fn route(event: &str, payload: &[u8]) -> Result<Routing, PayloadError> {
    let parse_error = |error: serde_json::Error| PayloadError {
        event: event.to_owned(),
        reason: error.to_string(),
    };
    match event {
        "ping" => Ok(Routing::Pong),
        "installation" => {
            let event: InstallationEvent = serde_json::from_slice(payload).map_err(parse_error)?;
            Ok(installation(event))
        }
        "installation_repositories" => {
            let event: InstallationRepositoriesEvent =
                serde_json::from_slice(payload).map_err(parse_error)?;
            Ok(installation_repositories(event))
        }
        "push" => Ok(push(serde_json::from_slice(payload).map_err(parse_error)?)),
        "pull_request" => {
            let event: PullRequestEvent = serde_json::from_slice(payload).map_err(parse_error)?;
            Ok(match event.action.as_str() {
                "closed" | "edited" => single(
                    event.installation,
                    event.repository,
                    Reason::PullRequest {
                        number: event.number,
                        action: event.action.clone(),
                    },
                ),
                other => Routing::Ignore(format!(
                    "pull_request `{other}` changes nothing upkeep decides"
                )),
            })
        }
        "issues" => {
            let event: IssuesEvent = serde_json::from_slice(payload).map_err(parse_error)?;
            let body_changed = event.changes.is_some_and(|changes| changes.body.is_some());
            Ok(if event.action != "edited" {
                Routing::Ignore(format!(
                    "issues `{}` changes nothing upkeep decides",
                    event.action
                ))
            } else if !body_changed {
                Routing::Ignore("the issue's body did not change".to_owned())
            } else {
                single(
                    event.installation,
                    event.repository,
                    Reason::IssueEdited {
                        number: event.issue.number,
                    },
                )
            })
        }
        other => Ok(Routing::Ignore(format!(
            "upkeep does not act on `{other}` events"
        ))),
    }
}

fn installation(event: InstallationEvent) -> Routing {
    let id = event.installation.id;
    match event.action.as_str() {
        "created" | "new_permissions_accepted" | "unsuspend" => match event.repositories {
            Some(repositories) => Routing::Run(jobs(id, repositories, Reason::Installed)),
            None => Routing::RunInstallation {
                installation: id,
                reason: Reason::Installed,
            },
        },
        "deleted" | "suspend" => Routing::Drop {
            installation: id,
            repositories: None,
        },
        other => Routing::Ignore(format!(
            "installation `{other}` changes nothing upkeep runs"
        )),
    }
}

fn installation_repositories(event: InstallationRepositoriesEvent) -> Routing {
    let id = event.installation.id;
    match event.action.as_str() {
        "added" => Routing::Run(jobs(id, event.repositories_added, Reason::RepositoryAdded)),
        "removed" => Routing::Drop {
            installation: id,
            repositories: Some(
                event
                    .repositories_removed
                    .into_iter()
                    .map(|repository| repository.full_name)
                    .collect(),
            ),
        },
        other => Routing::Ignore(format!(
            "installation_repositories `{other}` changes nothing upkeep runs"
        )),
    }
}

fn push(event: PushEvent) -> Routing {
    let Some(branch) = event.git_ref.strip_prefix("refs/heads/") else {
        return Routing::Ignore(format!("`{}` is not a branch", event.git_ref));
    };
    if event.deleted {
        return Routing::Ignore(format!("branch `{branch}` was deleted"));
    }
    match event.repository.default_branch.as_deref() {
        Some(default) if default == branch => {}
        Some(default) => {
            return Routing::Ignore(format!(
                "push to `{branch}`, not the default branch `{default}`"
            ));
        }
        None => return Routing::Ignore("the payload names no default branch".to_owned()),
    }
    let reason = Reason::Push {
        branch: branch.to_owned(),
        after: event.after,
    };
    single(event.installation, event.repository, reason)
}

fn single(installation: Option<Installation>, repository: Repository, reason: Reason) -> Routing {
    match installation {
        Some(installation) => Routing::Run(vec![Job {
            repo: RepoRef::in_installation(installation.id, repository.full_name),
            reason,
        }]),
        None => Routing::Ignore("the payload names no App installation".to_owned()),
    }
}

fn jobs(installation: u64, repositories: Vec<Repository>, reason: Reason) -> Vec<Job> {
    repositories
        .into_iter()
        .map(|repository| Job {
            repo: RepoRef::in_installation(installation, repository.full_name),
            reason: reason.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_without_an_installation_is_ignored() {
        let payload = br#"{"ref":"refs/heads/main","after":"abc","repository":{"full_name":"acme/api","default_branch":"main"}}"#;
        assert_eq!(
            route("push", payload).unwrap(),
            Routing::Ignore("the payload names no App installation".to_owned())
        );
    }

    #[test]
    fn a_payload_missing_what_its_event_needs_names_the_field() {
        let error = route("pull_request", br#"{"action":"closed","number":3}"#).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`pull_request` payload"), "{message}");
        assert!(message.contains("repository"), "{message}");
    }

    #[test]
    fn suspending_drops_and_unknown_actions_are_ignored() {
        let suspend = br#"{"action":"suspend","installation":{"id":9}}"#;
        assert_eq!(
            route("installation", suspend).unwrap(),
            Routing::Drop {
                installation: 9,
                repositories: None
            }
        );
        let other = br#"{"action":"renamed","installation":{"id":9}}"#;
        assert!(matches!(
            route("installation", other).unwrap(),
            Routing::Ignore(_)
        ));
    }
}
