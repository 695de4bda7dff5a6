//! Vulnerability fixes, schedules, approval and limits, in processing order.

use upkeep_types::{BranchState, Datasource, LimitState, ScheduleState, UpdateType};

use super::super::ExistingBranch;
use super::*;

/// Closed now (Wednesday 10:30 UTC), strict limits, young releases held, lodash grouped.
const STRICT: &str = r#"{
  "schedule": ["before 4am on monday"],
  "prHourlyLimit": 1,
  "prConcurrentLimit": 1,
  "minimumReleaseAge": "3 days",
  "packageRules": [{"matchPackageNames": ["lodash", "underscore"], "groupName": "utilities"}]
}"#;

fn busy() -> RepositoryState {
    RepositoryState {
        branches: vec![ExistingBranch {
            branch_name: "upkeep/other-1.x".into(),
            pr_open: true,
        }],
        pr_created_at: vec![at("2026-11-25T10:05:00Z")],
        ..RepositoryState::default()
    }
}

#[test]
fn a_vulnerability_fix_bypasses_schedule_limits_and_release_age_and_says_security() {
    let config = config(STRICT);
    let mut context = context();
    context.repository = busy();
    let inputs = [
        npm("lodash", "4.17.20", "4.17.21", UpdateType::Patch)
            .vulnerability_fix()
            .released("2026-11-25T09:30:00Z"),
        npm("underscore", "1.13.0", "1.13.6", UpdateType::Patch),
    ];
    let plan = plan_with(&config, &inputs, &context);
    assert_eq!(
        names(&plan),
        ["upkeep/npm-lodash-vulnerability", "upkeep/utilities"]
    );
    let fix = &plan.branches[0];
    assert_eq!(fix.state, BranchState::Ready, "{:?}", fix.reason);
    assert!(fix.is_vulnerability_fix);
    assert_eq!(fix.schedule, ScheduleState::Bypassed);
    assert_eq!(fix.limits, LimitState::Bypassed);
    assert_eq!(fix.group_name, None);
    assert_eq!(
        fix.pr_title,
        "[SECURITY] Update dependency lodash to v4.17.21"
    );
    assert_eq!(fix.labels, ["security"]);
    let regular = &plan.branches[1];
    assert_eq!(regular.state, BranchState::NotScheduled);
    assert!(
        regular
            .reason
            .as_deref()
            .unwrap()
            .contains("before 4am on monday")
    );
}

#[test]
fn the_vulnerability_alerts_object_adjusts_fixes() {
    let inputs = [npm("lodash", "4.17.20", "4.17.21", UpdateType::Patch).vulnerability_fix()];
    let cases = [
        (
            r#"{"semanticCommits": "enabled", "labels": ["deps"]}"#,
            "upkeep/npm-lodash-vulnerability",
            "[SECURITY] chore(deps): update dependency lodash to v4.17.21",
            vec!["deps", "security"],
        ),
        (
            r#"{"vulnerabilityAlerts": {"groupName": "security fixes", "labels": ["sec"]}}"#,
            "upkeep/security-fixes",
            "[SECURITY] Update dependency lodash to v4.17.21",
            vec!["sec"],
        ),
        (
            r#"{"vulnerabilityAlerts": {"commitMessageSuffix": "[SECURITY]", "branchTopic": "fix-{{{depNameSanitized}}}"}}"#,
            "upkeep/fix-lodash",
            "Update dependency lodash to v4.17.21 [SECURITY]",
            vec!["security"],
        ),
    ];
    for (json, name, title, labels) in cases {
        let plan = plan(json, &inputs);
        assert_eq!(names(&plan), [name], "{json}");
        assert_eq!(plan.branches[0].pr_title, title, "{json}");
        assert_eq!(plan.branches[0].labels, labels, "{json}");
    }
}

#[test]
fn a_vulnerability_fix_respects_a_schedule_set_in_its_own_object() {
    let plan = plan(
        r#"{"vulnerabilityAlerts": {"schedule": ["before 4am on monday"]}}"#,
        &[npm("lodash", "4.17.20", "4.17.21", UpdateType::Patch).vulnerability_fix()],
    );
    assert_eq!(plan.branches[0].state, BranchState::NotScheduled);
}

