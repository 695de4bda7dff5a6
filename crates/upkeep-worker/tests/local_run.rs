//! `--platform local` end to end through the worker's entry point: a real git
//! repository holding a Cargo workspace (a sparse index on loopback serving `.crate`
//! files made by `cargo package`, reached through a named registry in
//! `.cargo/config.toml`) and an npm package (verdaccio, reached through the repository's
//! `.npmrc`), real `cargo` and `npm` refreshing the lock files, branches written into
//! the repository while the user's working tree, index and `HEAD` stay byte-identical.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use upkeep_config::global::DryRun;
use upkeep_http::{HostRules, HttpClient, HttpOptions};
use upkeep_testkit::{IndexDep, IndexEntry, NpmVersion, SparseIndex, Verdaccio, package_crate};
use upkeep_worker::apply::Tools;
use upkeep_worker::lookup::Datasources;
use upkeep_worker::run::{BranchAction, BranchReport, LocalRunOptions, LocalRunReport, run_local};

/// Crate versions served with a real `.crate` file: (name, version).
const CRATES: &[(&str, &str)] = &[("alpha", "1.0.0"), ("alpha", "1.1.0"), ("beta", "1.0.0")];

fn cargo(dir: &Path, home: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(dir)
        .env("CARGO_HOME", home)
        .env_remove("CARGO_TARGET_DIR")
        .env("CARGO_NET_OFFLINE", "false")
        .env("CARGO_TERM_COLOR", "never");
    command
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// `.crate` files made once per test process.
fn crate_files() -> &'static Vec<Vec<u8>> {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        CRATES
            .iter()
            .map(|(name, version)| package_crate(name, version))
            .collect()
    })
}

fn publish_crate(index: &SparseIndex, position: usize) {
    let (name, version) = CRATES[position];
    index.add_crate_file(IndexEntry::new(name, version), &crate_files()[position]);
}

/// git in the repository, as a person would run it.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
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

/// A repository with a Cargo workspace (`app` uses `alpha` and `beta` from the
/// loopback index) and an npm package (`left-pad`, `other` from verdaccio), both locked
/// and committed on `main`; newer versions are published afterwards.
struct Fixture {
    tmp: tempfile::TempDir,
    root: PathBuf,
    index: SparseIndex,
    registry: Verdaccio,
}

impl Fixture {
    fn new(renovate_json: &str) -> Fixture {
        let index = SparseIndex::start();
        let registry = Verdaccio::start();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(tmp.path().join("cargo-home")).unwrap();
        std::fs::write(tmp.path().join("user-npmrc"), "").unwrap();
        write_files(
            &root,
            &[
                (
                    ".cargo/config.toml",
                    &format!("[registries.local]\nindex = \"{}\"\n", index.index_url()),
                ),
                (".npmrc", &registry.npmrc()),
                (".gitignore", "target/\nnode_modules/\n"),
                ("renovate.json", renovate_json),
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n",
                ),
                (
                    "app/Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                     [dependencies]\nalpha = { version = \"1.0\", registry = \"local\" }\n\
                     beta = { version = \"1.0\", registry = \"local\" }\n",
                ),
                ("app/src/main.rs", "fn main() {}\n"),
                (
                    "package.json",
                    "{\n  \"name\": \"web\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \
                     \"dependencies\": {\n    \"left-pad\": \"^1.0.0\",\n    \"other\": \"2.0.0\"\n  }\n}\n",
                ),
            ],
        );
        for (position, (_, version)) in CRATES.iter().enumerate() {
            if *version == "1.0.0" {
                publish_crate(&index, position);
            }
        }
        let home = tmp.path().join("cargo-home");
        let status = cargo(&root, &home)
            .args(["generate-lockfile", "--quiet"])
            .status()
            .unwrap();
        assert!(status.success(), "cargo generate-lockfile");
        registry.publish(&NpmVersion::new("left-pad", "1.0.0"));
        registry.publish(&NpmVersion::new("other", "2.0.0"));
        let fixture = Fixture {
            tmp,
            root,
            index,
            registry,
        };
        let tools = fixture.tools();
        let npm = tools.npm.clone().expect("npm is installed");
        let status = Command::new(npm)
            .current_dir(&fixture.root)
            .args([
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ])
            .envs(tools.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status()
            .unwrap();
        assert!(status.success(), "npm install");
        git(&fixture.root, &["init", "--quiet", "--initial-branch=main"]);
        git(&fixture.root, &["add", "--all"]);
        git(
            &fixture.root,
            &["commit", "--quiet", "-m", "Initial commit"],
        );

        // published after the lock files were made
        for (position, (_, version)) in CRATES.iter().enumerate() {
            if *version != "1.0.0" {
                publish_crate(&fixture.index, position);
            }
        }
        // beta 2.0.0 needs a crate the index does not have: cargo cannot lock it
        fixture
            .index
            .add(IndexEntry::new("beta", "2.0.0").dep(IndexDep::new("missing", "^1")));
        fixture
            .registry
            .publish(&NpmVersion::new("left-pad", "1.2.0"));
        fixture.registry.publish(&NpmVersion::new("other", "2.1.0"));
        fixture
    }

