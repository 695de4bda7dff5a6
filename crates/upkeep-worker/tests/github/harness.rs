//! The world the GitHub scenarios run in: the fake GitHub (`FakeGitHub`: real bare
//! repositories over smart HTTP, App JWT auth, installation tokens, OpenAPI-checked
//! requests), a crates sparse index on loopback the repository's `.cargo/config.toml`
//! points at, and upkeep as the fake's GitHub App (`upkeep_platform::github::GitHub`).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_platform::github::Limits;
use upkeep_platform::{
    ApiCalls, ApiCommit, ChecksState, Comment, GitCredentials, GitHub, GitHubAuth, GitHubConfig,
    Issue, MergeMethod, NewPullRequest, Platform, PrUpdate, PullRequest, RepoInfo,
};
use upkeep_testkit::SparseIndex;
use upkeep_testkit::github::{FakeGitHub, Tally};
use upkeep_vuln::VulnerabilitySource;
use upkeep_worker::lookup::Datasources;
use upkeep_worker::platform_run::{
    PlatformRunOptions, PlatformRunReport, PublishedBranch, run_on_platform,
};

/// The repository every scenario works on.
pub const REPO: &str = "acme/app";

/// A Cargo manifest depending on `crates`, each pinned at `=1.0.0` from the `local`
/// registry.
pub fn manifest(crates: &[&str]) -> String {
    let mut text =
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
            .to_owned();
    for name in crates {
        text.push_str(&format!(
            "{name} = {{ version = \"=1.0.0\", registry = \"local\" }}\n"
        ));
    }
    text
}

/// Limits for tests: short backoffs, pacing out of the way.
pub fn test_limits() -> Limits {
    Limits {
        max_rate_limit_wait: Duration::from_secs(10),
        content_per_minute: 10_000,
        content_per_hour: 100_000,
        retries: 3,
        retry_backoff: Duration::from_millis(10),
        ..Limits::default()
    }
}

/// Calls of one run as the fake counted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// API requests for the repository (installation token, `/repos/acme/app/…`).
    pub api: Tally,
    /// Authenticated git fetches (clones included).
    pub fetches: u64,
    /// Authenticated git pushes.
    pub pushes: u64,
    /// Requests by operation id (`pulls/create`), every identity.
    pub operations: BTreeMap<String, u64>,
}

impl Counted {
    /// How often the run called an operation.
    pub fn operation(&self, id: &str) -> u64 {
        self.operations.get(id).copied().unwrap_or(0)
    }
}

/// The fake GitHub, the registry, and upkeep installed as the App on `acme`.
pub struct World {
    /// The fake GitHub.
    pub gh: FakeGitHub,
    /// The App's installation on `acme`.
    pub installation: u64,
    /// The crates registry the repository uses.
    pub index: SparseIndex,
    /// upkeep's platform: the real GitHub client, as the App.
    pub upkeep: Arc<GitHub>,
    /// How `run` runs.
    pub options: PlatformRunOptions,
    runtime: tokio::runtime::Runtime,
    _scratch: tempfile::TempDir,
}

impl World {
    /// `acme/app` holding a Cargo manifest on `crates` (each at `=1.0.0`), the registry
    /// config and a `src/main.rs`, plus `extra` files; the registry knows `versions`.
    pub fn new(crates: &[&str], versions: &[(&str, &[&str])], extra: &[(&str, &str)]) -> World {
        let index = SparseIndex::start();
        for (name, list) in versions {
            index.add_versions(name, list);
        }
        let gh = FakeGitHub::start();
        let installation = gh.create_installation("acme");
        let registry = format!("[registries.local]\nindex = \"{}\"\n", index.index_url());
        let manifest = manifest(crates);
        let mut files = vec![
            (".cargo/config.toml", registry.as_str()),
            ("Cargo.toml", manifest.as_str()),
            ("src/main.rs", "fn main() {}\n"),
        ];
        files.extend_from_slice(extra);
        gh.create_repo(REPO, &files);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let upkeep = Arc::new(app(&gh, &runtime, test_limits()));
        let scratch = tempfile::tempdir().unwrap();
        let options = PlatformRunOptions {
            scratch_dir: Some(scratch.path().to_path_buf()),
            ..PlatformRunOptions::new()
        };
        World {
            gh,
            installation,
            index,
            upkeep,
            options,
            runtime,
            _scratch: scratch,
        }
    }

