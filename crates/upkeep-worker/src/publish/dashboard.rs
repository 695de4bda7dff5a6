//! The Dependency Dashboard issue (`dependencyDashboard`): one issue per repository
//! listing every branch that is not simply open — and the open ones — with checkboxes a
//! user ticks to act on the next run, plus what went wrong and what was detected.
//!
//! Each checkbox carries a hidden comment `<!-- upkeep-ACTION=BRANCH -->`; [`read_requests`]
//! reads the ticked ones back. Acting on a request changes the branch's state, so the
//! next rendering no longer shows the box ticked; the issue is written only when its
//! text changes.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::limit::{BODY_LIMIT, fit};
use super::marker::with_marker;

/// What a ticked box asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Create a branch waiting for approval (`dependencyDashboardApproval`).
    Approve,
    /// Create a branch held by its schedule or a limit now.
    Create,
    /// Open the PR of a branch waiting for approval (`prCreation: approval`).
    ApprovePr,
    /// Rebuild a branch that failed.
    Retry,
    /// Rebase an open PR's branch.
    Rebase,
    /// Recreate a PR that was closed without merging.
    Recreate,
}

impl Action {
    fn id(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Create => "create",
            Action::ApprovePr => "approve-pr",
            Action::Retry => "retry",
            Action::Rebase => "rebase",
            Action::Recreate => "recreate",
        }
    }

    fn parse(id: &str) -> Option<Action> {
        [
            Action::Approve,
            Action::Create,
            Action::ApprovePr,
            Action::Retry,
            Action::Rebase,
            Action::Recreate,
        ]
        .into_iter()
        .find(|action| action.id() == id)
    }
}

/// The dashboard's sections, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Waiting for `dependencyDashboardApproval`.
    PendingApproval,
    /// Outside their schedule.
    AwaitingSchedule,
    /// Held back by `prHourlyLimit`, `prConcurrentLimit`, `branchConcurrentLimit`.
    RateLimited,
    /// Waiting for `minimumReleaseAge`.
    PendingReleaseAge,
    /// Branches whose PR waits for `prCreation` (checks, approval).
    PendingPr,
    /// Branches that failed this run.
    Errored,
    /// Open PRs.
    Open,
    /// Closed without merging: ignored.
    Ignored,
}

impl Section {
    fn heading(self) -> &'static str {
        match self {
            Section::PendingApproval => "Pending Approval",
            Section::AwaitingSchedule => "Awaiting Schedule",
            Section::RateLimited => "Rate-Limited",
            Section::PendingReleaseAge => "Pending Release Age",
            Section::PendingPr => "Pending PR Creation",
            Section::Errored => "Errored",
            Section::Open => "Open",
            Section::Ignored => "Ignored or Blocked",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Section::PendingApproval => "These branches will be created once you tick their box.",
            Section::AwaitingSchedule => {
                "These updates wait for their schedule. Tick a box to create the branch now."
            }
            Section::RateLimited => {
                "These updates are held back by a rate limit. Tick a box to create the branch now."
            }
            Section::PendingReleaseAge => {
                "These releases are younger than `minimumReleaseAge`; they are proposed once they are old enough."
            }
            Section::PendingPr => {
                "These branches exist; their PR waits for `prCreation`. Tick a box to open the PR now."
            }
            Section::Errored => "These updates failed this run. Tick a box to retry one.",
            Section::Open => "These PRs are open. Tick a box to rebase or retry one.",
            Section::Ignored => {
                "These PRs were closed without merging and will not be recreated unless you tick their box."
            }
        }
    }

    fn action(self) -> Option<Action> {
        match self {
            Section::PendingApproval => Some(Action::Approve),
            Section::AwaitingSchedule | Section::RateLimited => Some(Action::Create),
            Section::PendingReleaseAge => None,
            Section::PendingPr => Some(Action::ApprovePr),
            Section::Errored => Some(Action::Retry),
            Section::Open => Some(Action::Rebase),
            Section::Ignored => Some(Action::Recreate),
        }
    }
}

/// One branch on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardItem {
    /// Where it is listed.
    pub section: Section,
    /// The branch.
    pub branch_name: String,
    /// The PR title (or the planned one).
    pub title: String,
    /// Its PR, when it has one.
    pub pr: Option<u64>,
    /// A short reason (`next window opens at …`, the error).
    pub detail: Option<String>,
}

/// One vulnerable dependency, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardVulnerability {
    /// The dependency.
    pub dep_name: String,
    /// Its file.
    pub package_file: String,
    /// Its current version.
    pub current: String,
    /// Advisory ids with severity (`GHSA-… (high)`).
    pub advisories: Vec<String>,
    /// The fix upkeep proposes, if any.
    pub fix: Option<String>,
}