    fn tools(&self) -> Tools {
        let tmp = self.tmp.path();
        Tools::from_path()
            .with_env("CARGO_HOME", tmp.join("cargo-home").display().to_string())
            .with_env(
                "npm_config_cache",
                tmp.join("npm-cache").display().to_string(),
            )
            .with_env(
                "npm_config_userconfig",
                tmp.join("user-npmrc").display().to_string(),
            )
    }

    fn run(&self, dry_run: Option<DryRun>) -> LocalRunReport {
        let options = LocalRunOptions {
            dry_run,
            tools: self.tools(),
            scratch_dir: Some(self.tmp.path().join("scratch")),
            ..LocalRunOptions::new()
        };
        let http = Arc::new(HttpClient::new(HttpOptions::default(), HostRules::default()).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        run_local(
            &self.root,
            &options,
            http,
            &Datasources::builtin(),
            runtime.handle(),
        )
        .unwrap()
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.root, args)
    }

    /// `git show REV:PATH`.
    fn show(&self, rev: &str, path: &str) -> String {
        self.git(&["show", &format!("{rev}:{path}")])
    }

    /// Every ref and what it points at.
    fn refs(&self) -> String {
        self.git(&["for-each-ref", "--format=%(objectname) %(refname)"])
    }

    /// What the user has: the current branch, HEAD, the index file's bytes and every
    /// file of the working tree (outside `.git`).
    fn checkout_state(&self) -> (String, String, Vec<u8>, BTreeMap<String, Vec<u8>>) {
        fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let path = entry.path();
                if entry.file_name() == ".git" {
                    continue;
                }
                if entry.file_type().unwrap().is_dir() {
                    walk(root, &path, files);
                } else {
                    let relative = path.strip_prefix(root).unwrap().display().to_string();
                    files.insert(relative, std::fs::read(&path).unwrap());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(&self.root, &self.root, &mut files);
        let head = std::fs::read_to_string(self.root.join(".git/HEAD")).unwrap();
        let commit = self.git(&["rev-parse", "HEAD"]);
        let index = std::fs::read(self.root.join(".git/index")).unwrap();
        (head, commit, index, files)
    }
}

fn branch<'a>(report: &'a LocalRunReport, name: &str) -> &'a BranchReport {
    report
        .branches
        .iter()
        .find(|b| b.branch.branch_name == name)
        .unwrap_or_else(|| {
            let names: Vec<(&str, &str)> = report
                .branches
                .iter()
                .map(|b| (b.branch.branch_name.as_str(), b.action.as_str()))
                .collect();
            panic!("no branch `{name}` in {names:?}")
        })
}

fn actions(report: &LocalRunReport) -> Vec<(String, BranchAction)> {
    report
        .branches
        .iter()
        .map(|b| (b.branch.branch_name.clone(), b.action))
        .collect()
}

