//! Graceful shutdown of the service, and a real SIGTERM.

use std::time::Duration;

use upkeep_server::shutdown::Shutdown;

use crate::support::{Behaviour, RecordingWork, TestServer, options};

#[tokio::test]
async fn shutdown_lets_running_jobs_stop_at_a_step_boundary_and_starts_no_new_ones() {
    let mut options = options();
    options.concurrency = 1.try_into().unwrap();
    let server = TestServer::start(RecordingWork::new(Behaviour::UntilShutdown), options).await;
    server
        .deliver_fixture("installation", "installation_created")
        .await;
    server.work.wait_started(1).await;
    let base = server.base.clone();
    let work = std::sync::Arc::clone(&server.work);
    let summary = server.stop().await;
    assert_eq!(summary.runs, 1);
    assert_eq!(summary.interrupted, 1, "the job saw the signal");
    assert!(summary.abandoned.is_empty());
    assert_eq!(work.names(), ["acme/api"], "acme/web was never started");
    let refused = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base}/healthz"))
        .send()
        .await;
    assert!(refused.is_err(), "no longer accepting connections");
}

#[tokio::test]
async fn a_job_that_ignores_the_signal_is_abandoned_after_the_grace_period() {
    let mut options = options();
    options.grace_period = Duration::from_millis(100);
    let server = TestServer::start(RecordingWork::new(Behaviour::Stubborn), options).await;
    server.deliver_fixture("push", "push_default_branch").await;
    server.work.wait_started(1).await;
    let summary = server.stop().await;
    assert_eq!(summary.abandoned, ["acme/api"]);
    assert_eq!(summary.runs, 0);
}

#[tokio::test]
async fn readiness_fails_once_shutdown_begins() {
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    assert_eq!(server.get("/readyz").await.0, 200);
    // A second listener on the same service, not tied to the shutdown, to watch
    // /readyz while the first one drains.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let watch_base = format!("http://{}", listener.local_addr().unwrap());
    let router = upkeep_server::serve::router(std::sync::Arc::clone(&server.service));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let ready = client
        .get(format!("{watch_base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    server.shutdown.trigger();
    let not_ready = client
        .get(format!("{watch_base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_ready.status().as_u16(), 503);
    let healthy = client
        .get(format!("{watch_base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthy.status().as_u16(), 200, "alive while draining");
    server.handle.await.unwrap().unwrap();
}

#[tokio::test]
async fn sigterm_triggers_the_shutdown() {
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals().unwrap();
    assert!(!shutdown.is_triggered());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    shutdown.triggered().await;
    assert!(shutdown.is_triggered());
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_request_does_not_hold_the_shutdown() {
    use tokio::io::AsyncWriteExt as _;
    let mut options = options();
    options.grace_period = Duration::from_millis(100);
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    // Make sure the server is serving that connection before the shutdown.
    assert_eq!(server.get("/healthz").await.0, 200);
    let summary = server.stop().await;
    assert_eq!(summary, upkeep_server::serve::ServeSummary::default());
    drop(slow);
}
