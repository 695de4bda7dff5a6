//! upkeep's Prometheus metrics: one [`Metrics`] registry per process.
//!
//! The names, types and labels are a contract with the Grafana dashboard:
//!
//! | name | type | labels |
//! | --- | --- | --- |
//! | `upkeep_runs_total` | counter | `result` (success, partial, failed) |
//! | `upkeep_run_duration_seconds` | histogram | `stage` (clone … publish, total) |
//! | `upkeep_repositories_total` | counter | `result` (processed, failed, skipped) |
//! | `upkeep_dependencies` | gauge | `repository`, `manager` |
//! | `upkeep_outdated_dependencies` | gauge | `repository`, `update_type` |
//! | `upkeep_vulnerable_dependencies` | gauge | `repository`, `severity` |
//! | `upkeep_pull_requests_total` | counter | `action` (opened, updated, closed, merged) |
//! | `upkeep_registry_requests_total` | counter | `host` |
//! | `upkeep_registry_cache_hits_total` | counter | `host` |
//! | `upkeep_registry_errors_total` | counter | `host` |
//! | `upkeep_github_api_calls_total` | counter | `installation`, `kind` (read, write) |
//! | `upkeep_github_rate_limit_remaining` | gauge | `installation` |
//! | `upkeep_last_run_timestamp_seconds` | gauge | — |
//! | `upkeep_webhooks_total` | counter | `event`, `outcome` (accepted, rejected, ignored) |
//! | `upkeep_queue_depth` | gauge | — |
//!
//! Observation methods take plain numbers and maps, so the binary feeds them from run
//! reports without this crate knowing the report types. The per-repository gauges
//! describe the last run: setting them replaces every series of that repository (a
//! manager no longer found disappears instead of keeping its old value). Counters with
//! a closed set of labels start at 0, so `rate()` and `increase()` see the first event.
//! [`Metrics::encode`] gives the text exposition for `/metrics` and the Pushgateway.

mod exposition;
mod pushgateway;

pub use exposition::{Family, Kind, escape_label_value, number_text};
pub use pushgateway::{Pushgateway, TEXT_FORMAT};

use std::sync::{Mutex, MutexGuard};

use crate::fleet::FleetCounts;

/// Upper bounds of the duration histogram, in seconds: a fast stage to a slow clone.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The label value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

label_enum!(
    /// How a repository run ended (`upkeep_runs_total{result}`).
    RunResult {
        /// Everything done.
        Success => "success",
        /// Done with some errors.
        Partial => "partial",
        /// Not done.
        Failed => "failed",
    }
);

label_enum!(
    /// A pipeline stage (`upkeep_run_duration_seconds{stage}`).
    Stage {
        /// Cloning.
        Clone => "clone",
        /// Reading the repository config.
        Config => "config",
        /// Extracting dependencies.
        Extract => "extract",
        /// Registry and vulnerability lookups.
        Lookup => "lookup",
        /// Planning branches.
        Plan => "plan",
        /// Editing files and lock files.
        Apply => "apply",
        /// Pushing branches, PRs, the dashboard.
        Publish => "publish",
        /// The whole run.
        Total => "total",
    }
);

label_enum!(
    /// What happened to a repository (`upkeep_repositories_total{result}`).
    RepositoryResult {
        /// It was processed (completely or partly).
        Processed => "processed",
        /// It could not be processed.
        Failed => "failed",
        /// It was skipped on purpose.
        Skipped => "skipped",
    }
);

label_enum!(
    /// A pull request action (`upkeep_pull_requests_total{action}`).
    PullRequestAction {
        /// A new PR.
        Opened => "opened",
        /// An existing PR got new commits or text.
        Updated => "updated",
        /// A PR closed without merging (superseded, no longer needed).
        Closed => "closed",
        /// A PR merged (automerge).
        Merged => "merged",
    }
);

label_enum!(
    /// What a webhook delivery became (`upkeep_webhooks_total{outcome}`).
    WebhookOutcome {
        /// Signed and acted upon (queued work, dropped work, answered a ping).
        Accepted => "accepted",
        /// Bad or missing signature, or a payload that does not parse.
        Rejected => "rejected",
        /// Signed, but nothing to do.
        Ignored => "ignored",
    }
);

