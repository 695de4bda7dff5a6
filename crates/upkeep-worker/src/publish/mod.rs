//! The publish stage on a platform: what upkeep writes where humans read — pull
//! requests, the Dependency Dashboard, the onboarding PR — and the decisions about
//! them, each a pure function over plain data so that tables of cases can pin them.
//!
//! ```text
//! marker      the hidden `<!-- upkeep:{json} -->` that makes reruns write nothing
//! limit       GitHub's body length, applied without breaking Markdown
//! pr_body     the PR body: updates table, advisories, problems, settings, checkbox
//! dashboard   the Dependency Dashboard body and the checkboxes read back from it
//! onboarding  the "Configure upkeep" PR: when, and its body
//! forks       whether a forked repository is worked on (`forkProcessing`)
//! lifecycle   closed PRs (ignore), create/update/leave, prCreation, obsolete PRs
//! automerge   native auto-merge, merge when green, fast-forward the base
//! presets     repository presets fetched through the platform
//! ```
//!
//! The I/O that acts on these decisions is [`crate::platform_run`].

pub mod automerge;
pub mod dashboard;
pub mod forks;
pub mod lifecycle;
pub mod limit;
pub mod marker;
pub mod onboarding;
pub mod pr_body;
pub mod presets;

#[cfg(test)]
mod test_support;
