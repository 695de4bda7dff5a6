//! Vulnerable *transitive* packages through `upkeep run --platform local` and `upkeep
//! lookup`: a repository holding a Cargo project (its crates.io replaced by a sparse
//! index on loopback, so Cargo.lock records crates.io as real projects do) and an npm
//! project (verdaccio on loopback), with the real OSV records of `fixtures/audit/osv`
//! served as an offline database or by the loopback OSV API. Real `cargo` and `npm`
//! refresh the lock files.
//!
//! The packages mirror the advisories: `regex` 1.5.4 (fixed in 1.5.5, which its parent
//! `env_logger` admits) and npm `minimist` 1.2.5 (fixed in 1.2.6, admitted by `mkdirp`)
//! are fixed in their lock files; `time` 0.1.43 (fixed in 0.2.23, which `chrono`'s
//! `^0.1.43` excludes) and `minimist` 0.0.10 under `optimist` (fixed in 0.2.4, excluded by
//! `~0.0.1`) need their parent updated.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use upkeep_testkit::{IndexDep, IndexEntry, NpmVersion, OsvServer, SparseIndex, Verdaccio};

fn osv_records() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit/osv")
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_owned()
}

/// The repository, its registries, and the directories the tools use.
struct Fixture {
    tmp: tempfile::TempDir,
    root: PathBuf,
    _index: SparseIndex,
    _registry: Verdaccio,
}

impl Fixture {
    fn new() -> Fixture {
        let index = SparseIndex::start();
        let registry = Verdaccio::start();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(tmp.path().join("cargo-home")).unwrap();
        std::fs::write(tmp.path().join("user-npmrc"), "").unwrap();
        // the lookups reach the mirror through Renovate's `registryUrls`, cargo through
        // source replacement: Cargo.lock keeps naming crates.io
        let renovate = format!(
            r#"{{"packageRules": [{{"matchDatasources": ["crate"], "registryUrls": ["{}"]}}]}}"#,
            index.index_url()
        );
        write_files(
            &root,
            &[
                (
                    ".cargo/config.toml",
                    &format!(
                        "[source.crates-io]\nreplace-with = \"mirror\"\n\n\
                         [source.mirror]\nregistry = \"{}\"\n",
                        index.index_url()
                    ),
                ),
                (".npmrc", &registry.npmrc()),
                (".gitignore", "target/\nnode_modules/\n"),
                ("renovate.json", &renovate),
                (
                    "Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                     [dependencies]\nchrono = \"0.4.19\"\nenv_logger = \"0.9.0\"\n",
                ),
                ("src/main.rs", "fn main() {}\n"),
                (
                    "package.json",
                    "{\n  \"name\": \"web\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \
                     \"dependencies\": {\n    \"mkdirp\": \"^0.5.5\",\n    \"optimist\": \"^0.6.1\"\n  }\n}\n",
                ),
            ],
        );
        for (name, version) in [("regex", "1.5.4"), ("time", "0.1.43")] {
            index.add(IndexEntry::new(name, version));
        }
        index.add(IndexEntry::new("env_logger", "0.9.0").dep(IndexDep::new("regex", "^1.5")));
        index.add(IndexEntry::new("chrono", "0.4.19").dep(IndexDep::new("time", "^0.1.43")));
        for (name, version) in [("minimist", "0.0.10"), ("minimist", "1.2.5")] {
            registry.publish(&NpmVersion::new(name, version));
        }
        registry.publish(&NpmVersion::new("mkdirp", "0.5.5").dependency("minimist", "^1.2.5"));
        registry.publish(&NpmVersion::new("optimist", "0.6.1").dependency("minimist", "~0.0.1"));
        let fixture = Fixture {
            tmp,
            root,
            _index: index,
            _registry: registry,
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = fixture
            .tool(Command::new(cargo))
            .args(["generate-lockfile", "--quiet"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo generate-lockfile: {output:?}"
        );
        let output = fixture
            .tool(Command::new("npm"))
            .args([
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "npm install: {output:?}");
        git(&fixture.root, &["init", "--quiet", "--initial-branch=main"]);
        git(&fixture.root, &["add", "--all"]);
        git(
            &fixture.root,
            &["commit", "--quiet", "-m", "Initial commit"],
        );
        // the fixed versions, published after the lock files were made
        fixture._index.add(IndexEntry::new("regex", "1.5.5"));
        fixture._index.add(IndexEntry::new("time", "0.2.23"));
        for version in ["0.2.4", "1.2.6"] {
            fixture
                ._registry
                .publish(&NpmVersion::new("minimist", version));
        }
        fixture
    }

    /// A lock file tool or `upkeep` itself, with the test's cargo home and npm files.
    fn tool(&self, mut command: Command) -> Command {
        let tmp = self.tmp.path();
        command
            .current_dir(&self.root)
            .env("CARGO_HOME", tmp.join("cargo-home"))
            .env_remove("CARGO_TARGET_DIR")
            .env("CARGO_NET_OFFLINE", "false")
            .env("npm_config_cache", tmp.join("npm-cache"))
            .env("npm_config_userconfig", tmp.join("user-npmrc"))
            .env_remove("UPKEEP_OSV_DB")
            .env_remove("UPKEEP_OSV_API");
        command
    }

    fn upkeep(&self, args: &[&str]) -> (Output, Value) {
        let output = self
            .tool(crate::upkeep())
            .args(args)
            .arg(&self.root)
            .output()
            .unwrap();
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "{error}: {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output, report)
    }

    /// `git show BRANCH:PATH`.
    fn show(&self, branch: &str, path: &str) -> String {
        git(&self.root, &["show", &format!("{branch}:{path}")])
    }
}

/// The dependency `name` at `version` of the package file `file` of `manager`.
fn dependency<'r>(
    report: &'r Value,
    manager: &str,
    file: &str,
    name: &str,
    version: &str,
) -> &'r Value {
    report["packageFiles"][manager]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["packageFile"] == file)
        .flat_map(|f| f["deps"].as_array().unwrap())
        .find(|d| d["depName"] == name && d["currentVersion"] == version)
        .unwrap_or_else(|| panic!("no {name} {version} in {file}: {report:#}"))
}

