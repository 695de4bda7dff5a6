//! git-tags and github-tags against real bare repositories on disk, with real git.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::*;
use crate::RegistryConfig;
use crate::test_server::context;

/// Runs git in `directory` with a fixed identity, panicking with its output on failure.
fn git(directory: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=upkeep",
            "-c",
            "user.email=upkeep@example.com",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "tag.gpgSign=false"])
        .args(args)
        .current_dir(directory)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is installed");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A bare repository at `bare` with tags `v1.0.0` (lightweight, first commit) and
/// `v1.1.0` (annotated, second commit). Returns the two commit ids.
fn tagged_repository(bare: &Path) -> (String, String) {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bare).unwrap();
    git(bare, &["init", "--bare", "--quiet"]);
    git(work.path(), &["init", "--quiet"]);
    git(
        work.path(),
        &["commit", "--quiet", "--allow-empty", "-m", "first"],
    );
    git(work.path(), &["tag", "v1.0.0"]);
    let first = git(work.path(), &["rev-parse", "HEAD"]);
    git(
        work.path(),
        &["commit", "--quiet", "--allow-empty", "-m", "second"],
    );
    git(work.path(), &["tag", "-a", "v1.1.0", "-m", "release 1.1.0"]);
    let second = git(work.path(), &["rev-parse", "HEAD"]);
    let remote = bare.to_str().unwrap();
    git(
        work.path(),
        &["push", "--quiet", remote, "HEAD:refs/heads/main", "--tags"],
    );
    (first, second)
}

fn query(name: &str) -> ReleaseQuery {
    ReleaseQuery {
        package_name: name.to_owned(),
        ..ReleaseQuery::default()
    }
}

#[tokio::test]
async fn git_tags_lists_lightweight_and_annotated_tags_with_their_commits() {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("modules.git");
    let (first, second) = tagged_repository(&bare);
    let datasource = GitTags::new(&GIT_CLI).allowing_file_urls();
    let url = format!("file://{}", bare.display());
    let context = context(RegistryConfig::default());

    let result = datasource
        .get_releases(&context, &query(&url))
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = result
        .releases
        .iter()
        .map(|release| (release.version.as_str(), release.digest.as_deref().unwrap()))
        .collect();
    assert_eq!(
        tags,
        [("v1.0.0", first.as_str()), ("v1.1.0", second.as_str())]
    );
    assert_eq!(result.source_url, None, "a file URL is not browsable");

    let digest = datasource
        .get_digest(&context, &query(&url), Some("v1.1.0"))
        .await
        .unwrap();
    assert_eq!(
        digest.as_deref(),
        Some(second.as_str()),
        "annotated tags are peeled"
    );
    let head = datasource
        .get_digest(&context, &query(&url), None)
        .await
        .unwrap();
    assert_eq!(head.as_deref(), Some(second.as_str()));
}

#[tokio::test]
async fn github_tags_goes_through_owner_repo_under_the_base_url() {
    let root = tempfile::tempdir().unwrap();
    let (_, second) = tagged_repository(&root.path().join("acme/widgets.git"));
    let base = format!("file://{}/", root.path().display());
    let datasource = GithubTags::new(&GIT_CLI, &base);
    let context = context(RegistryConfig::default());
    let result = datasource
        .get_releases(&context, &query("acme/widgets"))
        .await
        .unwrap();
    assert_eq!(result.releases.len(), 2);
    assert_eq!(result.releases[1].digest.as_deref(), Some(second.as_str()));
    assert_eq!(result.source_url, Some(format!("{base}acme/widgets")));
}

#[tokio::test]
async fn a_missing_repository_is_not_found() {
    let root = tempfile::tempdir().unwrap();
    let datasource = GitTags::new(&GIT_CLI).allowing_file_urls();
    let url = format!("file://{}/nope.git", root.path().display());
    let error = datasource
        .get_releases(&context(RegistryConfig::default()), &query(&url))
        .await
        .unwrap_err();
    assert!(matches!(error, DatasourceError::NotFound { .. }), "{error}");
    assert!(!error.is_host_failure());
    assert!(error.to_string().contains("nope.git"), "{error}");
}

