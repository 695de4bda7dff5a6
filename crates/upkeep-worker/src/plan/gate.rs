//! What happens to each branch this run: dashboard approval, schedule, then limits, in
//! Renovate's processing order.
//!
//! Order (docs, `prPriority` and `vulnerabilityAlerts`): vulnerability fixes first
//! ("skip the line"), then higher `prPriority`, then the smaller update first —
//! `pinDigest`, `pin`, `digest`, `patch`, `minor`, `major` — then by PR title.
//!
//! - `dependencyDashboardApproval`: a new branch waits until it is approved.
//! - `schedule` (in `timezone`): outside it a new branch is not created; an existing one
//!   is kept current when `updateNotScheduled` is true (the default), else left alone.
//! - limits, for new branches only (existing branches are kept current whatever the
//!   counts): `prHourlyLimit` counts PRs created since the start of the current clock
//!   hour, `prConcurrentLimit` open PRs, `branchConcurrentLimit` existing branches
//!   (unset: `prConcurrentLimit`); 0 means no limit. Each branch created in this run
//!   counts towards the next. A branch whose updates disagree uses the strictest limit.
//! - vulnerability fixes bypass schedule and limits (they still count).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use upkeep_config::{AutomergeType, Settings};
use upkeep_types::{
    Branch, BranchState, LeftOutUpdate, LimitState, PlannedUpdate, ScheduleState, UpdateType,
};

use super::PlanContext;
use super::candidate::Prepared;
use super::group::BranchDraft;

/// Orders the drafts and decides each branch's state.
pub(super) fn decide(mut drafts: Vec<BranchDraft>, context: &PlanContext) -> Vec<Branch> {
    drafts.sort_by(|a, b| {
        let key = |d: &BranchDraft| (!is_vulnerability_fix(d), -pr_priority(d), type_rank(d));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.pr_title.cmp(&b.pr_title))
    });
    let repository = &context.repository;
    let hour_start = hour_start(context.now, &context.time_zone);
    let mut counts = Counts {
        created_this_hour: repository
            .pr_created_at
            .iter()
            .filter(|t| **t >= hour_start)
            .count(),
        open_prs: repository.branches.iter().filter(|b| b.pr_open).count(),
        branches: repository.branches.len(),
    };
    drafts
        .into_iter()
        .map(|draft| decide_one(draft, context, &mut counts))
        .collect()
}

struct Counts {
    created_this_hour: usize,
    open_prs: usize,
    branches: usize,
}

fn decide_one(draft: BranchDraft, context: &PlanContext, counts: &mut Counts) -> Branch {
    let repository = &context.repository;
    let exists = repository
        .branches
        .iter()
        .any(|b| b.branch_name == draft.branch_name);
    let mut branch = skeleton(&draft, exists);
    if draft.members.is_empty() {
        let state = if draft
            .left_out
            .iter()
            .all(|l| l.state == BranchState::NotApplicable)
        {
            BranchState::NotApplicable
        } else {
            BranchState::PendingReleaseAge
        };
        branch.upgrades = draft
            .left_out
            .iter()
            .map(|l| planned(&l.prepared))
            .collect();
        branch.left_out.clear();
        let reasons: Vec<&str> = draft.left_out.iter().map(|l| l.reason.as_str()).collect();
        return held(branch, state, reasons.join("; "), LimitState::NotCounted);
    }
    let members = &draft.members;
    let primary = &members[0].candidate.settings;
    let bypass_schedule = members.iter().any(|m| m.bypass_schedule);
    branch.schedule = schedule_state(primary, bypass_schedule, exists, context);
    let needs_approval = members
        .iter()
        .any(|m| m.candidate.settings.dependency_dashboard_approval);
    if needs_approval && !exists && !repository.approved.contains(&branch.branch_name) {
        let reason = "waits for approval on the Dependency Dashboard (dependencyDashboardApproval)";
        return held(
            branch,
            BranchState::AwaitingApproval,
            reason.into(),
            LimitState::NotCounted,
        );
    }
    if let ScheduleState::NotScheduled { next_window } = &branch.schedule {
        let mut reason = format!(
            "outside its schedule ({}) in {}",
            primary.schedule.sources().join(", "),
            context.time_zone.iana_name().unwrap_or("UTC")
        );
        if exists {
            reason
                .push_str("; updateNotScheduled is false, so the existing branch is left as it is");
        }
        if let Some(next) = next_window {
            reason.push_str(&format!("; next window opens at {next}"));
        }
        return held(
            branch,
            BranchState::NotScheduled,
            reason,
            LimitState::NotCounted,
        );
    }
    if members.iter().any(|m| m.is_vulnerability_fix) {
        if !exists {
            counts.add(creates_pr(members));
        }
        branch.limits = LimitState::Bypassed;
        return branch;
    }
    if exists {
        branch.limits = LimitState::Existing;
        return branch;
    }
    match reached_limit(members, counts) {
        Some((limit, value)) => {
            let reason = format!("{limit} ({value}) reached");
            let limits = LimitState::Reached {
                limit: limit.to_owned(),
                value,
            };
            held(branch, BranchState::RateLimited, reason, limits)
        }
        None => {
            counts.add(creates_pr(members));
            branch
        }
    }
}

impl Counts {
    fn add(&mut self, pr: bool) {
        self.branches += 1;
        if pr {
            self.open_prs += 1;
            self.created_this_hour += 1;
        }
    }
}

fn held(mut branch: Branch, state: BranchState, reason: String, limits: LimitState) -> Branch {
    branch.state = state;
    branch.reason = Some(reason);
    branch.limits = limits;
    branch
}

