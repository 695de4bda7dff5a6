//! The cron schedule starts full passes at the right times (on tokio's paused clock).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use upkeep_server::BoxFuture;
use upkeep_server::cron::Cron;
use upkeep_server::fleet::{RepoOutcome, RepoRef};
use upkeep_server::metrics::Metrics;
use upkeep_server::serve::{Clock, Reason, Service, Work, WorkError, schedule_loop};
use upkeep_server::shutdown::Shutdown;

use crate::support::options;

/// Lists three repositories for every full pass and notes when it was asked.
struct PassRecorder {
    clock: Clock,
    passes: Mutex<Vec<Timestamp>>,
}

impl Work for PassRecorder {
    fn run_repository<'a>(
        &'a self,
        _repo: &'a RepoRef,
        _reason: &'a Reason,
        _shutdown: &'a Shutdown,
    ) -> BoxFuture<'a, RepoOutcome> {
        Box::pin(async { RepoOutcome::Success })
    }

    fn full_pass(&self) -> BoxFuture<'_, Result<Vec<RepoRef>, WorkError>> {
        self.passes.lock().unwrap().push((self.clock)());
        Box::pin(async {
            Ok(vec![
                RepoRef::in_installation(1, "acme/api"),
                RepoRef::in_installation(1, "acme/web"),
                RepoRef::in_installation(2, "globex/site"),
            ])
        })
    }

    fn installation_repositories(
        &self,
        _installation: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, WorkError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

#[tokio::test(start_paused = true)]
async fn full_passes_start_when_the_schedule_matches_and_queue_every_repository() {
    let start: Timestamp = "2026-03-01T10:02:30Z".parse().unwrap();
    let origin = tokio::time::Instant::now();
    let clock: Clock = Arc::new(move || {
        let elapsed = SignedDuration::try_from(origin.elapsed()).unwrap();
        start.checked_add(elapsed).unwrap()
    });
    let work = Arc::new(PassRecorder {
        clock: Arc::clone(&clock),
        passes: Mutex::new(Vec::new()),
    });
    let shutdown = Shutdown::new();
    let service = Service::new(
        options(),
        Arc::clone(&work) as Arc<dyn Work>,
        Arc::new(Metrics::new()),
        shutdown.clone(),
    );
    let cron: Cron = "*/5 * * * *".parse().unwrap();
    tokio::spawn(schedule_loop(Arc::clone(&service), cron, clock));
    tokio::time::sleep(Duration::from_secs(60 * 3)).await;
    assert_eq!(
        service.queue_state(),
        (3, 0),
        "the 10:05 pass queued all three"
    );
    // Nothing dispatches here, so the 10:10 pass finds all three already waiting.
    tokio::time::sleep(Duration::from_secs(60 * 5)).await;
    assert_eq!(service.queue_state(), (3, 0), "queued once, not twice");
    let passes: Vec<String> = work
        .passes
        .lock()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(passes, ["2026-03-01T10:05:00Z", "2026-03-01T10:10:00Z"]);
    shutdown.trigger();
}
