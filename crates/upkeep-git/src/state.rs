//! Is an existing upkeep branch still good? The facts for a rebuild decision.
//!
//! For a branch on the remote, [`WorkDir::analyze_branch`] finds its merge base with the
//! base head, deepening the shallow histories until the two meet (or the history is
//! complete), and reports:
//!
//! - **behind**: the base head is not an ancestor of the branch;
//! - **conflicted**: merging the branch into the base head would conflict
//!   (`git merge-tree --write-tree`; only checked when behind);
//! - **modified by**: authors of the branch's own commits (after the merge base) that
//!   are neither upkeep's `gitAuthor` nor in `gitIgnoredAuthors` — a branch someone else
//!   committed to is never overwritten.
//!
//! [`WorkDir::content_matches`] answers whether a newly built commit would leave the
//! branch's content as it is. When the branch is not behind this is tree equality;
//! when it is behind, only the paths either side changed relative to its own base are
//! compared, so "the base moved" is not mistaken for "the update changed".
//!
//! [`decide`] is the pure rule combining these with `rebaseWhen`.

use crate::error::GitError;
use crate::refname::validate_branch_name;
use crate::workdir::{BRANCH_FETCH_DEPTH, WorkDir};

/// How many times histories are deepened before the clone is unshallowed.
const MAX_DEEPENINGS: u32 = 4;

/// What is known about one existing branch relative to the base head.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchState {
    /// The branch name.
    pub branch: String,
    /// Its head commit.
    pub head: String,
    /// Its head's tree.
    pub tree: String,
    /// The merge base with the base head; `None` for unrelated histories.
    pub merge_base: Option<String>,
    /// The base head is not an ancestor of the branch.
    pub behind_base: bool,
    /// Merging into the base head would conflict.
    pub conflicted: bool,
    /// E-mail addresses of other authors of the branch's own commits, deduplicated.
    pub modified_by: Vec<String>,
}

impl BranchState {
    /// Someone other than upkeep (and the ignored authors) committed to the branch.
    pub fn is_modified(&self) -> bool {
        !self.modified_by.is_empty()
    }
}

/// `rebaseWhen`, resolved: `auto` is the caller's to map onto one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebasePolicy {
    /// `never`: an existing branch is left as it is.
    Never,
    /// `conflicted`: rebuilt only when it conflicts with the base.
    Conflicted,
    /// `behind-base-branch`: rebuilt whenever the base moved past it.
    BehindBase,
}

/// What to do with a branch.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum BranchDecision {
    /// No such branch yet: create it.
    Create,
    /// The branch already has this content (and need not be rebased): do not touch it.
    Unchanged,
    /// The update's content changed: push the new commit.
    Update,
    /// The branch is behind or conflicted and the policy asks for a rebuild.
    Rebuild,
    /// Someone else committed to the branch: never overwrite it.
    KeepModified {
        /// Who.
        authors: Vec<String>,
    },
    /// The content differs, but `rebaseWhen: never` forbids touching the branch.
    KeepByPolicy,
}

/// The rebuild rule. `content_matches` comes from [`WorkDir::content_matches`].
pub fn decide(
    existing: Option<&BranchState>,
    content_matches: bool,
    policy: RebasePolicy,
) -> BranchDecision {
    let Some(state) = existing else {
        return BranchDecision::Create;
    };
    if state.is_modified() {
        return BranchDecision::KeepModified {
            authors: state.modified_by.clone(),
        };
    }
    let rebuild = match policy {
        RebasePolicy::Never => false,
        RebasePolicy::Conflicted => state.conflicted,
        RebasePolicy::BehindBase => state.behind_base || state.conflicted,
    };
    if rebuild {
        BranchDecision::Rebuild
    } else if content_matches {
        BranchDecision::Unchanged
    } else if policy == RebasePolicy::Never {
        BranchDecision::KeepByPolicy
    } else {
        BranchDecision::Update
    }
}

impl WorkDir {
    /// Analyses upkeep's `branch`, which must have been fetched
    /// ([`WorkDir::fetch_branches`]). Commits by `upkeep_email` or by an address in
    /// `ignored_authors` (`gitIgnoredAuthors`) do not count as modifications;
    /// addresses compare case-insensitively.
    pub fn analyze_branch(
        &self,
        branch: &str,
        ignored_authors: &[String],
    ) -> Result<BranchState, GitError> {
        validate_branch_name(branch)?;
        let tracking = format!("refs/remotes/origin/{branch}");
        let head = self.rev_parse(&tracking)?;
        let tree = self.run(["rev-parse", &format!("{head}^{{tree}}")])?.text();
        let merge_base = self.find_merge_base(branch, &head)?;
        let behind_base = merge_base.as_deref() != Some(self.base_head.as_str());
        let conflicted = behind_base && self.conflicts_with_base(&head)?;
        let mut args = vec!["log".to_owned(), "--format=%ae".to_owned(), head.clone()];
        if let Some(base) = &merge_base {
            args.push(format!("^{base}"));
        }
        let own_email = self.git.author().email().to_lowercase();
        let mut modified_by: Vec<String> = Vec::new();
        for email in self.run(args)?.text().lines() {
            let lower = email.to_lowercase();
            let ignored = lower == own_email
                || ignored_authors.iter().any(|a| a.to_lowercase() == lower)
                || modified_by.iter().any(|m| m.to_lowercase() == lower);
            if !ignored && !email.is_empty() {
                modified_by.push(email.to_owned());
            }
        }
        Ok(BranchState {
            branch: branch.to_owned(),
            head,
            tree,
            merge_base,
            behind_base,
            conflicted,
            modified_by,
        })
    }

