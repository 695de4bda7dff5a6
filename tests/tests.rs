//! End-to-end tests of the `upkeep` binary.

mod config;
mod extract;
mod lookup;
mod run;
