//! What an upkeep branch commit is made of, shared by every platform: the commit message
//! from the plan, the fingerprint trailer that lets a rerun recognise a branch built on
//! the same base for the same plan without rebuilding it, the rebase policy from
//! `rebaseWhen`, and `semanticCommits: auto` detection.

use std::path::Path;

use upkeep_config::{RebaseWhen, RepositoryConfig, Settings};
use upkeep_git::{CommitMessage, Git, RebasePolicy};
use upkeep_types::{Branch, LookedUpDependency};

use crate::plan::resolve_candidate;

/// How many base commits `semanticCommits: auto` looks at (Renovate's number).
const SEMANTIC_COMMITS_SAMPLE: &str = "20";

/// The commit trailer recording what a branch was built from.
pub const FINGERPRINT_TRAILER: &str = "Upkeep-Fingerprint";

/// A short hash of what determines a branch's content: its commit message and every
/// planned change. Same base + same fingerprint = same branch, without rebuilding it.
pub fn fingerprint(branch: &Branch) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(branch.commit_message.as_bytes());
    for update in &branch.upgrades {
        let fields = [
            update.manager.as_str(),
            update.package_file.as_str(),
            update.dependency.dep_name.as_str(),
            update.dependency.current_value.as_deref().unwrap_or(""),
            update.dependency.current_digest.as_deref().unwrap_or(""),
            update.update.new_value.as_deref().unwrap_or(""),
            update.update.new_version.as_deref().unwrap_or(""),
            update.update.new_digest.as_deref().unwrap_or(""),
        ];
        for field in fields {
            hasher.update(field.as_bytes());
            hasher.update([0]);
        }
    }
    let digest = hasher.finalize();
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `body` with the fingerprint trailer appended.
pub fn with_fingerprint(body: &str, fingerprint: &str) -> String {
    let trailer = format!("{FINGERPRINT_TRAILER}: {fingerprint}");
    if body.is_empty() {
        trailer
    } else {
        format!("{body}\n\n{trailer}")
    }
}

/// The planned message: subject line, then the body after a blank line.
pub fn commit_message(text: &str) -> CommitMessage {
    let (subject, body) = match text.split_once('\n') {
        Some((subject, body)) => (subject, body.trim()),
        None => (text, ""),
    };
    let message = CommitMessage::new(subject.trim());
    if body.is_empty() {
        message
    } else {
        message.with_body(body)
    }
}

/// The authors of upkeep's own commits in `log` (`git log --format=%ae%x00%B%x1e`):
/// those whose message carries the fingerprint trailer. A commit made through the Git
/// Data API (`platformCommit`) is authored by the App's bot, not by `gitAuthor`, and
/// must not make upkeep's own branch look modified by someone else.
pub fn fingerprinted_authors(log: &str) -> Vec<String> {
    let prefix = format!("{FINGERPRINT_TRAILER}: ");
    let mut authors: Vec<String> = Vec::new();
    for record in log.split('\x1e') {
        let Some((email, message)) = record.trim_start_matches('\n').split_once('\0') else {
            continue;
        };
        let ours = message.lines().any(|line| line.trim().starts_with(&prefix));
        if ours && !email.is_empty() && !authors.iter().any(|a| a == email) {
            authors.push(email.to_owned());
        }
    }
    authors
}

/// Whether a commit with these parents and message is upkeep's commit for the branch
/// whose fingerprint is `fingerprint`, built on `base`: its only parent is the base and
/// its trailer matches.
pub fn is_built_for(parents: &[String], message: &str, base: &str, fingerprint: &str) -> bool {
    let trailer = format!("{FINGERPRINT_TRAILER}: {fingerprint}");
    parents.len() == 1 && parents[0] == base && message.lines().any(|line| line.trim() == trailer)
}

/// The repository-level settings (`branchPrefix`): the config resolved for no
/// dependency in particular.
pub fn repository_settings(config: &RepositoryConfig) -> Settings {
    config
        .resolve(
            &upkeep_config::DependencyContext::default(),
            &upkeep_config::NoVersioning,
        )
        .settings
}

