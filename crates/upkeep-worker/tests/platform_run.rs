//! `run_on_platform` end to end over an in-memory platform (PRs, issues, comments in
//! memory), a real bare git repository (upkeep_testkit's `GitRemote`) and a crates
//! sparse index on loopback: onboarding → config merged → PRs opened → rerun with zero
//! writes → the base moves (rebase) → a PR closed by a user (ignored, not recreated) →
//! a dashboard checkbox ticked (branch created) → a dependency removed (PR closed, branch
//! deleted), with native auto-merge turned on for a patch update along the way.

mod platform;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use platform::memory::MemoryPlatform;
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_platform::{ApiCalls, PrState};
use upkeep_testkit::{GitRemote, SparseIndex};
use upkeep_worker::lookup::Datasources;
use upkeep_worker::platform_run::{
    DashboardAction, PlatformRunOptions, PlatformRunReport, PrAction, run_on_platform,
};
use upkeep_worker::run::BranchAction;

const REPO: &str = "acme/app";

const CONFIG: &str = r#"{
  "dependencyDashboard": true,
  "prHourlyLimit": 0,
  "rebaseWhen": "behind-base-branch",
  "packageRules": [
    {"matchPackageNames": ["gamma"], "dependencyDashboardApproval": true},
    {"matchUpdateTypes": ["patch"], "automerge": true}
  ]
}
"#;

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_owned()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    scratch: PathBuf,
    remote: GitRemote,
    index: SparseIndex,
    platform: MemoryPlatform,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn new() -> Fixture {
        let index = SparseIndex::start();
        index.add_versions("alpha", &["1.0.0", "1.1.0", "2.0.0"]);
        index.add_versions("beta", &["1.0.0", "1.0.1"]);
        index.add_versions("gamma", &["1.0.0", "1.2.0"]);
        let remote = GitRemote::new();
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join("work");
        git(tmp.path(), &["clone", "--quiet", &remote.url(), "work"]);
        let fixture = Fixture {
            work,
            scratch: tmp.path().join("scratch"),
            platform: MemoryPlatform::new(REPO, remote.path()),
            remote,
            index,
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
            _tmp: tmp,
        };
        fixture.write(
            ".cargo/config.toml",
            &format!(
                "[registries.local]\nindex = \"{}\"\n",
                fixture.index.index_url()
            ),
        );
        fixture.write("Cargo.toml", &manifest(&["alpha", "beta", "gamma"]));
        fixture.write("src/main.rs", "fn main() {}\n");
        fixture.push("Add the app");
        fixture
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.work.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn push(&self, message: &str) -> String {
        git(&self.work, &["add", "--all"]);
        git(&self.work, &["commit", "--quiet", "-m", message]);
        git(&self.work, &["push", "--quiet", "origin", "HEAD:main"]);
        self.remote.rev_parse("main")
    }

    fn run(&self) -> PlatformRunReport {
        let options = PlatformRunOptions {
            scratch_dir: Some(self.scratch.clone()),
            allow_local_remotes: true,
            ..PlatformRunOptions::new()
        };
        let http = Arc::new(HttpClient::new(HttpOptions::default(), HostRules::default()).unwrap());
        let report = run_on_platform(
            &self.platform,
            REPO,
            &options,
            http,
            &Datasources::builtin(),
            self.runtime.handle(),
        );
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        for branch in &report.branches {
            assert!(
                branch.errors.is_empty(),
                "{}: {:?}",
                branch.branch.branch_name,
                branch.errors
            );
        }
        report
    }

    /// Runs and returns the API calls the run made.
    fn run_counting(&self) -> (PlatformRunReport, ApiCalls) {
        let before = self.platform.calls();
        let report = self.run();
        let after = self.platform.calls();
        let calls = ApiCalls {
            reads: after.reads - before.reads,
            writes: after.writes - before.writes,
        };
        (report, calls)
    }
}

fn manifest(crates: &[&str]) -> String {
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

fn branch<'r>(
    report: &'r PlatformRunReport,
    name: &str,
) -> &'r upkeep_worker::platform_run::PublishedBranch {
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