/// The first limit a new branch would exceed, if any.
fn reached_limit(members: &[Prepared], counts: &Counts) -> Option<(&'static str, u32)> {
    let strictest = |value: fn(&Settings) -> u32| {
        members
            .iter()
            .map(|m| value(&m.candidate.settings))
            .filter(|limit| *limit > 0)
            .min()
    };
    let hourly = strictest(|s| s.pr_hourly_limit);
    let concurrent = strictest(|s| s.pr_concurrent_limit);
    let branches = strictest(|s| s.branch_concurrent_limit.unwrap_or(s.pr_concurrent_limit));
    let pr = creates_pr(members);
    if pr && let Some(limit) = hourly.filter(|l| counts.created_this_hour >= *l as usize) {
        return Some(("prHourlyLimit", limit));
    }
    if pr && let Some(limit) = concurrent.filter(|l| counts.open_prs >= *l as usize) {
        return Some(("prConcurrentLimit", limit));
    }
    if let Some(limit) = branches.filter(|l| counts.branches >= *l as usize) {
        return Some(("branchConcurrentLimit", limit));
    }
    None
}

/// A branch gets a PR unless every update automerges as a branch.
fn creates_pr(members: &[Prepared]) -> bool {
    !members.iter().all(|m| {
        m.candidate.settings.automerge
            && m.candidate.settings.automerge_type == AutomergeType::Branch
    })
}

fn schedule_state(
    settings: &Settings,
    bypass: bool,
    exists: bool,
    context: &PlanContext,
) -> ScheduleState {
    if bypass {
        return ScheduleState::Bypassed;
    }
    if settings.schedule.contains(context.now, &context.time_zone) {
        return ScheduleState::InSchedule;
    }
    let next_window = settings
        .schedule
        .next_open(context.now, &context.time_zone)
        .map(|t| t.to_string());
    if exists && settings.update_not_scheduled {
        ScheduleState::KeptCurrent { next_window }
    } else {
        ScheduleState::NotScheduled { next_window }
    }
}

fn hour_start(now: Timestamp, time_zone: &TimeZone) -> Timestamp {
    let local = now.to_zoned_datetime(time_zone.clone()).datetime();
    local
        .with()
        .minute(0)
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .ok()
        .and_then(|start| time_zone.to_timestamp(start).ok())
        .unwrap_or(now)
}

fn is_vulnerability_fix(draft: &BranchDraft) -> bool {
    draft
        .members
        .iter()
        .chain(draft.left_out.iter().map(|l| &l.prepared))
        .any(|m| m.is_vulnerability_fix)
}

fn pr_priority(draft: &BranchDraft) -> i64 {
    all(draft)
        .map(|m| m.candidate.settings.pr_priority)
        .max()
        .unwrap_or(0)
}

fn all(draft: &BranchDraft) -> impl Iterator<Item = &Prepared> {
    draft
        .members
        .iter()
        .chain(draft.left_out.iter().map(|l| &l.prepared))
}

/// Renovate's order of update types, smallest first; a branch ranks as its biggest.
fn type_rank(draft: &BranchDraft) -> u8 {
    all(draft)
        .map(|m| match m.candidate.update.update_type {
            Some(UpdateType::PinDigest) => 0,
            Some(UpdateType::Pin) => 1,
            Some(UpdateType::Digest) => 2,
            Some(UpdateType::Patch | UpdateType::LockfileUpdate) => 3,
            Some(UpdateType::Minor) => 4,
            Some(UpdateType::Major) => 5,
            Some(UpdateType::Bump | UpdateType::Replacement) | None => 6,
            Some(UpdateType::LockFileMaintenance) => 7,
        })
        .max()
        .unwrap_or(6)
}

fn planned(prepared: &Prepared) -> PlannedUpdate {
    let candidate = &prepared.candidate;
    PlannedUpdate {
        manager: candidate.manager.clone(),
        package_file: candidate.package_file.clone(),
        dependency: candidate.dependency.clone(),
        current_version: candidate.current_version.clone(),
        update: candidate.update.clone(),
        source_url: candidate.source_url.clone(),
    }
}

fn skeleton(draft: &BranchDraft, exists: bool) -> Branch {
    let mut labels: Vec<String> = Vec::new();
    for member in &draft.members {
        for label in member.candidate.settings.effective_labels() {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    let automerge = (!draft.members.is_empty()
        && draft.members.iter().all(|m| m.candidate.settings.automerge))
    .then(|| automerge_type(draft.members[0].candidate.settings.automerge_type).to_owned());
    Branch {
        branch_name: draft.branch_name.clone(),
        group_name: draft.group_name.clone(),
        group_slug: draft.group_slug.clone(),
        pr_title: draft.pr_title.clone(),
        commit_message: draft.commit_message.clone(),
        upgrades: draft.members.iter().map(planned).collect(),
        left_out: draft
            .left_out
            .iter()
            .map(|l| LeftOutUpdate {
                update: planned(&l.prepared),
                state: l.state,
                reason: l.reason.clone(),
            })
            .collect(),
        labels,
        automerge,
        is_vulnerability_fix: is_vulnerability_fix(draft),
        pr_priority: pr_priority(draft),
        exists,
        state: BranchState::Ready,
        reason: None,
        schedule: ScheduleState::InSchedule,
        limits: LimitState::WithinLimits,
    }
}

fn automerge_type(kind: AutomergeType) -> &'static str {
    match kind {
        AutomergeType::Pr => "pr",
        AutomergeType::Branch => "branch",
        AutomergeType::PrComment => "pr-comment",
    }
}
