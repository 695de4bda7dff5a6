//! API calls upkeep made, per repository and per identity, and the budget GitHub last
//! reported per identity — for the run report and metrics.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::types::ApiCalls;

use super::auth::Identity;

/// Thread-safe tallies.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: Mutex<Tallies>,
}

#[derive(Debug, Default)]
struct Tallies {
    by_repo: BTreeMap<String, ApiCalls>,
    by_identity: BTreeMap<Identity, ApiCalls>,
    app: ApiCalls,
    remaining: BTreeMap<Identity, u64>,
    not_modified: u64,
}

fn add(calls: &mut ApiCalls, write: bool) {
    if write {
        calls.writes += 1;
    } else {
        calls.reads += 1;
    }
}

impl Counters {
    /// Counts one request sent as `identity` (`None`: as the App, with a JWT) for
    /// `repo`, if any.
    pub(crate) fn count(&self, identity: Option<Identity>, repo: Option<&str>, write: bool) {
        let mut t = self.inner.lock().unwrap();
        match identity {
            Some(id) => add(t.by_identity.entry(id).or_default(), write),
            None => add(&mut t.app, write),
        }
        if let Some(repo) = repo {
            add(t.by_repo.entry(repo.to_string()).or_default(), write);
        }
    }

    /// Counts a `304 Not Modified` (already counted as a read).
    pub(crate) fn count_not_modified(&self) {
        self.inner.lock().unwrap().not_modified += 1;
    }

    /// Records the remaining budget GitHub reported.
    pub(crate) fn set_remaining(&self, identity: Identity, remaining: u64) {
        self.inner
            .lock()
            .unwrap()
            .remaining
            .insert(identity, remaining);
    }

    /// Calls for `repo`.
    pub(crate) fn repo(&self, repo: &str) -> ApiCalls {
        self.inner
            .lock()
            .unwrap()
            .by_repo
            .get(repo)
            .copied()
            .unwrap_or_default()
    }

    /// Calls made as `identity`.
    pub(crate) fn identity(&self, identity: Identity) -> ApiCalls {
        self.inner
            .lock()
            .unwrap()
            .by_identity
            .get(&identity)
            .copied()
            .unwrap_or_default()
    }

    /// Calls per identity that made any, with the budget GitHub last reported for it.
    pub(crate) fn identities(&self) -> Vec<(Identity, ApiCalls, Option<u64>)> {
        let t = self.inner.lock().unwrap();
        t.by_identity
            .iter()
            .map(|(id, calls)| (*id, *calls, t.remaining.get(id).copied()))
            .collect()
    }

    /// Calls made as the App itself (JWT).
    pub(crate) fn app(&self) -> ApiCalls {
        self.inner.lock().unwrap().app
    }

    /// The last remaining budget of `identity`.
    pub(crate) fn remaining(&self, identity: Identity) -> Option<u64> {
        self.inner.lock().unwrap().remaining.get(&identity).copied()
    }

    /// Reads answered `304 Not Modified`.
    pub(crate) fn not_modified(&self) -> u64 {
        self.inner.lock().unwrap().not_modified
    }
}
