//! Groups, update-type splits, monorepos, members that leave their group.

use upkeep_types::{BranchState, UpdateType};

use super::*;

const LINTERS: &str =
    r#"{"packageRules": [{"matchPackageNames": ["eslint", "prettier"], "groupName": "linters"}]}"#;

#[test]
fn two_dependencies_in_one_group_share_one_branch() {
    let plan = plan(
        LINTERS,
        &[
            npm("eslint", "8.50.0", "8.56.0", UpdateType::Minor),
            npm("prettier", "3.0.0", "3.1.1", UpdateType::Minor),
            npm("react", "18.1.0", "18.2.0", UpdateType::Minor),
        ],
    );
    let linters = branch(&plan, "upkeep/linters");
    assert_eq!(deps(linters), ["eslint", "prettier"]);
    assert_eq!(linters.group_name.as_deref(), Some("linters"));
    // Different versions: no "to …" extra.
    assert_eq!(linters.pr_title, "Update linters");
    assert_eq!(deps(branch(&plan, "upkeep/react-18.x")), ["react"]);
}

#[test]
fn the_same_dependency_in_two_files_shares_one_branch() {
    let plan = plan(
        "{}",
        &[
            npm("react", "18.1.0", "18.2.0", UpdateType::Minor),
            npm("react", "18.1.0", "18.2.0", UpdateType::Minor).file("web/package.json"),
        ],
    );
    assert_eq!(names(&plan), ["upkeep/react-18.x"]);
    assert_eq!(plan.branches[0].upgrades.len(), 2);
    assert_eq!(
        plan.branches[0].pr_title,
        "Update dependency react to v18.2.0"
    );
}

#[test]
fn major_and_minor_updates_split_unless_separate_major_minor_is_off() {
    let inputs = [
        npm("eslint", "7.32.0", "8.56.0", UpdateType::Major),
        npm("prettier", "2.8.0", "3.1.1", UpdateType::Major),
        npm("prettier", "2.8.0", "2.8.8", UpdateType::Minor),
    ];
    let split = plan(LINTERS, &inputs);
    assert_eq!(names(&split), ["upkeep/linters", "upkeep/major-linters"]);
    let major = branch(&split, "upkeep/major-linters");
    assert_eq!(deps(major), ["eslint", "prettier"]);
    assert_eq!(major.pr_title, "Update linters (major)");
    assert_eq!(
        branch(&split, "upkeep/linters").pr_title,
        "Update dependency prettier to v2.8.8"
    );

    let together = plan(
        r#"{"packageRules": [{"matchPackageNames": ["eslint", "prettier"], "groupName": "linters", "separateMajorMinor": false}]}"#,
        &inputs,
    );
    assert_eq!(names(&together), ["upkeep/linters"]);
    assert_eq!(together.branches[0].upgrades.len(), 3);
}

