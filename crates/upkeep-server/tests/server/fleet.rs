//! The fleet runner: concurrency, isolation of failures, exit codes, shutdown, shards.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use upkeep_server::fleet::{
    FleetOptions, FleetStatus, RepoOutcome, RepoRef, RepositoryJob, Shard, run_fleet,
};
use upkeep_server::shutdown::Shutdown;

fn fleet(count: usize) -> Vec<RepoRef> {
    (0..count)
        .map(|i| RepoRef::in_installation(7, format!("acme/repo-{i:03}")))
        .collect()
}

fn options(concurrency: usize) -> FleetOptions {
    FleetOptions {
        concurrency: concurrency.try_into().unwrap(),
        ..FleetOptions::default()
    }
}

#[tokio::test]
async fn every_repository_runs_at_most_concurrency_at_a_time() {
    let active = Arc::new(AtomicUsize::new(0));
    let max_active = Arc::new(AtomicUsize::new(0));
    let (active_in, max_in) = (Arc::clone(&active), Arc::clone(&max_active));
    let job = move |_repo: RepoRef, _shutdown: Shutdown| {
        let (active, max_active) = (Arc::clone(&active_in), Arc::clone(&max_in));
        async move {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            max_active.fetch_max(now, Ordering::SeqCst);
            for _ in 0..5 {
                tokio::task::yield_now().await;
            }
            active.fetch_sub(1, Ordering::SeqCst);
            RepoOutcome::Success
        }
    };
    let summary = run_fleet(fleet(40), Arc::new(job), options(3), Shutdown::new()).await;
    assert_eq!(summary.finished.len(), 40);
    assert!(max_active.load(Ordering::SeqCst) <= 3);
    assert_eq!(summary.status(), FleetStatus::Ok);
    assert_eq!(summary.exit_code(), 0);
    let names: Vec<&str> = summary
        .finished
        .iter()
        .map(|(repo, _)| repo.full_name.as_str())
        .collect();
    assert_eq!(names[0], "acme/repo-000", "reported in the order given");
    assert_eq!(names[39], "acme/repo-039");
}

#[tokio::test]
async fn a_failing_or_panicking_repository_never_stops_the_others() {
    let job = |repo: RepoRef, _shutdown: Shutdown| async move {
        match repo.full_name.as_str() {
            "acme/repo-001" => RepoOutcome::Failed("cannot clone: 404".into()),
            "acme/repo-002" => panic!("a bug in one repository"),
            "acme/repo-003" => RepoOutcome::Partial("1 lookup failed".into()),
            "acme/repo-004" => RepoOutcome::Skipped("archived".into()),
            _ => RepoOutcome::Success,
        }
    };
    let summary = run_fleet(fleet(8), Arc::new(job), options(2), Shutdown::new()).await;
    let counts = summary.counts();
    assert_eq!(
        (
            counts.succeeded,
            counts.partial,
            counts.failed,
            counts.skipped
        ),
        (4, 1, 2, 1)
    );
    let panicked = &summary.finished[2].1;
    assert!(
        matches!(panicked, RepoOutcome::Failed(reason) if reason.contains("a bug in one repository")),
        "{panicked:?}"
    );
    assert_eq!(summary.exit_code(), 3);
}

#[tokio::test]
async fn exit_codes_follow_the_binarys() {
    let outcome_job = |outcome: RepoOutcome| {
        move |_repo: RepoRef, _shutdown: Shutdown| {
            let outcome = outcome.clone();
            async move { outcome }
        }
    };
    let failed = run_fleet(
        fleet(3),
        Arc::new(outcome_job(RepoOutcome::Failed("no".into()))),
        options(2),
        Shutdown::new(),
    )
    .await;
    assert_eq!(
        (failed.status(), failed.exit_code()),
        (FleetStatus::Failed, 1)
    );
    let skipped = run_fleet(
        fleet(3),
        Arc::new(outcome_job(RepoOutcome::Skipped("disabled".into()))),
        options(2),
        Shutdown::new(),
    )
    .await;
    assert_eq!(skipped.exit_code(), 0, "skipping on purpose is fine");
    let empty = run_fleet(
        Vec::new(),
        Arc::new(outcome_job(RepoOutcome::Success)),
        options(2),
        Shutdown::new(),
    )
    .await;
    assert_eq!(empty.exit_code(), 0);
}

