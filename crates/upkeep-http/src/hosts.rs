//! Per-host state for one run: a concurrency limit and the "down" memory.
//!
//! Hosts are keyed by `host:port` (`registry.npmjs.org:443`), so two registries on one
//! machine are limited, and fail, separately. Once a connection to a host could not be
//! established (after the one retry the transport allows), the host is marked down
//! with the reason, and every later request to it in this run fails at once with
//! [`HttpError::HostDown`](crate::HttpError::HostDown) without touching the network: a
//! run against a dead registry reports it within seconds, once per host via
//! [`HttpClient::down_hosts`](crate::HttpClient::down_hosts), instead of paying the
//! connect timeout for every package on it. There is no automatic recovery within a
//! run; a new run (a new client) tries again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// A host that could not be reached in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownHost {
    /// `host:port`.
    pub host: String,
    /// What the first failed connection said.
    pub reason: String,
}

#[derive(Debug)]
struct HostState {
    permits: Arc<Semaphore>,
    down: Option<String>,
}

/// All hosts seen in this run.
#[derive(Debug, Default)]
pub(crate) struct Hosts {
    states: Mutex<HashMap<String, HostState>>,
}

/// The key of a URL's host: `host:port`, with the scheme's default port filled in.
pub(crate) fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

impl Hosts {
    /// The reason the host was marked down, if it was.
    pub(crate) fn down_reason(&self, host: &str) -> Option<String> {
        self.states
            .lock()
            .unwrap()
            .get(host)
            .and_then(|state| state.down.clone())
    }

    /// Waits for a request slot on the host. `limit` applies the first time the host
    /// is seen. Fails with the down reason if the host is (or becomes, while waiting)
    /// down.
    pub(crate) async fn acquire(
        &self,
        host: &str,
        limit: usize,
    ) -> Result<OwnedSemaphorePermit, String> {
        let permits = {
            let mut states = self.states.lock().unwrap();
            let state = states.entry(host.to_owned()).or_insert_with(|| HostState {
                permits: Arc::new(Semaphore::new(limit.max(1))),
                down: None,
            });
            if let Some(reason) = &state.down {
                return Err(reason.clone());
            }
            Arc::clone(&state.permits)
        };
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = permits
            .acquire_owned()
            .await
            .map_err(|error| error.to_string())?;
        match self.down_reason(host) {
            Some(reason) => Err(reason),
            None => Ok(permit),
        }
    }

    /// Marks the host down; the first reason recorded is kept. Returns true for the
    /// call that marked it, so that exactly one caller reports the host unreachable and
    /// the others report it down.
    pub(crate) fn mark_down(&self, host: &str, reason: &str) -> bool {
        let mut states = self.states.lock().unwrap();
        match states.get_mut(host) {
            Some(state) if state.down.is_none() => {
                tracing::warn!(
                    host,
                    reason,
                    "host unreachable; failing its remaining requests in this run"
                );
                state.down = Some(reason.to_owned());
                true
            }
            _ => false,
        }
    }

    /// Every host marked down, sorted by name.
    pub(crate) fn down_hosts(&self) -> Vec<DownHost> {
        let states = self.states.lock().unwrap();
        let mut hosts: Vec<DownHost> = states
            .iter()
            .filter_map(|(host, state)| {
                state.down.as_ref().map(|reason| DownHost {
                    host: host.clone(),
                    reason: reason.clone(),
                })
            })
            .collect();
        hosts.sort_by(|a, b| a.host.cmp(&b.host));
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_default_port() {
        assert_eq!(
            host_key(&Url::parse("https://registry.npmjs.org/x").unwrap()),
            "registry.npmjs.org:443"
        );
        assert_eq!(
            host_key(&Url::parse("http://127.0.0.1:5000/v2/").unwrap()),
            "127.0.0.1:5000"
        );
    }

    #[tokio::test]
    async fn a_down_host_refuses_new_slots() {
        let hosts = Hosts::default();
        let permit = hosts.acquire("h:1", 1).await.unwrap();
        assert!(hosts.mark_down("h:1", "connection refused"));
        assert!(!hosts.mark_down("h:1", "a later reason is not kept"));
        drop(permit);
        assert_eq!(
            hosts.acquire("h:1", 1).await.unwrap_err(),
            "connection refused"
        );
        assert_eq!(
            hosts.down_hosts(),
            vec![DownHost {
                host: "h:1".into(),
                reason: "connection refused".into()
            }]
        );
    }
}
