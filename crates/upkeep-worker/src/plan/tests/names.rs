//! Branch names, commit messages and PR titles.

use upkeep_types::{Datasource, UpdateType};

use super::*;

#[test]
fn branch_names_and_titles_follow_renovate_per_kind_of_update() {
    let cases: Vec<(Input, &str, &str)> = vec![
        (
            npm("react", "17.0.2", "18.2.0", UpdateType::Major),
            "upkeep/react-18.x",
            "Update dependency react to v18",
        ),
        (
            npm("react", "17.0.1", "17.0.2", UpdateType::Patch),
            "upkeep/react-17.x",
            "Update dependency react to v17.0.2",
        ),
        (
            npm("@types/node", "^18.0.0", "^20.1.0", UpdateType::Major),
            "upkeep/node-20.x",
            "Update dependency @types/node to v20",
        ),
        (
            npm("@babel/core", "^7.1.0", "^7.23.0", UpdateType::Minor),
            "upkeep/babel-core-7.x",
            "Update dependency @babel/core to ^7.23.0",
        ),
        (
            update(
                "dockerfile",
                Datasource::Docker,
                "ghcr.io/o/app",
                "1.1.0",
                "1.2.0",
                UpdateType::Minor,
            ),
            "upkeep/ghcr.io-o-app-1.x",
            "Update ghcr.io/o/app Docker tag to v1.2.0",
        ),
        (
            update(
                "dockerfile",
                Datasource::Docker,
                "registry.example.com:5000/team/api",
                "2.0.0",
                "3.0.0",
                UpdateType::Major,
            ),
            "upkeep/registry.example.com-5000-team-api-3.x",
            "Update registry.example.com:5000/team/api Docker tag to v3",
        ),
        (
            docker_digest("node", "20-alpine", "abc1234def567890"),
            "upkeep/node-digest",
            "Update node:20-alpine Docker digest to abc1234",
        ),
        (
            update(
                "cargo",
                Datasource::Crate,
                "serde",
                "1.0.100",
                "1.0.200",
                UpdateType::Patch,
            ),
            "upkeep/serde-1.x",
            "Update Rust crate serde to v1.0.200",
        ),
        (
            update(
                "terraform",
                Datasource::TerraformProvider,
                "hashicorp/aws",
                "4.67.0",
                "5.31.0",
                UpdateType::Major,
            ),
            "upkeep/hashicorp-aws-5.x",
            "Update Terraform hashicorp/aws to v5",
        ),
        (
            npm("react", "^18.0.0", "18.2.0", UpdateType::Pin),
            "upkeep/pin-dependencies",
            "Pin dependency react to 18.2.0",
        ),
    ];
    for (input, name, title) in cases {
        let plan = plan("{}", std::slice::from_ref(&input));
        assert_eq!(
            names(&plan),
            [name],
            "{}",
            input.dependency.dependency.dep_name
        );
        assert_eq!(plan.branches[0].pr_title, title);
        assert_eq!(plan.branches[0].commit_message, title);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }
}

#[test]
fn a_lock_file_only_update_gets_its_own_branch_suffix() {
    let mut input = npm("lodash", "^4.17.0", "^4.17.0", UpdateType::Patch);
    input.dependency.current_version = Some("4.17.20".into());
    input.update.new_version = Some("4.17.21".into());
    let plan = plan("{}", &[input]);
    assert_eq!(names(&plan), ["upkeep/lodash-4.x-lockfile"]);
}

