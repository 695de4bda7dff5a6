use upkeep_types::{DependencyAdvisory, UpdateType};

use super::*;
use crate::publish::marker::split_marker;
use crate::publish::test_support::{branch, planned};

fn settings() -> PrSettingsSummary {
    PrSettingsSummary {
        schedule: vec!["at any time".to_owned()],
        time_zone: "UTC".to_owned(),
        automerge: None,
        automerge_schedule: vec!["at any time".to_owned()],
        rebase_when: "auto".to_owned(),
        immortal: false,
    }
}

#[test]
fn a_single_update_with_its_links_settings_and_checkbox() {
    let branch = branch(
        "upkeep/left-pad-1.x",
        "Update dependency left-pad to v1.3.0",
        vec![planned("left-pad", "1.0.0", "1.3.0", UpdateType::Minor)],
    );
    let settings = settings();
    let body = render_pr_body(
        &branch.pr_title,
        &PrBodyInput {
            branch: &branch,
            advisories: &[Vec::new()],
            artifact_errors: &[],
            update_errors: &[],
            settings: &settings,
            fingerprint: "0123abcd",
        },
    );
    insta::assert_snapshot!(body);
    assert!(!rebase_requested(&body));
    assert!(rebase_requested(&body.replace("- [ ]", "- [x]")));
}

#[test]
fn a_security_group_with_an_artifact_error_and_automerge_on_a_schedule() {
    let mut lodash = planned("lodash", "4.17.20", "4.17.21", UpdateType::Patch);
    lodash.update.is_vulnerability_fix = true;
    let mut digest = planned("node", "20", "20", UpdateType::Digest);
    digest.dependency.current_digest = Some("sha256:aaaaaaaaaaaa".to_owned());
    digest.update.new_digest = Some("sha256:bbbbbbbbbbbb".to_owned());
    digest.source_url = None;
    let branch = branch(
        "upkeep/all-non-major",
        "[SECURITY] Update all non-major dependencies",
        vec![lodash, digest],
    );
    let advisory = DependencyAdvisory {
        id: "GHSA-35jh-r3h4-6jhm".to_owned(),
        aliases: vec!["CVE-2021-23337".to_owned()],
        summary: Some("Command injection | in template".to_owned()),
        severity: "high".to_owned(),
        score: Some("7.2".to_owned()),
        fixed_in: vec!["4.17.21".to_owned()],
        url: Some("https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm".to_owned()),
        ..DependencyAdvisory::default()
    };
    let settings = PrSettingsSummary {
        schedule: vec!["before 5am on monday".to_owned()],
        time_zone: "Europe/Berlin".to_owned(),
        automerge: Some("pr".to_owned()),
        automerge_schedule: vec!["after 10pm".to_owned()],
        immortal: true,
        ..settings()
    };
    let errors = [ArtifactError {
        lock_file: "package-lock.json".to_owned(),
        tool: "npm".to_owned(),
        message: "npm install failed\nERESOLVE".to_owned(),
    }];
    let body = render_pr_body(
        &branch.pr_title,
        &PrBodyInput {
            branch: &branch,
            advisories: &[vec![advisory], Vec::new()],
            artifact_errors: &errors,
            update_errors: &[],
            settings: &settings,
            fingerprint: "ffff0000",
        },
    );
    insta::assert_snapshot!(body);
}

#[test]
fn a_huge_group_fits_github_s_limit_and_keeps_its_marker() {
    let updates = (0..3000)
        .map(|i| {
            planned(
                &format!("package-number-{i}"),
                "1.0.0",
                "2.0.0",
                UpdateType::Major,
            )
        })
        .collect();
    let branch = branch("upkeep/everything", "Update everything", updates);
    let advisories = vec![Vec::new(); 3000];
    let settings = settings();
    let body = render_pr_body(
        &branch.pr_title,
        &PrBodyInput {
            branch: &branch,
            advisories: &advisories,
            artifact_errors: &[],
            update_errors: &[],
            settings: &settings,
            fingerprint: "abc",
        },
    );
    assert!(body.chars().count() <= BODY_LIMIT);
    assert!(body.contains("more lines were left out"));
    let (_, marker) = split_marker(&body);
    assert_eq!(marker.unwrap().fingerprint.as_deref(), Some("abc"));
}
