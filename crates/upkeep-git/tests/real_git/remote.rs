//! ls-remote and the token's absence from argv, config and traces.

use secrecy::SecretString;
use upkeep_git::{CommitMessage, CommitOutcome, GitCredential, Lease, WorkDir};

use crate::support::{PREFIX, Remote, human, upkeep_git};

#[test]
fn ls_remote_resolves_lightweight_and_annotated_tags_to_commits() {
    let remote = Remote::new(&[("a.txt", "a\n")]);
    let checkout = remote.human_dir();
    let first = human(&checkout, &["rev-parse", "HEAD"]);
    human(&checkout, &["tag", "v1.0.0"]);
    let second = remote.human_commit("main", &[("a.txt", "b\n")], "second");
    human(&checkout, &["tag", "-a", "-m", "release", "v2.0.0"]);
    human(&checkout, &["push", "--quiet", "origin", "--tags"]);
    let tag_object = human(&checkout, &["rev-parse", "v2.0.0"]);
    assert_ne!(tag_object, second);

    let tags = upkeep_git().ls_remote_tags(&remote.url()).unwrap();
    let pairs: Vec<(&str, &str)> = tags
        .iter()
        .map(|t| (t.name.as_str(), t.commit.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![("v1.0.0", first.as_str()), ("v2.0.0", second.as_str())]
    );
}

#[test]
fn ls_remote_heads_filters_by_prefix() {
    let remote = Remote::new(&[("a.txt", "a\n")]);
    let checkout = remote.human_dir();
    for branch in ["upkeep/a", "upkeep/b/c", "feature/upkeep/x", "upkeeper"] {
        human(
            &checkout,
            &[
                "push",
                "--quiet",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ],
        );
    }
    let heads = upkeep_git().ls_remote_heads(&remote.url(), PREFIX).unwrap();
    let names: Vec<&str> = heads.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, vec!["upkeep/a", "upkeep/b/c"]);
    let all = upkeep_git().ls_remote_heads(&remote.url(), "").unwrap();
    assert_eq!(all.len(), 5);
}

#[test]
fn token_never_reaches_argv_config_or_trace() {
    const TOKEN: &str = "ghs_TOPSECRET0123456789";
    let remote = Remote::new(&[("a.txt", "a\n")]);
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.log");
    // The credential is scoped to the remote's URL, so git would hand it out if asked.
    let git = upkeep_git()
        .with_credential(GitCredential::github(
            remote.url(),
            SecretString::from(TOKEN),
        ))
        .with_env("GIT_TRACE", &trace)
        .with_env("GIT_TRACE_PACKET", &trace)
        .with_env("GIT_TRACE_SETUP", &trace);

    let workdir =
        WorkDir::clone_base(&git, &remote.url(), "main", &dir.path().join("w"), PREFIX).unwrap();
    workdir.checkout_from_base("upkeep/a").unwrap();
    workdir.write_file("a.txt", b"changed\n").unwrap();
    let CommitOutcome::Committed { commit } = workdir.commit(&CommitMessage::new("m")).unwrap()
    else {
        panic!("expected a commit");
    };
    workdir.push("upkeep/a", &commit, &Lease::Absent).unwrap();
    git.ls_remote_tags(&remote.url()).unwrap();

    let trace_text = std::fs::read_to_string(&trace).unwrap();
    assert!(
        trace_text.contains("trace: built-in: git clone"),
        "the trace covers argv"
    );
    assert!(!trace_text.contains(TOKEN), "token in GIT_TRACE output");
    let config = std::fs::read_to_string(workdir.path().join(".git/config")).unwrap();
    assert!(
        !config.contains(TOKEN) && !config.contains("helper"),
        "{config}"
    );
    for entry in walk(workdir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let found = bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes());
        assert!(!found, "token written to {}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