fn branch<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["branches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["branchName"] == name)
        .unwrap_or_else(|| panic!("no branch {name}: {:#}", report["branches"]))
}

fn warnings(dependency: &Value) -> Vec<&str> {
    dependency["warnings"]
        .as_array()
        .map(|w| w.iter().map(|w| w.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// The locked versions of `name` in a Cargo.lock text.
fn cargo_locked(lock: &str, name: &str) -> Vec<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    lock.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &lock[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn run_fixes_vulnerable_transitive_packages_in_their_lock_files_on_security_branches() {
    let fixture = Fixture::new();
    let database = osv_records();
    let (output, report) = fixture.upkeep(&[
        "run",
        "--platform",
        "local",
        "--json",
        "--osv-db",
        database.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}\n{report:#}");

    // Cargo: regex 1.5.4 → 1.5.5, which env_logger's ^1.5 admits
    let regex = dependency(&report, "cargo", "Cargo.lock", "regex", "1.5.4");
    assert_eq!(regex["depType"], "transitive");
    let update = &regex["updates"][0];
    assert_eq!(update["updateType"], "lockfileUpdate");
    assert_eq!(update["newVersion"], "1.5.5");
    assert_eq!(update["isLockfileUpdate"], true);
    assert_eq!(update["isVulnerabilityFix"], true);
    assert_eq!(update.get("newValue"), None);
    assert_eq!(regex["vulnerabilities"][0]["id"], "GHSA-m5pq-gvj9-9vr8");
    let cargo_branch = branch(&report, "upkeep/crate-regex-vulnerability");
    assert_eq!(cargo_branch["action"], "created", "{cargo_branch:#}");
    assert_eq!(
        cargo_branch["prTitle"],
        "[SECURITY] Update Rust crate regex to v1.5.5"
    );
    assert_eq!(
        cargo_branch["changedFiles"],
        serde_json::json!(["Cargo.lock"])
    );
    let lock = fixture.show("upkeep/crate-regex-vulnerability", "Cargo.lock");
    assert_eq!(cargo_locked(&lock, "regex"), ["1.5.5"]);
    assert_eq!(cargo_locked(&lock, "time"), ["0.1.43"]);
    assert!(lock.contains("registry+https://github.com/rust-lang/crates.io-index"));

    // Cargo: time needs chrono updated — its requirement comes from the crates index
    let time = dependency(&report, "cargo", "Cargo.lock", "time", "0.1.43");
    assert_eq!(time["updates"], serde_json::json!([]));
    assert_eq!(
        warnings(time),
        ["needs a parent update: chrono 0.4.19 (requires ^0.1.43) does not admit time 0.2.23"]
    );

    // npm: the hoisted minimist 1.2.5 → 1.2.6 in package-lock.json only
    let minimist = dependency(&report, "npm", "package-lock.json", "minimist", "1.2.5");
    assert_eq!(minimist["updates"][0]["newVersion"], "1.2.6");
    let npm_branch = branch(&report, "upkeep/npm-minimist-vulnerability");
    assert_eq!(npm_branch["action"], "created", "{npm_branch:#}");
    assert_eq!(
        npm_branch["changedFiles"],
        serde_json::json!(["package-lock.json"])
    );
    let lock: Value = serde_json::from_str(
        &fixture.show("upkeep/npm-minimist-vulnerability", "package-lock.json"),
    )
    .unwrap();
    assert_eq!(
        lock["packages"]["node_modules/minimist"]["version"],
        "1.2.6"
    );
    assert_eq!(
        lock["packages"]["node_modules/optimist/node_modules/minimist"]["version"],
        "0.0.10"
    );
    assert_eq!(
        fixture.show("upkeep/npm-minimist-vulnerability", "package.json"),
        std::fs::read_to_string(fixture.root.join("package.json"))
            .unwrap()
            .trim_end()
    );

    // npm: the copy under optimist needs optimist updated
    let nested = dependency(&report, "npm", "package-lock.json", "minimist", "0.0.10");
    assert_eq!(nested["updates"], serde_json::json!([]));
    assert_eq!(
        warnings(nested),
        ["needs a parent update: optimist 0.6.1 (requires ~0.0.1) does not admit minimist 0.2.4"]
    );
    assert_eq!(
        report["branches"].as_array().unwrap().len(),
        2,
        "{report:#}"
    );
}

#[test]
fn lookup_asks_the_osv_api_once_and_reports_it_unavailable_when_it_is_down() {
    let fixture = Fixture::new();
    let api = OsvServer::start(&osv_records());
    let (output, report) = fixture.upkeep(&["lookup", "--json", "--osv-api", &api.url()]);
    assert!(output.status.success(), "{output:?}\n{report:#}");
    let regex = dependency(&report, "cargo", "Cargo.lock", "regex", "1.5.4");
    assert_eq!(regex["updates"][0]["newVersion"], "1.5.5");
    let nested = dependency(&report, "npm", "package-lock.json", "minimist", "0.0.10");
    assert!(warnings(nested)[0].starts_with("needs a parent update: optimist 0.6.1"));
    let counters = api.counters();
    // every package of the run (direct and locked) in one batch, each record once
    assert_eq!(counters.batches, 1);
    assert_eq!(counters.details.values().max(), Some(&1));

    api.set_down(true);
    let (output, report) = fixture.upkeep(&["lookup", "--json", "--osv-api", &api.url()]);
    assert_eq!(output.status.code(), Some(3), "{report:#}");
    let ecosystems: Vec<&str> = report["vulnerabilitiesUnavailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(ecosystems, ["npm", "crates.io"], "{report:#}");
    // nothing was judged: no fix, no transitive entry
    let lock_files: Vec<&Value> = report["packageFiles"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|files| files.as_array().unwrap())
        .filter(|file| file["packageFile"].as_str().unwrap().ends_with(".lock"))
        .collect();
    assert!(lock_files.is_empty(), "{report:#}");

    // the table says so too
    let output = fixture
        .tool(crate::upkeep())
        .args(["lookup", "--osv-api", &api.url()])
        .arg(&fixture.root)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("vulnerability data for npm is unavailable"),
        "{table}"
    );
}
