//! `--platform local`: upkeep's branches inside a user's own repository, built without
//! touching the working tree, the index or the current branch.
//!
//! A user may run upkeep in the checkout they are working in, with uncommitted changes
//! and a branch checked out. So nothing here uses porcelain that reads or writes the
//! work tree or `.git/index`. A commit is built with plumbing against a temporary index
//! (`GIT_INDEX_FILE` in a temporary directory):
//!
//! ```text
//! read-tree PARENT → hash-object -w (each new file) → update-index --index-info
//!   → write-tree → commit-tree -p PARENT → update-ref refs/heads/BRANCH NEW OLD
//! ```
//!
//! `update-ref` is given the value upkeep read, so a branch the user moved meanwhile is
//! not overwritten; a branch that is checked out in any working tree is never moved (the
//! user's files would suddenly differ from their branch). Only branches under upkeep's
//! prefix are written.
//!
//! Lockfile tools need real files: [`LocalRepo::export_tree`] writes a commit's files
//! into a scratch directory and [`LocalRepo::commit_directory`] turns that directory
//! back into a commit, both through a temporary index.

use std::path::{Path, PathBuf};

use crate::error::GitError;
use crate::refname::{is_owned_branch, validate_branch_name};
use crate::remote::RemoteRef;
use crate::runner::{Git, GitOutput, Invocation};
use crate::state::{BranchState, History, analyze, content_matches};
use crate::workdir::{CommitMessage, CommitOutcome, Lease};

/// A change to one file of a commit, by path relative to the repository root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChange {
    /// The file gets these bytes (stored as they are, without filters); an existing
    /// file keeps its mode, a new one is a regular file.
    Write {
        /// The path.
        path: String,
        /// The new content.
        contents: Vec<u8>,
    },
    /// The file is removed.
    Delete {
        /// The path.
        path: String,
    },
}

impl FileChange {
    fn path(&self) -> &str {
        match self {
            FileChange::Write { path, .. } | FileChange::Delete { path } => path,
        }
    }
}

/// A user's repository, opened for branch writes that leave the checkout alone.
#[derive(Debug)]
pub struct LocalRepo {
    git: Git,
    dir: PathBuf,
    repository: String,
    prefix: String,
}

/// A temporary index file that disappears with its directory.
struct TempIndex {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl LocalRepo {
    /// Opens the repository containing `path`; upkeep will write only branches that
    /// start with `branch_prefix`.
    pub fn open(git: &Git, path: &Path, branch_prefix: &str) -> Result<Self, GitError> {
        let repository = path.display().to_string();
        // Fails with git's own message when `path` is not inside a repository.
        git.run(Invocation::new(
            Some(path),
            &repository,
            ["rev-parse", "--git-dir"],
        ))?;
        Ok(LocalRepo {
            git: git.clone(),
            dir: path.to_path_buf(),
            repository,
            prefix: branch_prefix.to_owned(),
        })
    }

