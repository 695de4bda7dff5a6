//! Per-candidate preparation: drop disabled updates, apply the defaults Renovate gives
//! vulnerability fixes and pins, and note which rules a candidate bypasses.
//!
//! `vulnerabilityAlerts` defaults (issue 5, Renovate's `vulnerabilityAlerts` docs):
//! no group (own branch), no schedule, no `minimumReleaseAge`, no dashboard approval,
//! exempt from every limit, label `security`, and a `[SECURITY]` title prefix. Each
//! default yields to the same option set *inside* the `vulnerabilityAlerts` object
//! (`Explanation::sources` says where an option came from); limits are always bypassed,
//! as Renovate documents ("vulnerability alerts skip the line").

use upkeep_types::UpdateType;

use super::Candidate;

/// The prefix of a vulnerability fix's PR title and commit subject.
pub const SECURITY_MARKER: &str = "[SECURITY]";

/// The `vulnerabilityAlerts` layer's name in `Explanation::sources`.
const VULNERABILITY_LAYER: &str = "vulnerabilityAlerts";

/// A candidate with what planning derived from it.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub candidate: Candidate,
    /// `groupName` after defaults (pins, vulnerability fixes) and monorepo detection.
    pub group_name: Option<String>,
    /// `groupSlug` as configured (None: slug of the group name).
    pub group_slug: Option<String>,
    /// Whether the group came from monorepo detection.
    pub monorepo: bool,
    /// A vulnerability fix (schedule, age and limits may be bypassed).
    pub is_vulnerability_fix: bool,
    /// Schedules do not apply.
    pub bypass_schedule: bool,
    /// `minimumReleaseAge` does not apply.
    pub bypass_release_age: bool,
    /// The title gets [`SECURITY_MARKER`].
    pub security_marker: bool,
    /// The branch topic is the vulnerability one (`{datasource}-{dep}-vulnerability`).
    pub vulnerability_topic: bool,
}

impl Prepared {
    /// Whether the configuration set `option` (anywhere).
    pub fn configured(&self, option: &str) -> bool {
        self.candidate.configured.contains_key(option)
    }

    fn from_vulnerability_alerts(candidate: &Candidate, option: &str) -> bool {
        candidate.configured.get(option).map(String::as_str) == Some(VULNERABILITY_LAYER)
    }
}

/// Drops disabled candidates and applies the defaults.
pub(super) fn prepare(candidates: Vec<Candidate>) -> Vec<Prepared> {
    candidates
        .into_iter()
        .filter(|candidate| candidate.settings.enabled)
        .map(prepare_one)
        .collect()
}

fn prepare_one(mut candidate: Candidate) -> Prepared {
    let vulnerable = candidate.update.is_vulnerability_fix;
    let own = |option: &str| Prepared::from_vulnerability_alerts(&candidate, option);
    let keep_group = !vulnerable || own("groupName");
    let bypass_schedule = vulnerable && !own("schedule");
    let bypass_release_age = vulnerable && !own("minimumReleaseAge");
    let security_marker = vulnerable && !own("commitMessagePrefix") && !own("commitMessageSuffix");
    let security_label = vulnerable && !own("labels") && !own("addLabels");
    let vulnerability_topic = vulnerable && !own("branchTopic");
    if vulnerable && !own("dependencyDashboardApproval") {
        candidate.settings.dependency_dashboard_approval = false;
    }
    if security_label
        && !candidate
            .settings
            .add_labels
            .iter()
            .any(|l| l == "security")
    {
        candidate.settings.add_labels.push("security".to_owned());
    }
    let (mut group_name, mut group_slug) = if keep_group {
        (
            candidate.settings.group_name.clone(),
            candidate.settings.group_slug.clone(),
        )
    } else {
        (None, None)
    };
    let is_pin = matches!(
        candidate.update.update_type,
        Some(UpdateType::Pin | UpdateType::PinDigest)
    );
    if is_pin && !vulnerable && !candidate.configured.contains_key("groupName") {
        // Renovate's `pin` and `pinDigest` defaults: one "Pin Dependencies" branch.
        group_name = Some("Pin Dependencies".to_owned());
        group_slug = Some("pin-dependencies".to_owned());
    }
    Prepared {
        candidate,
        group_slug,
        monorepo: false,
        is_vulnerability_fix: vulnerable,
        bypass_schedule,
        bypass_release_age,
        security_marker,
        // A fix that its `vulnerabilityAlerts` object put in a group uses the group's topic.
        vulnerability_topic: vulnerability_topic && group_name.is_none(),
        group_name,
    }
}
