//! The vocabulary of upkeep: the plain data that flows between pipeline stages.
//!
//! One struct per stage, not one bag of optional fields:
//!
//! ```text
//! extract ─► Dependency ─► lookup ─► LookedUpDependency (+ Update) ─► plan ─► PlannedUpdate ─► Branch
//! ```
//!
//! Serialised field names follow Renovate (`depName`, `currentValue`, `skipReason`, …)
//! so that a JSON report can be diffed against Renovate's. This crate does no I/O.

mod datasource;
mod dependency;
mod lockfile;
mod skip_reason;
mod stage;

pub use datasource::Datasource;
pub use dependency::{Dependency, DependencyChange, Location, PackageFile, Span};
pub use lockfile::{LockFile, LockedPackage};
pub use skip_reason::SkipReason;
pub use stage::{
    Branch, BranchState, DependencyAdvisory, LeftOutUpdate, LimitState, LookedUpDependency,
    PendingVersion, PlannedUpdate, ScheduleState, Update, UpdateType,
};