#[tokio::test]
async fn an_unreachable_host_is_a_host_failure_with_the_password_hidden() {
    let datasource = GitTags::new(&GIT_CLI);
    let url = "https://bot:hunter2@127.0.0.1:9/acme/x.git";
    let error = datasource
        .get_releases(&context(RegistryConfig::default()), &query(url))
        .await
        .unwrap_err();
    assert!(error.is_host_failure(), "{error}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[tokio::test]
async fn a_hung_git_is_killed_after_the_timeout() {
    let root = tempfile::tempdir().unwrap();
    let script = root.path().join("slow-git");
    std::fs::write(&script, "#!/bin/sh\nsleep 10\n").unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let runner = GitCli::new(script.to_str().unwrap(), Duration::from_millis(200));
    let started = std::time::Instant::now();
    let error = GitTags::new(&runner)
        .get_releases(
            &context(RegistryConfig::default()),
            &query("https://git.example.com/x.git"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::Http(HttpError::Timeout { .. })),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_missing_git_binary_is_reported_as_unsupported() {
    let runner = GitCli::new("/nonexistent/git", Duration::from_secs(1));
    let error = GitTags::new(&runner)
        .get_releases(
            &context(RegistryConfig::default()),
            &query("https://git.example.com/x.git"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, DatasourceError::Unsupported { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("git CLI"), "{error}");
}

#[test]
fn repository_urls_from_files_are_checked() {
    let strict = GitTags::new(&GIT_CLI);
    let tests = GitTags::new(&GIT_CLI).allowing_file_urls();
    let cases = [
        ("https://git.example.com/a/b.git", true, true),
        ("git::https://git.example.com/a/b.git", true, true),
        ("git@gitlab.com:acme/modules.git", true, true),
        ("ssh://git@host:2222/a/b.git", true, true),
        ("--upload-pack=touch /tmp/x", false, false),
        ("ext::sh -c touch% /tmp/pwned", false, false),
        ("file:///srv/other-checkout", false, true),
        ("/srv/other-checkout", false, false),
        ("../sibling", false, false),
        ("just-a-name", false, false),
    ];
    for (url, strict_ok, tests_ok) in cases {
        assert_eq!(
            strict.repository_url(url).is_ok(),
            strict_ok,
            "strict: {url}"
        );
        assert_eq!(tests.repository_url(url).is_ok(), tests_ok, "tests: {url}");
    }
}

#[test]
fn github_names_are_owner_slash_repo() {
    let datasource = GithubTags::new(&GIT_CLI, GithubTags::DEFAULT_BASE);
    let locate = |name: &str, urls: &[&str]| {
        let query = ReleaseQuery {
            package_name: name.to_owned(),
            registry_urls: urls.iter().map(|url| (*url).to_owned()).collect(),
            ..ReleaseQuery::default()
        };
        datasource
            .locate(&query)
            .map(|(base, repository)| format!("{base}{repository}"))
    };
    assert_eq!(
        locate("actions/checkout", &[]).unwrap(),
        "https://github.com/actions/checkout"
    );
    assert_eq!(
        locate("acme/tool.git", &[]).unwrap(),
        "https://github.com/acme/tool"
    );
    assert_eq!(
        locate("acme/tool", &["https://ghe.example.com/"]).unwrap(),
        "https://ghe.example.com/acme/tool"
    );
    for bad in ["acme", "acme/../x", "a/b/c", "-x/y z"] {
        assert!(locate(bad, &[]).is_err(), "{bad}");
    }
    assert!(locate("acme/tool", &["file:///srv/"]).is_err());
}

#[test]
fn browsable_source_urls() {
    assert_eq!(
        browsable("https://bot:pw@git.example.com/a/b.git").as_deref(),
        Some("https://git.example.com/a/b")
    );
    assert_eq!(browsable("git@host:a/b.git"), None);
    assert_eq!(browsable("ssh://git@host/a/b.git"), None);
}
