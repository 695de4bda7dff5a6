use jiff::Timestamp;
use upkeep_types::UpdateType;

use super::*;
use crate::publish::marker::{Marker, render_marker, with_marker};
use crate::publish::test_support::{branch, planned};

fn pr(number: u64, branch: &str, title: &str, state: PrState) -> PullRequest {
    PullRequest {
        number,
        node_id: format!("PR_{number}"),
        branch_name: branch.to_owned(),
        head_sha: "head".to_owned(),
        base_branch: "main".to_owned(),
        title: title.to_owned(),
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

fn major() -> Branch {
    branch(
        "upkeep/react-19.x",
        "Update dependency react to v19",
        vec![planned("react", "18.3.1", "19.1.0", UpdateType::Major)],
    )
}

#[test]
fn a_closed_pr_with_the_same_title_blocks_and_is_notified_once() {
    let planned = major();
    let closed = pr(3, &planned.branch_name, &planned.pr_title, PrState::Closed);
    let blocked = blocked_by(&planned, &[&closed], false, RecreateWhen::Auto, false).unwrap();
    assert_eq!(blocked.pr.number, 3);
    assert!(blocked.notify && !blocked.close);

    let mut notified = closed.clone();
    notified.body = format!(
        "text\n\n{}",
        render_marker(&Marker {
            ignore_notified: true,
            ..Marker::default()
        })
    );
    let blocked = blocked_by(&planned, &[&notified], false, RecreateWhen::Auto, false).unwrap();
    assert!(!blocked.notify);
}

#[test]
fn what_unblocks_a_branch() {
    let planned = major();
    let same = pr(3, &planned.branch_name, &planned.pr_title, PrState::Closed);
    let older_version = pr(
        2,
        &planned.branch_name,
        "Update dependency react to v18",
        PrState::Closed,
    );
    let merged = pr(4, &planned.branch_name, &planned.pr_title, PrState::Merged);
    // a different version (another title), a merged PR, the dashboard, recreateWhen: always
    assert!(
        blocked_by(
            &planned,
            &[&older_version],
            false,
            RecreateWhen::Auto,
            false
        )
        .is_none()
    );
    assert!(blocked_by(&planned, &[&merged], false, RecreateWhen::Auto, false).is_none());
    assert!(blocked_by(&planned, &[&same], false, RecreateWhen::Auto, true).is_none());
    assert!(blocked_by(&planned, &[&same], false, RecreateWhen::Always, false).is_none());
    assert!(blocked_by(&planned, &[&same], false, RecreateWhen::Never, false).is_some());
}

#[test]
fn groups_follow_recreate_when() {
    let mut group = major();
    group.group_name = Some("react monorepo".to_owned());
    let closed = pr(5, &group.branch_name, &group.pr_title, PrState::Closed);
    assert!(blocked_by(&group, &[&closed], false, RecreateWhen::Auto, false).is_none());
    assert!(blocked_by(&group, &[&closed], false, RecreateWhen::Never, false).is_some());
}

#[test]
fn an_open_pr_whose_branch_was_deleted_counts_as_closed() {
    let planned = major();
    let open = pr(6, &planned.branch_name, &planned.pr_title, PrState::Open);
    let blocked = blocked_by(&planned, &[&open], false, RecreateWhen::Auto, false).unwrap();
    assert!(blocked.close && blocked.notify);
    assert!(blocked_by(&planned, &[&open], true, RecreateWhen::Auto, false).is_none());
}

#[test]
fn pr_decisions() {
    let title = "Update dependency react to v19";
    let body = with_marker(title, "body", Some("f1"));
    let mut open = pr(7, "upkeep/react-19.x", title, PrState::Open);
    open.body = body.clone();
    assert_eq!(
        pr_decision(Some(&open), title, &body, Ok(())),
        PrDecision::Unchanged
    );
    let new_body = with_marker(title, "body 2", Some("f2"));
    assert_eq!(
        pr_decision(Some(&open), title, &new_body, Ok(())),
        PrDecision::Update {
            title: None,
            body: Some(new_body.clone())
        }
    );
    let retitled = "Update dependency react to v19 (major)";
    let retitled_body = with_marker(retitled, "body", Some("f1"));
    assert_eq!(
        pr_decision(Some(&open), retitled, &retitled_body, Ok(())),
        PrDecision::Update {
            title: Some(retitled.to_owned()),
            body: Some(retitled_body.clone())
        }
    );
    assert_eq!(pr_decision(None, title, &body, Ok(())), PrDecision::Create);
    assert_eq!(
        pr_decision(None, title, &body, Err("later".into())),
        PrDecision::Wait("later".into())
    );
}

#[test]
fn pr_creation_table() {
    use ChecksState::{Green, Red, Yellow};
    use PrCreation::*;
    let cases = [
        (Immediate, None, 0.0, false, true),
        (NotPending, Some(Yellow), 1.0, false, false),
        (NotPending, Some(Yellow), 30.0, false, true),
        (NotPending, Some(Red), 1.0, false, true),
        (NotPending, Some(Green), 1.0, false, true),
        (StatusSuccess, Some(Green), 1.0, false, true),
        (StatusSuccess, Some(ChecksState::None), 1.0, false, true),
        (StatusSuccess, Some(Yellow), 99.0, false, false),
        (StatusSuccess, Some(Red), 1.0, false, false),
        (Approval, None, 1.0, false, false),
        (Approval, None, 1.0, true, true),
    ];
    for (creation, checks, hours, approved, allowed) in cases {
        assert_eq!(
            creation_allowed(creation, checks, hours, 25, approved).is_ok(),
            allowed,
            "{creation:?} {checks:?} {hours} {approved}"
        );
    }
    assert!(needs_checks(NotPending) && needs_checks(StatusSuccess));
    assert!(!needs_checks(Immediate) && !needs_checks(Approval));
}

#[test]
fn obsolete_prs_and_branches() {
    let prs = vec![
        pr(1, "upkeep/kept", "a", PrState::Open),
        pr(2, "upkeep/gone", "b", PrState::Open),
        pr(3, "upkeep/configure", "Configure upkeep", PrState::Open),
        pr(4, "upkeep/old", "c", PrState::Closed),
    ];
    let planned: BTreeSet<&str> = ["upkeep/kept", "upkeep/new"].into();
    let obsolete: Vec<u64> = obsolete_prs(&prs, &planned, "upkeep/configure")
        .iter()
        .map(|pr| pr.number)
        .collect();
    assert_eq!(obsolete, [2]);
    let remote: Vec<String> = [
        "upkeep/kept",
        "upkeep/gone",
        "upkeep/old",
        "upkeep/configure",
        "upkeep/stray",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(
        obsolete_branches(&remote, &planned, &prs, "upkeep/configure"),
        ["upkeep/old", "upkeep/stray"]
    );
}

#[test]
fn ignore_comments_name_the_major_or_the_version() {
    let mut update = planned("react", "18.3.1", "19.1.0", UpdateType::Major);
    update.update.new_major = Some(19);
    let major = branch("upkeep/react-19.x", "Update react to v19", vec![update]);
    assert!(ignore_comment(&major).contains("`react` v19: no update to any v19 release"));
    let minor = branch(
        "upkeep/react-18.x",
        "Update react to v18.4.0",
        vec![planned("react", "18.3.1", "18.4.0", UpdateType::Minor)],
    );
    assert!(ignore_comment(&minor).contains("`react` 18.4.0: a newer release will get a new PR"));
}
