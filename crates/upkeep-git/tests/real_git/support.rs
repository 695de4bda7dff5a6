//! Test fixtures: bare remotes, human commits, directory snapshots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;
use upkeep_git::{Git, GitAuthor};

pub const HUMAN_EMAIL: &str = "human@example.test";
pub const BOT_EMAIL: &str = "bot@upkeep.test";
pub const PREFIX: &str = "upkeep/";

/// upkeep's runner for tests: local remotes allowed.
pub fn upkeep_git() -> Git {
    Git::new(GitAuthor::parse(&format!("upkeep-bot <{BOT_EMAIL}>")).unwrap())
        .allow_local_remotes(true)
}

/// Runs plain git as a human would, with no user config; panics on failure.
pub fn human(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A Human")
        .env("GIT_AUTHOR_EMAIL", HUMAN_EMAIL)
        .env("GIT_COMMITTER_NAME", "A Human")
        .env("GIT_COMMITTER_EMAIL", HUMAN_EMAIL)
        .env("GIT_PROTOCOL_FROM_USER", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A bare remote with a `main` branch, plus a human's clone of it to push from.
pub struct Remote {
    pub root: TempDir,
}

impl Remote {
    pub fn new(files: &[(&str, &str)]) -> Remote {
        let root = tempfile::tempdir().unwrap();
        let remote = Remote { root };
        human(
            remote.root.path(),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "remote.git",
            ],
        );
        human(
            remote.root.path(),
            &["init", "--quiet", "--initial-branch=main", "human"],
        );
        let checkout = remote.human_dir();
        human(&checkout, &["remote", "add", "origin", &remote.url()]);
        for (path, text) in files {
            write(&checkout.join(path), text);
        }
        human(&checkout, &["add", "--all"]);
        human(&checkout, &["commit", "--quiet", "-m", "initial"]);
        human(&checkout, &["push", "--quiet", "origin", "main"]);
        remote
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.root.path().join("remote.git").display())
    }

    pub fn bare(&self) -> PathBuf {
        self.root.path().join("remote.git")
    }

    pub fn human_dir(&self) -> PathBuf {
        self.root.path().join("human")
    }

    /// A human commits `files` on `branch` (fetched fresh) and pushes.
    pub fn human_commit(&self, branch: &str, files: &[(&str, &str)], message: &str) -> String {
        let checkout = self.human_dir();
        human(&checkout, &["fetch", "--quiet", "origin"]);
        human(
            &checkout,
            &[
                "checkout",
                "--quiet",
                "-B",
                branch,
                &format!("origin/{branch}"),
            ],
        );
        for (path, text) in files {
            write(&checkout.join(path), text);
        }
        human(&checkout, &["add", "--all"]);
        human(&checkout, &["commit", "--quiet", "-m", message]);
        human(&checkout, &["push", "--quiet", "origin", branch]);
        human(&checkout, &["rev-parse", "HEAD"])
    }

    /// The commit a branch of the bare remote points at.
    pub fn head(&self, branch: &str) -> String {
        human(
            &self.bare(),
            &["rev-parse", &format!("refs/heads/{branch}")],
        )
    }

    /// A file of a branch of the bare remote.
    pub fn show(&self, branch: &str, path: &str) -> String {
        human(
            &self.bare(),
            &["show", &format!("refs/heads/{branch}:{path}")],
        )
    }
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every file under `dir` (including `.git/HEAD` and `.git/index`, excluding objects,
/// refs and logs, which upkeep may legitimately add to) with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            let skipped = ["objects", "refs", "logs"]
                .iter()
                .any(|s| relative.starts_with(Path::new(".git").join(s)));
            if skipped {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}
