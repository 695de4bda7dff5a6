//! `POST /webhooks/github`: signatures, routing of each event, the queue, the body limit,
//! and the health, readiness and metrics endpoints.

use std::sync::atomic::Ordering;

use serde_json::json;
use upkeep_server::fleet::RepoRef;
use upkeep_server::serve::Reason;
use upkeep_server::serve::signature::sign;

use crate::support::{Behaviour, RecordingWork, SECRET, TestServer, options, read_fixture};

#[tokio::test]
async fn a_correctly_signed_ping_is_answered() {
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    let (status, body) = server.deliver_fixture("ping", "ping").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "pong": true }));
    assert_eq!(
        server
            .metrics
            .value("upkeep_webhooks_total", &["ping", "accepted"]),
        Some(1.0)
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_missing_truncated_and_replayed_signatures_are_refused_with_401() {
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    let body = read_fixture("push_default_branch");
    let good = sign(SECRET.as_bytes(), &body);
    let mut replayed_body = body.clone();
    let text = String::from_utf8(replayed_body.clone()).unwrap();
    replayed_body = text.replace("acme/api", "acme/evil").into_bytes();
    let cases: Vec<(&str, Vec<u8>, Option<String>)> = vec![
        (
            "wrong secret",
            body.clone(),
            Some(sign(b"not the secret", &body)),
        ),
        ("missing", body.clone(), None),
        (
            "truncated",
            body.clone(),
            Some(good[..good.len() - 1].to_owned()),
        ),
        (
            "sha1 form",
            body.clone(),
            Some(good.replace("sha256=", "sha1=")),
        ),
        (
            "replayed with another body",
            replayed_body,
            Some(good.clone()),
        ),
        ("empty", body.clone(), Some(String::new())),
    ];
    let refused = cases.len();
    for (case, body, signature) in cases {
        let (status, answer) = server.deliver("push", body, signature).await;
        assert_eq!(status, 401, "{case}: {answer}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("X-Hub-Signature-256"),
            "{case}: {answer}"
        );
    }
    assert_eq!(server.service.queue_state(), (0, 0), "nothing was queued");
    assert!(server.work.runs().is_empty());
    assert_eq!(
        server
            .metrics
            .value("upkeep_webhooks_total", &["push", "rejected"]),
        Some(refused as f64)
    );
    // The same body with its own signature is fine.
    let (status, _) = server.deliver("push", body, Some(good)).await;
    assert_eq!(status, 202);
    server.stop().await;
}

/// One delivery on a fresh service; returns the answer and the runs it caused.
async fn route_one(
    event: &str,
    fixture: &str,
    runs: usize,
) -> (u16, serde_json::Value, Vec<(RepoRef, Reason)>) {
    let mut work = RecordingWork::new(Behaviour::Immediate);
    work.installations.insert(
        4242,
        vec!["acme/api".into(), "acme/web".into(), "acme/docs".into()],
    );
    let server = TestServer::start(work, options()).await;
    let (status, answer) = server.deliver_fixture(event, fixture).await;
    server.work.wait_finished(runs).await;
    let recorded = server.work.runs();
    server.stop().await;
    (status, answer, recorded)
}

fn api(reason: Reason) -> (RepoRef, Reason) {
    (RepoRef::in_installation(4242, "acme/api"), reason)
}

#[tokio::test]
async fn installation_created_runs_every_listed_repository() {
    let (status, answer, runs) = route_one("installation", "installation_created", 2).await;
    assert_eq!(status, 202);
    assert_eq!(answer, json!({ "queued": ["acme/api", "acme/web"] }));
    assert_eq!(
        runs,
        vec![
            api(Reason::Installed),
            (
                RepoRef::in_installation(4242, "acme/web"),
                Reason::Installed
            ),
        ]
    );
}

#[tokio::test]
async fn accepted_permissions_rerun_the_installation() {
    let (status, _, runs) =
        route_one("installation", "installation_new_permissions_accepted", 1).await;
    assert_eq!(status, 202);
    assert_eq!(runs, vec![api(Reason::Installed)]);
}

#[tokio::test]
async fn an_installation_event_without_a_list_asks_the_work_for_its_repositories() {
    let (status, answer, mut runs) = route_one("installation", "installation_unsuspend", 3).await;
    assert_eq!(status, 202);
    assert_eq!(answer, json!({ "queued_installation": 4242 }));
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = runs.iter().map(|(r, _)| r.full_name.as_str()).collect();
    assert_eq!(names, ["acme/api", "acme/docs", "acme/web"]);
    assert!(runs.iter().all(|(_, reason)| *reason == Reason::Installed));
}

#[tokio::test]
async fn added_repositories_are_run() {
    let (status, answer, runs) = route_one(
        "installation_repositories",
        "installation_repositories_added",
        1,
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(answer, json!({ "queued": ["acme/billing"] }));
    assert_eq!(
        runs,
        vec![(
            RepoRef::in_installation(4242, "acme/billing"),
            Reason::RepositoryAdded
        )]
    );
}

#[tokio::test]
async fn a_push_to_the_default_branch_reruns_the_repository() {
    let (status, _, runs) = route_one("push", "push_default_branch", 1).await;
    assert_eq!(status, 202);
    assert_eq!(
        runs,
        vec![api(Reason::Push {
            branch: "main".into(),
            after: "8d2b1f0c9e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c".into(),
        })]
    );
}

#[tokio::test]
async fn closed_and_edited_pull_requests_rerun_the_repository() {
    for action in ["closed", "edited"] {
        let fixture = format!("pull_request_{action}");
        let (status, _, runs) = route_one("pull_request", &fixture, 1).await;
        assert_eq!(status, 202, "{action}");
        assert_eq!(
            runs,
            vec![api(Reason::PullRequest {
                number: 57,
                action: action.into()
            })]
        );
    }
}

#[tokio::test]
async fn a_dashboard_edit_reruns_the_repository() {
    let (status, _, runs) = route_one("issues", "issues_edited_dashboard", 1).await;
    assert_eq!(status, 202);
    assert_eq!(runs, vec![api(Reason::IssueEdited { number: 12 })]);
}

#[tokio::test]
async fn other_deliveries_are_ignored_with_a_reason() {
    let cases = [
        (
            "push",
            "push_upkeep_branch",
            "not the default branch `main`",
        ),
        ("push", "push_tag", "`refs/tags/v2.4.0` is not a branch"),
        ("push", "push_default_branch_deleted", "was deleted"),
        (
            "pull_request",
            "pull_request_opened",
            "pull_request `opened`",
        ),
        ("issues", "issues_edited_title", "body did not change"),
        ("issues", "issues_opened", "issues `opened`"),
        ("star", "star_created", "does not act on `star` events"),
    ];
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    for (event, fixture, reason) in cases {
        let (status, answer) = server.deliver_fixture(event, fixture).await;
        assert_eq!(status, 202, "{fixture}");
        let ignored = answer["ignored"].as_str().unwrap_or_default();
        assert!(ignored.contains(reason), "{fixture}: {answer}");
    }
    assert_eq!(server.service.queue_state(), (0, 0));
    assert!(server.work.runs().is_empty());
    assert_eq!(
        server
            .metrics
            .value("upkeep_webhooks_total", &["push", "ignored"]),
        Some(3.0)
    );
    assert_eq!(
        server
            .metrics
            .value("upkeep_webhooks_total", &["star", "ignored"]),
        Some(1.0)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_signed_payload_that_does_not_fit_its_event_is_a_400() {
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    let (status, answer) = server
        .deliver_json("push", &json!({ "ref": "refs/heads/main" }))
        .await;
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("`push` payload"),
        "{answer}"
    );
    let (status, _) = server
        .deliver(
            "push",
            b"{not json".to_vec(),
            Some(sign(SECRET.as_bytes(), b"{not json")),
        )
        .await;
    assert_eq!(status, 400);
    server.stop().await;
}

#[tokio::test]
async fn deleting_the_installation_drops_its_queued_work() {
    let mut options = options();
    options.concurrency = 1.try_into().unwrap();
    let server = TestServer::start(RecordingWork::new(Behaviour::Gated), options).await;
    server
        .deliver_fixture("installation", "installation_created")
        .await;
    server.work.wait_started(1).await;
    // acme/api runs (held by the gate), acme/web waits; a push owes acme/api a rerun.
    server.deliver_fixture("push", "push_default_branch").await;
    assert_eq!(server.service.queue_state(), (2, 1));
    let (status, answer) = server
        .deliver_fixture("installation", "installation_deleted")
        .await;
    assert_eq!((status, answer), (202, json!({ "dropped": 2 })));
    assert_eq!(server.service.queue_state(), (0, 1));
    server.work.gate.add_permits(1);
    server.work.wait_finished(1).await;
    assert_eq!(
        server.work.names(),
        ["acme/api"],
        "acme/web and the rerun were dropped"
    );
    let summary = server.stop().await;
    assert_eq!(summary.runs, 1);
}

#[tokio::test]
async fn removed_repositories_are_dropped_from_the_queue() {
    let mut options = options();
    options.concurrency = 1.try_into().unwrap();
    let server = TestServer::start(RecordingWork::new(Behaviour::Gated), options).await;
    server
        .deliver_fixture("installation", "installation_created")
        .await;
    server.work.wait_started(1).await;
    let (_, answer) = server
        .deliver_fixture(
            "installation_repositories",
            "installation_repositories_removed",
        )
        .await;
    assert_eq!(answer, json!({ "dropped": 1 }), "acme/web no longer waits");
    server.work.gate.add_permits(1);
    server.work.wait_finished(1).await;
    assert_eq!(server.work.names(), ["acme/api"]);
    server.stop().await;
}

fn installation_with(names: &[String]) -> serde_json::Value {
    let repositories: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(index, full_name)| {
            json!({
                "id": 800_000 + index,
                "node_id": format!("R_kgDO{index}"),
                "name": full_name.split('/').nth(1).unwrap(),
                "full_name": full_name,
                "private": true,
            })
        })
        .collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&read_fixture("installation_created")).unwrap();
    payload["repositories"] = json!(repositories);
    payload
}

#[tokio::test]
async fn the_queue_runs_each_repository_once_and_at_most_concurrency_at_a_time() {
    let mut options = options();
    options.concurrency = 2.try_into().unwrap();
    let server = TestServer::start(RecordingWork::new(Behaviour::Gated), options).await;
    let names: Vec<String> = (1..=6).map(|i| format!("acme/service-{i}")).collect();
    let (status, _) = server
        .deliver_json("installation", &installation_with(&names))
        .await;
    assert_eq!(status, 202);
    server.work.wait_started(2).await;
    // The same repositories again while 2 run and 4 wait: the waiting ones stay queued
    // once, the running ones are owed exactly one more run.
    let (status, _) = server
        .deliver_json("installation", &installation_with(&names))
        .await;
    assert_eq!(status, 202);
    server
        .deliver_json("installation", &installation_with(&names))
        .await;
    assert_eq!(server.service.queue_state(), (6, 2));
    assert_eq!(server.metrics.value("upkeep_queue_depth", &[]), Some(6.0));
    server.work.gate.add_permits(8);
    server.work.wait_finished(8).await;
    assert_eq!(server.work.max_active.load(Ordering::SeqCst), 2);
    let mut ran = server.work.names();
    ran.sort();
    let mut expected: Vec<String> = names.clone();
    expected.extend(names[..2].iter().cloned());
    expected.sort();
    assert_eq!(
        ran, expected,
        "the two running ones once more, the others once"
    );
    assert_eq!(server.service.queue_state(), (0, 0));
    assert_eq!(server.metrics.value("upkeep_queue_depth", &[]), Some(0.0));
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let mut options = options();
    options.body_limit = 1024;
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options).await;
    let body = read_fixture("push_default_branch");
    assert!(body.len() > 1024);
    let signature = sign(SECRET.as_bytes(), &body);
    let (status, _) = server.deliver("push", body, Some(signature)).await;
    assert_eq!(status, 413);
    let (status, _) = server.deliver_fixture("ping", "ping").await;
    assert_eq!(status, 200, "a small body still passes");
    server.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_endpoints_answer() {
    let server = TestServer::start(RecordingWork::new(Behaviour::Immediate), options()).await;
    assert_eq!(server.get("/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(server.get("/readyz").await.0, 200);
    server.deliver_fixture("ping", "ping").await;
    let (status, text) = server.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(text.contains("upkeep_webhooks_total{event=\"ping\",outcome=\"accepted\"} 1\n"));
    assert!(text.contains("upkeep_queue_depth 0\n"));
    crate::metrics::parse_exposition(&text);
    server.stop().await;
}
