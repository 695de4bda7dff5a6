//! upkeep's own clone of a repository: where branches are built, committed and pushed.
//!
//! The clone is shallow and single-branch (`--depth 1 --single-branch --branch BASE
//! --no-tags`, plus `--filter=blob:none`, which a server without filter support simply
//! ignores), so a large repository costs one tree of files. upkeep's existing branches
//! are fetched only when they need to be compared ([`WorkDir::fetch_branches`]), and
//! deepened only as far as the comparison needs (see [`crate::state`]).
//!
//! A branch is built by resetting the work tree to the base head
//! ([`WorkDir::checkout_from_base`]), writing files and running lockfile tools there,
//! and committing everything ([`WorkDir::commit`]); nothing to commit is an outcome, not
//! an error. Pushes go only to branches under upkeep's prefix and always with
//! `--force-with-lease` naming the commit upkeep last saw, so a branch someone else
//! pushed to in the meantime is never overwritten.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::error::GitError;
use crate::redact::redact_url;
use crate::refname::{is_owned_branch, validate_branch_name};
use crate::remote::RemoteRef;
use crate::runner::{Git, GitCredential, GitOutput, Invocation};

/// How deep upkeep's branches are fetched at first; deepened when that is not enough.
pub(crate) const BRANCH_FETCH_DEPTH: u32 = 16;

/// A commit message: a subject line and an optional body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitMessage {
    /// The first line (`chore(deps): update serde to v1.0.200`).
    pub subject: String,
    /// Further paragraphs, if any.
    pub body: Option<String>,
}

impl CommitMessage {
    /// A message with only a subject.
    pub fn new(subject: impl Into<String>) -> Self {
        CommitMessage {
            subject: subject.into(),
            body: None,
        }
    }

    /// Adds a body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The full text git stores: subject, blank line, body.
    pub fn text(&self) -> String {
        let subject = self.subject.trim().replace('\n', " ");
        match self.body.as_deref().map(str::trim) {
            Some(body) if !body.is_empty() => format!("{subject}\n\n{body}\n"),
            _ => format!("{subject}\n"),
        }
    }
}

/// What a commit attempt did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum CommitOutcome {
    /// A commit was made.
    Committed {
        /// Its id.
        commit: String,
    },
    /// The files already had that content: no commit.
    NothingToCommit,
}

/// What upkeep expects a remote branch to be before it writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lease {
    /// The branch must not exist yet.
    Absent,
    /// The branch must point at this commit.
    At(String),
}

impl Lease {
    fn expected(&self) -> &str {
        match self {
            Lease::Absent => "",
            Lease::At(commit) => commit,
        }
    }

    fn describe(&self) -> String {
        match self {
            Lease::Absent => "absent".to_owned(),
            Lease::At(commit) => commit.clone(),
        }
    }
}

/// A shallow clone of one repository's base branch in a work directory.
#[derive(Debug)]
pub struct WorkDir {
    pub(crate) git: Git,
    pub(crate) dir: PathBuf,
    url: String,
    pub(crate) repository: String,
    pub(crate) base: String,
    pub(crate) base_head: String,
    prefix: String,
}

impl WorkDir {
    /// Clones `base` of `url` into `dir` (which must not exist or be empty); upkeep
    /// will write only branches starting with `branch_prefix`.
    pub fn clone_base(
        git: &Git,
        url: &str,
        base: &str,
        dir: &Path,
        branch_prefix: &str,
    ) -> Result<Self, GitError> {
        validate_branch_name(base)?;
        let repository = redact_url(url);
        if repository != url {
            return Err(GitError::CredentialInUrl { repository });
        }
        let args: Vec<OsString> = vec![
            "clone".into(),
            "--quiet".into(),
            "--depth=1".into(),
            "--single-branch".into(),
            "--no-tags".into(),
            "--filter=blob:none".into(),
            "--branch".into(),
            base.into(),
            "--".into(),
            url.into(),
            dir.into(),
        ];
        git.run(Invocation::new(None, &repository, args).network())?;
        let mut workdir = WorkDir {
            git: git.clone(),
            dir: dir.to_path_buf(),
            url: url.to_owned(),
            repository,
            base: base.to_owned(),
            base_head: String::new(),
            prefix: branch_prefix.to_owned(),
        };
        workdir.base_head = workdir.rev_parse(&format!("refs/remotes/origin/{base}"))?;
        Ok(workdir)
    }