    /// The bot's `onboardingConfig`: what the onboarding PR proposes.
    pub fn set_onboarding_config(&mut self, config: &Value) {
        let Value::Object(map) = config else {
            panic!("a config is an object")
        };
        self.options.onboarding.config = map.clone();
    }

    /// Vulnerability data for the lookups.
    pub fn set_vulnerabilities(&mut self, lookup: Arc<dyn VulnerabilitySource>) {
        self.options.vulnerabilities = Some(lookup);
    }

    /// Runs upkeep once on `platform` (the App, or a wrapper around it).
    pub fn run_with<P: Platform>(&self, platform: &P) -> PlatformRunReport {
        let http = Arc::new(HttpClient::new(HttpOptions::default(), HostRules::default()).unwrap());
        run_on_platform(
            platform,
            REPO,
            &self.options,
            http,
            &Datasources::builtin(),
            self.runtime.handle(),
        )
    }

    /// Runs upkeep once and checks it went without an error.
    pub fn run(&self) -> PlatformRunReport {
        let report = self.run_with(self.upkeep.as_ref());
        assert_clean(&report);
        report
    }

    /// Runs and returns what the fake counted for it.
    pub fn run_counting(&self) -> (PlatformRunReport, Counted) {
        self.counting(|| self.run())
    }

    /// Runs without checking for errors or a skip, and returns what the fake counted.
    pub fn run_skipped_counting(&self) -> (PlatformRunReport, Counted) {
        self.counting(|| self.run_with(self.upkeep.as_ref()))
    }

    fn counting(&self, run: impl FnOnce() -> PlatformRunReport) -> (PlatformRunReport, Counted) {
        let before = self.counted();
        let report = run();
        let after = self.counted();
        let counted = Counted {
            api: Tally {
                reads: after.api.reads - before.api.reads,
                writes: after.api.writes - before.api.writes,
                not_modified: after.api.not_modified - before.api.not_modified,
            },
            fetches: after.fetches - before.fetches,
            pushes: after.pushes - before.pushes,
            operations: after
                .operations
                .iter()
                .map(|(id, n)| (id.clone(), n - before.operation(id)))
                .filter(|(_, n)| *n > 0)
                .collect(),
        };
        (report, counted)
    }

    fn counted(&self) -> Counted {
        let counters = self.gh.counters();
        let git = |kind: &str| {
            counters
                .git
                .get(&format!("{REPO} {kind}"))
                .copied()
                .unwrap_or(0)
        };
        Counted {
            api: counters.repo(REPO),
            fetches: git("fetch"),
            pushes: git("push"),
            operations: counters.by_operation.clone(),
        }
    }

    /// A human pushes `files` to `main`; returns the new commit.
    pub fn push_main(&self, files: &[(&str, Option<&str>)], message: &str) -> String {
        self.gh.push_files(REPO, "main", files, message)
    }

    /// The pull request whose head is `branch` (the newest, if several).
    pub fn pull(&self, branch: &str) -> Value {
        self.try_pull(branch).unwrap_or_else(|| {
            let heads: Vec<Value> = self
                .gh
                .pulls(REPO)
                .iter()
                .map(|p| p["head"]["ref"].clone())
                .collect();
            panic!("no pull request from {branch}; heads: {heads:?}")
        })
    }

    /// The pull request whose head is `branch`, if there is one.
    pub fn try_pull(&self, branch: &str) -> Option<Value> {
        self.gh
            .pulls(REPO)
            .into_iter()
            .rev()
            .find(|p| p["head"]["ref"] == branch)
    }

