//! `upkeep serve` as a process: refuses to start without a secret, answers health
//! checks and signed webhooks, and exits cleanly on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use upkeep_server::serve::signature::sign;

const SECRET: &str = "e2e webhook secret";

fn upkeep() -> Command {
    let mut command = crate::upkeep();
    command.env_remove("UPKEEP_WEBHOOK_SECRET");
    command
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and the body.
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_refuses_to_start_without_a_webhook_secret() {
    let output = upkeep()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("UPKEEP_WEBHOOK_SECRET"), "{stderr}");
}

#[test]
fn serve_rejects_a_bad_schedule() {
    let output = upkeep()
        .args(["serve", "--schedule", "61 * * * *"])
        .env("UPKEEP_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("minute: 61 is outside 0-59"), "{stderr}");
}

#[test]
fn serve_answers_webhooks_and_exits_cleanly_on_sigterm() {
    let gh = upkeep_testkit::github::FakeGitHub::start();
    gh.create_installation("acme");
    let port = free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = upkeep()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--schedule",
            "0 3 * * *",
            "--endpoint",
            &gh.url(),
            "--github-app-id",
            &gh.app_id().to_string(),
            "--github-app-key-file",
            gh.app_key().private_key_path().to_str().unwrap(),
        ])
        .env("UPKEEP_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some((200, _)) = request(port, "GET", "/healthz", &[], b"") {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "upkeep serve exited ({status}): {}",
                std::fs::read_to_string(log.path()).unwrap()
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "upkeep serve did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(request(port, "GET", "/readyz", &[], b"").unwrap().0, 200);

    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/upkeep-server/tests/fixtures/webhooks/push_default_branch.json");
    let body = std::fs::read(fixture).unwrap();
    let signed = |body: &[u8]| {
        vec![
            ("X-GitHub-Event", "push".to_owned()),
            ("Content-Type", "application/json".to_owned()),
            ("X-Hub-Signature-256", sign(SECRET.as_bytes(), body)),
        ]
    };
    let (status, answer) =
        request(port, "POST", "/webhooks/github", &signed(&body), &body).unwrap();
    assert_eq!(status, 202, "{answer}");
    assert!(answer.contains("acme/api"), "{answer}");
    let mut forged = signed(&body);
    forged[2].1 = sign(b"guessed", &body);
    assert_eq!(
        request(port, "POST", "/webhooks/github", &forged, &body)
            .unwrap()
            .0,
        401
    );
    let (_, metrics) = request(port, "GET", "/metrics", &[], b"").unwrap();
    assert!(
        metrics.contains("upkeep_webhooks_total{event=\"push\",outcome=\"accepted\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("upkeep_webhooks_total{event=\"push\",outcome=\"rejected\"} 1"),
        "{metrics}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(log.path()).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("run starts"), "{stderr}");
    assert!(stderr.contains("acme/api"), "{stderr}");
    assert!(!stderr.contains(SECRET), "the secret is never logged");
}
