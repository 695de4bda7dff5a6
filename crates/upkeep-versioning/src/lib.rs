//! Versioning: each version scheme upkeep knows — cargo, npm, node, docker, hashicorp,
//! plain SemVer — answers the same questions: is this a version or a range, does a
//! version satisfy a range, how do versions order, is one stable, and what is the new
//! requirement text for a given [`RangeStrategy`].
//!
//! # Parse at the edge
//!
//! Renovate's versioning API takes strings everywhere and re-parses them on every
//! call; a lookup that filters and sorts 500 releases parses each one dozens of times.
//! Here a string is parsed once, by [`Versioning::parse_version`] or
//! [`Versioning::parse_range`], into an opaque typed value, and every other question
//! takes those values. One concrete [`Version`] type (release numbers in a fixed array,
//! prerelease identifiers, docker suffix family) serves every scheme, which keeps the
//! trait object-safe — the registry is a plain list of `&'static dyn Versioning` — and
//! makes comparison allocation-free. A [`Range`] keeps both the syntax the user wrote
//! (for rewriting it in their style) and its meaning desugared into bounds (for
//! matching with a few integer comparisons).
//!
//! # Flow
//!
//! `cargo`, `npm`/`node`, `hashicorp` and `semver` share one comparator grammar
//! (`range`, configured per scheme by a small `Dialect` table in each scheme's
//! folder) and one rewriting algorithm (`new_value`). `docker` stands apart: a tag
//! is a version or nothing, and its suffix is a compatibility family that never
//! changes. Adding a scheme is one folder plus one line in [`VERSIONINGS`].
//!
//! Where the Rust ecosystem has the authoritative parser, it decides validity:
//! Cargo requirements must also parse with the `semver` crate (Cargo's own), npm
//! ranges with `nodejs-semver`. Tests check our matching against both crates.
//!
//! # Non-goals
//!
//! Fetching releases, choosing which one to propose, `followTag` and digests belong to
//! the lookup; this crate only says what a value means. Node's LTS codenames
//! (`lts/hydrogen`) need Node's release schedule and are valid-but-not-versions here.

mod new_value;
mod range;
mod strategy;
mod version;
mod versioning;

pub mod cargo;
pub mod docker;
pub mod hashicorp;
pub mod node;
pub mod npm;
pub mod semver;

pub use new_value::NewValueRequest;
pub use range::Range;
pub use strategy::RangeStrategy;
pub use version::{Identifier, MAX_RELEASE_PARTS, Version};
pub use versioning::Versioning;

/// Every versioning scheme, in one explicit list. A conformance test loops over it.
pub static VERSIONINGS: &[&dyn Versioning] = &[
    &cargo::CargoVersioning,
    &npm::NpmVersioning,
    &node::NodeVersioning,
    &docker::DockerVersioning,
    &hashicorp::HashicorpVersioning,
    &semver::SemverVersioning,
];

/// The scheme with this id (`cargo`, `npm`, `node`, `docker`, `hashicorp`, `semver`).
pub fn get_versioning(id: &str) -> Option<&'static dyn Versioning> {
    VERSIONINGS
        .iter()
        .copied()
        .find(|versioning| versioning.id() == id)
}

#[cfg(test)]
mod tests;
