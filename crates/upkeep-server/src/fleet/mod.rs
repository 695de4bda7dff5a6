//! Many repositories in one process: the CronJob's `upkeep run` over a fleet.
//!
//! [`run_fleet`] runs one [`RepositoryJob`] per repository, at most `concurrency` at a
//! time, each in its own task: a job that fails or panics becomes that repository's
//! [`RepoOutcome::Failed`] and the others go on. When the [`Shutdown`] is triggered no
//! new repository starts (those are reported as not started), running jobs see the
//! signal and should stop at their next step boundary, and after the grace period the
//! runner returns anyway, abandoning what still runs. The [`FleetSummary`] tells what
//! happened and which exit code the process should end with.

mod shard;

pub use shard::{Shard, shard_of};

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::BoxFuture;
use crate::shutdown::{DEFAULT_GRACE_PERIOD, Shutdown};

/// Exit code when every repository succeeded (the binary's `EXIT_OK`).
pub const EXIT_OK: u8 = 0;
/// Exit code when every repository failed (the binary's `EXIT_FAILURE`).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code when some repositories failed or were not run (the binary's `EXIT_PARTIAL`).
pub const EXIT_PARTIAL: u8 = 3;

/// A repository of the fleet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoRef {
    /// The GitHub App installation it belongs to, when run as an App.
    pub installation: Option<u64>,
    /// `owner/name`.
    pub full_name: String,
}

impl RepoRef {
    /// A repository outside any App installation (token auth).
    pub fn new(full_name: impl Into<String>) -> RepoRef {
        RepoRef {
            installation: None,
            full_name: full_name.into(),
        }
    }

    /// A repository of an App installation.
    pub fn in_installation(installation: u64, full_name: impl Into<String>) -> RepoRef {
        RepoRef {
            installation: Some(installation),
            full_name: full_name.into(),
        }
    }
}

/// How one repository's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoOutcome {
    /// Everything was done.
    Success,
    /// The run finished with some errors (files, lookups, branches); they are in its report.
    Partial(String),
    /// The repository could not be processed (clone, config, auth, a panic).
    Failed(String),
    /// Deliberately not processed (disabled, archived, no config and onboarding off).
    Skipped(String),
    /// Stopped early at a step boundary because of a shutdown; nothing half-written.
    Interrupted,
}

/// One repository's work, run by [`run_fleet`]. A plain async closure
/// `Fn(RepoRef, Shutdown) -> impl Future<Output = RepoOutcome>` is one too.
pub trait RepositoryJob: Send + Sync + 'static {
    /// Runs the pipeline on `repo`; checks `shutdown` between steps (never mid-push).
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome>;
}

impl<F, Fut> RepositoryJob for F
where
    F: Fn(RepoRef, Shutdown) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = RepoOutcome> + Send + 'static,
{
    fn run_repository<'a>(
        &'a self,
        repo: &'a RepoRef,
        shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(self(repo.clone(), shutdown.clone()))
    }
}

/// How [`run_fleet`] runs.
#[derive(Clone, Copy, Debug)]
pub struct FleetOptions {
    /// Repositories processed at once (`--concurrency`).
    pub concurrency: NonZeroUsize,
    /// How long running jobs get after a shutdown before the runner returns.
    pub grace_period: Duration,
}

impl Default for FleetOptions {
    fn default() -> FleetOptions {
        FleetOptions {
            concurrency: NonZeroUsize::new(4).expect("non-zero"),
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

/// What a fleet run did, repository by repository, in the order they were given.
#[derive(Clone, Debug, Default)]
pub struct FleetSummary {
    /// Repositories that ran, with their outcome.
    pub finished: Vec<(RepoRef, RepoOutcome)>,
    /// Repositories never started because of a shutdown.
    pub not_started: Vec<RepoRef>,
    /// Repositories still running when the grace period ended.
    pub abandoned: Vec<RepoRef>,
    /// Whether a shutdown was asked for during the run.
    pub interrupted: bool,
}

/// The run's overall result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetStatus {
    /// Every repository succeeded or was skipped on purpose (or there were none).
    Ok,
    /// Some did, some did not (failed, partial, interrupted, not started).
    Partial,
    /// Nothing succeeded.
    Failed,
}

impl FleetStatus {
    /// The process exit code: 0, 3 or 1, as the binary's other commands.
    pub fn exit_code(self) -> u8 {
        match self {
            FleetStatus::Ok => EXIT_OK,
            FleetStatus::Partial => EXIT_PARTIAL,
            FleetStatus::Failed => EXIT_FAILURE,
        }
    }
}

/// Repositories per result, for the log line and the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FleetCounts {
    /// [`RepoOutcome::Success`].
    pub succeeded: usize,
    /// [`RepoOutcome::Partial`].
    pub partial: usize,
    /// [`RepoOutcome::Failed`], plus the abandoned ones.
    pub failed: usize,
    /// [`RepoOutcome::Skipped`].
    pub skipped: usize,
    /// [`RepoOutcome::Interrupted`] plus the never started ones.
    pub not_done: usize,
}

impl FleetSummary {
    /// Repositories per result.
    pub fn counts(&self) -> FleetCounts {
        let mut counts = FleetCounts {
            failed: self.abandoned.len(),
            not_done: self.not_started.len(),
            ..FleetCounts::default()
        };
        for (_, outcome) in &self.finished {
            match outcome {
                RepoOutcome::Success => counts.succeeded += 1,
                RepoOutcome::Partial(_) => counts.partial += 1,
                RepoOutcome::Failed(_) => counts.failed += 1,
                RepoOutcome::Skipped(_) => counts.skipped += 1,
                RepoOutcome::Interrupted => counts.not_done += 1,
            }
        }
        counts
    }

