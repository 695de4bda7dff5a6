//! Test doubles for the platform tests.

pub mod memory;
