//! App JWTs, installation tokens (cached, refreshed before expiry and after a 401),
//! personal access tokens, git credentials.

use std::process::Command;
use std::time::Duration;

use secrecy::ExposeSecret;
use upkeep_platform::github::Identity;
use upkeep_platform::{GitHub, GitHubAuth, GitHubConfig, Platform, PlatformError};

use super::{acme, app, test_limits, with_token};

#[tokio::test]
async fn one_installation_token_serves_every_call_until_it_nears_expiry() {
    let (gh, installation) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    upkeep
        .list_pull_requests("acme/app", "upkeep/")
        .await
        .unwrap();
    upkeep.list_own_issues("acme/app").await.unwrap();
    let counters = gh.counters();
    assert_eq!(
        counters.operation("apps/create-installation-access-token"),
        1
    );
    assert_eq!(counters.operation("apps/list-installations"), 1);
    // Installation calls: repo, pulls, issues; the App's own: installations, token, /app.
    assert_eq!(upkeep.installation_calls(installation).reads, 3);
    assert_eq!(upkeep.app_calls().reads, 2);
    assert_eq!(upkeep.app_calls().writes, 1);
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_run_longer_than_the_token_lifetime_refreshes_it_before_it_expires() {
    let (gh, _) = acme();
    gh.set_token_lifetime(Duration::from_secs(4));
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    tokio::time::sleep(Duration::from_millis(4500)).await;
    upkeep.get_repo("acme/app").await.unwrap();
    let counters = gh.counters();
    assert_eq!(
        counters.operation("apps/create-installation-access-token"),
        2
    );
    // Refreshed ahead of time: GitHub never had to refuse a token.
    assert!(
        gh.requests().iter().all(|r| r.status != 401),
        "{:?}",
        gh.requests()
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_token_refused_mid_run_is_replaced_and_the_request_repeated() {
    let (gh, installation) = acme();
    let upkeep = app(&gh);
    upkeep.get_repo("acme/app").await.unwrap();
    gh.expire_tokens(installation);
    let info = upkeep.get_repo("acme/app").await.unwrap();
    assert_eq!(info.default_branch, "main");
    let refused: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|r| r.status == 401)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        gh.counters()
            .operation("apps/create-installation-access-token"),
        2
    );
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_personal_access_token_acts_as_its_user() {
    let (gh, _) = acme();
    let token = gh.user_token("renovate-user");
    let upkeep = with_token(&gh, &token);
    let info = upkeep.get_repo("acme/app").await.unwrap();
    assert_eq!(info.installation_id, None);
    assert_eq!(upkeep.token_calls().reads, 1);
    assert!(upkeep.rate_limit_remaining(Identity::Token).is_some());
    gh.assert_no_violations();
}

#[tokio::test]
async fn a_wrong_app_key_is_refused_with_an_error_naming_the_request() {
    let (gh, _) = acme();
    let dir = tempfile_dir();
    let other = upkeep_testkit::github::AppKey::generate(dir.path());
    let auth = GitHubAuth::app_from_file(gh.app_id(), other.private_key_path()).unwrap();
    let upkeep = GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth,
        limits: test_limits(),
    })
    .unwrap();
    let err = upkeep.get_repo("acme/app").await.unwrap_err();
    assert!(
        matches!(err, PlatformError::Forbidden { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("/app/installations"), "{err}");
}

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn git_gets_a_live_token_through_a_credential_helper() {
    let (gh, _) = acme();
    let upkeep = app(&gh);
    let credentials = upkeep.git_credentials("acme/app").await.unwrap();
    assert_eq!(credentials.username, "x-access-token");
    assert_eq!(credentials.url, gh.url());
    assert!(!format!("{credentials:?}").contains(credentials.token.expose_secret()));
    // The token reaches git only through the helper's environment.
    let out = Command::new("git")
        .args([
            "-c",
            "credential.helper=",
            "-c",
            "credential.helper=!f() { echo username=x-access-token; echo \"password=$UPKEEP_TOKEN\"; }; f",
            "ls-remote",
            &gh.clone_url("acme/app"),
        ])
        .env("UPKEEP_TOKEN", credentials.token.expose_secret())
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("refs/heads/upkeep/serde-1.x"));
}

#[tokio::test]
async fn an_app_key_pasted_into_an_environment_variable_with_escaped_newlines_works() {
    let (gh, _) = acme();
    // What `app_from_env` reads: a PEM whose newlines became `\n`.
    let pem = gh.app_key().private_key_pem().replace('\n', "\\n");
    let auth = GitHubAuth::app_from_pem(gh.app_id(), pem, "environment variable `KEY`").unwrap();
    let upkeep = GitHub::new(GitHubConfig {
        endpoint: gh.url(),
        auth,
        limits: test_limits(),
    })
    .unwrap();
    assert_eq!(
        upkeep.get_repo("acme/app").await.unwrap().full_name,
        "acme/app"
    );
    let missing = GitHubAuth::app_from_env(gh.app_id(), "UPKEEP_TEST_NO_SUCH_VAR").unwrap_err();
    assert!(missing.to_string().contains("UPKEEP_TEST_NO_SUCH_VAR"));
}