fn locked_npm(lock: &str, name: &str) -> String {
    let lock: serde_json::Value = serde_json::from_str(lock).unwrap();
    lock["packages"][format!("node_modules/{name}")]["version"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn locked_cargo(lock: &str, name: &str) -> Vec<String> {
    upkeep_manager::get_manager("cargo")
        .unwrap()
        .parse_lock_file("Cargo.lock", lock)
        .unwrap()
        .versions_of(name)
        .map(str::to_owned)
        .collect()
}

const GROUP_CONFIG: &str = r#"{
  "packageRules": [
    {"matchPackageNames": ["alpha", "left-pad"], "groupName": "core deps", "rangeStrategy": "bump"}
  ]
}
"#;

#[test]
fn a_local_run_writes_grouped_branches_with_real_lock_files_and_leaves_the_checkout_alone() {
    let fixture = Fixture::new(GROUP_CONFIG);
    let base = fixture.git(&["rev-parse", "HEAD"]);
    // The user is at work: an uncommitted edit, a staged one, an untracked file.
    std::fs::write(
        fixture.root.join("app/src/main.rs"),
        "fn main() { todo!() }\n",
    )
    .unwrap();
    std::fs::write(fixture.root.join("notes.txt"), "wip\n").unwrap();
    std::fs::write(
        fixture.root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\n",
    )
    .unwrap();
    fixture.git(&["add", "Cargo.toml"]);
    let before = fixture.checkout_state();
    let refs_before = fixture.refs();

    // a full dry run builds everything and writes no ref
    let dry = fixture.run(Some(DryRun::Full));
    assert_eq!(fixture.refs(), refs_before);
    assert_eq!(
        branch(&dry, "upkeep/core-deps").action,
        BranchAction::WouldCreate,
        "{:#?}",
        dry.branches
    );

    let report = fixture.run(None);
    assert_eq!(report.base_branch, "main");
    assert_eq!(report.base_commit, base);
    let group = branch(&report, "upkeep/core-deps");
    assert_eq!(group.action, BranchAction::Created, "{group:#?}");
    assert!(group.artifact_errors.is_empty(), "{group:#?}");
    assert_eq!(
        group.changed_files,
        [
            "Cargo.lock",
            "app/Cargo.toml",
            "package-lock.json",
            "package.json"
        ]
    );
    let names: Vec<&str> = group
        .branch
        .upgrades
        .iter()
        .map(|u| u.dependency.dep_name.as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"alpha") && names.contains(&"left-pad"));
    // both manifests and both lock files, refreshed by the real tools
    let head = "upkeep/core-deps";
    assert!(
        fixture
            .show(head, "app/Cargo.toml")
            .contains("alpha = { version = \"1.1\", registry = \"local\" }\n"),
        "{}",
        fixture.show(head, "app/Cargo.toml")
    );
    assert_eq!(
        locked_cargo(&fixture.show(head, "Cargo.lock"), "alpha"),
        ["1.1.0"]
    );
    assert_eq!(
        locked_cargo(&fixture.show(head, "Cargo.lock"), "beta"),
        ["1.0.0"]
    );
    assert!(
        fixture
            .show(head, "package.json")
            .contains("\"left-pad\": \"^1.2.0\"")
    );
    assert_eq!(
        locked_npm(&fixture.show(head, "package-lock.json"), "left-pad"),
        "1.2.0"
    );
    assert_eq!(
        locked_npm(&fixture.show(head, "package-lock.json"), "other"),
        "2.0.0"
    );
    // one commit on the base, by upkeep, with the planned message
    assert_eq!(fixture.git(&["rev-parse", &format!("{head}^")]), base);
    assert_eq!(
        fixture.git(&["log", "-1", "--format=%an <%ae>|%s", head]),
        format!(
            "upkeep <upkeep@localhost>|{}",
            group.branch.commit_message.lines().next().unwrap()
        )
    );

    let other = branch(&report, "upkeep/other-2.x");
    assert_eq!(other.action, BranchAction::Created, "{other:#?}");
    assert_eq!(other.changed_files, ["package-lock.json", "package.json"]);
    assert_eq!(
        locked_npm(
            &fixture.show("upkeep/other-2.x", "package-lock.json"),
            "other"
        ),
        "2.1.0"
    );

    // the lock file tool fails on beta's branch: reported there, the others went ahead
    let beta = branch(&report, "upkeep/beta-2.x");
    assert_eq!(beta.action, BranchAction::Created, "{beta:#?}");
    let [error] = beta.artifact_errors.as_slice() else {
        panic!("one artifact error expected: {beta:#?}");
    };
    assert_eq!(
        (error.lock_file.as_str(), error.tool.as_str()),
        ("Cargo.lock", "cargo")
    );
    assert!(error.message.contains("missing"), "{}", error.message);
    assert_eq!(beta.changed_files, ["app/Cargo.toml"]);
    assert!(!report.is_complete());

    // the JSON report carries the branches
    let json = serde_json::to_value(&report).unwrap();
    let first = &json["branches"][0];
    for key in [
        "branchName",
        "upgrades",
        "state",
        "schedule",
        "limits",
        "action",
        "prTitle",
    ] {
        assert!(first.get(key).is_some(), "{key} missing in {first:#}");
    }
    assert!(json["packageFiles"]["cargo"].is_array());

    // the user's checkout is untouched
    assert_eq!(fixture.checkout_state(), before);

    // a second run with nothing new changes nothing
    let refs_after_first = fixture.refs();
    let again = fixture.run(None);
    assert!(
        again
            .branches
            .iter()
            .all(|b| b.action == BranchAction::Unchanged),
        "{:?}",
        actions(&again)
    );
    assert_eq!(fixture.refs(), refs_after_first);
    // …and does not even rebuild the branches (no edits, no lock file tool runs)
    assert!(
        again.branches.iter().all(|b| b.changed_files.is_empty()),
        "a rerun rebuilt branches: {:?}",
        actions(&again)
    );

    // a person commits to one branch; new releases arrive; a stale branch is left over
    let other_head = fixture.git(&["rev-parse", "upkeep/other-2.x"]);
    let tree = fixture.git(&["rev-parse", "upkeep/other-2.x^{tree}"]);
    let human = fixture.git(&[
        "commit-tree",
        &tree,
        "-p",
        &other_head,
        "-m",
        "Tweak the update by hand",
    ]);
    fixture.git(&[
        "update-ref",
        "refs/heads/upkeep/other-2.x",
        &human,
        &other_head,
    ]);
    fixture.git(&["branch", "upkeep/stale", &base]);
    fixture.registry.publish(&NpmVersion::new("other", "2.2.0"));
    fixture
        .registry
        .publish(&NpmVersion::new("left-pad", "1.3.0"));
    let group_head = fixture.git(&["rev-parse", "upkeep/core-deps"]);

    let third = fixture.run(None);
    let other = branch(&third, "upkeep/other-2.x");
    assert_eq!(other.action, BranchAction::KeptModified, "{other:#?}");
    assert_eq!(other.modified_by, ["dev@example.com"]);
    assert_eq!(fixture.git(&["rev-parse", "upkeep/other-2.x"]), human);
    let group = branch(&third, "upkeep/core-deps");
    assert_eq!(group.action, BranchAction::Updated, "{group:#?}");
    let new_head = fixture.git(&["rev-parse", "upkeep/core-deps"]);
    assert_ne!(new_head, group_head);
    assert_eq!(fixture.git(&["rev-parse", "upkeep/core-deps^"]), base);
    assert_eq!(
        locked_npm(
            &fixture.show("upkeep/core-deps", "package-lock.json"),
            "left-pad"
        ),
        "1.3.0"
    );
    assert_eq!(
        branch(&third, "upkeep/beta-2.x").action,
        BranchAction::Unchanged
    );
    let obsolete: Vec<&str> = third
        .obsolete_branches
        .iter()
        .map(|b| b.branch_name.as_str())
        .collect();
    assert_eq!(obsolete, ["upkeep/stale"]);
    assert_eq!(fixture.checkout_state(), before);
}

