//! End-to-end tests of the `upkeep` binary.

mod audit;
mod cache;
mod config;
mod deploy;
mod extract;
mod github;
mod logs;
mod lookup;
mod run;
mod serve;