/// The settings of a branch: those resolved for its first update (Renovate reads
/// branch-level options from the first upgrade too).
pub fn branch_settings(config: &RepositoryConfig, branch: &Branch) -> Settings {
    let Some(update) = branch.upgrades.first() else {
        return config
            .resolve(
                &upkeep_config::DependencyContext::default(),
                &upkeep_config::NoVersioning,
            )
            .settings;
    };
    let looked_up = LookedUpDependency {
        dependency: update.dependency.clone(),
        current_version: update.current_version.clone(),
        source_url: update.source_url.clone(),
        ..LookedUpDependency::default()
    };
    resolve_candidate(
        config,
        &update.manager,
        &update.package_file,
        &looked_up,
        &update.update,
    )
    .settings
}

/// `rebaseWhen` of the branch's first update, as the git layer's policy.
pub fn rebase_policy(config: &RepositoryConfig, branch: &Branch) -> RebasePolicy {
    let automerge = branch.automerge.is_some();
    let rebase_when = if branch.upgrades.is_empty() {
        RebaseWhen::Auto
    } else {
        branch_settings(config, branch).rebase_when
    };
    match rebase_when {
        RebaseWhen::Never => RebasePolicy::Never,
        RebaseWhen::Conflicted => RebasePolicy::Conflicted,
        RebaseWhen::BehindBaseBranch => RebasePolicy::BehindBase,
        RebaseWhen::Auto | RebaseWhen::Automerging if automerge => RebasePolicy::BehindBase,
        RebaseWhen::Auto | RebaseWhen::Automerging => RebasePolicy::Conflicted,
    }
}

/// Whether most of the base's recent commit subjects are Conventional Commits.
pub fn semantic_commits_detected(git: &Git, path: &Path, base: &str) -> bool {
    let Ok(output) = git.output(
        path,
        ["log", "-n", SEMANTIC_COMMITS_SAMPLE, "--format=%s", base],
    ) else {
        return false;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let subjects: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let conventional = subjects.iter().filter(|s| is_conventional(s)).count();
    !subjects.is_empty() && conventional * 2 > subjects.len()
}

/// `type(scope)!: subject`.
fn is_conventional(subject: &str) -> bool {
    let Some((head, rest)) = subject.split_once(':') else {
        return false;
    };
    if !rest.starts_with(' ') {
        return false;
    }
    let head = head.strip_suffix('!').unwrap_or(head);
    let (kind, scope) = match head.split_once('(') {
        Some((kind, scope)) => (kind, scope.strip_suffix(')')),
        None => (head, Some("")),
    };
    !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase()) && scope.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_subjects() {
        assert!(is_conventional("feat: add x"));
        assert!(is_conventional("fix(parser)!: y"));
        assert!(!is_conventional("Fix the parser"));
        assert!(!is_conventional("Merge branch 'a': b"));
        assert!(!is_conventional("feat:x"));
    }

    #[test]
    fn messages_split_subject_and_body() {
        assert_eq!(
            commit_message("Update a\n\nbody").text(),
            "Update a\n\nbody\n"
        );
        assert_eq!(
            commit_message("Update a").text(),
            CommitMessage::new("Update a").text()
        );
    }

    #[test]
    fn authors_of_fingerprinted_commits_are_upkeeps_own() {
        let bot = "9+upkeep[bot]@users.noreply.github.com";
        let log = format!(
            "{bot}\0Update a\n\n{}\n\x1e\nalice@example.com\0Fix the build\n\x1e\n",
            with_fingerprint("", "abc")
        );
        assert_eq!(fingerprinted_authors(&log), [bot]);
        assert!(fingerprinted_authors("").is_empty());
    }

    #[test]
    fn a_commit_is_current_only_on_its_base_with_its_fingerprint() {
        let message = with_fingerprint("Update a", "abc");
        let base = ["base".to_owned()];
        assert!(is_built_for(&base, &message, "base", "abc"));
        assert!(!is_built_for(&base, &message, "moved", "abc"));
        assert!(!is_built_for(&base, &message, "base", "def"));
        assert!(!is_built_for(&[], &message, "base", "abc"));
    }
}
