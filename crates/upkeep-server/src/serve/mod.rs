//! `upkeep serve`: the long-running GitHub App service.
//!
//! ```text
//! webhook ─► signature ─► events::route ─┐
//! cron tick ─► Work::full_pass ──────────┼─► queue (one entry per repository) ─► dispatcher
//!                                        │        ≤ concurrency at once           └─► Work::run_repository
//! ```
//!
//! The work itself is the [`Work`] trait, implemented by the binary with the worker and
//! the GitHub platform; tests use a recording one. On shutdown (SIGTERM, ctrl-c) the
//! service stops accepting connections and reports not ready, the dispatcher starts no
//! new repository, running jobs see the [`Shutdown`] and stop at their next step
//! boundary, and after the grace period [`serve`] returns regardless.

pub mod events;
pub mod queue;
mod routes;
pub mod signature;

pub use events::{Job, Reason, Routing};
pub use queue::Enqueued;
pub use routes::router;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::cron::Cron;
use crate::fleet::{RepoOutcome, RepoRef};
use crate::metrics::Metrics;
use crate::shutdown::{DEFAULT_GRACE_PERIOD, Shutdown};
use crate::{BoxFuture, Error};
use queue::QueueState;

/// GitHub caps webhook payloads at 25 MB; larger bodies are refused with 413.
pub const DEFAULT_BODY_LIMIT: usize = 25 * 1024 * 1024;

/// An error from the [`Work`] implementation (listing repositories).
pub type WorkError = Box<dyn std::error::Error + Send + Sync>;

/// What the service runs; the binary implements it with the worker and the platform.
pub trait Work: Send + Sync + 'static {
    /// Runs the pipeline on one repository; checks `shutdown` between steps (never
    /// mid-push) and returns [`RepoOutcome::Interrupted`] when it stopped early.
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        reason: &'a Reason,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome>;

    /// The repositories of a full pass (every repository of every installation); the
    /// service queues each one, so a repository already queued or running is not run
    /// twice at once.
    fn full_pass(&self) -> BoxFuture<'_, Result<Vec<RepoRef>, WorkError>>;

    /// The full names of one installation's repositories, for installation events whose
    /// payload does not list them.
    fn installation_repositories(
        &self,
        installation: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, WorkError>>;
}

/// How the service runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The webhook secret deliveries are signed with.
    pub webhook_secret: SecretString,
    /// Repositories run at once, across every source of work.
    pub concurrency: NonZeroUsize,
    /// When full passes start; none without it.
    pub schedule: Option<Cron>,
    /// How long running jobs get after a shutdown.
    pub grace_period: Duration,
    /// The largest webhook body accepted, in bytes.
    pub body_limit: usize,
}

