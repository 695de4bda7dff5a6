//! The stop signal: SIGTERM (what Kubernetes sends before killing a pod) or ctrl-c.
//!
//! One [`Shutdown`] is shared by the runner and every job. Once it is triggered the
//! runner starts no new repository, and a job that checks [`Shutdown::is_triggered`]
//! between steps (between branches, never in the middle of a push) returns early so
//! that no half-written branch is left behind. The runner waits for running jobs for a
//! grace period (shorter than the pod's `terminationGracePeriodSeconds`) and then
//! returns regardless.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The default grace period: running jobs get this long after SIGTERM; it leaves five
/// seconds of Kubernetes' default 30-second `terminationGracePeriodSeconds` for exiting.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(25);

/// A cloneable stop signal; every clone sees the same state.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    /// A signal that nothing has triggered yet.
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Asks everything holding a clone to stop at its next step boundary.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    /// Whether a stop was asked for: jobs check this between steps.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once a stop is asked for (at once if it already was).
    pub async fn triggered(&self) {
        self.token.cancelled().await;
    }

    /// Triggers this signal on SIGTERM or ctrl-c. The handlers are installed before this
    /// returns (a signal right after is not missed); a background task waits for them.
    /// Must be called inside a tokio runtime.
    pub fn trigger_on_signals(&self) -> std::io::Result<()> {
        #[cfg(unix)]
        let mut sigterm =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let shutdown = self.clone();
        tokio::spawn(async move {
            #[cfg(unix)]
            let sigterm = sigterm.recv();
            #[cfg(not(unix))]
            let sigterm = std::future::pending::<Option<()>>();
            tokio::select! {
                _ = sigterm => tracing::info!("SIGTERM received: starting no new work"),
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: starting no new work"),
            }
            shutdown.trigger();
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_trigger() {
        let shutdown = Shutdown::new();
        let job_view = shutdown.clone();
        assert!(!job_view.is_triggered());
        shutdown.trigger();
        assert!(job_view.is_triggered());
        job_view.triggered().await;
    }
}