#[test]
fn pr_hourly_limit_holds_branches_back_in_renovate_order() {
    let config = config(
        r#"{"prHourlyLimit": 2, "prConcurrentLimit": 0,
            "packageRules": [{"matchPackageNames": ["typescript"], "prPriority": 5}]}"#,
    );
    let mut context = context();
    // Created before this clock hour: does not count.
    context.repository.pr_created_at = vec![at("2026-11-25T09:59:00Z")];
    let inputs = [
        npm("react", "17.0.2", "18.2.0", UpdateType::Major),
        npm("eslint", "8.50.0", "8.56.0", UpdateType::Minor),
        npm("express", "4.18.1", "4.18.2", UpdateType::Patch),
        docker_digest("node", "20", "abcdef0123"),
        npm("typescript", "4.9.5", "5.3.3", UpdateType::Major),
        npm("chalk", "^4.0.0", "4.1.2", UpdateType::Pin),
    ];
    let plan = plan_with(&config, &inputs, &context);
    let order: Vec<(&str, BranchState)> = plan
        .branches
        .iter()
        .map(|b| (b.branch_name.as_str(), b.state))
        .collect();
    assert_eq!(
        order,
        [
            ("upkeep/typescript-5.x", BranchState::Ready),
            ("upkeep/pin-dependencies", BranchState::Ready),
            ("upkeep/node-digest", BranchState::RateLimited),
            ("upkeep/express-4.x", BranchState::RateLimited),
            ("upkeep/eslint-8.x", BranchState::RateLimited),
            ("upkeep/react-18.x", BranchState::RateLimited),
        ]
    );
    assert_eq!(
        plan.branches[2].limits,
        LimitState::Reached {
            limit: "prHourlyLimit".into(),
            value: 2
        }
    );
    assert_eq!(
        plan.branches[2].reason.as_deref(),
        Some("prHourlyLimit (2) reached")
    );
}

#[test]
fn concurrent_limits_count_open_prs_and_branches_and_zero_means_none() {
    let existing = RepositoryState {
        branches: vec![
            ExistingBranch {
                branch_name: "upkeep/react-18.x".into(),
                pr_open: true,
            },
            ExistingBranch {
                branch_name: "upkeep/stale-1.x".into(),
                pr_open: true,
            },
            ExistingBranch {
                branch_name: "upkeep/automerged-1.x".into(),
                pr_open: false,
            },
        ],
        ..RepositoryState::default()
    };
    let inputs = [
        npm("react", "17.0.2", "18.2.0", UpdateType::Major),
        npm("a", "1.0.0", "1.1.0", UpdateType::Minor),
        npm("b", "1.0.0", "1.1.0", UpdateType::Minor),
    ];
    let cases: [(&str, [BranchState; 2], Option<&str>); 4] = [
        (
            r#"{"prHourlyLimit": 0, "prConcurrentLimit": 4}"#,
            [BranchState::Ready, BranchState::RateLimited],
            Some("branchConcurrentLimit"),
        ),
        (
            r#"{"prHourlyLimit": 0, "prConcurrentLimit": 3, "branchConcurrentLimit": 5}"#,
            [BranchState::Ready, BranchState::RateLimited],
            Some("prConcurrentLimit"),
        ),
        (
            r#"{"prHourlyLimit": 0, "prConcurrentLimit": 0}"#,
            [BranchState::Ready, BranchState::Ready],
            None,
        ),
        (
            r#"{"prHourlyLimit": 0, "prConcurrentLimit": 0, "branchConcurrentLimit": 3}"#,
            [BranchState::RateLimited, BranchState::RateLimited],
            Some("branchConcurrentLimit"),
        ),
    ];
    for (json, states, limit) in cases {
        let config = config(json);
        let mut context = context();
        context.repository = existing.clone();
        let plan = plan_with(&config, &inputs, &context);
        let react = branch(&plan, "upkeep/react-18.x");
        assert_eq!(
            (react.state, &react.limits),
            (BranchState::Ready, &LimitState::Existing),
            "{json}"
        );
        let new = [
            branch(&plan, "upkeep/a-1.x").state,
            branch(&plan, "upkeep/b-1.x").state,
        ];
        assert_eq!(new, states, "{json}");
        let reached = plan.branches.iter().find_map(|b| match &b.limits {
            LimitState::Reached { limit, .. } => Some(limit.as_str()),
            _ => None,
        });
        assert_eq!(reached, limit, "{json}");
    }
}

#[test]
fn schedules_are_read_in_the_repository_timezone() {
    // 10:30 UTC is 19:30 in Tokyo and 05:30 in New York.
    let cases = [
        (
            "Asia/Tokyo",
            "before 9am",
            NOW,
            false,
            Some("2026-11-25T15:00:00Z"),
        ),
        (
            "Asia/Tokyo",
            "before 9am",
            "2026-11-25T22:00:00Z",
            true,
            None,
        ),
        ("America/New_York", "before 9am", NOW, true, None),
        (
            "America/New_York",
            "after 10pm every weekday",
            NOW,
            false,
            Some("2026-11-26T03:00:00Z"),
        ),
        (
            "UTC",
            "* 0-3 * * 1",
            NOW,
            false,
            Some("2026-11-30T00:00:00Z"),
        ),
    ];
    for (zone, schedule, now, open, next) in cases {
        let config = config(&format!(
            r#"{{"timezone": "{zone}", "schedule": ["{schedule}"]}}"#
        ));
        let mut context = context();
        context.now = at(now);
        context.time_zone = config.time_zone().clone();
        let plan = plan_with(
            &config,
            &[npm("react", "18.1.0", "18.2.0", UpdateType::Minor)],
            &context,
        );
        let branch = &plan.branches[0];
        let label = format!("{zone} {schedule} {now}");
        if open {
            assert_eq!(branch.state, BranchState::Ready, "{label}");
            assert_eq!(branch.schedule, ScheduleState::InSchedule, "{label}");
        } else {
            assert_eq!(branch.state, BranchState::NotScheduled, "{label}");
            let expected = ScheduleState::NotScheduled {
                next_window: next.map(str::to_owned),
            };
            assert_eq!(branch.schedule, expected, "{label}");
            assert_eq!(branch.limits, LimitState::NotCounted, "{label}");
        }
    }
}

