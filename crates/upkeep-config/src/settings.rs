//! The settings a dependency ends up with: typed, with Renovate's defaults, built by
//! applying layers (repository config, manager and update-type objects, matching
//! packageRules) in order.
//!
//! Declared once through a macro that produces both [`Settings`] (every field has its
//! value) and [`SettingsLayer`] (every field optional: what one layer supplies), plus the
//! merge step. Whether a field merges or replaces matches the options table, and a test
//! checks that the defaults here equal the table's.

use serde::{Deserialize, Deserializer, Serialize};

use crate::duration::Age;
use crate::package_rules::VersionConstraint;
use crate::schedule::Schedule;

/// Deserializes a present field (even `null`) as `Some`, so `null` can unset a nullable value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

fn replace<T: Clone>(target: &mut T, value: &T) {
    *target = value.clone();
}

fn append(target: &mut Vec<String>, value: &Vec<String>) {
    for item in value {
        if !target.contains(item) {
            target.push(item.clone());
        }
    }
}

/// camelCase of a snake_case field name (the option's name in `renovate.json`).
pub(crate) fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The option name of a settings field: camelCase of the field, unless the option is
/// spelled otherwise (`draftPR`).
macro_rules! option_name {
    ($field:ident) => {
        camel(stringify!($field))
    };
    ($field:ident, $name:literal) => {
        $name.to_string()
    };
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $field:ident $(as $name:literal)? : $ty:ty = $default:expr, $merge:ident; )*) => {
        /// The effective settings of one dependency (or update).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct Settings {
            $( $(#[doc = $doc])* $(#[serde(rename = $name)])? pub $field: $ty, )*
        }

        /// What one layer (the repository config, a preset, a packageRule, a `major` or
        /// `npm` object) supplies; `None` means "not set here".
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct SettingsLayer {
            $(
                $(#[doc = $doc])*
                #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
                $(#[serde(rename = $name)])?
                pub $field: Option<$ty>,
            )*
        }

        impl Default for Settings {
            fn default() -> Settings {
                Settings { $( $field: $default, )* }
            }
        }

        impl Settings {
            /// The option names (camelCase) of every field.
            pub fn option_names() -> Vec<String> {
                vec![$( option_name!($field $(, $name)?) ),*]
            }

            /// Applies a layer; returns the option names it supplied.
            pub fn apply(&mut self, layer: &SettingsLayer) -> Vec<String> {
                let mut supplied = Vec::new();
                $(
                    if let Some(value) = &layer.$field {
                        $merge(&mut self.$field, value);
                        supplied.push(option_name!($field $(, $name)?));
                    }
                )*
                supplied
            }
        }

        impl SettingsLayer {
            /// Whether the layer sets nothing.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )*
            }
        }
    };
}

settings! {
    /// Whether upkeep acts on the dependency at all.
    enabled: bool = true, replace;
    /// Group name: updates with the same group share a branch and PR.
    group_name: Option<String> = None, replace;
    /// Branch slug of the group.
    group_slug: Option<String> = None, replace;
    /// Merge automatically when checks pass.
    automerge: bool = false, replace;
    /// How to automerge.
    automerge_type: AutomergeType = AutomergeType::Pr, replace;
    /// When automerging may happen.
    automerge_schedule: Schedule = Schedule::always(), replace;
    /// Use the platform's native auto-merge.
    platform_automerge: bool = true, replace;
    /// How a PR is merged.
    automerge_strategy: AutomergeStrategy = AutomergeStrategy::Auto, replace;
    /// Automerge without waiting for checks.
    ignore_tests: bool = false, replace;
    /// PR labels (replaced by later layers).
    labels: Vec<String> = Vec::new(), replace;
    /// Extra PR labels (accumulated across layers).
    add_labels: Vec<String> = Vec::new(), append;
    /// Reviewers (replaced by later layers).
    reviewers: Vec<String> = Vec::new(), replace;
    /// Extra reviewers (accumulated).
    additional_reviewers: Vec<String> = Vec::new(), append;
    /// Assignees.
    assignees: Vec<String> = Vec::new(), replace;
    /// Open PRs as drafts.
    draft_pr as "draftPR": bool = false, replace;
    /// When a branch gets its PR.
    pr_creation: PrCreation = PrCreation::Immediate, replace;
    /// `not-pending`: hours after the branch commit when the PR is opened anyway.
    pr_not_pending_hours: u32 = 25, replace;
    /// PR creation priority.
    pr_priority: i64 = 0, replace;
    /// When branches may be created or updated.
    schedule: Schedule = Schedule::always(), replace;
    /// Keep updating existing branches outside the schedule.
    update_not_scheduled: bool = true, replace;
    /// Minimum time since a release before it is proposed.
    minimum_release_age: Option<Age> = None, replace;
    /// How ranges are updated.
    range_strategy: RangeStrategy = RangeStrategy::Auto, replace;
    /// Only versions satisfying this range or regex.
    allowed_versions: Option<VersionConstraint> = None, replace;
    /// Skip unstable versions.
    ignore_unstable: bool = true, replace;
    /// Skip deprecated versions.
    ignore_deprecated: bool = true, replace;
    /// Follow a registry tag.
    follow_tag: Option<String> = None, replace;
    /// Versioning scheme override.
    versioning: Option<String> = None, replace;
    /// Pin digests.
    pin_digests: bool = false, replace;
    /// Which version a vulnerability fix moves to.
    vulnerability_fix_strategy: VulnerabilityFixStrategy = VulnerabilityFixStrategy::Lowest, replace;
    /// Major updates in separate branches.
    separate_major_minor: bool = true, replace;
    /// One branch per major version.
    separate_multiple_major: bool = false, replace;
    /// Patch updates apart from minor.
    separate_minor_patch: bool = false, replace;
    /// PRs per hour (0: unlimited).
    pr_hourly_limit: u32 = 2, replace;
    /// Open PRs (0: unlimited).
    pr_concurrent_limit: u32 = 10, replace;
    /// Open branches (None: as prConcurrentLimit).
    branch_concurrent_limit: Option<u32> = None, replace;
    /// When to rebase.
    rebase_when: RebaseWhen = RebaseWhen::Auto, replace;
    /// When to recreate closed PRs.
    recreate_when: RecreateWhen = RecreateWhen::Auto, replace;
    /// Branch name prefix.
    branch_prefix: String = "upkeep/".to_string(), replace;
    /// Extra prefix after branchPrefix.
    additional_branch_prefix: String = String::new(), replace;
    /// Last part of the branch name (None: built from the update).
    branch_topic: Option<String> = None, replace;
    /// Keep only letters, digits and hyphens in the branch topic.
    branch_name_strict: bool = false, replace;
    /// Conventional Commits.
    semantic_commits: SemanticCommits = SemanticCommits::Auto, replace;
    /// Conventional Commits type.
    semantic_commit_type: String = "chore".to_string(), replace;
    /// Conventional Commits scope.
    semantic_commit_scope: Option<String> = Some("deps".to_string()), replace;
    /// Whole commit message template (None: the built-in template).
    commit_message: Option<String> = None, replace;
    /// Commit message verb.
    commit_message_action: String = "Update".to_string(), replace;
    /// Commit message subject.
    commit_message_topic: String = "dependency {{depName}}".to_string(), replace;
    /// Text after the topic.
    commit_message_extra: Option<String> = None, replace;
    /// Text before the message.
    commit_message_prefix: Option<String> = None, replace;
    /// Text after the message.
    commit_message_suffix: Option<String> = None, replace;
    /// PR title template (None: the commit message).
    pr_title: Option<String> = None, replace;
    /// Commit body, after a blank line.
    commit_body: Option<String> = None, replace;
    /// Lower-case semantic commit titles.
    commit_message_lower_case: CommitMessageLowerCase = CommitMessageLowerCase::Auto, replace;
    /// Wait for dashboard approval.
    dependency_dashboard_approval: bool = false, replace;
    /// Registry URLs override.
    registry_urls: Option<Vec<String>> = None, replace;
}

impl Settings {
    /// `labels` followed by `addLabels`, without duplicates: the labels a PR gets.
    pub fn effective_labels(&self) -> Vec<String> {
        let mut labels = self.labels.clone();
        append(&mut labels, &self.add_labels);
        labels
    }
}

/// `automergeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutomergeType {
    /// Merge the PR.
    Pr,
    /// Push the branch to the base branch without a PR.
    Branch,
    /// Comment on the PR to trigger an external merge bot.
    PrComment,
}

