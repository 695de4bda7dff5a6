//! Tests of the apply stage against real tools and loopback registries.