impl ServeOptions {
    /// Defaults around a secret: concurrency 4, no schedule, 25 s grace, 25 MB bodies.
    pub fn new(webhook_secret: SecretString) -> ServeOptions {
        ServeOptions {
            webhook_secret,
            concurrency: NonZeroUsize::new(4).expect("non-zero"),
            schedule: None,
            grace_period: DEFAULT_GRACE_PERIOD,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

/// What happened to the runs of a service that has stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServeSummary {
    /// Runs that ended (whatever their outcome).
    pub runs: usize,
    /// Runs that ended with [`RepoOutcome::Interrupted`].
    pub interrupted: usize,
    /// Repositories still running when the grace period ended.
    pub abandoned: Vec<String>,
}

/// The state the routes and background tasks share.
pub struct Service {
    options: ServeOptions,
    work: Arc<dyn Work>,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
    queue: Mutex<QueueState>,
    queued: Notify,
    ready: AtomicBool,
}

impl Service {
    /// A service that is not yet dispatching (see [`serve`]).
    pub fn new(
        options: ServeOptions,
        work: Arc<dyn Work>,
        metrics: Arc<Metrics>,
        shutdown: Shutdown,
    ) -> Arc<Service> {
        metrics.set_queue_depth(0);
        Arc::new(Service {
            options,
            work,
            metrics,
            shutdown,
            queue: Mutex::new(QueueState::default()),
            queued: Notify::new(),
            ready: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update_depth(&self, queue: &QueueState) {
        self.metrics.set_queue_depth(queue.depth());
    }

    /// Queues one repository.
    pub fn enqueue(&self, job: Job) -> Enqueued {
        let mut queue = self.lock();
        let enqueued = queue.push(job);
        self.update_depth(&queue);
        drop(queue);
        self.queued.notify_one();
        enqueued
    }

    /// Lists an installation's repositories through [`Work`] and queues them.
    pub async fn enqueue_installation(&self, installation: u64, reason: Reason) {
        match self.work.installation_repositories(installation).await {
            Ok(names) => {
                for full_name in names {
                    self.enqueue(Job {
                        repo: RepoRef::in_installation(installation, full_name),
                        reason: reason.clone(),
                    });
                }
            }
            Err(error) => tracing::error!(
                installation,
                "cannot list the installation's repositories: {error}"
            ),
        }
    }

    /// Starts a full pass: lists the repositories through [`Work`] and queues them.
    pub async fn start_full_pass(&self) {
        match self.work.full_pass().await {
            Ok(repositories) => {
                tracing::info!(repositories = repositories.len(), "full pass queued");
                let jobs = repositories
                    .into_iter()
                    .map(|repo| Job {
                        repo,
                        reason: Reason::Schedule,
                    })
                    .collect();
                let mut queue = self.lock();
                queue.push_pass(jobs);
                self.update_depth(&queue);
                drop(queue);
                self.queued.notify_one();
            }
            Err(error) => tracing::error!("cannot list the repositories for a full pass: {error}"),
        }
    }

    /// Drops queued work of an installation (or some of its repositories).
    pub fn drop_repositories(&self, installation: u64, repositories: Option<&[String]>) -> usize {
        let mut queue = self.lock();
        let dropped = queue.drop_repositories(installation, repositories);
        self.update_depth(&queue);
        dropped
    }

    /// Repositories waiting and running now.
    pub fn queue_state(&self) -> (usize, usize) {
        let queue = self.lock();
        (queue.depth(), queue.running())
    }

    async fn next_job(&self) -> Job {
        loop {
            let notified = self.queued.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut queue = self.lock();
                if let Some(job) = queue.take_next() {
                    self.update_depth(&queue);
                    return job;
                }
            }
            notified.await;
        }
    }

    fn finish(&self, full_name: &str) {
        let mut queue = self.lock();
        let finished = queue.finish(full_name);
        self.update_depth(&queue);
        drop(queue);
        if finished.requeued {
            self.queued.notify_one();
        }
        if finished.pass_complete {
            self.metrics
                .set_last_run_timestamp(Timestamp::now().as_millisecond() as f64 / 1000.0);
        }
    }
}

/// Marks a repository's run finished even if its job panics.
struct FinishOnDrop {
    service: Arc<Service>,
    full_name: String,
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.service.finish(&self.full_name);
    }
}

/// Serves on `listener` until `shutdown`, then drains within the grace period.
pub async fn serve(listener: TcpListener, service: Arc<Service>) -> Result<ServeSummary, Error> {
    let address = listener
        .local_addr()
        .map(|address| address.to_string())
        .unwrap_or_default();
    let shutdown = service.shutdown.clone();
    let grace_period = service.options.grace_period;
    let dispatcher = tokio::spawn(dispatch(Arc::clone(&service)));
    if let Some(cron) = service.options.schedule.clone() {
        tokio::spawn(schedule_loop(
            Arc::clone(&service),
            cron,
            Arc::new(Timestamp::now),
        ));
    }
    service.ready.store(true, Ordering::SeqCst);
    tracing::info!(%address, "serving webhooks");
    let http_shutdown = shutdown.clone();
    let router = router(Arc::clone(&service));
    let mut http = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { http_shutdown.triggered().await })
            .await
    });
    let served = tokio::select! {
        served = &mut http => served,
        () = shutdown.triggered() => {
            // Open connections get the grace period to finish, like the runs.
            match tokio::time::timeout(grace_period, &mut http).await {
                Ok(served) => served,
                Err(_) => {
                    http.abort();
                    Ok(Ok(()))
                }
            }
        }
    };
    service.ready.store(false, Ordering::SeqCst);
    // However the server ended, the dispatcher stops too.
    shutdown.trigger();
    let summary = match tokio::time::timeout(grace_period * 2, dispatcher).await {
        Ok(Ok(summary)) => summary,
        _ => ServeSummary::default(),
    };
    match served {
        Ok(Ok(())) => Ok(summary),
        Ok(Err(source)) => Err(Error::Serve { address, source }),
        Err(join_error) => Err(Error::Serve {
            address,
            source: std::io::Error::other(join_error.to_string()),
        }),
    }
}

