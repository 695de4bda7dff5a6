//! The credential flow end to end: a smart-HTTP git server on loopback that demands
//! the token, and upkeep cloning and pushing through the credential helper.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use secrecy::SecretString;
use upkeep_git::{CommitMessage, CommitOutcome, GitCredential, GitError, Lease, WorkDir};

use crate::support::{PREFIX, Remote, upkeep_git};

const TOKEN: &str = "ghs_HTTPSECRET0123456789";

/// `http_git_server.py` serving a remote's directory; killed on drop.
struct HttpServer {
    child: Child,
    port: u16,
}

impl HttpServer {
    fn start(remote: &Remote) -> HttpServer {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/real_git/http_git_server.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .arg(remote.root.path())
            .env("UPKEEP_TEST_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for the HTTP git server (apt-get install python3)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the server prints its port");
        HttpServer { child, port }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn token_flows_through_the_helper_for_clone_and_push_over_http() {
    let remote = Remote::new(&[("a.txt", "a\n")]);
    let server = HttpServer::start(&remote);
    let url = format!("{}/remote.git", server.base());
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.log");
    let git = upkeep_git()
        .with_credential(GitCredential::github(
            server.base(),
            SecretString::from(TOKEN),
        ))
        .with_env("GIT_TRACE", &trace)
        .with_env("GIT_TRACE_CURL", &trace);

    let workdir = WorkDir::clone_base(&git, &url, "main", &dir.path().join("w"), PREFIX).unwrap();
    workdir.checkout_from_base("upkeep/a").unwrap();
    workdir.write_file("a.txt", b"b\n").unwrap();
    let CommitOutcome::Committed { commit } = workdir.commit(&CommitMessage::new("m")).unwrap()
    else {
        panic!("expected a commit");
    };
    workdir.push("upkeep/a", &commit, &Lease::Absent).unwrap();
    assert_eq!(remote.head("upkeep/a"), commit);
    assert_eq!(git.ls_remote_heads(&url, PREFIX).unwrap().len(), 1);

    let trace_text = std::fs::read_to_string(&trace).unwrap();
    assert!(
        trace_text.contains("Authorization: Basic <redacted>"),
        "the token was sent"
    );
    assert!(!trace_text.contains(TOKEN));
    let config = std::fs::read_to_string(workdir.path().join(".git/config")).unwrap();
    assert!(!config.contains(TOKEN) && config.contains(&url));
}

#[test]
fn missing_credential_fails_fast_without_prompting() {
    let remote = Remote::new(&[("a.txt", "a\n")]);
    let server = HttpServer::start(&remote);
    let url = format!("{}/remote.git", server.base());
    let dir = tempfile::tempdir().unwrap();
    let wrong = upkeep_git().with_credential(GitCredential::github(
        "http://127.0.0.1:1",
        SecretString::from(TOKEN),
    ));
    for git in [upkeep_git(), wrong] {
        let error =
            WorkDir::clone_base(&git, &url, "main", &dir.path().join("w"), PREFIX).unwrap_err();
        assert!(matches!(error, GitError::Failed { .. }), "{error}");
        assert!(!error.to_string().contains(TOKEN));
    }
}
