//! Onboarding (`onboarding`, `requireConfig`, `onboardingBranch`, `onboardingConfig`,
//! `onboardingConfigFileName`, `onboardingPrTitle`): a repository without config gets
//! one PR adding it, whose body previews the PRs that would follow. Nothing else happens
//! there until it is merged; closing it unmerged means "leave this repository alone".

use std::fmt::Write;

use serde_json::{Map, Value};
use upkeep_config::global::{GlobalConfig, RequireConfig};
use upkeep_platform::{PrState, PullRequest};
use upkeep_types::Branch;

use super::limit::{BODY_LIMIT, fit};
use super::marker::with_marker;

/// The onboarding options, with upkeep's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Onboarding {
    /// `onboarding`.
    pub enabled: bool,
    /// `requireConfig`.
    pub require_config: RequireConfig,
    /// `onboardingBranch`.
    pub branch: String,
    /// `onboardingConfig`.
    pub config: Map<String, Value>,
    /// `onboardingConfigFileName`.
    pub file_name: String,
    /// `onboardingPrTitle`.
    pub pr_title: String,
}

impl Default for Onboarding {
    fn default() -> Onboarding {
        Onboarding::from_global(&GlobalConfig::default())
    }
}

impl Onboarding {
    /// The bot config's onboarding options.
    pub fn from_global(global: &GlobalConfig) -> Onboarding {
        let config = global.onboarding_config.clone().unwrap_or_else(|| {
            let mut config = Map::new();
            config.insert(
                "extends".to_owned(),
                Value::Array(vec![Value::String("config:recommended".to_owned())]),
            );
            config
        });
        Onboarding {
            enabled: global.onboarding.unwrap_or(true),
            require_config: global.require_config,
            branch: global
                .onboarding_branch
                .clone()
                .unwrap_or_else(|| "upkeep/configure".to_owned()),
            config,
            file_name: global
                .onboarding_config_file_name
                .clone()
                .unwrap_or_else(|| "renovate.json".to_owned()),
            pr_title: global
                .onboarding_pr_title
                .clone()
                .unwrap_or_else(|| "Configure upkeep".to_owned()),
        }
    }

    /// The config file the onboarding PR adds.
    pub fn file_text(&self) -> String {
        let mut config = Map::new();
        config.insert(
            "$schema".to_owned(),
            Value::String("https://docs.renovatebot.com/renovate-schema.json".to_owned()),
        );
        for (key, value) in &self.config {
            config.insert(key.clone(), value.clone());
        }
        let text = serde_json::to_string_pretty(&Value::Object(config)).unwrap_or_default();
        format!("{text}\n")
    }
}

/// What to do with a repository that has no config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnboardingDecision {
    /// Run with the bot's defaults (`requireConfig: optional` without onboarding, or
    /// `ignored`).
    RunWithDefaults,
    /// Open or update the onboarding PR, and do nothing else.
    Onboard,
    /// Leave the repository alone, for this reason.
    Skip(String),
}

/// The decision for a repository without config, from its onboarding PRs (newest first).
pub fn decide_onboarding(onboarding: &Onboarding, prs: &[PullRequest]) -> OnboardingDecision {
    if onboarding.require_config == RequireConfig::Ignored {
        return OnboardingDecision::RunWithDefaults;
    }
    let latest = prs.iter().find(|pr| pr.branch_name == onboarding.branch);
    match latest.map(|pr| pr.state) {
        Some(PrState::Closed) => {
            return OnboardingDecision::Skip(format!(
                "the onboarding PR #{} was closed without merging",
                latest.map_or(0, |pr| pr.number)
            ));
        }
        Some(PrState::Merged) if onboarding.require_config == RequireConfig::Required => {
            return OnboardingDecision::Skip(
                "the onboarding PR was merged but the repository has no config any more (requireConfig: required)".to_owned(),
            );
        }
        Some(PrState::Merged) => return OnboardingDecision::RunWithDefaults,
        _ => {}
    }
    match (onboarding.enabled, onboarding.require_config) {
        (true, _) => OnboardingDecision::Onboard,
        (false, RequireConfig::Required) => OnboardingDecision::Skip(
            "the repository has no config (requireConfig: required, onboarding: false)".to_owned(),
        ),
        (false, _) => OnboardingDecision::RunWithDefaults,
    }
}

/// What the onboarding PR shows.
#[derive(Debug, Clone, Copy)]
pub struct OnboardingInput<'a> {
    /// The onboarding options.
    pub onboarding: &'a Onboarding,
    /// Package files found, as `(manager, path)`.
    pub package_files: &'a [(String, String)],
    /// The branches the proposed config would lead to (ready or held).
    pub branches: &'a [Branch],
    /// Problems with the proposed config or the lookup.
    pub warnings: &'a [String],
    /// The branch fingerprint, recorded in the marker.
    pub fingerprint: &'a str,
}

