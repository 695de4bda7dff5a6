//! The HTTP side: `POST /webhooks/github`, `/healthz`, `/readyz`, `/metrics`.
//!
//! A delivery is answered at once (GitHub gives up after 10 seconds): the signature is
//! checked on the raw body, the event is routed, work is queued, and the answer says
//! what was done — `202` with the queued repositories or the reason it was ignored,
//! `200` for a ping, `401` for a bad signature, `400` for a payload that does not fit
//! its event, `413` past the body limit.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::ExposeSecret as _;
use serde_json::json;

use super::Service;
use super::events::{Routing, route};
use super::signature::{SIGNATURE_HEADER, verify};
use crate::metrics::WebhookOutcome;

/// The events [`super::events`] knows, used as metric labels for refused deliveries
/// (whose header is not to be trusted).
const KNOWN_EVENTS: [&str; 6] = [
    "ping",
    "installation",
    "installation_repositories",
    "push",
    "pull_request",
    "issues",
];

/// The service's routes over its shared state.
pub fn router(service: Arc<Service>) -> Router {
    let body_limit = service.options.body_limit;
    Router::new()
        .route(
            "/webhooks/github",
            post(webhook).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(service)
}

async fn readyz(State(service): State<Arc<Service>>) -> Response {
    if service.ready.load(Ordering::SeqCst) && !service.shutdown.is_triggered() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn metrics(State(service): State<Arc<Service>>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::metrics::TEXT_FORMAT)],
        service.metrics.encode(),
    )
        .into_response()
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn webhook(State(service): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    let event = headers
        .get("x-github-event")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let delivery = headers
        .get("x-github-delivery")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let signature = headers.get(SIGNATURE_HEADER).map(|value| value.as_bytes());
    let secret = service.options.webhook_secret.expose_secret().as_bytes();
    if let Err(error) = verify(secret, &body, signature) {
        let label = if KNOWN_EVENTS.contains(&event.as_str()) {
            event.as_str()
        } else {
            "other"
        };
        service
            .metrics
            .count_webhook(label, WebhookOutcome::Rejected);
        tracing::warn!(%delivery, event = label, "webhook refused: {error}");
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({ "error": error.to_string() }),
        );
    }
    // Signed by GitHub, so the event name is one of GitHub's (a bounded set).
    let label = event_label(&event);
    let routing = match route(&event, &body) {
        Ok(routing) => routing,
        Err(error) => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Rejected);
            tracing::warn!(%delivery, event = %label, "webhook refused: {error}");
            return answer(
                StatusCode::BAD_REQUEST,
                json!({ "error": error.to_string() }),
            );
        }
    };
    match routing {
        Routing::Pong => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Accepted);
            answer(StatusCode::OK, json!({ "pong": true }))
        }
        Routing::Ignore(reason) => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Ignored);
            tracing::debug!(%delivery, event = %label, "webhook ignored: {reason}");
            answer(StatusCode::ACCEPTED, json!({ "ignored": reason }))
        }
        Routing::Run(jobs) => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Accepted);
            let names: Vec<String> = jobs.iter().map(|job| job.repo.full_name.clone()).collect();
            tracing::info!(%delivery, event = %label, repositories = ?names, "queued");
            for job in jobs {
                service.enqueue(job);
            }
            answer(StatusCode::ACCEPTED, json!({ "queued": names }))
        }
        Routing::RunInstallation {
            installation,
            reason,
        } => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Accepted);
            tracing::info!(%delivery, event = %label, installation, "listing the installation's repositories");
            let service = Arc::clone(&service);
            tokio::spawn(async move { service.enqueue_installation(installation, reason).await });
            answer(
                StatusCode::ACCEPTED,
                json!({ "queued_installation": installation }),
            )
        }
        Routing::Drop {
            installation,
            repositories,
        } => {
            service
                .metrics
                .count_webhook(&label, WebhookOutcome::Accepted);
            let dropped = service.drop_repositories(installation, repositories.as_deref());
            tracing::info!(%delivery, event = %label, installation, dropped, "dropped queued work");
            answer(StatusCode::ACCEPTED, json!({ "dropped": dropped }))
        }
    }
}

/// The event name as a metric label: GitHub's names are short snake_case words.
fn event_label(event: &str) -> String {
    let plausible = !event.is_empty()
        && event.len() <= 64
        && event.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if plausible {
        event.to_owned()
    } else {
        "other".to_owned()
    }
}