/// `automergeStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutomergeStrategy {
    /// The platform's default method.
    Auto,
    /// Fast-forward the base branch (not every platform can for a PR).
    FastForward,
    /// A merge commit.
    MergeCommit,
    /// Rebase the PR's commits onto the base.
    Rebase,
    /// Squash the PR into one commit.
    Squash,
}

/// `prCreation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrCreation {
    /// Open the PR together with the branch.
    Immediate,
    /// Once the branch's checks are no longer pending (or `prNotPendingHours` passed).
    NotPending,
    /// Once the branch's checks pass.
    StatusSuccess,
    /// Once the PR is approved on the Dependency Dashboard.
    Approval,
}

/// `rangeStrategy`: the versioning crate's type, so lookup uses the parsed value as is.
pub use upkeep_versioning::RangeStrategy;

/// `vulnerabilityFixStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VulnerabilityFixStrategy {
    /// The lowest release that fixes every advisory and is itself unaffected.
    Lowest,
    /// The highest unaffected release.
    Highest,
}

/// `rebaseWhen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RebaseWhen {
    /// Conflicted, or behind when automerging or required by branch protection.
    Auto,
    /// Never rebase.
    Never,
    /// Only when conflicted.
    Conflicted,
    /// Whenever the base branch moves.
    BehindBaseBranch,
    /// When conflicted or, for automerging branches, behind.
    Automerging,
}

