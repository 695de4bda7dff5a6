//! The fake's state (apps, installations, tokens, repositories, issues and pull
//! requests, statuses, counters) and how it renders as GitHub's JSON.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::bare::Bare;
use super::{Failure, RequestRecord, Tally, Violation};

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// RFC 3339 in UTC (`2024-01-01T00:00:00Z`).
pub(crate) fn timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Principal {
    /// The app itself, with a JWT.
    App,
    /// An installation token.
    Installation(u64),
    /// A person's token (what tests use to act as a human).
    User(String),
}

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) kind: &'static str,
}

#[derive(Clone, Debug)]
pub(crate) struct Installation {
    pub(crate) id: u64,
    pub(crate) account: String,
    pub(crate) created_at: u64,
    /// `None` = all repositories of the account; `Some` = only these full names.
    pub(crate) selected: Option<Vec<String>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) principal: Principal,
    pub(crate) expires_at: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Budget {
    pub(crate) limit: u64,
    pub(crate) used: u64,
    pub(crate) reset: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub(crate) id: u64,
    pub(crate) color: String,
    pub(crate) description: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    pub(crate) issue: u64,
    pub(crate) user: String,
    pub(crate) body: String,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct AutoMerge {
    pub(crate) enabled_by: String,
    pub(crate) method: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Pull {
    pub(crate) head_ref: String,
    pub(crate) head_sha: String,
    pub(crate) base_ref: String,
    pub(crate) draft: bool,
    pub(crate) merged_at: Option<u64>,
    pub(crate) merged_by: Option<String>,
    pub(crate) merge_commit_sha: Option<String>,
    pub(crate) requested_reviewers: Vec<String>,
    pub(crate) auto_merge: Option<AutoMerge>,
    pub(crate) maintainer_can_modify: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Issue {
    pub(crate) id: u64,
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) body: Option<String>,
    pub(crate) open: bool,
    pub(crate) state_reason: Option<String>,
    pub(crate) user: String,
    pub(crate) labels: Vec<String>,
    pub(crate) assignees: Vec<String>,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
    pub(crate) closed_at: Option<u64>,
    pub(crate) closed_by: Option<String>,
    pub(crate) pull: Option<Pull>,
}

#[derive(Clone, Debug)]
pub(crate) struct CommitStatus {
    pub(crate) id: u64,
    pub(crate) sha: String,
    pub(crate) state: String,
    pub(crate) context: String,
    pub(crate) description: Option<String>,
    pub(crate) target_url: Option<String>,
    pub(crate) creator: String,
    pub(crate) created_at: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct CheckRun {
    pub(crate) id: u64,
    pub(crate) sha: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) conclusion: Option<String>,
    pub(crate) at: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Repo {
    pub(crate) id: u64,
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) private: bool,
    pub(crate) archived: bool,
    pub(crate) disabled: bool,
    pub(crate) fork: bool,
    pub(crate) default_branch: String,
    pub(crate) allow_merge_commit: bool,
    pub(crate) allow_squash_merge: bool,
    pub(crate) allow_rebase_merge: bool,
    pub(crate) allow_auto_merge: bool,
    pub(crate) created_at: u64,
    /// When a branch last moved (pushes and ref changes through the fake).
    pub(crate) pushed_at: u64,
    pub(crate) issues: BTreeMap<u64, Issue>,
    pub(crate) labels: BTreeMap<String, Label>,
    pub(crate) comments: BTreeMap<u64, Comment>,
    pub(crate) statuses: Vec<CommitStatus>,
    pub(crate) check_runs: Vec<CheckRun>,
    pub(crate) bare: Bare,
}

impl Repo {
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub(crate) fn next_number(&self) -> u64 {
        self.issues.keys().next_back().copied().unwrap_or(0) + 1
    }
}

/// Everything the fake knows.
pub(crate) struct State {
    pub(crate) base: String,
    pub(crate) root: PathBuf,
    pub(crate) app_id: u64,
    pub(crate) app_slug: String,
    pub(crate) app_owner: String,
    pub(crate) started: u64,
    pub(crate) next_id: u64,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) installations: BTreeMap<u64, Installation>,
    pub(crate) tokens: HashMap<String, Token>,
    pub(crate) token_lifetime: u64,
    pub(crate) token_serial: u64,
    pub(crate) verified_jwts: HashSet<String>,
    pub(crate) repos: BTreeMap<String, Repo>,
    pub(crate) budgets: HashMap<String, Budget>,
    pub(crate) default_limit: u64,
    pub(crate) secondary: Option<(u32, u64)>,
    pub(crate) failures: Vec<Failure>,
    pub(crate) violations: Vec<Violation>,
    pub(crate) log: Vec<RequestRecord>,
    pub(crate) by_installation: BTreeMap<u64, Tally>,
    pub(crate) by_repo: BTreeMap<String, Tally>,
    pub(crate) by_operation: BTreeMap<String, u64>,
    pub(crate) humans: Tally,
    pub(crate) git_requests: BTreeMap<String, u64>,
    /// `owner/repo@sha` of commits GitHub would show as verified.
    pub(crate) verified_commits: HashSet<String>,
}

impl State {
    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The user record for `login`, created on first use.
    pub(crate) fn user(&mut self, login: &str, kind: &'static str) -> User {
        if let Some(u) = self.users.get(login) {
            return u.clone();
        }
        let user = User {
            id: self.id(),
            kind,
        };
        self.users.insert(login.to_string(), user.clone());
        user
    }

    /// The login that acts for `principal` (the app's bot for installations).
    pub(crate) fn actor(&mut self, principal: &Principal) -> String {
        match principal {
            Principal::User(login) => login.clone(),
            _ => {
                let bot = format!("{}[bot]", self.app_slug);
                self.user(&bot, "Bot");
                bot
            }
        }
    }

    /// Whether `principal` may see `repo`.
    pub(crate) fn can_access(&self, principal: &Principal, repo: &Repo) -> bool {
        match principal {
            Principal::App => false,
            Principal::User(_) => true,
            Principal::Installation(id) => self.installations.get(id).is_some_and(|inst| {
                inst.account == repo.owner
                    && inst
                        .selected
                        .as_ref()
                        .is_none_or(|names| names.contains(&repo.full_name()))
            }),
        }
    }

    pub(crate) fn repos_of(&self, installation: u64) -> Vec<&Repo> {
        let who = Principal::Installation(installation);
        self.repos
            .values()
            .filter(|r| self.can_access(&who, r))
            .collect()
    }

    // ---- rendering ----

    pub(crate) fn render_user(&self, login: &str) -> Value {
        let (id, kind) = self
            .users
            .get(login)
            .map(|u| (u.id, u.kind))
            .unwrap_or((0, "User"));
        let api = format!("{}/users/{login}", self.base);
        json!({
            "login": login,
            "id": id,
            "node_id": format!("U_{id}"),
            "avatar_url": format!("{}/avatars/{login}", self.base),
            "gravatar_id": "",
            "url": api,
            "html_url": format!("{}/{login}", self.base),
            "followers_url": format!("{api}/followers"),
            "following_url": format!("{api}/following{{/other_user}}"),
            "gists_url": format!("{api}/gists{{/gist_id}}"),
            "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{api}/subscriptions"),
            "organizations_url": format!("{api}/orgs"),
            "repos_url": format!("{api}/repos"),
            "events_url": format!("{api}/events{{/privacy}}"),
            "received_events_url": format!("{api}/received_events"),
            "type": kind,
            "site_admin": false,
        })
    }

    /// A user that also satisfies the `enterprise` half of the installation's
    /// `account: allOf[simple-user, enterprise]`.
    fn render_account(&self, login: &str) -> Value {
        let mut v = self.render_user(login);
        v["name"] = json!(login);
        v["slug"] = json!(login);
        v["created_at"] = json!(timestamp(self.started));
        v["updated_at"] = json!(timestamp(self.started));
        v
    }

    pub(crate) fn render_app(&self) -> Value {
        json!({
            "id": self.app_id,
            "slug": self.app_slug,
            "client_id": format!("Iv1.fake{}", self.app_id),
            "node_id": format!("A_{}", self.app_id),
            "owner": self.render_user(&self.app_owner),
            "name": self.app_slug,
            "description": "upkeep (fake GitHub App)",
            "external_url": format!("{}/apps/{}", self.base, self.app_slug),
            "html_url": format!("{}/apps/{}", self.base, self.app_slug),
            "created_at": timestamp(self.started),
            "updated_at": timestamp(self.started),
            "permissions": permissions(),
            "events": ["pull_request", "push", "issues", "check_run", "status"],
            "installations_count": self.installations.len(),
        })
    }

    pub(crate) fn render_installation(&self, inst: &Installation) -> Value {
        let account_type = self
            .users
            .get(&inst.account)
            .map(|u| u.kind)
            .unwrap_or("Organization");
        let account_id = self.users.get(&inst.account).map(|u| u.id).unwrap_or(0);
        json!({
            "id": inst.id,
            "account": self.render_account(&inst.account),
            "repository_selection": if inst.selected.is_some() { "selected" } else { "all" },
            "access_tokens_url": format!("{}/app/installations/{}/access_tokens", self.base, inst.id),
            "repositories_url": format!("{}/installation/repositories", self.base),
            "html_url": format!("{}/organizations/{}/settings/installations/{}", self.base, inst.account, inst.id),
            "app_id": self.app_id,
            "app_slug": self.app_slug,
            "target_id": account_id,
            "target_type": account_type,
            "permissions": permissions(),
            "events": ["pull_request", "push", "issues"],
            "created_at": timestamp(inst.created_at),
            "updated_at": timestamp(inst.created_at),
            "single_file_name": null,
            "has_multiple_single_files": false,
            "single_file_paths": [],
            "suspended_by": null,
            "suspended_at": null,
        })
    }

    /// A repository; satisfies `repository`, `full-repository` and
    /// `minimal-repository`.
    pub(crate) fn render_repo(&self, repo: &Repo) -> Value {
        let full = repo.full_name();
        let api = format!("{}/repos/{full}", self.base);
        let html = format!("{}/{full}", self.base);
        let open = repo.issues.values().filter(|i| i.open).count();
        let pushed = repo.pushed_at;
        let mut v = json!({
            "id": repo.id,
            "node_id": format!("R_{}", repo.id),
            "name": repo.name,
            "full_name": full,
            "owner": self.render_user(&repo.owner),
            "private": repo.private,
            "visibility": if repo.private { "private" } else { "public" },
            "html_url": html,
            "description": null,
            "fork": repo.fork,
            "url": api,
            "clone_url": format!("{html}.git"),
            "git_url": format!("git://127.0.0.1/{full}.git"),
            "ssh_url": format!("git@127.0.0.1:{full}.git"),
            "svn_url": html,
            "mirror_url": null,
            "homepage": null,
            "language": null,
            "forks_count": 0, "forks": 0,
            "stargazers_count": 0, "watchers_count": 0, "watchers": 0,
            "subscribers_count": 0, "network_count": 0,
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": open, "open_issues": open,
            "is_template": false,
            "topics": [],
            "has_issues": true, "has_projects": false, "has_wiki": false,
            "has_pages": false, "has_downloads": false, "has_discussions": false,
            "archived": repo.archived,
            "disabled": repo.disabled,
            "pushed_at": timestamp(pushed),
            "created_at": timestamp(repo.created_at),
            "updated_at": timestamp(pushed.max(repo.created_at)),
            "allow_merge_commit": repo.allow_merge_commit,
            "allow_squash_merge": repo.allow_squash_merge,
            "allow_rebase_merge": repo.allow_rebase_merge,
            "allow_auto_merge": repo.allow_auto_merge,
            "delete_branch_on_merge": false,
            "license": null,
            "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
        });
        for (key, suffix) in [
            ("archive_url", "/{archive_format}{/ref}"),
            ("assignees_url", "/assignees{/user}"),
            ("blobs_url", "/git/blobs{/sha}"),
            ("branches_url", "/branches{/branch}"),
            ("collaborators_url", "/collaborators{/collaborator}"),
            ("comments_url", "/comments{/number}"),
            ("commits_url", "/commits{/sha}"),
            ("compare_url", "/compare/{base}...{head}"),
            ("contents_url", "/contents/{+path}"),
            ("contributors_url", "/contributors"),
            ("deployments_url", "/deployments"),
            ("downloads_url", "/downloads"),
            ("events_url", "/events"),
            ("forks_url", "/forks"),
            ("git_commits_url", "/git/commits{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"),
            ("git_tags_url", "/git/tags{/sha}"),
            ("hooks_url", "/hooks"),
            ("issue_comment_url", "/issues/comments{/number}"),
            ("issue_events_url", "/issues/events{/number}"),
            ("issues_url", "/issues{/number}"),
            ("keys_url", "/keys{/key_id}"),
            ("labels_url", "/labels{/name}"),
            ("languages_url", "/languages"),
            ("merges_url", "/merges"),
            ("milestones_url", "/milestones{/number}"),
            (
                "notifications_url",
                "/notifications{?since,all,participating}",
            ),
            ("pulls_url", "/pulls{/number}"),
            ("releases_url", "/releases{/id}"),
            ("stargazers_url", "/stargazers"),
            ("statuses_url", "/statuses/{sha}"),
            ("subscribers_url", "/subscribers"),
            ("subscription_url", "/subscription"),
            ("tags_url", "/tags"),
            ("teams_url", "/teams"),
            ("trees_url", "/git/trees{/sha}"),
        ] {
            v[key] = json!(format!("{api}{suffix}"));
        }
        v
    }

    pub(crate) fn render_label(&self, repo: &Repo, name: &str) -> Value {
        let (id, color, description) = repo
            .labels
            .get(name)
            .map(|l| (l.id, l.color.clone(), l.description.clone()))
            .unwrap_or((0, "ededed".to_string(), None));
        json!({
            "id": id,
            "node_id": format!("LA_{id}"),
            "url": format!("{}/repos/{}/labels/{}", self.base, repo.full_name(), name.replace(' ', "%20")),
            "name": name,
            "description": description,
            "color": color,
            "default": false,
        })
    }

    pub(crate) fn render_issue(&self, repo: &Repo, issue: &Issue) -> Value {
        let api = format!(
            "{}/repos/{}/issues/{}",
            self.base,
            repo.full_name(),
            issue.number
        );
        let comments = repo
            .comments
            .values()
            .filter(|c| c.issue == issue.number)
            .count();
        let mut v = json!({
            "id": issue.id,
            "node_id": format!("I_{}", issue.id),
            "url": api,
            "repository_url": format!("{}/repos/{}", self.base, repo.full_name()),
            "labels_url": format!("{api}/labels{{/name}}"),
            "comments_url": format!("{api}/comments"),
            "events_url": format!("{api}/events"),
            "html_url": format!("{}/{}/issues/{}", self.base, repo.full_name(), issue.number),
            "number": issue.number,
            "state": if issue.open { "open" } else { "closed" },
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.render_user(&issue.user),
            "labels": issue.labels.iter().map(|l| self.render_label(repo, l)).collect::<Vec<_>>(),
            "assignee": issue.assignees.first().map(|a| self.render_user(a)),
            "assignees": issue.assignees.iter().map(|a| self.render_user(a)).collect::<Vec<_>>(),
            "milestone": null,
            "locked": false,
            "active_lock_reason": null,
            "comments": comments,
            "closed_at": issue.closed_at.map(timestamp),
            "created_at": timestamp(issue.created_at),
            "updated_at": timestamp(issue.updated_at),
            "closed_by": issue.closed_by.as_deref().map(|u| self.render_user(u)),
            "author_association": "NONE",
        });
        if let Some(pull) = &issue.pull {
            let html = format!("{}/{}/pull/{}", self.base, repo.full_name(), issue.number);
            v["pull_request"] = json!({
                "url": format!("{}/repos/{}/pulls/{}", self.base, repo.full_name(), issue.number),
                "html_url": html,
                "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"),
                "merged_at": pull.merged_at.map(timestamp),
            });
            v["draft"] = json!(pull.draft);
        }
        v
    }

    /// A pull request; `full` adds the fields only `GET .../pulls/{n}` has (mergeability,
    /// diff statistics).
    pub(crate) fn render_pull(&self, repo: &Repo, issue: &Issue, full: bool) -> Value {
        let pull = issue.pull.as_ref().expect("a pull request");
        let full_name = repo.full_name();
        let api = format!("{}/repos/{full_name}/pulls/{}", self.base, issue.number);
        let html = format!("{}/{full_name}/pull/{}", self.base, issue.number);
        let issue_api = format!("{}/repos/{full_name}/issues/{}", self.base, issue.number);
        let head_sha = self.current_head_sha(repo, issue);
        let base_sha = repo
            .bare
            .ref_sha(&format!("refs/heads/{}", pull.base_ref))
            .unwrap_or_default();
        let repo_json = self.render_repo(repo);
        let side = |r: &str, sha: &str| {
            json!({
                "label": format!("{}:{r}", repo.owner),
                "ref": r,
                "sha": sha,
                "repo": repo_json.clone(),
                "user": self.render_user(&repo.owner),
            })
        };
        let statuses = format!("{}/repos/{full_name}/statuses/{head_sha}", self.base);
        let link = |href: &str| json!({ "href": href });
        let merged = pull.merged_at.is_some();
        let mut v = json!({
            "url": api,
            "id": issue.id,
            "node_id": format!("PR_{}", issue.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue_api,
            "commits_url": format!("{api}/commits"),
            "review_comments_url": format!("{api}/comments"),
            "review_comment_url": format!("{}/repos/{full_name}/pulls/comments{{/number}}", self.base),
            "comments_url": format!("{issue_api}/comments"),
            "statuses_url": statuses,
            "number": issue.number,
            "state": if issue.open { "open" } else { "closed" },
            "locked": false,
            "title": issue.title,
            "user": self.render_user(&issue.user),
            "body": issue.body,
            // `pull-request-simple` (lists, review requests) declares a label's
            // description a non-null string; an empty one fits both pull schemas.
            "labels": issue.labels.iter().map(|l| {
                let mut label = self.render_label(repo, l);
                if label["description"].is_null() {
                    label["description"] = json!("");
                }
                label
            }).collect::<Vec<_>>(),
            "milestone": null,
            "active_lock_reason": null,
            "created_at": timestamp(issue.created_at),
            "updated_at": timestamp(issue.updated_at),
            "closed_at": issue.closed_at.map(timestamp),
            "merged_at": pull.merged_at.map(timestamp),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": issue.assignees.first().map(|a| self.render_user(a)),
            "assignees": issue.assignees.iter().map(|a| self.render_user(a)).collect::<Vec<_>>(),
            "requested_reviewers": pull.requested_reviewers.iter().map(|a| self.render_user(a)).collect::<Vec<_>>(),
            "requested_teams": [],
            "head": side(&pull.head_ref, &head_sha),
            "base": side(&pull.base_ref, &base_sha),
            "_links": {
                "self": link(&api),
                "html": link(&html),
                "issue": link(&issue_api),
                "comments": link(&format!("{issue_api}/comments")),
                "review_comments": link(&format!("{api}/comments")),
                "review_comment": link(&format!("{}/repos/{full_name}/pulls/comments{{/number}}", self.base)),
                "commits": link(&format!("{api}/commits")),
                "statuses": link(&statuses),
            },
            "author_association": "NONE",
            "auto_merge": pull.auto_merge.as_ref().map(|a| json!({
                "enabled_by": self.render_user(&a.enabled_by),
                "merge_method": a.method,
                "commit_title": issue.title,
                "commit_message": "",
            })),
            "draft": pull.draft,
        });
        if full {
            let comments = repo
                .comments
                .values()
                .filter(|c| c.issue == issue.number)
                .count();
            let (mergeable, state) = if merged {
                (Value::Null, "unknown")
            } else {
                match repo.bare.merge_tree(&base_sha, &head_sha) {
                    Ok(_) if !issue.open => (json!(true), "unknown"),
                    Ok(_) => match self.combined_state(repo, &head_sha).as_str() {
                        "failure" | "error" => (json!(true), "unstable"),
                        _ if pull.draft => (json!(true), "draft"),
                        _ => (json!(true), "clean"),
                    },
                    Err(_) => (json!(false), "dirty"),
                }
            };
            let (additions, deletions, changed) = repo.bare.diff_stat(&base_sha, &head_sha);
            let commits = if base_sha.is_empty() || head_sha.is_empty() {
                0
            } else {
                repo.bare.commits_between(&base_sha, &head_sha).len()
            };
            let extra = json!({
                "merged": merged,
                "mergeable": mergeable,
                "rebaseable": mergeable,
                "mergeable_state": state,
                "merged_by": pull.merged_by.as_deref().map(|u| self.render_user(u)),
                "comments": comments,
                "review_comments": 0,
                "maintainer_can_modify": pull.maintainer_can_modify,
                "commits": commits,
                "additions": additions,
                "deletions": deletions,
                "changed_files": changed,
            });
            for (k, val) in extra.as_object().expect("object") {
                v[k] = val.clone();
            }
        }
        v
    }

    /// The head commit of a pull request: the branch's tip while it is open and the
    /// branch exists, else the last one seen.
    pub(crate) fn current_head_sha(&self, repo: &Repo, issue: &Issue) -> String {
        let pull = issue.pull.as_ref().expect("a pull request");
        if issue.open
            && let Some(sha) = repo.bare.ref_sha(&format!("refs/heads/{}", pull.head_ref))
        {
            return sha;
        }
        pull.head_sha.clone()
    }

    pub(crate) fn render_comment(&self, repo: &Repo, c: &Comment) -> Value {
        let full = repo.full_name();
        json!({
            "id": c.id,
            "node_id": format!("IC_{}", c.id),
            "url": format!("{}/repos/{full}/issues/comments/{}", self.base, c.id),
            "html_url": format!("{}/{full}/issues/{}#issuecomment-{}", self.base, c.issue, c.id),
            "issue_url": format!("{}/repos/{full}/issues/{}", self.base, c.issue),
            "body": c.body,
            "user": self.render_user(&c.user),
            "created_at": timestamp(c.created_at),
            "updated_at": timestamp(c.updated_at),
            "author_association": "NONE",
        })
    }

    /// The latest status per context for `sha`, newest first.
    pub(crate) fn latest_statuses<'a>(&self, repo: &'a Repo, sha: &str) -> Vec<&'a CommitStatus> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for s in repo.statuses.iter().rev().filter(|s| s.sha == sha) {
            if seen.insert(s.context.clone()) {
                out.push(s);
            }
        }
        out
    }

    /// GitHub's combined state: failure/error wins, then pending (also when there are
    /// no statuses), else success.
    pub(crate) fn combined_state(&self, repo: &Repo, sha: &str) -> String {
        let latest = self.latest_statuses(repo, sha);
        if latest
            .iter()
            .any(|s| s.state == "error" || s.state == "failure")
        {
            "failure".to_string()
        } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
            "pending".to_string()
        } else {
            "success".to_string()
        }
    }

    pub(crate) fn render_status(&self, repo: &Repo, s: &CommitStatus) -> Value {
        json!({
            "url": format!("{}/repos/{}/statuses/{}", self.base, repo.full_name(), s.sha),
            "avatar_url": null,
            "id": s.id,
            "node_id": format!("SC_{}", s.id),
            "state": s.state,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": timestamp(s.created_at),
            "updated_at": timestamp(s.created_at),
            "creator": self.render_user(&s.creator),
        })
    }

    pub(crate) fn render_check_run(&self, repo: &Repo, c: &CheckRun) -> Value {
        let mut app = self.render_app();
        if let Some(o) = app.as_object_mut() {
            o.remove("installations_count");
        }
        json!({
            "id": c.id,
            "head_sha": c.sha,
            "node_id": format!("CR_{}", c.id),
            "external_id": null,
            "url": format!("{}/repos/{}/check-runs/{}", self.base, repo.full_name(), c.id),
            "html_url": null,
            "details_url": null,
            "status": c.status,
            "conclusion": c.conclusion,
            "started_at": timestamp(c.at),
            "completed_at": c.conclusion.as_ref().map(|_| timestamp(c.at)),
            "output": {"title": null, "summary": null, "text": null, "annotations_count": 0,
                "annotations_url": format!("{}/repos/{}/check-runs/{}/annotations", self.base, repo.full_name(), c.id)},
            "name": c.name,
            "check_suite": {"id": c.id},
            "app": app,
            "pull_requests": [],
        })
    }

    /// A git commit as the Git Data API shows it.
    pub(crate) fn render_git_commit(
        &self,
        repo: &Repo,
        sha: &str,
        verified: bool,
    ) -> Option<Value> {
        let info = repo.bare.commit_info(sha)?;
        let api = format!("{}/repos/{}/git", self.base, repo.full_name());
        let html = format!("{}/{}/commit", self.base, repo.full_name());
        let sig = |s: &super::bare::Signature| json!({"name": s.name, "email": s.email, "date": timestamp(s.time)});
        Some(json!({
            "sha": sha,
            "node_id": format!("C_{sha}"),
            "url": format!("{api}/commits/{sha}"),
            "html_url": format!("{html}/{sha}"),
            "author": sig(&info.author),
            "committer": sig(&info.committer),
            "tree": {"sha": info.tree, "url": format!("{api}/trees/{}", info.tree)},
            "message": info.message.trim_end_matches('\n'),
            "parents": info.parents.iter().map(|p| json!({
                "sha": p, "url": format!("{api}/commits/{p}"), "html_url": format!("{html}/{p}"),
            })).collect::<Vec<_>>(),
            "verification": {
                "verified": verified,
                "reason": if verified { "valid" } else { "unsigned" },
                "signature": null,
                "payload": null,
                "verified_at": null,
            },
        }))
    }
}

/// The permissions the fake app has (what upkeep needs).
fn permissions() -> Value {
    json!({
        "checks": "read",
        "contents": "write",
        "issues": "write",
        "metadata": "read",
        "pull_requests": "write",
        "statuses": "read",
        "workflows": "write",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps() {
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::timestamp(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}
