//! `Cargo.lock`: refreshed with `cargo update -p <spec> --precise <version>`, one
//! package at a time, in the lock file's directory (a workspace's root).
//!
//! - When a manifest changed, `cargo update --workspace` first brings the lock file in
//!   line with it (each changed requirement resolved afresh to its newest match, nothing
//!   else moved): cargo applies `--precise` only to a locked copy that the manifest's
//!   requirement still accepts, so `-p alpha@0.1.0 --precise 0.2.0` after `0.1` became
//!   `0.2` would silently resolve to the newest 0.2 instead.
//! - `<spec>` is `name@locked-version` — the registry name, so a renamed crate is named
//!   by its package — which is unambiguous when several versions of a crate are locked
//!   (`syn` 1 and 2). The copy is read from the lock file *before each invocation*: after
//!   a manifest edit the one the new requirement accepts, for a lockfile-only update the
//!   plan's current version.
//! - `--precise` pins the version the plan chose (a plain re-resolve would take the
//!   newest matching release, which may be younger than `minimumReleaseAge`). It also
//!   serves lockfile-only updates: an in-range bump or a vulnerable transitive crate.
//! - Git and path dependencies are never named with `-p`; the sync covers their edits.
//! - Never `--offline`; `CARGO_HOME`, registries and the repository's
//!   `.cargo/config.toml` are honoured because cargo reads them itself. `cargo update`
//!   runs no build scripts.
//!
//! After the runs, every entry must be locked at its new version, else the refresh is an
//! error (cargo succeeded but did something else).

use std::path::Path;

use semver::{Version, VersionReq};
use upkeep_types::LockFile;

use super::Tools;
use super::jobs::{LockEntry, LockJob};
use super::runner;

/// Refreshes the job's `Cargo.lock`.
pub(super) fn refresh(dir: &Path, job: &LockJob<'_>, tools: &Tools) -> Result<(), String> {
    let cargo = tools
        .cargo
        .as_deref()
        .ok_or("`cargo` is not installed, so `Cargo.lock` cannot be refreshed")?;
    let directory = dir.join(job.directory());
    let lock_path = dir.join(&job.lock_file);
    if job.manifest_changed {
        // `--precise` only moves a locked copy that the manifest's requirement still
        // accepts, so the lock file is first brought in line with the edited manifests
        // (each changed requirement resolved afresh, nothing else moved).
        runner::run(tools, cargo, ["update", "--workspace"], &directory)?;
    }
    for entry in &job.entries {
        let Some(new_version) = entry.new_version.as_deref() else {
            continue;
        };
        let locked = registry_versions(&read_lock(&lock_path, &job.lock_file)?, &entry.name);
        if is_done(&locked, entry, new_version) {
            continue;
        }
        let spec = match current_copy(&locked, entry) {
            Some(version) => format!("{}@{version}", entry.name),
            None => entry.name.clone(),
        };
        runner::run(
            tools,
            cargo,
            ["update", "-p", spec.as_str(), "--precise", new_version],
            &directory,
        )?;
    }
    let lock = read_lock(&lock_path, &job.lock_file)?;
    for entry in &job.entries {
        if let Some(new_version) = &entry.new_version
            && !registry_versions(&lock, &entry.name).contains(new_version)
        {
            return Err(format!(
                "cargo finished but `{}` is not locked at {new_version} (locked: {})",
                entry.name,
                registry_versions(&lock, &entry.name).join(", ")
            ));
        }
    }
    Ok(())
}

fn read_lock(path: &Path, relative: &str) -> Result<LockFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read `{relative}`: {error}"))?;
    let manager = upkeep_manager::get_manager("cargo").ok_or("no cargo manager")?;
    manager
        .parse_lock_file(relative, &text)
        .map_err(|error| format!("cannot parse `{relative}`: {error}"))
}

/// The locked versions of `name` that come from a registry (not git, not path).
fn registry_versions(lock: &LockFile, name: &str) -> Vec<String> {
    lock.packages
        .iter()
        .filter(|package| package.name == name)
        .filter(|package| {
            package.source.as_deref().is_some_and(|source| {
                source.starts_with("registry+") || source.starts_with("sparse+")
            })
        })
        .map(|package| package.version.clone())
        .collect()
}

/// Whether the lock file already holds what the entry asks for. A lockfile-only update
/// must also have left no copy at the old version; after a manifest edit another member
/// may still use the old version.
fn is_done(locked: &[String], entry: &LockEntry<'_>, new_version: &str) -> bool {
    let has_new = locked.iter().any(|version| version == new_version);
    let old_still_there = entry
        .old_version
        .as_deref()
        .is_some_and(|old| old != new_version && locked.iter().any(|version| version == old));
    has_new && !(entry.lockfile_only && old_still_there)
}

/// The locked copy to move: after a manifest edit, the newest copy the new requirement
/// accepts (the one the sync resolved); for a lockfile-only update, the plan's current
/// version; else the only copy.
fn current_copy<'v>(locked: &'v [String], entry: &LockEntry<'_>) -> Option<&'v str> {
    let requirement = entry
        .update
        .update
        .new_value
        .as_deref()
        .filter(|_| !entry.lockfile_only)
        .and_then(|requirement| VersionReq::parse(requirement).ok());
    if let Some(requirement) = requirement {
        let accepted = locked
            .iter()
            .filter_map(|text| Some((Version::parse(text).ok()?, text)))
            .filter(|(version, _)| requirement.matches(version))
            .max_by(|a, b| a.0.cmp(&b.0));
        if let Some((_, text)) = accepted {
            return Some(text);
        }
    }
    if let Some(old) = &entry.old_version
        && let Some(version) = locked.iter().find(|version| *version == old)
    {
        return Some(version);
    }
    match locked {
        [only] => Some(only),
        _ => None,
    }
}
