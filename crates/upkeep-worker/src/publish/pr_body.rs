//! The body of an update PR: what changes (a table with links from registry metadata),
//! which advisories it fixes, which lock files could not be refreshed, the settings that
//! apply to it, and a checkbox to rebase or retry it — then upkeep's hidden marker.
//!
//! The body must not change between runs unless the update does, or every run would
//! rewrite every PR: so the "Age" column shows the release date, not a relative age.

use std::fmt::Write;

use upkeep_types::{Branch, DependencyAdvisory, PlannedUpdate, UpdateType};

use super::limit::{BODY_LIMIT, fit};
use super::marker::with_marker;
use crate::apply::{ArtifactError, UpdateFailure};

/// The hidden comment on the rebase/retry checkbox.
pub const REBASE_CHECK: &str = "<!-- rebase-check -->";

/// The settings that apply to a PR, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrSettingsSummary {
    /// `schedule` as configured (empty or `at any time`: none).
    pub schedule: Vec<String>,
    /// The schedules' timezone.
    pub time_zone: String,
    /// `automergeType` when the PR automerges.
    pub automerge: Option<String>,
    /// `automergeSchedule` as configured.
    pub automerge_schedule: Vec<String>,
    /// `rebaseWhen`, as written.
    pub rebase_when: String,
    /// The PR is recreated if closed unmerged (a group under `recreateWhen: auto`, or
    /// `recreateWhen: always`).
    pub immortal: bool,
}

/// Everything a PR body shows.
#[derive(Debug, Clone, Copy)]
pub struct PrBodyInput<'a> {
    /// The planned branch.
    pub branch: &'a Branch,
    /// Advisories of each update's current version, in `branch.upgrades` order.
    pub advisories: &'a [Vec<DependencyAdvisory>],
    /// Lock files that could not be refreshed.
    pub artifact_errors: &'a [ArtifactError],
    /// Updates that could not be applied.
    pub update_errors: &'a [UpdateFailure],
    /// The settings that apply.
    pub settings: &'a PrSettingsSummary,
    /// The branch fingerprint, recorded in the marker.
    pub fingerprint: &'a str,
}

/// The PR body (within GitHub's limit), marker included.
pub fn render_pr_body(title: &str, input: &PrBodyInput<'_>) -> String {
    let visible = fit(&visible_body(input), BODY_LIMIT);
    with_marker(title, &visible, Some(input.fingerprint))
}

fn visible_body(input: &PrBodyInput<'_>) -> String {
    let mut out = String::new();
    let branch = input.branch;
    out.push_str("This PR contains the following updates:\n\n");
    out.push_str("| Package | Change | Type | Age | Links |\n|---|---|---|---|---|\n");
    for update in &branch.upgrades {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            package_cell(update),
            change_cell(update),
            update.update.update_type.map_or("", UpdateType::as_str),
            age_cell(update),
            links_cell(update),
        );
    }
    vulnerabilities(&mut out, input);
    problems(&mut out, input);
    configuration(&mut out, input.settings);
    out.push_str("\n---\n\n");
    let _ = writeln!(
        out,
        "- [ ] {REBASE_CHECK}If you want to rebase or retry this PR, tick this box"
    );
    out
}

/// `|` inside a table cell ends the cell: escape it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn package_cell(update: &PlannedUpdate) -> String {
    let name = cell(&update.dependency.dep_name);
    match update.source_url.as_deref().filter(|url| is_http(url)) {
        Some(url) => format!("[{name}]({url})"),
        None => format!("`{name}`"),
    }
}

fn short(digest: &str) -> String {
    let hex = digest.rsplit_once(':').map_or(digest, |(_, hex)| hex);
    hex.chars().take(7).collect()
}

fn change_cell(update: &PlannedUpdate) -> String {
    let dependency = &update.dependency;
    let new = &update.update;
    let (from, to) = if new.new_digest.is_some() && new.new_value == dependency.current_value {
        (
            dependency.current_digest.as_deref().map(short),
            new.new_digest.as_deref().map(short),
        )
    } else if new.is_lockfile_update || new.update_type == Some(UpdateType::LockfileUpdate) {
        (update.current_version.clone(), new.new_version.clone())
    } else {
        (
            dependency.current_value.clone(),
            new.new_value.clone().or_else(|| new.new_version.clone()),
        )
    };
    format!(
        "`{}` → `{}`",
        cell(from.as_deref().unwrap_or("?")),
        cell(to.as_deref().unwrap_or("?"))
    )
}

fn age_cell(update: &PlannedUpdate) -> String {
    update
        .update
        .release_timestamp
        .as_deref()
        .and_then(|t| t.get(..10))
        .map(|date| format!("released {date}"))
        .unwrap_or_default()
}