#[test]
fn a_too_young_member_leaves_its_group_and_the_branch_limit_holds_new_branches_back() {
    let fixture = Fixture::new(
        r#"{
  "branchConcurrentLimit": 2,
  "packageRules": [
    {"matchPackageNames": ["alpha", "left-pad"], "groupName": "core deps", "rangeStrategy": "bump"},
    {"matchPackageNames": ["left-pad"], "minimumReleaseAge": "3 days"}
  ]
}
"#,
    );
    let report = fixture.run(None);
    let group = branch(&report, "upkeep/core-deps");
    assert_eq!(group.action, BranchAction::Created, "{group:#?}");
    let members: Vec<&str> = group
        .branch
        .upgrades
        .iter()
        .map(|u| u.dependency.dep_name.as_str())
        .collect();
    assert_eq!(members, ["alpha"]);
    let [left] = group.branch.left_out.as_slice() else {
        panic!("one member left out: {group:#?}");
    };
    assert_eq!(left.update.dependency.dep_name, "left-pad");
    assert!(left.reason.contains("minimumReleaseAge"), "{}", left.reason);
    // only the manifest and lock file of the member that went ahead
    assert_eq!(group.changed_files, ["Cargo.lock", "app/Cargo.toml"]);
    assert!(
        fixture
            .show("upkeep/core-deps", "package.json")
            .contains("\"left-pad\": \"^1.0.0\"")
    );

    // three branches are ready; the limit of two holds the last one back
    let created: Vec<String> = actions(&report)
        .into_iter()
        .filter(|(_, action)| *action == BranchAction::Created)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(created.len(), 2, "{:?}", actions(&report));
    let limited: Vec<&BranchReport> = report
        .branches
        .iter()
        .filter(|b| b.action == BranchAction::RateLimited)
        .collect();
    assert_eq!(limited.len(), 1, "{:?}", actions(&report));
    let limited = limited[0];
    assert!(
        limited
            .branch
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("branchConcurrentLimit")),
        "{limited:#?}"
    );
    let exists = fixture.git(&[
        "for-each-ref",
        "--format=%(refname)",
        &format!("refs/heads/{}", limited.branch.branch_name),
    ]);
    assert_eq!(exists, "");
}