/// Each job reports it started, then waits for the shutdown and stops at a boundary.
fn waiting_job(started: watch::Sender<usize>) -> impl RepositoryJob {
    let started = Arc::new(started);
    move |_repo: RepoRef, shutdown: Shutdown| {
        let started = Arc::clone(&started);
        async move {
            started.send_modify(|n| *n += 1);
            shutdown.triggered().await;
            RepoOutcome::Interrupted
        }
    }
}

#[tokio::test]
async fn shutdown_starts_no_new_repository_and_lets_running_ones_stop() {
    let (started, mut watcher) = watch::channel(0);
    let shutdown = Shutdown::new();
    let runner = tokio::spawn(run_fleet(
        fleet(6),
        Arc::new(waiting_job(started)),
        options(2),
        shutdown.clone(),
    ));
    watcher.wait_for(|n| *n == 2).await.unwrap();
    shutdown.trigger();
    let summary = runner.await.unwrap();
    assert!(summary.interrupted);
    assert_eq!(summary.finished.len(), 2);
    assert!(
        summary
            .finished
            .iter()
            .all(|(_, outcome)| *outcome == RepoOutcome::Interrupted)
    );
    assert_eq!(summary.not_started.len(), 4);
    assert!(summary.abandoned.is_empty());
    assert_eq!(summary.status(), FleetStatus::Failed, "nothing was done");
}

#[tokio::test]
async fn a_job_still_running_after_the_grace_period_is_abandoned() {
    let (started, mut watcher) = watch::channel(0);
    let started = Arc::new(started);
    let job = move |repo: RepoRef, shutdown: Shutdown| {
        let started = Arc::clone(&started);
        async move {
            started.send_modify(|n| *n += 1);
            if repo.full_name == "acme/repo-000" {
                // Finishes its step and stops.
                shutdown.triggered().await;
                return RepoOutcome::Success;
            }
            // Never checks the signal.
            std::future::pending::<RepoOutcome>().await
        }
    };
    let shutdown = Shutdown::new();
    let options = FleetOptions {
        concurrency: 2.try_into().unwrap(),
        grace_period: Duration::from_millis(50),
    };
    let runner = tokio::spawn(run_fleet(
        fleet(3),
        Arc::new(job),
        options,
        shutdown.clone(),
    ));
    watcher.wait_for(|n| *n == 2).await.unwrap();
    shutdown.trigger();
    let summary = runner.await.unwrap();
    assert_eq!(
        summary.finished,
        vec![(fleet(1).remove(0), RepoOutcome::Success)]
    );
    assert_eq!(summary.abandoned, vec![fleet(2).remove(1)]);
    assert_eq!(summary.not_started, vec![fleet(3).remove(2)]);
    assert_eq!(summary.exit_code(), 3);
}

fn names(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("org-{}/repository-{i}", i % 17))
        .collect()
}

#[test]
fn n_shards_cover_every_repository_exactly_once() {
    let all = names(1000);
    for count in [1, 2, 3, 7, 16] {
        let mut seen: HashMap<String, u32> = HashMap::new();
        for index in 1..=count {
            let shard = Shard::new(index, count).unwrap();
            let mine = shard.select(all.clone(), |name| name.as_str());
            // Spread: no shard is empty or holds more than twice its share.
            assert!(!mine.is_empty() && mine.len() <= 2 * 1000 / count as usize + 1);
            for name in mine {
                assert!(seen.insert(name.clone(), index).is_none(), "{name} twice");
            }
        }
        assert_eq!(seen.len(), all.len(), "{count} shards miss some");
    }
}

#[test]
fn shards_are_stable_across_orderings_and_runs() {
    let all = names(300);
    let shard = Shard::new(2, 5).unwrap();
    let forward = shard.select(all.clone(), |name| name.as_str());
    let mut reversed_input = all.clone();
    reversed_input.reverse();
    let mut backward = shard.select(reversed_input, |name| name.as_str());
    backward.reverse();
    assert_eq!(forward, backward);
    // Pinned: a pod of another build must agree with this one.
    let pinned: Vec<u32> = ["acme/api", "acme/web", "Acme/Billing", "globex/site"]
        .iter()
        .map(|name| upkeep_server::fleet::shard_of(name, 4))
        .collect();
    assert_eq!(pinned, PINNED_SHARDS_OF_4);
}

const PINNED_SHARDS_OF_4: [u32; 4] = [1, 4, 1, 4];
