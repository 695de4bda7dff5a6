//! An in-memory `Platform` over a real bare git repository: pull requests, issues and
//! comments live in memory, branches in the bare repository, and every call is counted
//! as a read or a write as the GitHub platform would count it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use jiff::Timestamp;
use secrecy::SecretString;
type Result<T> = std::result::Result<T, PlatformError>;

use upkeep_platform::{
    ApiCalls, ApiCommit, ChecksState, Comment, GitCredentials, Issue, MergeMethod, NewPullRequest,
    Platform, PlatformError, PrState, PrUpdate, PullRequest, RepoInfo,
};

#[derive(Default)]
pub struct State {
    pub prs: Vec<PullRequest>,
    pub issues: Vec<Issue>,
    pub comments: Vec<(u64, String)>,
    pub calls: ApiCalls,
    pub next_number: u64,
    pub checks: BTreeMap<String, ChecksState>,
    pub presets: BTreeMap<(String, String), String>,
    pub merges: Vec<(u64, MergeMethod)>,
}

pub struct MemoryPlatform {
    pub repository: String,
    bare: PathBuf,
    pub allow_auto_merge: bool,
    pub state: Mutex<State>,
}

fn git(bare: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(bare)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned()
    })
}

impl MemoryPlatform {
    pub fn new(repository: &str, bare: &Path) -> MemoryPlatform {
        MemoryPlatform {
            repository: repository.to_owned(),
            bare: bare.to_path_buf(),
            allow_auto_merge: true,
            state: Mutex::new(State {
                next_number: 1,
                ..State::default()
            }),
        }
    }

    fn read(&self) {
        self.state.lock().unwrap().calls.reads += 1;
    }

    fn write(&self) {
        self.state.lock().unwrap().calls.writes += 1;
    }

    fn head(&self, branch: &str) -> Option<String> {
        git(
            &self.bare,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ],
        )
    }

    pub fn calls(&self) -> ApiCalls {
        self.state.lock().unwrap().calls
    }

    pub fn pr(&self, branch: &str) -> Option<PullRequest> {
        let state = self.state.lock().unwrap();
        state
            .prs
            .iter()
            .rev()
            .find(|pr| pr.branch_name == branch)
            .cloned()
    }

    /// What a human does on GitHub: close a PR without merging.
    pub fn close_by_hand(&self, number: u64) {
        let mut state = self.state.lock().unwrap();
        let pr = state.prs.iter_mut().find(|pr| pr.number == number).unwrap();
        pr.state = PrState::Closed;
        pr.closed_at = Some(Timestamp::now());
    }

    /// What a human does on GitHub: merge a PR (the base moves to its head).
    pub fn merge_by_hand(&self, number: u64) {
        let mut state = self.state.lock().unwrap();
        let pr = state.prs.iter_mut().find(|pr| pr.number == number).unwrap();
        pr.state = PrState::Merged;
        pr.closed_at = Some(Timestamp::now());
    }

    /// What a human does on GitHub: edit an issue's body.
    pub fn edit_issue_by_hand(&self, number: u64, edit: impl FnOnce(&str) -> String) {
        let mut state = self.state.lock().unwrap();
        let issue = state
            .issues
            .iter_mut()
            .find(|i| i.number == number)
            .unwrap();
        issue.body = edit(&issue.body);
    }

    pub fn branch_exists(&self, branch: &str) -> bool {
        self.head(branch).is_some()
    }
}

fn not_found(repository: &str, what: String) -> PlatformError {
    PlatformError::NotFound {
        repository: repository.to_owned(),
        what,
    }
}

