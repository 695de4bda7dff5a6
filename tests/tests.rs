//! End-to-end tests of the `upkeep` binary.

mod audit;
mod config;
mod extract;
mod lookup;
mod run;
mod vulnerabilities;