/// Dependencies detected in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedFile {
    /// The manager.
    pub manager: String,
    /// The file.
    pub package_file: String,
    /// `name value` per dependency.
    pub dependencies: Vec<String>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardInput {
    /// `dependencyDashboardHeader`.
    pub header: Option<String>,
    /// `dependencyDashboardFooter`.
    pub footer: Option<String>,
    /// Branches, any order (sorted by section when rendered).
    pub items: Vec<DashboardItem>,
    /// Lookup failures, config warnings, unknown options, in words.
    pub problems: Vec<String>,
    /// Vulnerable dependencies.
    pub vulnerabilities: Vec<DashboardVulnerability>,
    /// Detected dependencies per file.
    pub detected: Vec<DetectedFile>,
}

/// The dashboard body (within GitHub's limit), marker included.
pub fn render_dashboard(title: &str, input: &DashboardInput) -> String {
    let visible = fit(&visible_body(input), BODY_LIMIT);
    with_marker(title, &visible, None)
}

fn visible_body(input: &DashboardInput) -> String {
    let mut out = String::new();
    match &input.header {
        Some(header) => {
            out.push_str(header.trim_end());
            out.push_str("\n\n");
        }
        None => out.push_str(
            "This issue lists the updates upkeep found and what happens to each. Tick a box to act on the next run.\n\n",
        ),
    }
    if !input.problems.is_empty() {
        out.push_str("## Problems\n\nupkeep ran into these problems in this repository:\n\n");
        for problem in &input.problems {
            let _ = writeln!(out, "- {}", problem.replace('\n', " "));
        }
        out.push('\n');
    }
    let mut items: Vec<&DashboardItem> = input.items.iter().collect();
    items.sort_by(|a, b| (a.section, &a.title).cmp(&(b.section, &b.title)));
    for section in items.chunk_by(|a, b| a.section == b.section) {
        let kind = section[0].section;
        let _ = writeln!(out, "## {}\n\n{}\n", kind.heading(), kind.explanation());
        for item in section {
            out.push_str(&item_line(item));
            out.push('\n');
        }
        out.push('\n');
    }
    if input.items.is_empty() {
        out.push_str("No updates are pending: every dependency is current.\n\n");
    }
    if !input.vulnerabilities.is_empty() {
        out.push_str("## Vulnerabilities\n\n| Package | File | Version | Advisories | Fix |\n|---|---|---|---|---|\n");
        for v in &input.vulnerabilities {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{}` | {} | {} |",
                v.dep_name,
                v.package_file,
                v.current,
                v.advisories.join(", ").replace('|', "\\|"),
                v.fix
                    .as_deref()
                    .map_or("no fixed version".to_owned(), |f| format!("`{f}`")),
            );
        }
        out.push('\n');
    }
    if !input.detected.is_empty() {
        out.push_str("## Detected Dependencies\n\n");
        for file in &input.detected {
            let _ = writeln!(
                out,
                "<details><summary>{} <code>{}</code></summary>\n",
                file.manager, file.package_file
            );
            for dependency in &file.dependencies {
                let _ = writeln!(out, "- `{dependency}`");
            }
            out.push_str("\n</details>\n\n");
        }
    }
    if let Some(footer) = &input.footer {
        out.push_str("---\n\n");
        out.push_str(footer.trim_end());
        out.push('\n');
    }
    out
}

fn item_line(item: &DashboardItem) -> String {
    let mut line = match item.section.action() {
        Some(action) => format!(
            "- [ ] <!-- upkeep-{}={} -->{}",
            action.id(),
            item.branch_name,
            item.title
        ),
        None => format!("- {}", item.title),
    };
    if let Some(number) = item.pr {
        let _ = write!(line, " (#{number})");
    }
    if let Some(detail) = &item.detail {
        let _ = write!(line, ": {}", detail.replace('\n', " "));
    }
    line
}

/// The boxes ticked on the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardRequests {
    /// `(action, branch)` pairs.
    pub ticked: BTreeSet<(Action, String)>,
}

impl DashboardRequests {
    /// Whether `action` was requested for `branch`.
    pub fn has(&self, action: Action, branch: &str) -> bool {
        self.ticked.contains(&(action, branch.to_owned()))
    }

    /// The branches with `action` requested.
    pub fn branches(&self, action: Action) -> BTreeSet<String> {
        self.ticked
            .iter()
            .filter(|(a, _)| *a == action)
            .map(|(_, branch)| branch.clone())
            .collect()
    }
}

/// Reads the ticked boxes of a dashboard body.
pub fn read_requests(body: &str) -> DashboardRequests {
    let mut requests = DashboardRequests::default();
    for line in body.lines() {
        let line = line.trim_start();
        let Some(rest) = line
            .strip_prefix("- [x] ")
            .or_else(|| line.strip_prefix("- [X] "))
        else {
            continue;
        };
        let Some(rest) = rest.strip_prefix("<!-- upkeep-") else {
            continue;
        };
        let Some((tag, _)) = rest.split_once(" -->") else {
            continue;
        };
        let Some((action, branch)) = tag.split_once('=') else {
            continue;
        };
        if let Some(action) = Action::parse(action)
            && !branch.is_empty()
        {
            requests.ticked.insert((action, branch.to_owned()));
        }
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(section: Section, branch: &str, title: &str, pr: Option<u64>) -> DashboardItem {
        DashboardItem {
            section,
            branch_name: branch.to_owned(),
            title: title.to_owned(),
            pr,
            detail: None,
        }
    }

    fn sample() -> DashboardInput {
        DashboardInput {
            header: None,
            footer: Some("Managed by upkeep.".to_owned()),
            items: vec![
                item(Section::Open, "upkeep/a-1.x", "Update a to v1.2.0", Some(4)),
                item(
                    Section::PendingApproval,
                    "upkeep/major-b",
                    "Update b to v3",
                    None,
                ),
                DashboardItem {
                    detail: Some("next window opens at 2024-05-06T05:00:00Z".to_owned()),
                    ..item(
                        Section::AwaitingSchedule,
                        "upkeep/c-2.x",
                        "Update c to v2.1.0",
                        None,
                    )
                },
                item(
                    Section::RateLimited,
                    "upkeep/d-1.x",
                    "Update d to v1.9.0",
                    None,
                ),
                item(
                    Section::PendingReleaseAge,
                    "upkeep/e-1.x",
                    "Update e to v1.0.1",
                    None,
                ),
                DashboardItem {
                    detail: Some("git push failed".to_owned()),
                    ..item(Section::Errored, "upkeep/f-1.x", "Update f to v1.1.0", None)
                },
                item(Section::Ignored, "upkeep/g-5.x", "Update g to v5", Some(2)),
                item(
                    Section::PendingPr,
                    "upkeep/h-1.x",
                    "Update h to v1.0.2",
                    None,
                ),
            ],
            problems: vec![
                "renovate.json: warning: `lockFileMaintenance`: not acted on yet".to_owned(),
                "registry.npmjs.org: connection refused (npm:e, npm:f)".to_owned(),
            ],
            vulnerabilities: vec![DashboardVulnerability {
                dep_name: "lodash".to_owned(),
                package_file: "package.json".to_owned(),
                current: "4.17.20".to_owned(),
                advisories: vec!["GHSA-35jh-r3h4-6jhm (high)".to_owned()],
                fix: Some("4.17.21".to_owned()),
            }],
            detected: vec![DetectedFile {
                manager: "npm".to_owned(),
                package_file: "package.json".to_owned(),
                dependencies: vec!["a 1.0.0".to_owned(), "lodash 4.17.20".to_owned()],
            }],
        }
    }

    #[test]
    fn every_section_in_order_with_its_checkboxes() {
        insta::assert_snapshot!(render_dashboard("Dependency Dashboard", &sample()));
    }

    #[test]
    fn ticked_boxes_are_read_back() {
        let body = render_dashboard("Dependency Dashboard", &sample());
        assert_eq!(read_requests(&body), DashboardRequests::default());
        let ticked = body
            .replace(
                "- [ ] <!-- upkeep-approve=upkeep/major-b -->",
                "- [x] <!-- upkeep-approve=upkeep/major-b -->",
            )
            .replace(
                "- [ ] <!-- upkeep-create=upkeep/d-1.x -->",
                "- [X] <!-- upkeep-create=upkeep/d-1.x -->",
            )
            .replace(
                "- [ ] <!-- upkeep-recreate=upkeep/g-5.x -->",
                "  - [x] <!-- upkeep-recreate=upkeep/g-5.x -->",
            );
        let requests = read_requests(&ticked);
        let expected: BTreeSet<(Action, String)> = [
            (Action::Approve, "upkeep/major-b".to_owned()),
            (Action::Create, "upkeep/d-1.x".to_owned()),
            (Action::Recreate, "upkeep/g-5.x".to_owned()),
        ]
        .into();
        assert_eq!(requests.ticked, expected);
        assert!(requests.has(Action::Create, "upkeep/d-1.x"));
        assert!(!requests.has(Action::Retry, "upkeep/f-1.x"));
    }

    #[test]
    fn unknown_actions_and_prose_are_not_requests() {
        let requests = read_requests(
            "- [x] <!-- upkeep-explode=upkeep/a -->\n- [x] just text\n- [x] <!-- upkeep-retry= -->",
        );
        assert!(requests.ticked.is_empty());
    }

    #[test]
    fn a_repository_with_nothing_pending_says_so() {
        let body = render_dashboard("Dependency Dashboard", &DashboardInput::default());
        assert!(body.contains("every dependency is current"));
    }
}