struct Families {
    runs: Family,
    run_duration: Family,
    repositories: Family,
    dependencies: Family,
    outdated: Family,
    vulnerable: Family,
    pull_requests: Family,
    registry_requests: Family,
    registry_cache_hits: Family,
    registry_errors: Family,
    github_api_calls: Family,
    github_rate_limit: Family,
    last_run: Family,
    webhooks: Family,
    queue_depth: Family,
}

impl Families {
    fn all(&self) -> [&Family; 15] {
        [
            &self.runs,
            &self.run_duration,
            &self.repositories,
            &self.dependencies,
            &self.outdated,
            &self.vulnerable,
            &self.pull_requests,
            &self.registry_requests,
            &self.registry_cache_hits,
            &self.registry_errors,
            &self.github_api_calls,
            &self.github_rate_limit,
            &self.last_run,
            &self.webhooks,
            &self.queue_depth,
        ]
    }
}

/// The process's metrics; share it as `Arc<Metrics>`.
pub struct Metrics {
    families: Mutex<Families>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Every family of the contract, closed-label counters at 0.
    pub fn new() -> Metrics {
        use Kind::{Counter, Gauge};
        let mut families = Families {
            runs: Family::new(
                "upkeep_runs_total",
                "Repository runs finished, by result.",
                Counter,
                &["result"],
            ),
            run_duration: Family::histogram(
                "upkeep_run_duration_seconds",
                "Time per pipeline stage per repository run.",
                &["stage"],
                &DURATION_BUCKETS,
            ),
            repositories: Family::new(
                "upkeep_repositories_total",
                "Repositories handled, by result.",
                Counter,
                &["result"],
            ),
            dependencies: Family::new(
                "upkeep_dependencies",
                "Dependencies found at the last run, by repository and manager.",
                Gauge,
                &["repository", "manager"],
            ),
            outdated: Family::new(
                "upkeep_outdated_dependencies",
                "Dependencies with an update at the last run, by repository and update type.",
                Gauge,
                &["repository", "update_type"],
            ),
            vulnerable: Family::new(
                "upkeep_vulnerable_dependencies",
                "Vulnerable dependencies at the last run, by repository and severity.",
                Gauge,
                &["repository", "severity"],
            ),
            pull_requests: Family::new(
                "upkeep_pull_requests_total",
                "Pull request actions.",
                Counter,
                &["action"],
            ),
            registry_requests: Family::new(
                "upkeep_registry_requests_total",
                "Registry HTTP requests, by host.",
                Counter,
                &["host"],
            ),
            registry_cache_hits: Family::new(
                "upkeep_registry_cache_hits_total",
                "Registry answers served from the cache (fresh or revalidated), by host.",
                Counter,
                &["host"],
            ),
            registry_errors: Family::new(
                "upkeep_registry_errors_total",
                "Failed registry requests, by host.",
                Counter,
                &["host"],
            ),
            github_api_calls: Family::new(
                "upkeep_github_api_calls_total",
                "GitHub API calls, by installation and kind (read, write).",
                Counter,
                &["installation", "kind"],
            ),
            github_rate_limit: Family::new(
                "upkeep_github_rate_limit_remaining",
                "The last x-ratelimit-remaining seen, by installation.",
                Gauge,
                &["installation"],
            ),
            last_run: Family::new(
                "upkeep_last_run_timestamp_seconds",
                "End of the last full pass, in unix seconds.",
                Gauge,
                &[],
            ),
            webhooks: Family::new(
                "upkeep_webhooks_total",
                "Webhook deliveries, by event and outcome.",
                Counter,
                &["event", "outcome"],
            ),
            queue_depth: Family::new(
                "upkeep_queue_depth",
                "Repositories waiting in the queue.",
                Gauge,
                &[],
            ),
        };
        for result in RunResult::ALL {
            families.runs.add(&[result.as_str()], 0.0);
        }
        for result in RepositoryResult::ALL {
            families.repositories.add(&[result.as_str()], 0.0);
        }
        for action in PullRequestAction::ALL {
            families.pull_requests.add(&[action.as_str()], 0.0);
        }
        Metrics {
            families: Mutex::new(families),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Families> {
        // A panic while holding the lock leaves the numbers usable; keep serving them.
        self.families
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The metric names, in exposition order.
    pub fn names(&self) -> Vec<&'static str> {
        self.lock()
            .all()
            .iter()
            .map(|family| family.name())
            .collect()
    }

    /// One repository run finished: its result and the seconds each stage took (stages
    /// that did not run are left out).
    pub fn observe_run(&self, result: RunResult, stage_seconds: &[(Stage, f64)]) {
        let mut families = self.lock();
        families.runs.add(&[result.as_str()], 1.0);
        for (stage, seconds) in stage_seconds {
            families.run_duration.observe(&[stage.as_str()], *seconds);
        }
    }

    /// One repository handled.
    pub fn count_repository(&self, result: RepositoryResult) {
        self.lock().repositories.add(&[result.as_str()], 1.0);
    }

    /// A fleet run's repositories: succeeded and partial ones count as processed,
    /// failed and abandoned ones as failed, skipped ones as skipped; those never started
    /// (shutdown) are not counted.
    pub fn count_fleet(&self, counts: &FleetCounts) {
        let mut families = self.lock();
        let processed = (counts.succeeded + counts.partial) as f64;
        families
            .repositories
            .add(&[RepositoryResult::Processed.as_str()], processed);
        families
            .repositories
            .add(&[RepositoryResult::Failed.as_str()], counts.failed as f64);
        families
            .repositories
            .add(&[RepositoryResult::Skipped.as_str()], counts.skipped as f64);
    }

    /// Dependencies per manager found in `repository` at its last run (replaces the
    /// repository's previous series).
    pub fn set_dependencies<K: AsRef<str>>(
        &self,
        repository: &str,
        by_manager: impl IntoIterator<Item = (K, u64)>,
    ) {
        replace_repository(&mut self.lock().dependencies, repository, by_manager);
    }

    /// Dependencies with an update per update type (`major`, `minor`, `patch`, `digest`,
    /// `pin`, `lockfileUpdate`, …) in `repository` at its last run.
    pub fn set_outdated_dependencies<K: AsRef<str>>(
        &self,
        repository: &str,
        by_update_type: impl IntoIterator<Item = (K, u64)>,
    ) {
        replace_repository(&mut self.lock().outdated, repository, by_update_type);
    }

    /// Vulnerable dependencies per severity (`critical`, `high`, `medium`, `low`,
    /// `unknown`; other spellings are lower-cased) in `repository` at its last run.
    pub fn set_vulnerable_dependencies<K: AsRef<str>>(
        &self,
        repository: &str,
        by_severity: impl IntoIterator<Item = (K, u64)>,
    ) {
        let normalized: Vec<(String, u64)> = by_severity
            .into_iter()
            .map(|(severity, count)| (severity.as_ref().to_ascii_lowercase(), count))
            .collect();
        replace_repository(&mut self.lock().vulnerable, repository, normalized);
    }

    /// Drops every per-repository series of `repository` (uninstalled, archived).
    pub fn forget_repository(&self, repository: &str) {
        let mut families = self.lock();
        let families = &mut *families;
        for family in [
            &mut families.dependencies,
            &mut families.outdated,
            &mut families.vulnerable,
        ] {
            family.remove_where(|labels| labels[0] == repository);
        }
    }

    /// `count` pull request actions of one kind.
    pub fn count_pull_requests(&self, action: PullRequestAction, count: u64) {
        self.lock()
            .pull_requests
            .add(&[action.as_str()], count as f64);
    }

    /// Registry traffic to `host`: requests made, answers from the cache, failures.
    pub fn count_registry(&self, host: &str, requests: u64, cache_hits: u64, errors: u64) {
        let mut families = self.lock();
        families.registry_requests.add(&[host], requests as f64);
        families.registry_cache_hits.add(&[host], cache_hits as f64);
        families.registry_errors.add(&[host], errors as f64);
    }

    /// GitHub API calls made for `installation` (its id, or `token` without an App).
    pub fn count_github_api_calls(&self, installation: &str, reads: u64, writes: u64) {
        let mut families = self.lock();
        families
            .github_api_calls
            .add(&[installation, "read"], reads as f64);
        families
            .github_api_calls
            .add(&[installation, "write"], writes as f64);
    }

    /// The last `x-ratelimit-remaining` GitHub sent for `installation`.
    pub fn set_github_rate_limit_remaining(&self, installation: &str, remaining: u64) {
        self.lock()
            .github_rate_limit
            .set(&[installation], remaining as f64);
    }

    /// The end of the last full pass, in unix seconds.
    pub fn set_last_run_timestamp(&self, unix_seconds: f64) {
        self.lock().last_run.set(&[], unix_seconds);
    }

    /// One webhook delivery of `event` (the `X-GitHub-Event` header).
    pub fn count_webhook(&self, event: &str, outcome: WebhookOutcome) {
        self.lock().webhooks.add(&[event, outcome.as_str()], 1.0);
    }

    /// How many repositories wait in the queue.
    pub fn set_queue_depth(&self, depth: usize) {
        self.lock().queue_depth.set(&[], depth as f64);
    }

    /// The value of a counter or gauge series (for tests and logs).
    pub fn value(&self, name: &str, labels: &[&str]) -> Option<f64> {
        let families = self.lock();
        let family = families.all().into_iter().find(|f| f.name() == name)?;
        family.value(labels)
    }

    /// The text exposition of every family.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for family in self.lock().all() {
            family.encode(&mut out);
        }
        out
    }
}