#[test]
fn separate_multiple_major_gives_one_branch_per_major() {
    let inputs = [
        npm("webpack", "1.15.0", "2.7.0", UpdateType::Major),
        npm("webpack", "1.15.0", "3.12.0", UpdateType::Major),
    ];
    let single = plan(r#"{"separateMultipleMajor": true}"#, &inputs);
    assert_eq!(names(&single), ["upkeep/webpack-2.x", "upkeep/webpack-3.x"]);
    let grouped = plan(
        r#"{"separateMultipleMajor": true, "packageRules": [{"matchPackageNames": ["webpack"], "groupName": "build"}]}"#,
        &inputs,
    );
    assert_eq!(
        names(&grouped),
        ["upkeep/major-2-build", "upkeep/major-3-build"]
    );
}

#[test]
fn separate_minor_patch_splits_patches_from_minors() {
    let inputs = [
        npm("express", "4.17.0", "4.17.3", UpdateType::Patch),
        npm("express", "4.17.0", "4.18.2", UpdateType::Minor),
    ];
    let plain = plan(r#"{"separateMinorPatch": true}"#, &inputs);
    assert_eq!(
        names(&plain),
        ["upkeep/express-4.17.x", "upkeep/express-4.x"]
    );
    let grouped = plan(
        r#"{"separateMinorPatch": true, "packageRules": [{"matchPackageNames": ["express", "cors"], "groupName": "server"}]}"#,
        &[
            inputs[0].clone(),
            inputs[1].clone(),
            npm("cors", "2.8.4", "2.8.5", UpdateType::Patch),
        ],
    );
    assert_eq!(names(&grouped), ["upkeep/patch-server", "upkeep/server"]);
    assert_eq!(
        branch(&grouped, "upkeep/patch-server").pr_title,
        "Update server (patch)"
    );
}

#[test]
fn dependencies_from_one_source_repository_moving_to_one_version_form_a_monorepo_group() {
    let plan = plan(
        r#"{"packageRules": [{"matchPackageNames": ["react-is"], "groupName": "misc"}]}"#,
        &[
            npm("react", "18.1.0", "18.2.0", UpdateType::Minor)
                .source("git+https://github.com/facebook/react.git"),
            npm("react-dom", "18.1.0", "18.2.0", UpdateType::Minor)
                .source("https://github.com/Facebook/React/tree/main/packages/react-dom"),
            npm("react-is", "18.1.0", "18.2.0", UpdateType::Minor)
                .source("https://github.com/facebook/react"),
            npm("scheduler", "0.22.0", "0.23.0", UpdateType::Minor)
                .source("https://github.com/facebook/react"),
            npm("lodash", "4.17.20", "4.17.21", UpdateType::Patch)
                .source("https://github.com/lodash/lodash"),
        ],
    );
    let monorepo = branch(&plan, "upkeep/react-monorepo");
    assert_eq!(deps(monorepo), ["react", "react-dom"]);
    assert_eq!(monorepo.group_name.as_deref(), Some("react monorepo"));
    assert_eq!(monorepo.pr_title, "Update react monorepo to v18.2.0");
    assert_eq!(deps(branch(&plan, "upkeep/misc")), ["react-is"]);
    assert_eq!(deps(branch(&plan, "upkeep/scheduler-0.x")), ["scheduler"]);
    assert_eq!(deps(branch(&plan, "upkeep/lodash-4.x")), ["lodash"]);
}

#[test]
fn a_monorepo_major_goes_to_a_major_branch() {
    let plan = plan(
        "{}",
        &[
            npm("@angular/core", "16.2.0", "17.0.0", UpdateType::Major)
                .source("https://github.com/angular/angular"),
            npm("@angular/common", "16.2.0", "17.0.0", UpdateType::Major)
                .source("https://github.com/angular/angular.git"),
        ],
    );
    assert_eq!(names(&plan), ["upkeep/major-angular-monorepo"]);
    assert_eq!(
        plan.branches[0].pr_title,
        "Update angular monorepo to v17 (major)"
    );
}

#[test]
fn a_too_young_member_leaves_its_group_and_the_rest_goes_ahead() {
    let plan = plan(
        &LINTERS.replace(
            "\"groupName\"",
            "\"minimumReleaseAge\": \"3 days\", \"groupName\"",
        ),
        &[
            npm("eslint", "8.50.0", "8.56.0", UpdateType::Minor),
            npm("prettier", "3.0.0", "3.1.1", UpdateType::Minor).released("2026-11-24T10:30:00Z"),
        ],
    );
    let linters = branch(&plan, "upkeep/linters");
    assert_eq!(linters.state, BranchState::Ready);
    assert_eq!(deps(linters), ["eslint"]);
    assert_eq!(linters.pr_title, "Update dependency eslint to v8.56.0");
    assert_eq!(linters.left_out.len(), 1);
    let left = &linters.left_out[0];
    assert_eq!(left.update.dependency.dep_name, "prettier");
    assert_eq!(left.state, BranchState::PendingReleaseAge);
    assert!(
        left.reason.contains("minimumReleaseAge (3 days)"),
        "{}",
        left.reason
    );
    assert!(
        left.reason.contains("eligible at 2026-11-27T10:30:00Z"),
        "{}",
        left.reason
    );
}

#[test]
fn a_branch_whose_only_update_is_too_young_or_unknown_waits() {
    let cases = [
        (
            Some("2026-11-25T09:00:00Z"),
            "younger than minimumReleaseAge",
        ),
        (None, "release time of 2.0.0 is unknown"),
    ];
    for (released, reason) in cases {
        let mut input = npm("left-pad", "1.0.0", "2.0.0", UpdateType::Major);
        input.update.release_timestamp = released.map(str::to_owned);
        let plan = plan(r#"{"minimumReleaseAge": "1 day"}"#, &[input]);
        let waiting = &plan.branches[0];
        assert_eq!(waiting.state, BranchState::PendingReleaseAge);
        assert_eq!(deps(waiting), ["left-pad"]);
        assert!(
            waiting.reason.as_deref().unwrap().contains(reason),
            "{:?}",
            waiting.reason
        );
        assert_eq!(plan.ready().count(), 0);
    }
}

#[test]
fn a_member_that_cannot_be_applied_leaves_its_group_with_the_reason() {
    let plan = plan(
        LINTERS,
        &[
            npm("eslint", "8.50.0", "8.56.0", UpdateType::Minor),
            npm("prettier", "3.0.0", "3.1.1", UpdateType::Minor)
                .not_applicable("`prettier` is declared twice in package.json"),
        ],
    );
    let linters = branch(&plan, "upkeep/linters");
    assert_eq!(deps(linters), ["eslint"]);
    assert_eq!(linters.left_out[0].state, BranchState::NotApplicable);
    assert!(linters.left_out[0].reason.contains("declared twice"));
}

#[test]
fn disabled_updates_are_not_planned() {
    let plan = plan(
        r#"{"packageRules": [{"matchUpdateTypes": ["major"], "enabled": false}]}"#,
        &[
            npm("react", "17.0.2", "18.2.0", UpdateType::Major),
            npm("react", "17.0.1", "17.0.2", UpdateType::Patch),
        ],
    );
    assert_eq!(names(&plan), ["upkeep/react-17.x"]);
}

#[test]
fn source_urls_normalise_to_one_form() {
    use crate::plan::normalize_source_url;
    let cases = [
        (
            "git+https://github.com/facebook/react.git",
            Some("https://github.com/facebook/react"),
        ),
        (
            "git@github.com:Facebook/React.git",
            Some("https://github.com/facebook/react"),
        ),
        (
            "https://www.github.com/o/r/tree/main/packages/x#readme",
            Some("https://github.com/o/r"),
        ),
        (
            "git://GitLab.com/group/proj.git/",
            Some("https://gitlab.com/group/proj"),
        ),
        (
            "ssh://git@git.example.com/Team/Repo.git",
            Some("https://git.example.com/Team/Repo"),
        ),
        ("http://Example.COM/a/b", Some("https://example.com/a/b")),
        ("not a url", None),
    ];
    for (url, expected) in cases {
        assert_eq!(normalize_source_url(url).as_deref(), expected, "{url}");
    }
}
