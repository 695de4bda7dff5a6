//! Real git remotes: bare repositories on disk with branches and tags.
//!
//! A [`GitRemote`] owns a bare repository (the remote that lookups run
//! `git ls-remote` against) and a working clone the harness commits in and pushes from.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{require_binary, run};

/// A bare git repository in a temporary directory, deleted when dropped.
pub struct GitRemote {
    _dir: tempfile::TempDir,
    bare: PathBuf,
    work: PathBuf,
}

impl GitRemote {
    /// Creates a bare repository whose `main` branch has one commit.
    pub fn new() -> GitRemote {
        require_binary("git");
        let dir = tempfile::tempdir().expect("tempdir");
        let bare = dir.path().join("remote.git");
        let work = dir.path().join("work");
        let remote = GitRemote {
            bare: bare.clone(),
            work: work.clone(),
            _dir: dir,
        };
        run(git(None)
            .args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(&bare));
        run(git(None)
            .args(["init", "--quiet", "--initial-branch=main"])
            .arg(&work));
        run(git(Some(&work))
            .args(["remote", "add", "origin"])
            .arg(&bare));
        remote.commit("initial commit");
        remote
    }

    /// The bare repository's `file://` URL.
    pub fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// The bare repository's path (also usable as a remote).
    pub fn path(&self) -> &Path {
        &self.bare
    }

    /// Commits a change on the current branch and pushes it; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.commit_at(message, "2024-01-01T00:00:00Z")
    }

    /// Like [`GitRemote::commit`], with this author and committer date (ISO 8601).
    pub fn commit_at(&self, message: &str, date: &str) -> String {
        let file = self.work.join("CHANGES");
        let mut text = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        std::fs::write(&file, text).expect("write");
        run(git(Some(&self.work)).args(["add", "CHANGES"]));
        run(git(Some(&self.work))
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .args(["commit", "--quiet", "-m", message]));
        let branch = self.rev_parse_work("--abbrev-ref HEAD");
        run(git(Some(&self.work)).args([
            "push",
            "--quiet",
            "origin",
            &format!("HEAD:refs/heads/{branch}"),
        ]));
        self.rev_parse_work("HEAD")
    }

    /// Creates (or moves to) branch `name` at the current commit, checks it out and
    /// pushes it.
    pub fn branch(&self, name: &str) {
        run(git(Some(&self.work)).args(["checkout", "--quiet", "-B", name]));
        run(git(Some(&self.work)).args([
            "push",
            "--quiet",
            "origin",
            &format!("HEAD:refs/heads/{name}"),
        ]));
    }

    /// Checks out an existing branch of the working clone.
    pub fn checkout(&self, name: &str) {
        run(git(Some(&self.work)).args(["checkout", "--quiet", name]));
    }

    /// A lightweight tag at the current commit, pushed; returns the commit id.
    pub fn tag(&self, name: &str) -> String {
        run(git(Some(&self.work)).args(["tag", name]));
        self.push_tag(name);
        self.rev_parse_work("HEAD")
    }

    /// An annotated tag at the current commit, pushed; returns the tag object's id
    /// (`git ls-remote` shows it, and the commit under `refs/tags/NAME^{}`).
    pub fn tag_annotated(&self, name: &str, message: &str) -> String {
        run(git(Some(&self.work)).args(["tag", "-a", name, "-m", message]));
        self.push_tag(name);
        self.rev_parse_work(&format!("refs/tags/{name}"))
    }

    /// Commits and lightweight-tags each of `names` in turn (one commit per tag).
    pub fn tags(&self, names: &[&str]) {
        for name in names {
            self.commit(&format!("release {name}"));
            self.tag(name);
        }
    }

    /// Resolves a revision in the remote.
    pub fn rev_parse(&self, rev: &str) -> String {
        let out = run(git(None)
            .arg("--git-dir")
            .arg(&self.bare)
            .args(["rev-parse", rev]));
        String::from_utf8(out).unwrap().trim().to_string()
    }

    /// `git ls-remote URL` as (object id, ref name) pairs.
    pub fn ls_remote(&self) -> Vec<(String, String)> {
        let out = run(git(None).args(["ls-remote", &self.url()]));
        String::from_utf8(out)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, r)| (id.to_string(), r.to_string()))
            .collect()
    }

    fn push_tag(&self, name: &str) {
        run(git(Some(&self.work)).args([
            "push",
            "--quiet",
            "--force",
            "origin",
            &format!("refs/tags/{name}"),
        ]));
    }

    fn rev_parse_work(&self, args: &str) -> String {
        let out = run(git(Some(&self.work)).arg("rev-parse").args(args.split(' ')));
        String::from_utf8(out).unwrap().trim().to_string()
    }
}

impl Default for GitRemote {
    fn default() -> Self {
        Self::new()
    }
}

/// `git` with a fixed identity and no signing, independent of the user's config.
fn git(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    cmd.args([
        "-c",
        "user.name=upkeep testkit",
        "-c",
        "user.email=testkit@upkeep.invalid",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "tag.gpgsign=false",
        "-c",
        "protocol.file.allow=always",
    ])
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .env("GIT_TERMINAL_PROMPT", "0");
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_lists_branches_and_both_kinds_of_tags() {
        let remote = GitRemote::new();
        let v1 = {
            remote.commit("one");
            remote.tag("v1.0.0")
        };
        let c2 = remote.commit("two");
        let tag_obj = remote.tag_annotated("v1.1.0", "release 1.1.0");
        remote.branch("next");
        let refs = remote.ls_remote();
        let get = |r: &str| {
            refs.iter()
                .find(|(_, name)| name == r)
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| panic!("{r} missing from {refs:?}"))
        };
        assert_eq!(get("refs/tags/v1.0.0"), v1);
        assert_eq!(get("refs/tags/v1.1.0"), tag_obj);
        assert_ne!(tag_obj, c2);
        assert_eq!(get("refs/tags/v1.1.0^{}"), c2);
        assert_eq!(get("refs/heads/main"), c2);
        assert_eq!(get("refs/heads/next"), c2);
        assert_eq!(remote.rev_parse("v1.1.0^{commit}"), c2);
    }
}