    /// The pull requests from `branch`.
    pub fn pulls_from(&self, branch: &str) -> Vec<Value> {
        self.gh
            .pulls(REPO)
            .into_iter()
            .filter(|p| p["head"]["ref"] == branch)
            .collect()
    }

    /// The repository's branches.
    pub fn branches(&self) -> BTreeMap<String, String> {
        self.gh.branches(REPO)
    }

    /// Whether `branch` exists on the fake.
    pub fn has_branch(&self, branch: &str) -> bool {
        self.branches().contains_key(branch)
    }

    /// Checks the fake saw nothing outside GitHub's REST description.
    pub fn assert_no_violations(&self) {
        self.gh.assert_no_violations();
    }
}

/// upkeep as the fake's GitHub App (its key read from the file, as deployed). Built
/// inside `runtime`: octocrab's client binds to the runtime it is made in.
pub fn app(gh: &FakeGitHub, runtime: &tokio::runtime::Runtime, limits: Limits) -> GitHub {
    let _entered = runtime.enter();
    let auth = GitHubAuth::app_from_file(gh.app_id(), gh.app_key().private_key_path())
        .expect("the fake's key");
    GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth,
        limits,
    })
    .expect("client")
}

/// Fails on any error of the run or of one of its branches.
pub fn assert_clean(report: &PlatformRunReport) {
    assert!(report.skipped.is_none(), "skipped: {:?}", report.skipped);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    for branch in &report.branches {
        assert!(
            branch.errors.is_empty(),
            "{}: {:?}",
            branch.branch.branch_name,
            branch.errors
        );
    }
}

/// The branch `name` of a report.
pub fn branch<'r>(report: &'r PlatformRunReport, name: &str) -> &'r PublishedBranch {
    report
        .branches
        .iter()
        .find(|b| b.branch.branch_name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = report
                .branches
                .iter()
                .map(|b| b.branch.branch_name.as_str())
                .collect();
            panic!("no branch {name} in {names:?}")
        })
}

/// The label names of a pull request or issue as the fake renders it.
pub fn labels(item: &Value) -> Vec<String> {
    item["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|l| l["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A pull request's or issue's body.
pub fn body(item: &Value) -> &str {
    item["body"].as_str().unwrap_or("")
}

/// A config object's text, as a human would commit it.
pub fn config_text(config: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(config).unwrap())
}

/// A [`Platform`] that hands every call to the App's client, running a hook first on
/// the `nth` call (counted from 1) of one method: time passing mid-run (a token
/// expiring) or GitHub starting to push back (a secondary rate limit).
pub struct Hooked<'a> {
    inner: &'a GitHub,
    method: &'static str,
    nth: usize,
    seen: AtomicUsize,
    hook: Mutex<Option<Box<dyn FnOnce() + Send + 'a>>>,
    /// The methods called, in order.
    pub calls: Mutex<Vec<&'static str>>,
}

