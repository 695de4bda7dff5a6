//! Counters per host, for the run report, metrics and benchmarks.
//!
//! The counts are what the issue's benchmark goals are stated in: "exactly one request
//! per unique package" is `requests` against the number of packages, and "a warm cache
//! does only revalidations" is `revalidations` with no plain `requests` besides them.
//! A snapshot is a plain, serialisable struct so callers never hold the lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;

/// Counters of one host (`host:port`); serialised with camelCase names, like reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostStats {
    /// Requests sent over the network, each retry and redirect hop included.
    pub requests: u64,
    /// Of those, how many were retries.
    pub retries: u64,
    /// Responses served from a fresh cache entry without a request.
    pub cache_hits: u64,
    /// Conditional requests answered 304 (cached body served).
    pub revalidations: u64,
    /// Calls answered from an identical call of this run (in flight or finished).
    pub coalesced: u64,
    /// Calls that ended in an error (counted once per call, not per attempt).
    pub errors: u64,
}

impl HostStats {
    fn add(&mut self, other: &HostStats) {
        self.requests += other.requests;
        self.retries += other.retries;
        self.cache_hits += other.cache_hits;
        self.revalidations += other.revalidations;
        self.coalesced += other.coalesced;
        self.errors += other.errors;
    }
}

/// A copy of every host's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Counters by `host:port`, sorted.
    pub hosts: BTreeMap<String, HostStats>,
}

impl StatsSnapshot {
    /// The counters of one host (zero when it was never contacted).
    pub fn host(&self, host: &str) -> HostStats {
        self.hosts.get(host).copied().unwrap_or_default()
    }

    /// The sum over all hosts.
    pub fn total(&self) -> HostStats {
        let mut total = HostStats::default();
        for stats in self.hosts.values() {
            total.add(stats);
        }
        total
    }
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Request,
    Retry,
    CacheHit,
    Revalidation,
    Coalesced,
    Error,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    hosts: Mutex<HashMap<String, HostStats>>,
}

impl Stats {
    pub(crate) fn bump(&self, host: &str, counter: Counter) {
        let mut hosts = self.hosts.lock().unwrap();
        let stats = match hosts.get_mut(host) {
            Some(stats) => stats,
            None => hosts.entry(host.to_owned()).or_default(),
        };
        let field = match counter {
            Counter::Request => &mut stats.requests,
            Counter::Retry => &mut stats.retries,
            Counter::CacheHit => &mut stats.cache_hits,
            Counter::Revalidation => &mut stats.revalidations,
            Counter::Coalesced => &mut stats.coalesced,
            Counter::Error => &mut stats.errors,
        };
        *field += 1;
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let hosts = self.hosts.lock().unwrap();
        StatsSnapshot {
            hosts: hosts
                .iter()
                .map(|(host, stats)| (host.clone(), *stats))
                .collect(),
        }
    }
}
