//! Running upkeep in production, around the one-repository pipeline of `upkeep-worker`.
//!
//! - [`fleet`]: many repositories in one process (`upkeep run` over a fleet, the
//!   CronJob): bounded concurrency, one failure never stops the others, a summary with
//!   an exit code, stable sharding between pods ([`fleet::Shard`]), and SIGTERM handling.
//! - [`shutdown`]: the stop signal shared by the fleet runner, the webhook service and
//!   the jobs, which check it between steps (never mid-push).
//! - [`metrics`]: the Prometheus metrics upkeep exports, their text exposition, and a
//!   push to a Pushgateway at the end of a CronJob run.
//! - [`serve`]: the long-running GitHub App service (`upkeep serve`): signed webhooks,
//!   a per-repository de-duplicating queue, a cron schedule for full passes, `/healthz`,
//!   `/readyz`, `/metrics`, graceful shutdown.
//! - [`cron`]: 5-field cron expressions (the `--schedule` of `serve`).
//!
//! The work itself (cloning, looking up, publishing) is not here: [`fleet::RepositoryJob`]
//! and [`serve::Work`] are small traits the binary implements with the worker and the
//! platform, so this crate never depends on them and its tests use recording jobs.

pub mod cron;
mod error;
pub mod fleet;
pub mod metrics;
pub mod serve;
pub mod shutdown;

pub use error::Error;

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that the job traits stay usable as `Arc<dyn Trait>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
