//! Is an existing upkeep branch still good? The facts for a rebuild decision.
//!
//! For an existing branch, [`WorkDir::analyze_branch`] (or
//! [`crate::LocalRepo::analyze_branch`] in a local checkout) finds its merge base with the
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
use crate::runner::GitOutput;
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

/// What the analysis needs from a repository: running git, and fetching more history
/// when a shallow clone does not reach the merge base.
pub(crate) trait History {
    /// Runs git; fails on a non-zero exit.
    fn run_git(&self, args: &[String]) -> Result<GitOutput, GitError>;
    /// Runs git; a non-zero exit is returned.
    fn execute_git(&self, args: &[String]) -> Result<GitOutput, GitError>;
    /// Fetches more history of the base and `branch` (the `attempt`-th time); `false`
    /// when the history is already complete.
    fn deepen(&self, branch: &str, attempt: u32) -> Result<bool, GitError>;
    /// upkeep's own address (`gitAuthor`).
    fn own_email(&self) -> &str;
    /// How errors name the repository.
    fn repository(&self) -> &str;
}

fn strings<const N: usize>(args: [&str; N]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// Analyses `branch` (whose head is `head`) against `base_head`; see the module docs.
pub(crate) fn analyze(
    repo: &impl History,
    base_head: &str,
    branch: &str,
    head: &str,
    ignored_authors: &[String],
) -> Result<BranchState, GitError> {
    let tree = repo
        .run_git(&strings(["rev-parse", &format!("{head}^{{tree}}")]))?
        .text();
    let merge_base = find_merge_base(repo, base_head, branch, head)?;
    let behind_base = merge_base.as_deref() != Some(base_head);
    let conflicted = behind_base && conflicts(repo, base_head, head)?;
    let mut args = strings(["log", "--format=%ae", head]);
    if let Some(base) = &merge_base {
        args.push(format!("^{base}"));
    }
    let own_email = repo.own_email().to_lowercase();
    let mut modified_by: Vec<String> = Vec::new();
    for email in repo.run_git(&args)?.text().lines() {
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
        head: head.to_owned(),
        tree,
        merge_base,
        behind_base,
        conflicted,
        modified_by,
    })
}

/// Whether `commit` (built on `base_head`) gives the branch the content it has.
pub(crate) fn content_matches(
    repo: &impl History,
    base_head: &str,
    commit: &str,
    state: &BranchState,
) -> Result<bool, GitError> {
    let new_tree = repo
        .run_git(&strings(["rev-parse", &format!("{commit}^{{tree}}")]))?
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
    let mut paths = changed_paths(repo, base_head, commit)?;
    paths.extend(changed_paths(repo, merge_base, &state.head)?);
    paths.sort();
    paths.dedup();
    let mut args = strings(["diff-tree", "--quiet", "-r", &state.head, commit, "--"]);
    args.extend(paths.into_iter().map(|p| format!(":(literal){p}")));
    Ok(repo.execute_git(&args)?.status.success())
}

fn changed_paths(repo: &impl History, from: &str, to: &str) -> Result<Vec<String>, GitError> {
    let args = strings([
        "diff-tree",
        "-r",
        "-z",
        "--name-only",
        "--no-renames",
        from,
        to,
    ]);
    let output = repo.run_git(&args)?;
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

/// The merge base of `base_head` and `head`, deepening the histories until they meet;
/// `None` only when the complete histories are unrelated.
fn find_merge_base(
    repo: &impl History,
    base_head: &str,
    branch: &str,
    head: &str,
) -> Result<Option<String>, GitError> {
    let mut attempt = 0;
    loop {
        let output = repo.execute_git(&strings(["merge-base", base_head, head]))?;
        if output.status.success() {
            return Ok(Some(output.text()));
        }
        if !repo.deepen(branch, attempt)? {
            return Ok(None);
        }
        attempt += 1;
    }
}

fn conflicts(repo: &impl History, base_head: &str, head: &str) -> Result<bool, GitError> {
    let args = strings([
        "merge-tree",
        "--write-tree",
        "--no-messages",
        base_head,
        head,
    ]);
    let output = repo.execute_git(&args)?;
    match output.status.code() {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(GitError::Failed {
            command: "merge-tree --write-tree".to_owned(),
            repository: repo.repository().to_owned(),
            status: output.status.to_string(),
            stderr: output.stderr.trim().to_owned(),
        }),
    }
}

impl History for WorkDir {
    fn run_git(&self, args: &[String]) -> Result<GitOutput, GitError> {
        self.run(args)
    }

    fn execute_git(&self, args: &[String]) -> Result<GitOutput, GitError> {
        self.execute(args)
    }

    fn deepen(&self, branch: &str, attempt: u32) -> Result<bool, GitError> {
        let shallow = self.run(["rev-parse", "--is-shallow-repository"])?.text();
        if shallow != "true" {
            return Ok(false);
        }
        // Doubling depths first; then the whole history rather than many round trips.
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
        Ok(true)
    }

    fn own_email(&self) -> &str {
        self.git.author().email()
    }

    fn repository(&self) -> &str {
        &self.repository
    }
}

impl WorkDir {
    /// Analyses upkeep's `branch`, which must have been fetched
    /// ([`WorkDir::fetch_branches`]), against the base head. Commits by upkeep's
    /// `gitAuthor` or by an address in `ignored_authors` (`gitIgnoredAuthors`) do not
    /// count as modifications; addresses compare case-insensitively.
    pub fn analyze_branch(
        &self,
        branch: &str,
        ignored_authors: &[String],
    ) -> Result<BranchState, GitError> {
        validate_branch_name(branch)?;
        let head = self.rev_parse(&format!("refs/remotes/origin/{branch}"))?;
        analyze(self, &self.base_head, branch, &head, ignored_authors)
    }

    /// Whether `commit` (built on the base head) gives the branch the content it
    /// already has; see the module docs.
    pub fn content_matches(&self, commit: &str, state: &BranchState) -> Result<bool, GitError> {
        content_matches(self, &self.base_head, commit, state)
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
