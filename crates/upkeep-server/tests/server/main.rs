//! upkeep-server's tests: real HTTP on loopback, a real Pushgateway, recording jobs.

mod support;

mod fleet;
mod metrics;
mod schedule;
mod shutdown;
mod webhooks;