fn replace_repository<K: AsRef<str>>(
    family: &mut Family,
    repository: &str,
    counts: impl IntoIterator<Item = (K, u64)>,
) {
    family.remove_where(|labels| labels[0] == repository);
    for (label, count) in counts {
        family.set(&[repository, label.as_ref()], count as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_run_replaces_a_repositorys_gauges() {
        let metrics = Metrics::new();
        metrics.set_dependencies("acme/api", [("cargo", 12), ("npm", 30)]);
        metrics.set_dependencies("acme/web", [("npm", 7)]);
        metrics.set_dependencies("acme/api", [("cargo", 13)]);
        assert_eq!(
            metrics.value("upkeep_dependencies", &["acme/api", "cargo"]),
            Some(13.0)
        );
        assert_eq!(
            metrics.value("upkeep_dependencies", &["acme/api", "npm"]),
            None
        );
        assert_eq!(
            metrics.value("upkeep_dependencies", &["acme/web", "npm"]),
            Some(7.0)
        );
        metrics.forget_repository("acme/web");
        assert_eq!(
            metrics.value("upkeep_dependencies", &["acme/web", "npm"]),
            None
        );
    }

    #[test]
    fn closed_label_counters_start_at_zero() {
        let metrics = Metrics::new();
        for result in ["success", "partial", "failed"] {
            assert_eq!(metrics.value("upkeep_runs_total", &[result]), Some(0.0));
        }
        metrics.observe_run(RunResult::Partial, &[(Stage::Lookup, 1.5)]);
        assert_eq!(metrics.value("upkeep_runs_total", &["partial"]), Some(1.0));
    }

    #[test]
    fn a_fleet_summary_counts_repositories_by_result() {
        let metrics = Metrics::new();
        metrics.count_fleet(&FleetCounts {
            succeeded: 5,
            partial: 2,
            failed: 1,
            skipped: 3,
            not_done: 4,
        });
        let value = |result| metrics.value("upkeep_repositories_total", &[result]);
        assert_eq!(
            (value("processed"), value("failed"), value("skipped")),
            (Some(7.0), Some(1.0), Some(3.0))
        );
    }

    #[test]
    fn severities_are_lower_cased() {
        let metrics = Metrics::new();
        metrics.set_vulnerable_dependencies("acme/api", [("HIGH", 2), ("low", 1)]);
        assert_eq!(
            metrics.value("upkeep_vulnerable_dependencies", &["acme/api", "high"]),
            Some(2.0)
        );
    }
}