#[test]
fn an_existing_branch_outside_its_schedule_is_kept_current_per_update_not_scheduled() {
    let inputs = [npm("react", "18.1.0", "18.2.0", UpdateType::Minor)];
    for (json, state) in [
        (
            r#"{"schedule": ["before 4am on monday"]}"#,
            BranchState::Ready,
        ),
        (
            r#"{"schedule": ["before 4am on monday"], "updateNotScheduled": false}"#,
            BranchState::NotScheduled,
        ),
    ] {
        let config = config(json);
        let mut context = context();
        context.repository.branches = vec![ExistingBranch {
            branch_name: "upkeep/react-18.x".into(),
            pr_open: true,
        }];
        let plan = plan_with(&config, &inputs, &context);
        let branch = &plan.branches[0];
        assert!(branch.exists);
        assert_eq!(branch.state, state, "{json}");
        if state == BranchState::Ready {
            assert!(
                matches!(branch.schedule, ScheduleState::KeptCurrent { .. }),
                "{:?}",
                branch.schedule
            );
        }
    }
}

#[test]
fn dashboard_approval_holds_new_branches_until_approved() {
    let config = config(
        r#"{"packageRules": [{"matchUpdateTypes": ["major"], "dependencyDashboardApproval": true}]}"#,
    );
    let inputs = [
        npm("react", "17.0.2", "18.2.0", UpdateType::Major),
        npm("react", "17.0.1", "17.0.2", UpdateType::Patch),
    ];
    let mut context = context();
    let waiting = plan_with(&config, &inputs, &context);
    assert_eq!(
        branch(&waiting, "upkeep/react-18.x").state,
        BranchState::AwaitingApproval
    );
    assert_eq!(
        branch(&waiting, "upkeep/react-17.x").state,
        BranchState::Ready
    );
    context
        .repository
        .approved
        .insert("upkeep/react-18.x".into());
    let approved = plan_with(&config, &inputs, &context);
    assert_eq!(
        branch(&approved, "upkeep/react-18.x").state,
        BranchState::Ready
    );
}

#[test]
fn automerged_branches_without_prs_do_not_use_pr_limits() {
    let config = config(
        r#"{"prHourlyLimit": 1, "packageRules": [{"matchUpdateTypes": ["digest"], "automerge": true, "automergeType": "branch"}]}"#,
    );
    let mut context = context();
    context.repository = busy();
    let plan = plan_with(&config, &[docker_digest("node", "20", "abcdef0")], &context);
    assert_eq!(plan.branches[0].state, BranchState::Ready);
    assert_eq!(plan.branches[0].automerge.as_deref(), Some("branch"));
}

#[test]
fn the_report_lists_branches_with_updates_and_states() {
    let config = config(r#"{"prHourlyLimit": 1, "labels": ["deps"]}"#);
    let mut context = context();
    context.repository = busy();
    let plan = plan_with(
        &config,
        &[update(
            "cargo",
            Datasource::Crate,
            "serde",
            "1.0.100",
            "1.0.200",
            UpdateType::Patch,
        )],
        &context,
    );
    let json = serde_json::to_value(&plan).unwrap();
    let expected = serde_json::json!({
        "branches": [{
            "branchName": "upkeep/serde-1.x",
            "prTitle": "Update Rust crate serde to v1.0.200",
            "commitMessage": "Update Rust crate serde to v1.0.200",
            "upgrades": [{
                "manager": "cargo",
                "packageFile": "Cargo.toml",
                "depName": "serde",
                "currentValue": "1.0.100",
                "datasource": "crate",
                "currentVersion": "1.0.100",
                "updateType": "patch",
                "newValue": "1.0.200",
                "newVersion": "1.0.200",
                "newMajor": 1,
                "releaseTimestamp": "2026-01-01T00:00:00Z"
            }],
            "labels": ["deps"],
            "state": "rate-limited",
            "reason": "prHourlyLimit (1) reached",
            "schedule": {"state": "in-schedule"},
            "limits": {"state": "reached", "limit": "prHourlyLimit", "value": 1}
        }]
    });
    assert_eq!(json, expected);
}