impl<'a> Hooked<'a> {
    /// Runs `hook` once, right before the `nth` call of `method` reaches GitHub.
    pub fn new(
        inner: &'a GitHub,
        method: &'static str,
        nth: usize,
        hook: impl FnOnce() + Send + 'a,
    ) -> Hooked<'a> {
        Hooked {
            inner,
            method,
            nth,
            seen: AtomicUsize::new(0),
            hook: Mutex::new(Some(Box::new(hook))),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// Whether the hook ran.
    pub fn fired(&self) -> bool {
        self.hook.lock().unwrap().is_none()
    }

    fn before(&self, method: &'static str) {
        self.calls.lock().unwrap().push(method);
        if method == self.method && self.seen.fetch_add(1, Ordering::SeqCst) + 1 == self.nth {
            let hook = self.hook.lock().unwrap().take();
            if let Some(hook) = hook {
                hook();
            }
        }
    }

    async fn call<T, F: Future<Output = T>>(&self, method: &'static str, call: F) -> T {
        self.before(method);
        call.await
    }
}

type Result<T> = std::result::Result<T, upkeep_platform::PlatformError>;

impl Platform for Hooked<'_> {
    fn id(&self) -> &'static str {
        self.inner.id()
    }

    async fn discover_repositories(&self) -> Result<Vec<RepoInfo>> {
        self.call("discover_repositories", self.inner.discover_repositories())
            .await
    }

    async fn get_repo(&self, repo: &str) -> Result<RepoInfo> {
        self.call("get_repo", self.inner.get_repo(repo)).await
    }

    async fn git_credentials(&self, repo: &str) -> Result<GitCredentials> {
        self.call("git_credentials", self.inner.git_credentials(repo))
            .await
    }

    async fn get_file(
        &self,
        repo: &str,
        path: &str,
        reference: Option<&str>,
    ) -> Result<Option<String>> {
        self.call("get_file", self.inner.get_file(repo, path, reference))
            .await
    }

    async fn list_pull_requests(
        &self,
        repo: &str,
        branch_prefix: &str,
    ) -> Result<Vec<PullRequest>> {
        self.call(
            "list_pull_requests",
            self.inner.list_pull_requests(repo, branch_prefix),
        )
        .await
    }

    async fn create_pull_request(&self, repo: &str, pr: &NewPullRequest) -> Result<PullRequest> {
        self.call(
            "create_pull_request",
            self.inner.create_pull_request(repo, pr),
        )
        .await
    }

    async fn update_pull_request(&self, repo: &str, number: u64, update: &PrUpdate) -> Result<()> {
        self.call(
            "update_pull_request",
            self.inner.update_pull_request(repo, number, update),
        )
        .await
    }

    async fn add_labels(&self, repo: &str, number: u64, labels: &[String]) -> Result<()> {
        self.call("add_labels", self.inner.add_labels(repo, number, labels))
            .await
    }

    async fn list_comments(&self, repo: &str, number: u64) -> Result<Vec<Comment>> {
        self.call("list_comments", self.inner.list_comments(repo, number))
            .await
    }

    async fn add_comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        self.call("add_comment", self.inner.add_comment(repo, number, body))
            .await
    }

    async fn delete_branch(&self, repo: &str, branch: &str) -> Result<()> {
        self.call("delete_branch", self.inner.delete_branch(repo, branch))
            .await
    }

    async fn checks_state(&self, repo: &str, sha: &str) -> Result<ChecksState> {
        self.call("checks_state", self.inner.checks_state(repo, sha))
            .await
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        pr: &PullRequest,
        method: MergeMethod,
    ) -> Result<()> {
        self.call(
            "enable_auto_merge",
            self.inner.enable_auto_merge(repo, pr, method),
        )
        .await
    }

    async fn merge_pull_request(
        &self,
        repo: &str,
        number: u64,
        sha: &str,
        method: MergeMethod,
    ) -> Result<bool> {
        self.call(
            "merge_pull_request",
            self.inner.merge_pull_request(repo, number, sha, method),
        )
        .await
    }

    async fn fast_forward(&self, repo: &str, branch: &str, sha: &str) -> Result<bool> {
        self.call("fast_forward", self.inner.fast_forward(repo, branch, sha))
            .await
    }

    async fn create_commit(&self, repo: &str, commit: &ApiCommit) -> Result<String> {
        self.call("create_commit", self.inner.create_commit(repo, commit))
            .await
    }

    async fn list_own_issues(&self, repo: &str) -> Result<Vec<Issue>> {
        self.call("list_own_issues", self.inner.list_own_issues(repo))
            .await
    }

    async fn create_issue(
        &self,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue> {
        self.call(
            "create_issue",
            self.inner.create_issue(repo, title, body, labels),
        )
        .await
    }

    async fn update_issue(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<()> {
        self.call(
            "update_issue",
            self.inner.update_issue(repo, number, title, body, open),
        )
        .await
    }

    fn api_calls(&self, repo: &str) -> ApiCalls {
        self.inner.api_calls(repo)
    }
}

/// Where the fixtures of these scenarios are.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/github/fixtures")
}