    /// The overall result: nothing went wrong, some did, or nothing succeeded.
    pub fn status(&self) -> FleetStatus {
        let counts = self.counts();
        let troubled = counts.partial + counts.failed + counts.not_done;
        if troubled == 0 {
            FleetStatus::Ok
        } else if counts.succeeded + counts.partial + counts.skipped == 0 {
            FleetStatus::Failed
        } else {
            FleetStatus::Partial
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.status().exit_code()
    }
}

/// Runs `job` on every repository, at most `options.concurrency` at once, until done or
/// until `shutdown` plus the grace period.
pub async fn run_fleet(
    repositories: Vec<RepoRef>,
    job: Arc<dyn RepositoryJob>,
    options: FleetOptions,
    shutdown: Shutdown,
) -> FleetSummary {
    let total = repositories.len();
    let mut outcomes: Vec<Option<RepoOutcome>> = vec![None; total];
    let mut pending = repositories.iter().cloned().enumerate();
    let mut running: JoinSet<(usize, RepoOutcome)> = JoinSet::new();
    let mut running_ids: HashMap<tokio::task::Id, usize> = HashMap::new();
    loop {
        while running.len() < options.concurrency.get() && !shutdown.is_triggered() {
            let Some((position, repo)) = pending.next() else {
                break;
            };
            let job = Arc::clone(&job);
            let job_shutdown = shutdown.clone();
            let handle = running.spawn(async move {
                let outcome = job.run_repository(&repo, &job_shutdown).await;
                (position, outcome)
            });
            running_ids.insert(handle.id(), position);
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            Some(joined) = running.join_next_with_id() => {
                record(joined, &mut running_ids, &mut outcomes, &repositories);
            }
            () = shutdown.triggered() => {
                drain_within_grace(&mut running, &mut running_ids, &mut outcomes, &repositories, options.grace_period).await;
                break;
            }
        }
    }
    let mut summary = FleetSummary {
        interrupted: shutdown.is_triggered(),
        ..FleetSummary::default()
    };
    for (position, repo) in repositories.into_iter().enumerate() {
        match outcomes[position].take() {
            Some(outcome) => summary.finished.push((repo, outcome)),
            None if running_ids.values().any(|&p| p == position) => summary.abandoned.push(repo),
            None => summary.not_started.push(repo),
        }
    }
    summary
}

type Joined = Result<(tokio::task::Id, (usize, RepoOutcome)), tokio::task::JoinError>;

/// Files a finished task's outcome; a panicked job becomes a failure of its repository.
fn record(
    joined: Joined,
    running_ids: &mut HashMap<tokio::task::Id, usize>,
    outcomes: &mut [Option<RepoOutcome>],
    repositories: &[RepoRef],
) {
    match joined {
        Ok((id, (position, outcome))) => {
            running_ids.remove(&id);
            outcomes[position] = Some(outcome);
        }
        Err(error) => {
            let Some(position) = running_ids.remove(&error.id()) else {
                return;
            };
            let reason = if error.is_panic() {
                format!("the job panicked: {}", panic_message(error.into_panic()))
            } else {
                "the job was cancelled".to_owned()
            };
            tracing::error!(repository = %repositories[position].full_name, "{reason}");
            outcomes[position] = Some(RepoOutcome::Failed(reason));
        }
    }
}

/// After a shutdown: waits for running jobs until the grace period ends, then aborts
/// the rest (they stay in `running_ids`, to be reported as abandoned).
async fn drain_within_grace(
    running: &mut JoinSet<(usize, RepoOutcome)>,
    running_ids: &mut HashMap<tokio::task::Id, usize>,
    outcomes: &mut [Option<RepoOutcome>],
    repositories: &[RepoRef],
    grace_period: Duration,
) {
    let deadline = tokio::time::Instant::now() + grace_period;
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.join_next_with_id()).await {
            Ok(Some(joined)) => record(joined, running_ids, outcomes, repositories),
            Ok(None) => break,
            Err(_) => {
                tracing::warn!(
                    running = running.len(),
                    "grace period over: abandoning the repositories still running"
                );
                running.abort_all();
                break;
            }
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