impl Platform for MemoryPlatform {
    fn id(&self) -> &'static str {
        "memory"
    }

    async fn discover_repositories(&self) -> Result<Vec<RepoInfo>> {
        Ok(vec![self.get_repo(&self.repository).await?])
    }

    async fn get_repo(&self, repo: &str) -> Result<RepoInfo> {
        self.read();
        if repo != self.repository {
            return Err(PlatformError::RepositoryNotFound(repo.to_owned()));
        }
        Ok(RepoInfo {
            full_name: repo.to_owned(),
            default_branch: "main".to_owned(),
            archived: false,
            disabled: false,
            fork: false,
            clone_url: format!("file://{}", self.bare.display()),
            allow_auto_merge: self.allow_auto_merge,
            installation_id: None,
        })
    }

    async fn git_credentials(&self, _repo: &str) -> Result<GitCredentials> {
        Ok(GitCredentials {
            url: "https://github.invalid".to_owned(),
            username: "x-access-token".to_owned(),
            token: SecretString::from("not-a-real-token"),
        })
    }

    async fn get_file(
        &self,
        repo: &str,
        path: &str,
        _reference: Option<&str>,
    ) -> Result<Option<String>> {
        self.read();
        let state = self.state.lock().unwrap();
        Ok(state
            .presets
            .get(&(repo.to_owned(), path.to_owned()))
            .cloned())
    }

    async fn list_pull_requests(&self, _repo: &str, prefix: &str) -> Result<Vec<PullRequest>> {
        self.read();
        let mut state = self.state.lock().unwrap();
        for pr in state.prs.iter_mut() {
            if let Some(head) = self.head(&pr.branch_name) {
                pr.head_sha = head;
            }
        }
        Ok(state
            .prs
            .iter()
            .rev()
            .filter(|pr| pr.branch_name.starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn create_pull_request(&self, repo: &str, new: &NewPullRequest) -> Result<PullRequest> {
        self.write();
        let head = self
            .head(&new.branch_name)
            .ok_or_else(|| not_found(repo, format!("branch {}", new.branch_name)))?;
        let mut state = self.state.lock().unwrap();
        let number = state.next_number;
        state.next_number += 1;
        let pr = PullRequest {
            number,
            node_id: format!("PR_{number}"),
            branch_name: new.branch_name.clone(),
            head_sha: head,
            base_branch: new.base_branch.clone(),
            title: new.title.clone(),
            body: new.body.clone(),
            state: PrState::Open,
            draft: new.draft,
            labels: new.labels.clone(),
            created_at: Timestamp::now(),
            closed_at: None,
            auto_merge: false,
            html_url: format!("https://github.invalid/{repo}/pull/{number}"),
        };
        state.prs.push(pr.clone());
        Ok(pr)
    }

    async fn update_pull_request(&self, repo: &str, number: u64, update: &PrUpdate) -> Result<()> {
        self.write();
        let mut state = self.state.lock().unwrap();
        let pr = state
            .prs
            .iter_mut()
            .find(|pr| pr.number == number)
            .ok_or_else(|| not_found(repo, format!("pull request #{number}")))?;
        if let Some(title) = &update.title {
            pr.title = title.clone();
        }
        if let Some(body) = &update.body {
            pr.body = body.clone();
        }
        if let Some(new_state) = update.state {
            pr.state = new_state;
            pr.closed_at = (new_state != PrState::Open).then(Timestamp::now);
        }
        Ok(())
    }

    async fn add_labels(&self, _repo: &str, _number: u64, _labels: &[String]) -> Result<()> {
        self.write();
        Ok(())
    }

    async fn list_comments(&self, _repo: &str, number: u64) -> Result<Vec<Comment>> {
        self.read();
        let state = self.state.lock().unwrap();
        Ok(state
            .comments
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n == number)
            .map(|(id, (_, body))| Comment {
                id: id as u64,
                body: body.clone(),
            })
            .collect())
    }

    async fn add_comment(&self, _repo: &str, number: u64, body: &str) -> Result<()> {
        self.write();
        self.state
            .lock()
            .unwrap()
            .comments
            .push((number, body.to_owned()));
        Ok(())
    }

    async fn delete_branch(&self, repo: &str, branch: &str) -> Result<()> {
        self.write();
        git(
            &self.bare,
            &["update-ref", "-d", &format!("refs/heads/{branch}")],
        )
        .map(|_| ())
        .ok_or_else(|| not_found(repo, format!("branch {branch}")))
    }

    async fn checks_state(&self, _repo: &str, sha: &str) -> Result<ChecksState> {
        self.read();
        let state = self.state.lock().unwrap();
        Ok(state
            .checks
            .get(sha)
            .copied()
            .unwrap_or(ChecksState::Yellow))
    }

    async fn enable_auto_merge(
        &self,
        _repo: &str,
        pr: &PullRequest,
        _method: MergeMethod,
    ) -> Result<()> {
        self.write();
        let mut state = self.state.lock().unwrap();
        if let Some(found) = state.prs.iter_mut().find(|p| p.node_id == pr.node_id) {
            found.auto_merge = true;
        }
        Ok(())
    }

    async fn merge_pull_request(
        &self,
        _repo: &str,
        number: u64,
        sha: &str,
        method: MergeMethod,
    ) -> Result<bool> {
        self.write();
        let mut state = self.state.lock().unwrap();
        let Some(pr) = state.prs.iter_mut().find(|p| p.number == number) else {
            return Ok(false);
        };
        if self.head(&pr.branch_name).as_deref() != Some(sha) {
            return Ok(false);
        }
        pr.state = PrState::Merged;
        state.merges.push((number, method));
        Ok(true)
    }

    async fn fast_forward(&self, _repo: &str, branch: &str, sha: &str) -> Result<bool> {
        self.write();
        let base = self.head(branch).unwrap_or_default();
        let is_ancestor = git(&self.bare, &["merge-base", "--is-ancestor", &base, sha]).is_some();
        Ok(is_ancestor
            && git(
                &self.bare,
                &["update-ref", &format!("refs/heads/{branch}"), sha, &base],
            )
            .is_some())
    }

    async fn create_commit(&self, repo: &str, commit: &ApiCommit) -> Result<String> {
        self.write();
        Err(PlatformError::Rejected {
            request: format!("POST /repos/{repo}/git/commits"),
            status: 422,
            message: "the memory platform makes no API commits".to_owned(),
        })
        .map(|()| commit.parent.clone())
    }

    async fn list_own_issues(&self, _repo: &str) -> Result<Vec<Issue>> {
        self.read();
        let state = self.state.lock().unwrap();
        Ok(state
            .issues
            .iter()
            .rev()
            .filter(|i| i.open)
            .cloned()
            .collect())
    }

    async fn create_issue(
        &self,
        _repo: &str,
        title: &str,
        body: &str,
        _labels: &[String],
    ) -> Result<Issue> {
        self.write();
        let mut state = self.state.lock().unwrap();
        let number = state.next_number;
        state.next_number += 1;
        let issue = Issue {
            number,
            title: title.to_owned(),
            body: body.to_owned(),
            open: true,
        };
        state.issues.push(issue.clone());
        Ok(issue)
    }

    async fn update_issue(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<()> {
        self.write();
        let mut state = self.state.lock().unwrap();
        let issue = state
            .issues
            .iter_mut()
            .find(|i| i.number == number)
            .ok_or_else(|| not_found(repo, format!("issue #{number}")))?;
        if let Some(title) = title {
            issue.title = title.to_owned();
        }
        if let Some(body) = body {
            issue.body = body.to_owned();
        }
        if let Some(open) = open {
            issue.open = open;
        }
        Ok(())
    }

    fn api_calls(&self, _repo: &str) -> ApiCalls {
        self.calls()
    }
}