    /// Resolves a revision (`main`, `HEAD`, a commit id) to a commit id; `None` if it
    /// does not exist.
    pub fn resolve(&self, revision: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{revision}^{{commit}}");
        let output = self.execute(
            [
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
            None,
        )?;
        Ok(output.status.success().then(|| output.text()))
    }

    /// The tree id of a commit: two commits with the same tree have the same content.
    pub fn tree(&self, commit: &str) -> Result<String, GitError> {
        self.resolve_spec(&format!("{commit}^{{tree}}"))
    }

    /// A commit's parents and full message.
    pub fn commit_info(&self, commit: &str) -> Result<(Vec<String>, String), GitError> {
        let text = self
            .run(
                ["log", "-1", "--format=%P%n%B", "--end-of-options", commit],
                None,
            )?
            .text();
        let (parents, message) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        Ok((
            parents.split_whitespace().map(str::to_owned).collect(),
            message.to_owned(),
        ))
    }

    fn resolve_spec(&self, spec: &str) -> Result<String, GitError> {
        let args = ["rev-parse", "--verify", "--end-of-options", spec];
        Ok(self.run(args, None)?.text())
    }

    /// Analyses upkeep's local `branch` against `base_head` (a commit id): behind,
    /// conflicted, modified by someone other than upkeep and `ignored_authors`.
    pub fn analyze_branch(
        &self,
        branch: &str,
        base_head: &str,
        ignored_authors: &[String],
    ) -> Result<BranchState, GitError> {
        validate_branch_name(branch)?;
        let head = self.resolve_spec(&format!("refs/heads/{branch}^{{commit}}"))?;
        analyze(self, base_head, branch, &head, ignored_authors)
    }

    /// Whether `commit` (built on `base_head`) gives the branch the content it already
    /// has: when it does, the branch is left alone.
    pub fn content_matches(
        &self,
        commit: &str,
        base_head: &str,
        state: &BranchState,
    ) -> Result<bool, GitError> {
        content_matches(self, base_head, commit, state)
    }

    /// The branch checked out in this working tree, `None` when HEAD is detached.
    pub fn current_branch(&self) -> Result<Option<String>, GitError> {
        let output = self.execute(["symbolic-ref", "--quiet", "--short", "HEAD"], None)?;
        Ok(output.status.success().then(|| output.text()))
    }

    /// upkeep's branches (under the prefix) with their heads.
    pub fn list_branches(&self) -> Result<Vec<RemoteRef>, GitError> {
        let pattern = format!("refs/heads/{}", self.prefix);
        let output = self.run(
            [
                "for-each-ref",
                "--format=%(objectname)\t%(refname)",
                &pattern,
            ],
            None,
        )?;
        let mut branches = crate::remote::parse_ls_remote(&output.text(), "refs/heads/");
        branches.retain(|b| is_owned_branch(&b.name, &self.prefix));
        Ok(branches)
    }

    /// Every file path in `commit`.
    pub fn list_files(&self, commit: &str) -> Result<Vec<String>, GitError> {
        let output = self.run(
            [
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                "--end-of-options",
                commit,
            ],
            None,
        )?;
        Ok(split_nul(&output.stdout))
    }

    /// The content of `path` in `commit` as stored (no filters), `None` if absent.
    pub fn read_file(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let spec = format!("{commit}:{path}");
        let found = self.execute(
            [
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
            None,
        )?;
        if !found.status.success() {
            return Ok(None);
        }
        let blob = found.text();
        Ok(Some(self.run(["cat-file", "blob", &blob], None)?.stdout))
    }

    /// Builds a commit on `parent` with `changes`, as `gitAuthor`; no branch moves.
    pub fn commit_changes(
        &self,
        parent: &str,
        changes: &[FileChange],
        message: &CommitMessage,
    ) -> Result<CommitOutcome, GitError> {
        let index = self.temp_index()?;
        self.run(["read-tree", "--end-of-options", parent], Some(&index))?;
        let modes = self.modes(parent, changes)?;
        let zero = "0".repeat(parent.len());
        let mut records = Vec::new();
        for change in changes {
            let (mode, id) = match change {
                FileChange::Write { path, contents } => {
                    let invocation = Invocation::new(
                        Some(&self.dir),
                        &self.repository,
                        ["hash-object", "-w", "--no-filters", "--stdin"],
                    )
                    .stdin(contents.clone());
                    let id = self.git.run(invocation)?.text();
                    let mode = modes
                        .iter()
                        .find(|(p, _)| p == path)
                        .map_or("100644", |(_, m)| m.as_str());
                    (mode.to_owned(), id)
                }
                FileChange::Delete { .. } => ("0".to_owned(), zero.clone()),
            };
            records.extend_from_slice(format!("{mode} {id}\t{}", change.path()).as_bytes());
            records.push(0);
        }
        let invocation = Invocation::new(
            Some(&self.dir),
            &self.repository,
            ["update-index", "-z", "--index-info"],
        )
        .env("GIT_INDEX_FILE", &index.path)
        .stdin(records);
        self.git.run(invocation)?;
        self.commit_index(parent, &index, message)
    }

    /// Writes the files of `commit` into `dir` (created if needed), as a checkout
    /// would, for tools that need real files.
    pub fn export_tree(&self, commit: &str, dir: &Path) -> Result<(), GitError> {
        std::fs::create_dir_all(dir).map_err(|e| GitError::io(dir, e))?;
        let index = self.temp_index()?;
        self.run(["read-tree", "--end-of-options", commit], Some(&index))?;
        let mut prefix = dir.as_os_str().to_owned();
        prefix.push("/");
        let mut argument = std::ffi::OsString::from("--prefix=");
        argument.push(prefix);
        self.run(
            [
                std::ffi::OsString::from("checkout-index"),
                "-a".into(),
                "-f".into(),
                argument,
            ],
            Some(&index),
        )?;
        Ok(())
    }

    /// Commits the content of `dir` (as exported by [`LocalRepo::export_tree`] and
    /// then edited) on `parent`; ignored files stay out.
    pub fn commit_directory(
        &self,
        parent: &str,
        dir: &Path,
        message: &CommitMessage,
    ) -> Result<CommitOutcome, GitError> {
        let index = self.temp_index()?;
        self.run(["read-tree", "--end-of-options", parent], Some(&index))?;
        let git_dir = self
            .run(["rev-parse", "--path-format=absolute", "--git-dir"], None)?
            .text();
        let mut git_dir_option = std::ffi::OsString::from("--git-dir=");
        git_dir_option.push(&git_dir);
        let mut work_tree_option = std::ffi::OsString::from("--work-tree=");
        work_tree_option.push(dir);
        let args = [
            git_dir_option,
            work_tree_option,
            "add".into(),
            "--all".into(),
        ];
        let invocation =
            Invocation::new(Some(dir), &self.repository, args).env("GIT_INDEX_FILE", &index.path);
        self.git.run(invocation)?;
        self.commit_index(parent, &index, message)
    }

    /// Points upkeep's `branch` at `commit`, if it is still as `lease` says and is not
    /// checked out anywhere.
    pub fn update_branch(&self, branch: &str, commit: &str, lease: &Lease) -> Result<(), GitError> {
        self.check_writable(branch)?;
        let old = match lease {
            Lease::Absent => "0".repeat(commit.len()),
            Lease::At(old) => old.clone(),
        };
        self.update_ref(
            branch,
            &[
                "update-ref",
                "-m",
                "upkeep: update branch",
                &format!("refs/heads/{branch}"),
                commit,
                &old,
            ],
            lease,
        )
    }

    /// Deletes upkeep's `branch` if it still points at `expected` and is not checked
    /// out anywhere.
    pub fn delete_branch(&self, branch: &str, expected: &str) -> Result<(), GitError> {
        self.check_writable(branch)?;
        let lease = Lease::At(expected.to_owned());
        self.update_ref(
            branch,
            &[
                "update-ref",
                "-d",
                &format!("refs/heads/{branch}"),
                expected,
            ],
            &lease,
        )
    }

    fn update_ref(&self, branch: &str, args: &[&str], lease: &Lease) -> Result<(), GitError> {
        let output = self.execute(args, None)?;
        if output.status.success() {
            return Ok(());
        }
        if output.stderr.contains("cannot lock ref") {
            return Err(GitError::StaleLease {
                branch: branch.to_owned(),
                repository: self.repository.clone(),
                expected: match lease {
                    Lease::Absent => "absent".to_owned(),
                    Lease::At(commit) => commit.clone(),
                },
            });
        }
        Err(GitError::Failed {
            command: args.join(" "),
            repository: self.repository.clone(),
            status: output.status.to_string(),
            stderr: output.stderr.trim().to_owned(),
        })
    }

    fn check_writable(&self, branch: &str) -> Result<(), GitError> {
        validate_branch_name(branch)?;
        if !is_owned_branch(branch, &self.prefix) {
            return Err(GitError::NotOwnedBranch {
                branch: branch.to_owned(),
                prefix: self.prefix.clone(),
                repository: self.repository.clone(),
            });
        }
        let listing = self.run(["worktree", "list", "--porcelain"], None)?.text();
        let wanted = format!("branch refs/heads/{branch}");
        let mut worktree = PathBuf::new();
        for line in listing.lines() {
            if let Some(path) = line.strip_prefix("worktree ") {
                worktree = PathBuf::from(path);
            } else if line == wanted {
                return Err(GitError::CheckedOut {
                    branch: branch.to_owned(),
                    worktree,
                });
            }
        }
        Ok(())
    }

    fn commit_index(
        &self,
        parent: &str,
        index: &TempIndex,
        message: &CommitMessage,
    ) -> Result<CommitOutcome, GitError> {
        let tree = self.run(["write-tree"], Some(index))?.text();
        let parent_tree = self
            .run(["rev-parse", &format!("{parent}^{{tree}}")], None)?
            .text();
        if tree == parent_tree {
            return Ok(CommitOutcome::NothingToCommit);
        }
        let invocation = Invocation::new(
            Some(&self.dir),
            &self.repository,
            ["commit-tree", tree.as_str(), "-p", parent, "-F", "-"],
        )
        .stdin(message.text());
        let commit = self.git.run(invocation)?.text();
        Ok(CommitOutcome::Committed { commit })
    }

    /// The modes `parent` gives the written paths (so an executable stays one).
    fn modes(
        &self,
        parent: &str,
        changes: &[FileChange],
    ) -> Result<Vec<(String, String)>, GitError> {
        let mut args = vec![
            "ls-tree".to_owned(),
            "-z".to_owned(),
            "--full-tree".to_owned(),
            parent.to_owned(),
            "--".to_owned(),
        ];
        args.extend(changes.iter().map(|c| c.path().to_owned()));
        let output = self.run(args, None)?;
        Ok(split_nul(&output.stdout)
            .into_iter()
            .filter_map(|entry| {
                let (meta, path) = entry.split_once('\t')?;
                Some((path.to_owned(), meta.split(' ').next()?.to_owned()))
            })
            .collect())
    }

    fn temp_index(&self) -> Result<TempIndex, GitError> {
        let dir = tempfile::Builder::new()
            .prefix("upkeep-index-")
            .tempdir()
            .map_err(|e| GitError::io(std::env::temp_dir(), e))?;
        let path = dir.path().join("index");
        Ok(TempIndex { _dir: dir, path })
    }

    fn run<I, S>(&self, args: I, index: Option<&TempIndex>) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.git.run(self.invocation(args, index))
    }

    fn execute<I, S>(&self, args: I, index: Option<&TempIndex>) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.git.execute(self.invocation(args, index))
    }

    fn invocation<I, S>(&self, args: I, index: Option<&TempIndex>) -> Invocation<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let invocation = Invocation::new(Some(&self.dir), &self.repository, args)
            .env("GIT_LITERAL_PATHSPECS", "1");
        match index {
            Some(index) => invocation.env("GIT_INDEX_FILE", &index.path),
            None => invocation,
        }
    }
}

impl History for LocalRepo {
    fn run_git(&self, args: &[String]) -> Result<GitOutput, GitError> {
        self.run(args, None)
    }

    fn execute_git(&self, args: &[String]) -> Result<GitOutput, GitError> {
        self.execute(args, None)
    }

    fn deepen(&self, _branch: &str, _attempt: u32) -> Result<bool, GitError> {
        // A user's checkout has the history it has; upkeep does not fetch into it.
        Ok(false)
    }

    fn own_email(&self) -> &str {
        self.git.author().email()
    }

    fn repository(&self) -> &str {
        &self.repository
    }
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}
