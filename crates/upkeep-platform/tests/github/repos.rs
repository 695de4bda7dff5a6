//! Discovery, repositories, files.

use upkeep_platform::{Platform, PlatformError, autodiscover_filter};
use upkeep_testkit::github::{FakeGitHub, RepoOptions};

use super::{acme, app};

#[tokio::test]
async fn discovery_lists_every_installations_repositories_with_archived_and_disabled_flagged() {
    let gh = FakeGitHub::start();
    let acme = gh.create_installation("acme");
    let widgets = gh.create_installation_for("widgets", &["widgets/one"]);
    gh.create_repo("acme/app", &[]);
    gh.create_repo_with(
        "acme/old",
        RepoOptions {
            archived: true,
            ..RepoOptions::default()
        },
        &[],
    );
    gh.create_repo_with(
        "acme/frozen",
        RepoOptions {
            disabled: true,
            default_branch: "trunk".to_string(),
            ..RepoOptions::default()
        },
        &[],
    );
    gh.create_repo("widgets/one", &[]);
    gh.create_repo("widgets/two", &[]);
    gh.create_repo("strangers/app", &[]);

    let upkeep = app(&gh);
    let repos = upkeep.discover_repositories().await.unwrap();
    let names: Vec<&str> = repos.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(
        names,
        ["acme/app", "acme/frozen", "acme/old", "widgets/one"]
    );
    let old = repos.iter().find(|r| r.full_name == "acme/old").unwrap();
    assert!(old.archived && !old.disabled);
    let frozen = repos.iter().find(|r| r.full_name == "acme/frozen").unwrap();
    assert!(frozen.disabled);
    assert_eq!(frozen.default_branch, "trunk");
    assert_eq!(
        repos
            .iter()
            .find(|r| r.full_name == "widgets/one")
            .unwrap()
            .installation_id,
        Some(widgets)
    );
    assert_eq!(repos[0].installation_id, Some(acme));
    assert_eq!(repos[0].clone_url, gh.clone_url("acme/app"));

    let kept = autodiscover_filter(repos, &["acme/*", "!/^acme/.*$/"]).unwrap();
    let kept: Vec<&str> = kept.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(kept, ["acme/app", "acme/frozen", "acme/old", "widgets/one"]);
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_personal_access_token_discovers_its_users_repositories() {
    let (gh, _) = acme();
    gh.create_repo("other/lib", &[]);
    let token = gh.user_token("renovate-user");
    let upkeep = super::with_token(&gh, &token);
    let repos = upkeep.discover_repositories().await.unwrap();
    let names: Vec<&str> = repos.iter().map(|r| r.full_name.as_str()).collect();
    assert!(
        names.contains(&"acme/app") && names.contains(&"other/lib"),
        "{names:?}"
    );
    assert!(repos.iter().all(|r| r.installation_id.is_none()));
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_repository_without_an_installation_is_not_found() {
    let (gh, _) = acme();
    gh.create_repo("strangers/app", &[]);
    let upkeep = app(&gh);
    let err = upkeep.get_repo("strangers/app").await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::RepositoryNotFound(r) if r == "strangers/app"),
        "{err}"
    );
    let err = upkeep.get_repo("acme/missing").await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::RepositoryNotFound(r) if r == "acme/missing"),
        "{err}"
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_repository_installed_after_the_first_listing_is_found() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.create_installation("late");
    gh.create_repo("late/app", &[]);
    assert_eq!(
        upkeep.get_repo("late/app").await.unwrap().full_name,
        "late/app"
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn files_are_read_at_the_default_branch_or_a_reference() {
    let (gh, _) = acme();
    gh.push_files(
        "acme/app",
        "main",
        &[(
            "renovate.json",
            Some("{\"extends\": [\"config:recommended\"]}\n"),
        )],
        "Add config",
    );
    let upkeep = app(&gh);
    assert_eq!(
        upkeep
            .get_file("acme/app", "renovate.json", None)
            .await
            .unwrap()
            .as_deref(),
        Some("{\"extends\": [\"config:recommended\"]}\n")
    );
    assert_eq!(
        upkeep
            .get_file("acme/app", "Cargo.toml", Some("upkeep/serde-1.x"))
            .await
            .unwrap()
            .as_deref(),
        Some("[dependencies]\nserde = \"1.0.200\"\n")
    );
    assert_eq!(
        upkeep
            .get_file("acme/app", "renovate.json", Some("upkeep/serde-1.x"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        upkeep
            .get_file("acme/app", "missing.json", None)
            .await
            .unwrap(),
        None
    );
    gh.assert_no_violations();
}
