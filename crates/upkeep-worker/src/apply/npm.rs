//! `package-lock.json` / `npm-shrinkwrap.json`: refreshed with `npm install
//! --package-lock-only --ignore-scripts --no-audit --no-fund` in the lock file's
//! directory (a workspace's root), where npm reads the repository's `.npmrc` itself.
//!
//! ## Lockfile-only updates (in-range bumps, vulnerable transitive packages)
//!
//! `npm install name@version` would make the package a direct dependency, and `npm
//! update name` moves it to the newest version its dependents accept — not the version
//! the plan chose (which may be the lowest fixed one). Editing the lock entry by hand
//! would mean resolving the new version's own dependencies by hand. So npm does the
//! resolving, steered by a temporary override:
//!
//! 1. the root `package.json` gets `"overrides": {"name@old": "new"}` (merged into any
//!    overrides it has): only copies locked at the old version are replaced;
//! 2. `npm install --package-lock-only …` rewrites the lock with the new version, its
//!    integrity and its own dependencies;
//! 3. the root `package.json` is put back byte for byte (npm does not record overrides
//!    in the lock file);
//! 4. `npm install --package-lock-only …` runs again *without* the override: npm keeps a
//!    locked version only while every dependent's range accepts it, so this run proves
//!    the fix fits the parents' requirements — if it does not, npm moves the package
//!    away and the check below reports "needs a parent update".
//!
//! Finally no copy of the package may remain at the old version and one must be at the
//! new one.
//!
//! A repository's scripts never run (`--ignore-scripts`, also set in the environment);
//! `--git=git` keeps a project `.npmrc` from naming another git program.

use std::path::Path;

use serde_json::{Map, Value};
use upkeep_manager::text::join_path;
use upkeep_types::LockFile;

use super::Tools;
use super::jobs::{LockEntry, LockJob};
use super::runner;

/// The arguments of every refresh.
const INSTALL_ARGS: &[&str] = &[
    "install",
    "--package-lock-only",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--git=git",
    "--loglevel=error",
];

/// Refreshes the job's npm lock file.
pub(super) fn refresh(dir: &Path, job: &LockJob<'_>, tools: &Tools) -> Result<(), String> {
    let npm = tools.npm.as_deref().ok_or_else(|| {
        format!(
            "`npm` is not installed, so `{}` cannot be refreshed",
            job.lock_file
        )
    })?;
    let directory = dir.join(job.directory());
    let pinned: Vec<&LockEntry<'_>> = job.entries.iter().filter(|e| e.lockfile_only).collect();
    if pinned.is_empty() {
        runner::run(tools, npm, INSTALL_ARGS, &directory)?;
        return Ok(());
    }
    let manifest_path = directory.join("package.json");
    let manifest_name = join_path(job.directory(), "package.json");
    let original = std::fs::read(&manifest_path)
        .map_err(|error| format!("cannot read `{manifest_name}`: {error}"))?;
    let overridden = with_overrides(&original, &pinned)
        .map_err(|error| format!("cannot add overrides to `{manifest_name}`: {error}"))?;
    std::fs::write(&manifest_path, overridden)
        .map_err(|error| format!("cannot write `{manifest_name}`: {error}"))?;
    let steered = runner::run(tools, npm, INSTALL_ARGS, &directory);
    std::fs::write(&manifest_path, &original)
        .map_err(|error| format!("cannot restore `{manifest_name}`: {error}"))?;
    steered?;
    runner::run(tools, npm, INSTALL_ARGS, &directory)?;
    let lock = read_lock(&dir.join(&job.lock_file), &job.lock_file)?;
    for entry in pinned {
        check_moved(&lock, entry)?;
    }
    Ok(())
}

/// `package.json` with one override `"name@old": "new"` per entry.
fn with_overrides(manifest: &[u8], entries: &[&LockEntry<'_>]) -> Result<Vec<u8>, String> {
    let mut root: Value = serde_json::from_slice(manifest).map_err(|error| error.to_string())?;
    let object = root.as_object_mut().ok_or("it is not a JSON object")?;
    let overrides = object
        .entry("overrides")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("its `overrides` is not an object")?;
    for entry in entries {
        let new_version = entry
            .new_version
            .as_deref()
            .ok_or_else(|| format!("the update of `{}` has no new version", entry.name))?;
        let old_version = entry.old_version.as_deref().ok_or_else(|| {
            format!(
                "the lockfile-only update of `{}` does not say which version it replaces",
                entry.name
            )
        })?;
        overrides.insert(
            format!("{}@{old_version}", entry.name),
            Value::from(new_version),
        );
    }
    serde_json::to_vec_pretty(&root).map_err(|error| error.to_string())
}

fn read_lock(path: &Path, relative: &str) -> Result<LockFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read `{relative}`: {error}"))?;
    let manager = upkeep_manager::get_manager("npm").ok_or("no npm manager")?;
    manager
        .parse_lock_file(relative, &text)
        .map_err(|error| format!("cannot parse `{relative}`: {error}"))
}

/// Checks that a lockfile-only entry moved: no copy left at the old version, one at the
/// new.
fn check_moved(lock: &LockFile, entry: &LockEntry<'_>) -> Result<(), String> {
    let versions: Vec<&str> = lock.versions_of(&entry.name).collect();
    let (old, new) = (
        entry.old_version.as_deref().unwrap_or_default(),
        entry.new_version.as_deref().unwrap_or_default(),
    );
    if versions.contains(&old) || !versions.contains(&new) {
        return Err(format!(
            "npm would not keep `{}` at {new} (locked now: {}): a package that depends on it \
             does not accept that version, so it needs a parent update",
            entry.name,
            if versions.is_empty() {
                "none".to_owned()
            } else {
                versions.join(", ")
            }
        ));
    }
    Ok(())
}