/// Takes jobs from the queue and runs at most `concurrency` of them at once.
async fn dispatch(service: Arc<Service>) -> ServeSummary {
    let shutdown = service.shutdown.clone();
    let slots = Arc::new(Semaphore::new(service.options.concurrency.get()));
    let mut running = Running::default();
    loop {
        let (job, permit) = tokio::select! {
            biased;
            () = shutdown.triggered() => break,
            Some(joined) = running.tasks.join_next_with_id() => {
                running.tally(joined);
                continue;
            }
            job = next_with_slot(&service, &slots) => job,
        };
        let full_name = job.repo.full_name.clone();
        let service = Arc::clone(&service);
        let job_shutdown = shutdown.clone();
        let handle = running.tasks.spawn(async move {
            let _permit = permit;
            let _finish = FinishOnDrop {
                service: Arc::clone(&service),
                full_name: job.repo.full_name.clone(),
            };
            tracing::info!(repository = %job.repo.full_name, reason = %job.reason, "run starts");
            let outcome = service
                .work
                .run_repository(&job.repo, &job.reason, &job_shutdown)
                .await;
            tracing::info!(repository = %job.repo.full_name, ?outcome, "run ended");
            outcome
        });
        running.names.insert(handle.id(), full_name);
    }
    let deadline = tokio::time::Instant::now() + service.options.grace_period;
    while !running.tasks.is_empty() {
        match tokio::time::timeout_at(deadline, running.tasks.join_next_with_id()).await {
            Ok(Some(joined)) => running.tally(joined),
            Ok(None) => break,
            Err(_) => {
                tracing::warn!(
                    still_running = running.tasks.len(),
                    "grace period over: abandoning running repositories"
                );
                running.tasks.abort_all();
                while let Some(joined) = running.tasks.join_next_with_id().await {
                    if joined.is_ok() {
                        running.tally(joined);
                    }
                }
                break;
            }
        }
    }
    let mut abandoned: Vec<String> = running.names.into_values().collect();
    abandoned.sort();
    ServeSummary {
        abandoned,
        ..running.summary
    }
}

/// The dispatcher's running tasks and what the finished ones did.
#[derive(Default)]
struct Running {
    tasks: JoinSet<RepoOutcome>,
    names: HashMap<tokio::task::Id, String>,
    summary: ServeSummary,
}

impl Running {
    fn tally(&mut self, joined: Result<(tokio::task::Id, RepoOutcome), tokio::task::JoinError>) {
        match joined {
            Ok((id, outcome)) => {
                self.names.remove(&id);
                self.summary.runs += 1;
                if outcome == RepoOutcome::Interrupted {
                    self.summary.interrupted += 1;
                }
            }
            Err(error) => {
                let name = self.names.remove(&error.id()).unwrap_or_default();
                self.summary.runs += 1;
                tracing::error!(repository = %name, "the repository run panicked");
            }
        }
    }
}

/// Waits for a free slot, then for a job.
async fn next_with_slot(
    service: &Service,
    slots: &Arc<Semaphore>,
) -> (Job, tokio::sync::OwnedSemaphorePermit) {
    let permit = Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    (service.next_job().await, permit)
}

/// A clock, so tests can run the schedule on tokio's paused time.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Starts a full pass at every time the cron expression matches, until shutdown.
pub async fn schedule_loop(service: Arc<Service>, cron: Cron, clock: Clock) {
    loop {
        let now = clock();
        let Some(next) = cron.next_after(now) else {
            tracing::warn!(schedule = %cron, "the schedule never matches again");
            return;
        };
        let wait = Duration::try_from(next.duration_since(now)).unwrap_or(Duration::ZERO);
        tracing::debug!(schedule = %cron, %next, "next full pass");
        tokio::select! {
            () = service.shutdown.triggered() => return,
            () = tokio::time::sleep(wait) => {}
        }
        service.start_full_pass().await;
    }
}