    /// Whether `commit` (built on the base head) gives the branch the content it
    /// already has; see the module docs.
    pub fn content_matches(&self, commit: &str, state: &BranchState) -> Result<bool, GitError> {
        let new_tree = self
            .run(["rev-parse", &format!("{commit}^{{tree}}")])?
            .text();
        if new_tree == state.tree {
            return Ok(true);
        }
        let Some(merge_base) = &state.merge_base else {
            return Ok(false);
        };
        if !state.behind_base {
            return Ok(false);
        }
        let mut paths = self.changed_paths(&self.base_head, commit)?;
        paths.extend(self.changed_paths(merge_base, &state.head)?);
        paths.sort();
        paths.dedup();
        let mut args = vec![
            "diff-tree".to_owned(),
            "--quiet".to_owned(),
            "-r".to_owned(),
            state.head.clone(),
            commit.to_owned(),
            "--".to_owned(),
        ];
        args.extend(paths.into_iter().map(|p| format!(":(literal){p}")));
        Ok(self.execute(args)?.status.success())
    }

    fn changed_paths(&self, from: &str, to: &str) -> Result<Vec<String>, GitError> {
        let output = self.run([
            "diff-tree",
            "-r",
            "-z",
            "--name-only",
            "--no-renames",
            from,
            to,
        ])?;
        Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }

    /// The merge base of the base head and `head`, deepening both histories until they
    /// meet; `None` only when the complete histories are unrelated.
    fn find_merge_base(&self, branch: &str, head: &str) -> Result<Option<String>, GitError> {
        for attempt in 0..=MAX_DEEPENINGS + 1 {
            let output = self.execute(["merge-base", self.base_head.as_str(), head])?;
            if output.status.success() {
                return Ok(Some(output.text()));
            }
            let shallow = self.run(["rev-parse", "--is-shallow-repository"])?.text();
            if shallow != "true" {
                return Ok(None);
            }
            let deepen = if attempt < MAX_DEEPENINGS {
                format!("--deepen={}", BRANCH_FETCH_DEPTH << (attempt + 1))
            } else {
                "--unshallow".to_owned()
            };
            self.run([
                "fetch".to_owned(),
                "--quiet".to_owned(),
                "--no-tags".to_owned(),
                deepen,
                "origin".to_owned(),
                format!("+refs/heads/{0}:refs/remotes/origin/{0}", self.base),
                format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"),
            ])?;
        }
        Ok(None)
    }

    fn conflicts_with_base(&self, head: &str) -> Result<bool, GitError> {
        let output = self.execute([
            "merge-tree",
            "--write-tree",
            "--no-messages",
            self.base_head.as_str(),
            head,
        ])?;
        match output.status.code() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(GitError::Failed {
                command: "merge-tree --write-tree".to_owned(),
                repository: self.repository.clone(),
                status: output.status.to_string(),
                stderr: output.stderr.trim().to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(behind: bool, conflicted: bool, modified_by: &[&str]) -> BranchState {
        BranchState {
            branch: "upkeep/x".into(),
            head: "h".into(),
            tree: "t".into(),
            merge_base: Some("m".into()),
            behind_base: behind,
            conflicted,
            modified_by: modified_by.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn missing_branch_is_created() {
        assert_eq!(
            decide(None, false, RebasePolicy::Never),
            BranchDecision::Create
        );
    }

    #[test]
    fn modified_branch_is_kept_whatever_the_policy() {
        let modified = state(true, true, &["human@example.com"]);
        for policy in [
            RebasePolicy::Never,
            RebasePolicy::Conflicted,
            RebasePolicy::BehindBase,
        ] {
            assert!(matches!(
                decide(Some(&modified), false, policy),
                BranchDecision::KeepModified { .. }
            ));
        }
    }

    #[test]
    fn unchanged_current_branch_is_not_touched() {
        let current = state(false, false, &[]);
        assert_eq!(
            decide(Some(&current), true, RebasePolicy::BehindBase),
            BranchDecision::Unchanged
        );
    }

    #[test]
    fn behind_branch_is_rebuilt_per_policy() {
        let behind = state(true, false, &[]);
        assert_eq!(
            decide(Some(&behind), true, RebasePolicy::BehindBase),
            BranchDecision::Rebuild
        );
        assert_eq!(
            decide(Some(&behind), true, RebasePolicy::Conflicted),
            BranchDecision::Unchanged
        );
        assert_eq!(
            decide(Some(&behind), false, RebasePolicy::Conflicted),
            BranchDecision::Update
        );
        let conflicted = state(true, true, &[]);
        assert_eq!(
            decide(Some(&conflicted), true, RebasePolicy::Conflicted),
            BranchDecision::Rebuild
        );
        assert_eq!(
            decide(Some(&conflicted), false, RebasePolicy::Never),
            BranchDecision::KeepByPolicy
        );
    }
}