/// The onboarding PR body (within GitHub's limit), marker included.
pub fn render_onboarding_body(input: &OnboardingInput<'_>) -> String {
    let mut out = String::new();
    let file = &input.onboarding.file_name;
    let _ = writeln!(
        out,
        "Welcome to upkeep! It keeps this repository's dependencies current and secure. This PR adds `{file}`; merge it to turn upkeep on, or close it to leave this repository alone.\n"
    );
    out.push_str("### Detected package files\n\n");
    if input.package_files.is_empty() {
        out.push_str("No package file upkeep knows was found.\n");
    }
    for (manager, path) in input.package_files {
        let _ = writeln!(out, "- `{path}` ({manager})");
    }
    out.push_str("\n### Configuration\n\n");
    let _ = writeln!(
        out,
        "```json\n{}```\n\nEdit `{file}` in this branch to change what upkeep does; this PR is updated on the next run.\n",
        input.onboarding.file_text()
    );
    out.push_str("### What to expect\n\n");
    if input.branches.is_empty() {
        out.push_str("With this config, every dependency is already current: upkeep will not open any PR now.\n");
    } else {
        let _ = writeln!(
            out,
            "With this config, upkeep will open {} PR{}:\n",
            input.branches.len(),
            if input.branches.len() == 1 { "" } else { "s" }
        );
    }
    for branch in input.branches {
        let _ = writeln!(
            out,
            "<details>\n<summary>{}</summary>\n\n- Branch: `{}`",
            branch.pr_title, branch.branch_name
        );
        for update in &branch.upgrades {
            let from = update
                .dependency
                .current_value
                .as_deref()
                .or(update.current_version.as_deref())
                .unwrap_or("?");
            let to = update
                .update
                .new_value
                .as_deref()
                .or(update.update.new_version.as_deref())
                .or(update.update.new_digest.as_deref())
                .unwrap_or("?");
            let _ = writeln!(
                out,
                "- Updates `{}` in `{}` from `{from}` to `{to}`",
                update.dependency.dep_name, update.package_file
            );
        }
        if let Some(reason) = &branch.reason {
            let _ = writeln!(out, "- Not right away: {reason}");
        }
        out.push_str("\n</details>\n\n");
    }
    if !input.warnings.is_empty() {
        out.push_str("### ⚠️ Warnings\n\n");
        for warning in input.warnings {
            let _ = writeln!(out, "- {}", warning.replace('\n', " "));
        }
    }
    let visible = fit(&out, BODY_LIMIT);
    with_marker(
        &input.onboarding.pr_title,
        &visible,
        Some(input.fingerprint),
    )
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use upkeep_types::UpdateType;

    use super::*;
    use crate::publish::test_support::{branch, planned};

    fn pr(branch: &str, state: PrState) -> PullRequest {
        PullRequest {
            number: 1,
            node_id: "n".to_owned(),
            branch_name: branch.to_owned(),
            head_sha: "h".to_owned(),
            base_branch: "main".to_owned(),
            title: "Configure upkeep".to_owned(),
            body: String::new(),
            state,
            draft: false,
            labels: Vec::new(),
            created_at: Timestamp::UNIX_EPOCH,
            closed_at: None,
            auto_merge: false,
            html_url: String::new(),
        }
    }

    #[test]
    fn decisions_for_a_repository_without_config() {
        let onboarding = Onboarding::default();
        let optional = Onboarding {
            require_config: RequireConfig::Optional,
            enabled: false,
            ..Onboarding::default()
        };
        let off = Onboarding {
            enabled: false,
            ..Onboarding::default()
        };
        let ignored = Onboarding {
            require_config: RequireConfig::Ignored,
            ..Onboarding::default()
        };
        let closed = [pr("upkeep/configure", PrState::Closed)];
        let open = [pr("upkeep/configure", PrState::Open)];
        let merged = [pr("upkeep/configure", PrState::Merged)];
        let cases: [(&Onboarding, &[PullRequest], bool); 7] = [
            (&onboarding, &[], true),
            (&onboarding, &open, true),
            (&onboarding, &closed, false),
            (&onboarding, &merged, false),
            (&off, &[], false),
            (&optional, &[], false),
            (&ignored, &closed, false),
        ];
        let decisions: Vec<OnboardingDecision> = cases
            .iter()
            .map(|(o, prs, _)| decide_onboarding(o, prs))
            .collect();
        assert_eq!(decisions[0], OnboardingDecision::Onboard);
        assert_eq!(decisions[1], OnboardingDecision::Onboard);
        assert!(matches!(&decisions[2], OnboardingDecision::Skip(why) if why.contains("closed")));
        assert!(matches!(&decisions[3], OnboardingDecision::Skip(_)));
        assert!(
            matches!(&decisions[4], OnboardingDecision::Skip(why) if why.contains("onboarding: false"))
        );
        assert_eq!(decisions[5], OnboardingDecision::RunWithDefaults);
        assert_eq!(decisions[6], OnboardingDecision::RunWithDefaults);
    }

    #[test]
    fn the_proposed_file_is_config_recommended() {
        let text = Onboarding::default().file_text();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["extends"][0], "config:recommended");
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn the_body_previews_the_prs_that_would_follow() {
        let onboarding = Onboarding::default();
        let mut held = branch(
            "upkeep/major-b",
            "Update dependency b to v3",
            vec![planned("b", "2.0.0", "3.0.0", UpdateType::Major)],
        );
        held.reason = Some("outside its schedule (before 5am) in UTC".to_owned());
        let branches = [
            branch(
                "upkeep/a-1.x",
                "Update dependency a to v1.2.0",
                vec![planned("a", "1.0.0", "1.2.0", UpdateType::Minor)],
            ),
            held,
        ];
        let body = render_onboarding_body(&OnboardingInput {
            onboarding: &onboarding,
            package_files: &[("npm".to_owned(), "package.json".to_owned())],
            branches: &branches,
            warnings: &["renovate.json: unknown option `automergee`".to_owned()],
            fingerprint: "abcd",
        });
        insta::assert_snapshot!(body);
    }
}