#[test]
fn a_repository_from_onboarding_to_automerge() {
    let fixture = Fixture::new();
    let platform = &fixture.platform;

    // 1. No config: only the onboarding PR, previewing what would follow.
    let (report, calls) = fixture.run_counting();
    let onboarding = report.onboarding.as_ref().expect("onboarding");
    assert_eq!(onboarding.pr, PrAction::Created);
    assert_eq!(onboarding.action, BranchAction::Created);
    assert!(report.branches.is_empty());
    let pr = platform.pr("upkeep/configure").unwrap();
    assert_eq!(pr.title, "Configure upkeep");
    assert!(
        pr.body.contains("Update Rust crate alpha to v2"),
        "{}",
        pr.body
    );
    assert!(platform.branch_exists("upkeep/configure"));
    assert_eq!(
        calls.writes, 1,
        "one write: the PR (the branch is a git push)"
    );

    // ... and rerun, it writes nothing.
    let (report, calls) = fixture.run_counting();
    assert_eq!(report.onboarding.as_ref().unwrap().pr, PrAction::Unchanged);
    assert_eq!(
        report.onboarding.as_ref().unwrap().action,
        BranchAction::Unchanged
    );
    assert_eq!(calls.writes, 0);

    // 2. The config is merged: PRs are opened, gamma waits for approval.
    platform.merge_by_hand(pr.number);
    fixture.write("renovate.json", CONFIG);
    fixture.push("Add renovate.json");
    let (report, _) = fixture.run_counting();
    assert!(report.onboarding.is_none());
    assert_eq!(branch(&report, "upkeep/alpha-1.x").pr, PrAction::Created);
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Created);
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Created);
    assert_eq!(
        beta.automerge_status.as_deref(),
        Some("native auto-merge enabled")
    );
    assert!(platform.pr("upkeep/beta-1.x").unwrap().auto_merge);
    assert_eq!(
        branch(&report, "upkeep/gamma-1.x").action,
        BranchAction::AwaitingApproval
    );
    assert!(!platform.branch_exists("upkeep/gamma-1.x"));
    let Some(DashboardAction::Created(dashboard)) = report.dashboard else {
        panic!("dashboard: {:?}", report.dashboard)
    };
    let alpha_pr = platform.pr("upkeep/alpha-1.x").unwrap();
    assert!(
        alpha_pr.body.contains("`=1.0.0` → `=1.1.0`"),
        "{}",
        alpha_pr.body
    );

    // 3. Rerun with nothing new: three reads, zero writes.
    let (report, calls) = fixture.run_counting();
    assert_eq!(
        calls,
        ApiCalls {
            reads: 3,
            writes: 0
        },
        "{report:#?}"
    );
    assert!(
        report
            .branches
            .iter()
            .filter(|b| b.action != BranchAction::AwaitingApproval)
            .all(|b| b.action == BranchAction::Unchanged)
    );
    assert_eq!(
        report.dashboard,
        Some(DashboardAction::Unchanged(dashboard))
    );

    // 4. The base moves: branches are rebuilt on it (behind-base-branch); PRs untouched.
    fixture.write("README.md", "# app\n");
    let base = fixture.push("Add a README");
    let (report, calls) = fixture.run_counting();
    assert_eq!(
        branch(&report, "upkeep/alpha-1.x").action,
        BranchAction::Rebuilt
    );
    assert_eq!(branch(&report, "upkeep/alpha-1.x").pr, PrAction::Unchanged);
    assert_eq!(calls.writes, 0, "rebased branches are git pushes");
    let head = fixture.remote.rev_parse("upkeep/alpha-1.x");
    assert_eq!(fixture.remote.rev_parse(&format!("{head}^")), base);

    // 5. A user closes the major PR: ignored, commented once, branch deleted, not recreated.
    let major = platform.pr("upkeep/alpha-2.x").unwrap();
    platform.close_by_hand(major.number);
    let (report, _) = fixture.run_counting();
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Ignored);
    assert!(!platform.branch_exists("upkeep/alpha-2.x"));
    let comments = |number| {
        platform
            .state
            .lock()
            .unwrap()
            .comments
            .iter()
            .filter(|(n, _)| *n == number)
            .count()
    };
    assert_eq!(comments(major.number), 1);
    let (report, calls) = fixture.run_counting();
    assert_eq!(branch(&report, "upkeep/alpha-2.x").pr, PrAction::Ignored);
    assert_eq!(calls.writes, 0);
    assert_eq!(comments(major.number), 1);
    assert!(!platform.branch_exists("upkeep/alpha-2.x"));
    assert_eq!(
        platform.pr("upkeep/alpha-2.x").unwrap().state,
        PrState::Closed
    );

    // 6. The dashboard's approval box for gamma is ticked: its branch and PR appear.
    platform.edit_issue_by_hand(dashboard, |body| {
        body.replace(
            "- [ ] <!-- upkeep-approve=upkeep/gamma-1.x -->",
            "- [x] <!-- upkeep-approve=upkeep/gamma-1.x -->",
        )
    });
    let (report, _) = fixture.run_counting();
    assert_eq!(branch(&report, "upkeep/gamma-1.x").pr, PrAction::Created);
    assert!(platform.branch_exists("upkeep/gamma-1.x"));
    assert_eq!(report.dashboard, Some(DashboardAction::Updated(dashboard)));
    let body = platform.state.lock().unwrap().issues[0].body.clone();
    assert!(!body.contains("- [x]"), "{body}");

    // 7. alpha is removed: its open PR is closed with a comment and its branch deleted.
    let minor = platform.pr("upkeep/alpha-1.x").unwrap();
    fixture.write("Cargo.toml", &manifest(&["beta", "gamma"]));
    fixture.push("Drop alpha");
    let (report, _) = fixture.run_counting();
    assert_eq!(report.closed_prs, [minor.number]);
    assert_eq!(
        platform.pr("upkeep/alpha-1.x").unwrap().state,
        PrState::Closed
    );
    assert!(!platform.branch_exists("upkeep/alpha-1.x"));
    assert_eq!(comments(minor.number), 1);
}

#[test]
fn without_native_auto_merge_upkeep_merges_once_the_checks_pass() {
    let mut fixture = Fixture::new();
    fixture.platform.allow_auto_merge = false;
    fixture.write("renovate.json", CONFIG);
    fixture.push("Add renovate.json");
    let report = fixture.run();
    assert!(report.onboarding.is_none());
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Created);
    assert_eq!(
        beta.automerge_status.as_deref(),
        Some("waiting: the checks are pending")
    );
    let head = fixture.remote.rev_parse("upkeep/beta-1.x");
    fixture
        .platform
        .state
        .lock()
        .unwrap()
        .checks
        .insert(head, upkeep_platform::ChecksState::Green);
    let report = fixture.run();
    let beta = branch(&report, "upkeep/beta-1.x");
    assert_eq!(beta.pr, PrAction::Merged);
    let number = fixture.platform.pr("upkeep/beta-1.x").unwrap().number;
    assert_eq!(
        fixture.platform.state.lock().unwrap().merges,
        [(number, upkeep_platform::MergeMethod::Merge)]
    );
}
