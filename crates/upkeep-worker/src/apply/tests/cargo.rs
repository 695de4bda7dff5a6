//! `Cargo.lock` refreshed by the real cargo against a sparse index serving `.crate`
//! files that `cargo package` made.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use upkeep_testkit::{IndexDep, IndexEntry, SparseIndex, package_crate};
use upkeep_types::Datasource;

use super::*;
use crate::apply::{Tools, apply_branch};

/// A crate version: name, version, and a dependency (name, requirement) of its index entry.
type CrateVersion = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// Every crate version the tests use.
const CRATES: &[CrateVersion] = &[
    ("alpha", "0.1.0", None),
    ("beta", "1.0.0", None),
    ("delta", "1.0.0", None),
    ("gamma", "1.0.0", Some(("delta", "^1.0"))),
    // published after the lock file was made
    ("alpha", "0.2.0", None),
    ("alpha", "0.2.1", None),
    ("beta", "1.0.1", None),
    ("delta", "1.0.1", None),
    ("delta", "1.0.2", None),
];
const INITIAL: usize = 4;

/// `.crate` files made once per test process with `cargo package`.
fn crate_files() -> &'static Vec<Vec<u8>> {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        CRATES
            .iter()
            .map(|(name, version, _)| package_crate(name, version))
            .collect()
    })
}

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

fn publish(index: &SparseIndex, range: std::ops::Range<usize>) {
    for position in range {
        let (name, version, dep) = CRATES[position];
        let mut entry = IndexEntry::new(name, version);
        if let Some((dep_name, req)) = dep {
            entry = entry.dep(IndexDep::new(dep_name, req));
        }
        index.add_crate_file(entry, &crate_files()[position]);
    }
}

/// A workspace (`app` uses alpha and beta, `lib` uses gamma, which pulls in delta) whose
/// crates.io is replaced by the loopback index, locked before the newer versions were
/// published. Returns the temporary directory, the workspace and the cargo home.
fn workspace(index: &SparseIndex) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let home = tmp.path().join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
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
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\", \"lib\"]\nresolver = \"2\"\n",
            ),
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\n# the core\nalpha = \"0.1\"\nbeta = { version = \"1.0.0\" }\n",
            ),
            ("app/src/main.rs", "fn main() {}\n"),
            (
                "lib/Cargo.toml",
                "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\ngamma = \"1\"\n",
            ),
            ("lib/src/lib.rs", "\n"),
        ],
    );
    publish(index, 0..INITIAL);
    let status = cargo(&root, &home)
        .args(["generate-lockfile", "--quiet"])
        .status()
        .unwrap();
    assert!(status.success());
    publish(index, INITIAL..CRATES.len());
    (tmp, root, home)
}

fn tools(home: &Path) -> Tools {
    Tools::from_path().with_env("CARGO_HOME", home.display().to_string())
}

/// The locked versions of `name`.
fn locked(root: &Path, name: &str) -> Vec<String> {
    let lock = read(root, "Cargo.lock");
    upkeep_manager::get_manager("cargo")
        .unwrap()
        .parse_lock_file("Cargo.lock", &lock)
        .unwrap()
        .versions_of(name)
        .map(str::to_owned)
        .collect()
}

#[test]
fn two_updates_in_one_manifest_are_written_and_the_workspace_lock_moves_to_the_precise_versions() {
    let index = SparseIndex::start();
    let (_tmp, root, home) = workspace(&index);
    let updates = [
        manifest_update(&root, "cargo", "app/Cargo.toml", "alpha", "0.2", "0.2.0"),
        manifest_update(&root, "cargo", "app/Cargo.toml", "beta", "1.0.1", "1.0.1"),
    ];
    let result = apply_branch(&root, &updates, &tools(&home));
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(result.changed_files, ["Cargo.lock", "app/Cargo.toml"]);
    assert_eq!(
        read(&root, "app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\n# the core\nalpha = \"0.2\"\nbeta = { version = \"1.0.1\" }\n"
    );
    // 0.2.1 exists, but the plan said 0.2.0
    assert_eq!(locked(&root, "alpha"), ["0.2.0"]);
    assert_eq!(locked(&root, "beta"), ["1.0.1"]);
    // nothing else moved
    assert_eq!(locked(&root, "delta"), ["1.0.0"]);
}

#[test]
fn a_vulnerable_transitive_crate_moves_in_the_lock_file_only() {
    let index = SparseIndex::start();
    let (_tmp, root, home) = workspace(&index);
    let manifests_before = (read(&root, "app/Cargo.toml"), read(&root, "lib/Cargo.toml"));
    let update = lockfile_update(
        "cargo",
        "Cargo.lock",
        "delta",
        Datasource::Crate,
        "1.0.0",
        "1.0.1",
    );
    let result = apply_branch(&root, &[update], &tools(&home));
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(result.changed_files, ["Cargo.lock"]);
    assert_eq!(locked(&root, "delta"), ["1.0.1"]);
    assert_eq!(locked(&root, "gamma"), ["1.0.0"]);
    assert_eq!(
        (read(&root, "app/Cargo.toml"), read(&root, "lib/Cargo.toml")),
        manifests_before
    );
}

#[test]
fn a_precise_version_missing_from_the_index_is_an_artifact_error_while_another_branch_succeeds() {
    let index = SparseIndex::start();
    let (tmp, root, home) = workspace(&index);
    let other = tmp.path().join("other-branch");
    std::fs::create_dir_all(&other).unwrap();
    copy_tree(&root, &other);
    let lock_before = read(&root, "Cargo.lock");

    let broken = [manifest_update(
        &root,
        "cargo",
        "app/Cargo.toml",
        "alpha",
        "0.2",
        "0.2.7",
    )];
    let result = apply_branch(&root, &broken, &tools(&home));
    assert!(result.update_errors.is_empty(), "{result:#?}");
    let [error] = result.artifact_errors.as_slice() else {
        panic!("one artifact error expected: {result:#?}");
    };
    assert_eq!(
        (error.lock_file.as_str(), error.tool.as_str()),
        ("Cargo.lock", "cargo")
    );
    // cargo's own words, after the command
    assert!(
        error.message.contains("--precise 0.2.7` failed"),
        "{}",
        error.message
    );
    assert!(error.message.contains("alpha"), "{}", error.message);
    // the manifest edit is kept, the lock file is as it was
    assert_eq!(result.changed_files, ["app/Cargo.toml"]);
    assert!(read(&root, "app/Cargo.toml").contains("alpha = \"0.2\""));
    assert_eq!(read(&root, "Cargo.lock"), lock_before);

    let fine = [manifest_update(
        &other,
        "cargo",
        "app/Cargo.toml",
        "alpha",
        "0.2",
        "0.2.1",
    )];
    let result = apply_branch(&other, &fine, &tools(&home));
    assert!(result.is_clean(), "{result:#?}");
    assert_eq!(locked(&other, "alpha"), ["0.2.1"]);
}