/// `recreateWhen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecreateWhen {
    /// Recreate closed PRs for groups and major updates only when… Renovate's default.
    Auto,
    /// Always recreate.
    Always,
    /// Never recreate.
    Never,
}

/// `commitMessageLowerCase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitMessageLowerCase {
    /// Lower-case the title when semantic commits are on.
    Auto,
    /// Leave the title as rendered.
    Never,
}

/// `semanticCommits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SemanticCommits {
    /// Detect from the repository's history.
    Auto,
    /// Always.
    Enabled,
    /// Never.
    Disabled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{self, Places};

    #[test]
    fn defaults_match_the_options_table() {
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        for name in Settings::option_names() {
            let option =
                options::find(&name).unwrap_or_else(|| panic!("{name} is not in the table"));
            assert!(
                option.places.contains(Places::RULE),
                "{name} must be allowed in packageRules"
            );
            let expected = option.default_value().unwrap_or(serde_json::Value::Null);
            assert_eq!(defaults[&name], expected, "default of {name}");
        }
    }

    #[test]
    fn every_rule_level_option_is_a_setting() {
        let names = Settings::option_names();
        let exempt = ["$schema", "description", "extends"];
        for option in options::OPTIONS {
            if option.places.contains(Places::RULE) && !exempt.contains(&option.name) {
                assert!(
                    names.iter().any(|n| n == option.name),
                    "{} has no Settings field",
                    option.name
                );
            }
        }
    }

    #[test]
    fn pull_request_options_keep_renovate_s_spelling() {
        let layer: SettingsLayer = serde_json::from_value(serde_json::json!({
            "draftPR": true, "prCreation": "not-pending", "automergeStrategy": "squash"
        }))
        .unwrap();
        let mut settings = Settings::default();
        let supplied = settings.apply(&layer);
        assert!(settings.draft_pr);
        assert_eq!(settings.pr_creation, PrCreation::NotPending);
        assert_eq!(settings.automerge_strategy, AutomergeStrategy::Squash);
        assert_eq!(supplied, ["automergeStrategy", "draftPR", "prCreation"]);
    }

    #[test]
    fn labels_replace_and_add_labels_merge() {
        let mut settings = Settings::default();
        let first: SettingsLayer =
            serde_json::from_value(serde_json::json!({"labels": ["a"], "addLabels": ["x"]}))
                .unwrap();
        let second: SettingsLayer =
            serde_json::from_value(serde_json::json!({"labels": ["b"], "addLabels": ["y", "x"]}))
                .unwrap();
        settings.apply(&first);
        let supplied = settings.apply(&second);
        assert_eq!(settings.labels, ["b"]);
        assert_eq!(settings.add_labels, ["x", "y"]);
        assert_eq!(settings.effective_labels(), ["b", "x", "y"]);
        assert_eq!(supplied, ["labels", "addLabels"]);
        let unset: SettingsLayer =
            serde_json::from_value(serde_json::json!({"groupName": null})).unwrap();
        settings.group_name = Some("g".into());
        settings.apply(&unset);
        assert_eq!(settings.group_name, None);
    }
}
