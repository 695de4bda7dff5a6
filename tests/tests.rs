//! End-to-end tests of the `upkeep` binary.

mod extract;
mod lookup;