fn is_http(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn links_cell(update: &PlannedUpdate) -> String {
    let Some(source) = update.source_url.as_deref().filter(|url| is_http(url)) else {
        return String::new();
    };
    let source = source.trim_end_matches('/').trim_end_matches(".git");
    let mut links = vec![format!("[source]({source})")];
    if source.starts_with("https://github.com/") || source.starts_with("https://gitlab.com/") {
        links.push(format!("[release notes]({source}/releases)"));
    }
    links.join(" · ")
}

fn vulnerabilities(out: &mut String, input: &PrBodyInput<'_>) {
    let rows: Vec<(&PlannedUpdate, &DependencyAdvisory)> = input
        .branch
        .upgrades
        .iter()
        .zip(input.advisories)
        .flat_map(|(update, advisories)| advisories.iter().map(move |a| (update, a)))
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str(
        "\n### Vulnerabilities\n\nThis PR fixes these advisories of the current versions:\n\n",
    );
    out.push_str("| Advisory | Severity | Package | Summary | Fixed in |\n|---|---|---|---|---|\n");
    for (update, advisory) in rows {
        let id = match advisory.url.as_deref().filter(|url| is_http(url)) {
            Some(url) => format!("[{}]({url})", cell(&advisory.id)),
            None => cell(&advisory.id),
        };
        let aliases = if advisory.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", cell(&advisory.aliases.join(", ")))
        };
        let severity = match &advisory.score {
            Some(score) => format!("{} ({score})", advisory.severity),
            None => advisory.severity.clone(),
        };
        let fixed = update
            .update
            .new_version
            .clone()
            .or_else(|| advisory.fixed_in.first().cloned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {id}{aliases} | {severity} | `{}` | {} | `{}` |",
            cell(&update.dependency.dep_name),
            cell(advisory.summary.as_deref().unwrap_or("")),
            cell(&fixed),
        );
    }
}

fn problems(out: &mut String, input: &PrBodyInput<'_>) {
    if input.artifact_errors.is_empty() && input.update_errors.is_empty() {
        return;
    }
    out.push_str("\n### ⚠️ Problems\n\n");
    for error in input.artifact_errors {
        let _ = writeln!(
            out,
            "- The lock file `{}` could not be refreshed with `{}`; the manifest changes are in this PR:\n\n  ```\n  {}\n  ```",
            error.lock_file,
            error.tool,
            error.message.replace("```", "'''").replace('\n', "\n  ")
        );
    }
    for failure in input.update_errors {
        let _ = writeln!(
            out,
            "- `{}` in `{}` could not be updated: {}",
            failure.dep_name,
            failure.package_file,
            failure.message.replace('\n', " ")
        );
    }
}

fn schedule_text(schedule: &[String]) -> Option<String> {
    let real: Vec<&str> = schedule
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "at any time")
        .collect();
    (!real.is_empty()).then(|| format!("\"{}\"", real.join("\", \"")))
}

fn configuration(out: &mut String, settings: &PrSettingsSummary) {
    out.push_str("\n### Configuration\n\n");
    let schedule = match schedule_text(&settings.schedule) {
        Some(text) => format!("{text} in {}", settings.time_zone),
        None => "at any time (no schedule defined)".to_owned(),
    };
    let _ = writeln!(out, "📅 **Schedule**: {schedule}.\n");
    let automerge = match &settings.automerge {
        None => "disabled by config: merge this PR yourself when you are happy with it.".to_owned(),
        Some(kind) => {
            let when = match schedule_text(&settings.automerge_schedule) {
                Some(text) => format!(" during {text} in {}", settings.time_zone),
                None => String::new(),
            };
            format!("enabled ({kind}), once the checks pass{when}.")
        }
    };
    let _ = writeln!(out, "🚦 **Automerge**: {automerge}\n");
    let rebase = match settings.rebase_when.as_str() {
        "never" => "never: this PR is left as it is (rebaseWhen: never).",
        "behind-base-branch" => "whenever the base branch moves (rebaseWhen: behind-base-branch).",
        "conflicted" => "when it conflicts with the base branch (rebaseWhen: conflicted).",
        _ if settings.automerge.is_some() => {
            "whenever the base branch moves, so it can automerge (rebaseWhen: auto)."
        }
        _ => "when it conflicts with the base branch (rebaseWhen: auto).",
    };
    let _ = writeln!(out, "♻️ **Rebasing**: {rebase}\n");
    let ignore = if settings.immortal {
        "this PR is recreated if you close it without merging (recreateWhen); disable the update in the config to stop it."
    } else {
        "close this PR without merging and upkeep will not propose this update again."
    };
    let _ = writeln!(out, "🔕 **Ignore**: {ignore}");
}

/// Whether a PR body has its rebase/retry checkbox ticked.
pub fn rebase_requested(body: &str) -> bool {
    body.lines().any(|line| {
        let line = line.trim_start();
        (line.starts_with("- [x]") || line.starts_with("- [X]")) && line.contains(REBASE_CHECK)
    })
}

#[cfg(test)]
mod tests;
