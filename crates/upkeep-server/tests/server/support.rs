//! A recording [`Work`], a service on a loopback port, and signed deliveries.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use upkeep_server::fleet::{RepoOutcome, RepoRef};
use upkeep_server::metrics::Metrics;
use upkeep_server::serve::signature::sign;
use upkeep_server::serve::{Reason, ServeOptions, ServeSummary, Service, Work, WorkError, serve};
use upkeep_server::shutdown::Shutdown;
use upkeep_server::{BoxFuture, Error};

pub const SECRET: &str = "It's a Secret to Everybody";

/// How a recorded run behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Returns at once.
    Immediate,
    /// Waits for a permit from the gate (or for a shutdown: then returns Interrupted).
    Gated,
    /// Waits for a shutdown, then returns Interrupted.
    UntilShutdown,
    /// Never returns, whatever happens (a job that does not check the signal).
    Stubborn,
}

/// Records what it is asked to run; counts concurrent runs.
pub struct RecordingWork {
    behaviour: Behaviour,
    pub gate: Arc<Semaphore>,
    runs: Mutex<Vec<(RepoRef, Reason)>>,
    active: AtomicUsize,
    pub max_active: AtomicUsize,
    started: watch::Sender<usize>,
    finished: watch::Sender<usize>,
    pub installations: HashMap<u64, Vec<String>>,
    pub full_pass: Vec<RepoRef>,
}

impl RecordingWork {
    pub fn new(behaviour: Behaviour) -> RecordingWork {
        RecordingWork {
            behaviour,
            gate: Arc::new(Semaphore::new(0)),
            runs: Mutex::new(Vec::new()),
            active: AtomicUsize::new(0),
            max_active: AtomicUsize::new(0),
            started: watch::channel(0).0,
            finished: watch::channel(0).0,
            installations: HashMap::new(),
            full_pass: Vec::new(),
        }
    }

    /// Every run started so far, in start order.
    pub fn runs(&self) -> Vec<(RepoRef, Reason)> {
        self.runs.lock().unwrap().clone()
    }

    /// The full names run so far, in start order.
    pub fn names(&self) -> Vec<String> {
        self.runs()
            .into_iter()
            .map(|(repo, _)| repo.full_name)
            .collect()
    }

    /// Waits until at least `count` runs have started.
    pub async fn wait_started(&self, count: usize) {
        let mut receiver = self.started.subscribe();
        receiver
            .wait_for(|started| *started >= count)
            .await
            .unwrap();
    }

    /// Waits until at least `count` runs have finished.
    pub async fn wait_finished(&self, count: usize) {
        let mut receiver = self.finished.subscribe();
        receiver.wait_for(|done| *done >= count).await.unwrap();
    }
}

impl Work for RecordingWork {
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        reason: &'a Reason,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(async move {
            self.runs
                .lock()
                .unwrap()
                .push((repo.clone(), reason.clone()));
            let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_active.fetch_max(now, Ordering::SeqCst);
            self.started.send_modify(|n| *n += 1);
            let outcome = match self.behaviour {
                Behaviour::Immediate => RepoOutcome::Success,
                Behaviour::Gated => tokio::select! {
                    permit = self.gate.acquire() => {
                        permit.unwrap().forget();
                        RepoOutcome::Success
                    }
                    () = shutdown.triggered() => RepoOutcome::Interrupted,
                },
                Behaviour::UntilShutdown => {
                    shutdown.triggered().await;
                    RepoOutcome::Interrupted
                }
                Behaviour::Stubborn => std::future::pending().await,
            };
            self.active.fetch_sub(1, Ordering::SeqCst);
            self.finished.send_modify(|n| *n += 1);
            outcome
        })
    }

    fn full_pass(&self) -> BoxFuture<'_, Result<Vec<RepoRef>, WorkError>> {
        Box::pin(async move { Ok(self.full_pass.clone()) })
    }

    fn installation_repositories(
        &self,
        installation: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, WorkError>> {
        Box::pin(async move {
            self.installations
                .get(&installation)
                .cloned()
                .ok_or_else(|| format!("installation {installation} is unknown").into())
        })
    }
}

/// The service on a loopback port.
pub struct TestServer {
    pub base: String,
    pub service: Arc<Service>,
    pub work: Arc<RecordingWork>,
    pub metrics: Arc<Metrics>,
    pub shutdown: Shutdown,
    pub handle: JoinHandle<Result<ServeSummary, Error>>,
    client: reqwest::Client,
}

/// Options with the test secret.
pub fn options() -> ServeOptions {
    ServeOptions::new(SecretString::from(SECRET))
}

impl TestServer {
    pub async fn start(work: RecordingWork, options: ServeOptions) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let work = Arc::new(work);
        let metrics = Arc::new(Metrics::new());
        let shutdown = Shutdown::new();
        let service = Service::new(
            options,
            Arc::clone(&work) as Arc<dyn Work>,
            Arc::clone(&metrics),
            shutdown.clone(),
        );
        let handle = tokio::spawn(serve(listener, Arc::clone(&service)));
        TestServer {
            base,
            service,
            work,
            metrics,
            shutdown,
            handle,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// Posts `body` as a delivery of `event` with the given signature header.
    pub async fn deliver(
        &self,
        event: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .client
            .post(format!("{}/webhooks/github", self.base))
            .header("x-github-event", event)
            .header("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, json)
    }

    /// Posts a fixture signed with the right secret.
    pub async fn deliver_fixture(&self, event: &str, fixture: &str) -> (u16, serde_json::Value) {
        let body = read_fixture(fixture);
        let signature = sign(SECRET.as_bytes(), &body);
        self.deliver(event, body, Some(signature)).await
    }

    /// Posts a JSON value signed with the right secret.
    pub async fn deliver_json(
        &self,
        event: &str,
        payload: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = sign(SECRET.as_bytes(), &body);
        self.deliver(event, body, Some(signature)).await
    }

    /// GETs a path; returns the status and the body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Triggers the shutdown and waits for `serve` to return.
    pub async fn stop(self) -> ServeSummary {
        self.shutdown.trigger();
        self.handle.await.unwrap().unwrap()
    }
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhooks")
        .join(format!("{name}.json"))
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