    /// Changes the prefix of the branches upkeep may write: it is known only once the
    /// repository's config (`branchPrefix`) has been read from the clone.
    pub fn set_branch_prefix(&mut self, prefix: &str) {
        self.prefix = prefix.to_owned();
    }

    /// Replaces the credential later fetches and pushes use: an installation token
    /// handed out when the clone was made may expire before the run ends.
    pub fn set_credential(&mut self, credential: GitCredential) {
        self.git = self.git.clone().with_credential(credential);
    }

    /// The work directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The base branch's name.
    pub fn base_branch(&self) -> &str {
        &self.base
    }

    /// The base branch's head as cloned; every branch is built on it.
    pub fn base_head(&self) -> &str {
        &self.base_head
    }

    /// upkeep's branches on the remote (under the prefix) with their heads.
    pub fn list_remote_branches(&self) -> Result<Vec<RemoteRef>, GitError> {
        self.git.ls_remote_heads(&self.url, &self.prefix)
    }

    /// Fetches upkeep's `branches` into `refs/remotes/origin/*`, shallowly.
    pub fn fetch_branches(&self, branches: &[&str]) -> Result<(), GitError> {
        if branches.is_empty() {
            return Ok(());
        }
        let mut args = vec![
            "fetch".to_owned(),
            "--quiet".to_owned(),
            "--no-tags".to_owned(),
            format!("--depth={BRANCH_FETCH_DEPTH}"),
            "origin".to_owned(),
        ];
        for branch in branches {
            validate_branch_name(branch)?;
            args.push(format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"));
        }
        self.run(args)?;
        Ok(())
    }

    /// The head of a fetched remote branch, `None` if it was not fetched.
    pub fn remote_branch_head(&self, branch: &str) -> Result<Option<String>, GitError> {
        validate_branch_name(branch)?;
        let reference = format!("refs/remotes/origin/{branch}^{{commit}}");
        let output = self.execute(["rev-parse", "--verify", "--quiet", reference.as_str()])?;
        Ok(output.status.success().then(|| output.text()))
    }

    /// Checks out `branch` as a fresh branch at the base head, discarding every change
    /// and untracked file in the work tree.
    pub fn checkout_from_base(&self, branch: &str) -> Result<(), GitError> {
        validate_branch_name(branch)?;
        self.run([
            "checkout",
            "--quiet",
            "--force",
            "-B",
            branch,
            self.base_head.as_str(),
        ])?;
        self.run(["clean", "-ffdxq"])?;
        Ok(())
    }

    /// Writes `contents` to `path` (relative to the work tree), creating directories.
    pub fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), GitError> {
        let target = self.work_tree_path(path)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| GitError::io(parent, e))?;
        }
        std::fs::write(&target, contents).map_err(|e| GitError::io(&target, e))
    }

    /// Removes `path` from the work tree; a missing file is not an error.
    pub fn remove_file(&self, path: &str) -> Result<(), GitError> {
        let target = self.work_tree_path(path)?;
        match std::fs::remove_file(&target) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(GitError::io(&target, error))
            }
            _ => Ok(()),
        }
    }

    /// Commits every change in the work tree (added, modified, deleted files; ignored
    /// files stay out) as `gitAuthor`.
    pub fn commit(&self, message: &CommitMessage) -> Result<CommitOutcome, GitError> {
        self.run(["add", "--all"])?;
        let staged = self.execute(["diff", "--cached", "--quiet", "--no-ext-diff"])?;
        if staged.status.success() {
            return Ok(CommitOutcome::NothingToCommit);
        }
        let args = [
            "commit",
            "--quiet",
            "--no-verify",
            "--cleanup=whitespace",
            "-F",
            "-",
        ];
        let invocation = Invocation::new(Some(&self.dir), &self.repository, args)
            .network()
            .stdin(message.text());
        self.git.run(invocation)?;
        Ok(CommitOutcome::Committed {
            commit: self.rev_parse("HEAD")?,
        })
    }

    /// Pushes `commit` to upkeep's `branch` if the remote branch is still as `lease`
    /// says; fails with [`GitError::StaleLease`] if it moved.
    pub fn push(&self, branch: &str, commit: &str, lease: &Lease) -> Result<(), GitError> {
        self.check_owned(branch)?;
        let refspec = format!("{commit}:refs/heads/{branch}");
        self.push_refspec(branch, &refspec, lease)
    }

    /// Deletes upkeep's `branch` on the remote if it still points at `expected`.
    pub fn delete_remote_branch(&self, branch: &str, expected: &str) -> Result<(), GitError> {
        self.check_owned(branch)?;
        let refspec = format!(":refs/heads/{branch}");
        self.push_refspec(branch, &refspec, &Lease::At(expected.to_owned()))
    }

    fn push_refspec(&self, branch: &str, refspec: &str, lease: &Lease) -> Result<(), GitError> {
        let lease_option = format!(
            "--force-with-lease=refs/heads/{branch}:{}",
            lease.expected()
        );
        let args = [
            "push",
            "--porcelain",
            "--quiet",
            lease_option.as_str(),
            "origin",
            refspec,
        ];
        let output = self.execute(args)?;
        if output.status.success() {
            return Ok(());
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let rejected = stdout
            .lines()
            .any(|line| line.starts_with('!') && line.contains("[rejected]"));
        if rejected {
            return Err(GitError::StaleLease {
                branch: branch.to_owned(),
                repository: self.repository.clone(),
                expected: lease.describe(),
            });
        }
        Err(GitError::Failed {
            command: format!("push {lease_option} origin {refspec}"),
            repository: self.repository.clone(),
            status: output.status.to_string(),
            stderr: format!(
                "{} {}",
                output.stderr.trim(),
                self.git.redact(stdout.trim())
            ),
        })
    }

    fn check_owned(&self, branch: &str) -> Result<(), GitError> {
        validate_branch_name(branch)?;
        if is_owned_branch(branch, &self.prefix) {
            Ok(())
        } else {
            Err(GitError::NotOwnedBranch {
                branch: branch.to_owned(),
                prefix: self.prefix.clone(),
                repository: self.repository.clone(),
            })
        }
    }

    fn work_tree_path(&self, path: &str) -> Result<PathBuf, GitError> {
        let relative = Path::new(path);
        let safe = !path.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            && relative.components().next() != Some(Component::Normal(".git".as_ref()));
        if safe {
            Ok(self.dir.join(relative))
        } else {
            Err(GitError::io(
                relative,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a plain relative path inside the work tree",
                ),
            ))
        }
    }

    /// Resolves a revision to a commit id.
    pub fn rev_parse(&self, revision: &str) -> Result<String, GitError> {
        let spec = format!("{revision}^{{commit}}");
        Ok(self.run(["rev-parse", "--verify", spec.as_str()])?.text())
    }

    /// Runs git in the work directory; fails on a non-zero exit.
    pub(crate) fn run<I, S>(&self, args: I) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        // Every command may fetch missing blobs of the partial clone, so each one may
        // need the credential.
        self.git
            .run(Invocation::new(Some(&self.dir), &self.repository, args).network())
    }

    /// Runs git in the work directory; a non-zero exit is returned.
    pub(crate) fn execute<I, S>(&self, args: I) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.git
            .execute(Invocation::new(Some(&self.dir), &self.repository, args).network())
    }
}