#[test]
fn a_transitive_lock_file_fix_gets_a_security_branch_and_names_its_version() {
    // as the lookup reports a vulnerable package only package-lock.json holds
    let mut input = npm("minimist", "1.2.5", "1.2.6", UpdateType::LockfileUpdate)
        .file("package-lock.json")
        .vulnerability_fix();
    input.dependency.dependency.current_value = None;
    input.dependency.dependency.dep_type = Some("transitive".into());
    input.update.new_value = None;
    input.update.is_lockfile_update = true;
    let plan = plan(r#"{"schedule": ["on saturday"]}"#, &[input]);
    assert_eq!(names(&plan), ["upkeep/npm-minimist-vulnerability"]);
    let branch = &plan.branches[0];
    assert_eq!(
        branch.pr_title,
        "[SECURITY] Update dependency minimist to v1.2.6"
    );
    assert_eq!(
        branch.state,
        upkeep_types::BranchState::Ready,
        "{branch:#?}"
    );
    assert!(branch.labels.iter().any(|label| label == "security"));
}

#[test]
fn pins_share_one_pin_dependencies_branch() {
    let plan = plan(
        "{}",
        &[
            npm("react", "^18.0.0", "18.2.0", UpdateType::Pin),
            npm("lodash", "^4.0.0", "4.17.21", UpdateType::Pin),
        ],
    );
    assert_eq!(names(&plan), ["upkeep/pin-dependencies"]);
    assert_eq!(plan.branches[0].pr_title, "Pin dependencies");
    assert_eq!(deps(&plan.branches[0]), ["react", "lodash"]);
}

#[test]
fn branch_prefix_and_strict_names_are_honoured() {
    let input = update(
        "dockerfile",
        Datasource::Docker,
        "ghcr.io/o/app",
        "1.1.0",
        "1.2.0",
        UpdateType::Minor,
    );
    let cases = [
        (
            r#"{"branchPrefix": "renovate/"}"#,
            "renovate/ghcr.io-o-app-1.x",
        ),
        (
            r#"{"branchPrefix": "deps-", "additionalBranchPrefix": "{{parentDir}}-"}"#,
            "deps--ghcr.io-o-app-1.x",
        ),
        (r#"{"branchNameStrict": true}"#, "upkeep/ghcr-io-o-app-1-x"),
        (
            r#"{"packageRules": [{"matchDatasources": ["docker"], "branchTopic": "img-{{{depNameSanitized}}}"}]}"#,
            "upkeep/img-ghcr.io-o-app",
        ),
    ];
    for (json, expected) in cases {
        let plan = plan(json, std::slice::from_ref(&input));
        assert_eq!(names(&plan), [expected], "{json}");
    }
}

#[test]
fn semantic_commit_messages_use_type_and_scope_and_lower_case() {
    let input = npm("React", "17.0.2", "18.2.0", UpdateType::Major);
    let cases = [
        (
            r#"{"semanticCommits": "enabled"}"#,
            false,
            "chore(deps): update dependency react to v18",
        ),
        (
            r#"{"semanticCommits": "enabled", "semanticCommitType": "fix", "semanticCommitScope": null}"#,
            false,
            "fix: update dependency react to v18",
        ),
        (
            r#"{"semanticCommits": "enabled", "semanticCommitScope": "{{depType}}"}"#,
            false,
            "chore(): update dependency react to v18",
        ),
        (
            r#"{"semanticCommits": "enabled", "commitMessageLowerCase": "never"}"#,
            false,
            "chore(deps): Update dependency React to v18",
        ),
        (r#"{}"#, true, "chore(deps): update dependency react to v18"),
        (
            r#"{"semanticCommits": "disabled"}"#,
            true,
            "Update dependency React to v18",
        ),
        (
            r#"{"commitMessagePrefix": "deps"}"#,
            false,
            "deps: Update dependency React to v18",
        ),
        (
            r#"{"commitMessageAction": "Bump", "commitMessageTopic": "{{depName}}", "commitMessageExtra": "from {{currentVersion}} to {{newVersion}}"}"#,
            false,
            "Bump React from 17.0.2 to 18.2.0",
        ),
        (
            r#"{"commitMessageSuffix": "[skip ci]"}"#,
            false,
            "Update dependency React to v18 [skip ci]",
        ),
    ];
    for (json, detected, expected) in cases {
        let config = config(json);
        let mut context = context();
        context.repository.semantic_commits_detected = detected;
        let plan = plan_with(&config, std::slice::from_ref(&input), &context);
        assert_eq!(plan.branches[0].commit_message, expected, "{json}");
        assert_eq!(plan.branches[0].pr_title, expected, "{json}");
    }
}

#[test]
fn pr_title_and_commit_body_templates_render() {
    let plan = plan(
        r#"{"prTitle": "deps: {{depName}} {{#if isMajor}}(major){{/if}}", "commitBody": "Signed-off-by: bot"}"#,
        &[npm("react", "17.0.2", "18.2.0", UpdateType::Major)],
    );
    assert_eq!(plan.branches[0].pr_title, "deps: react (major)");
    assert_eq!(
        plan.branches[0].commit_message,
        "Update dependency react to v18\n\nSigned-off-by: bot"
    );
}

#[test]
fn unknown_template_variables_are_reported_and_defaults_used() {
    let plan = plan(
        r#"{"commitMessageTopic": "package {{depNmae}}"}"#,
        &[npm("react", "17.0.2", "18.2.0", UpdateType::Major)],
    );
    assert_eq!(plan.branches[0].pr_title, "Update dependency react to v18");
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(
        plan.warnings[0].contains("unknown template variable `depNmae`"),
        "{:?}",
        plan.warnings
    );
}
