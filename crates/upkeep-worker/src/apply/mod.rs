//! The apply stage: one branch's planned updates written into a directory holding the
//! base branch's files — manifests edited in place, then lock files refreshed by each
//! ecosystem's own tool.
//!
//! ```text
//! updates ─► edit (manager update, confirmed by re-extraction) ─► lock jobs (one per
//! lock file) ─► cargo / npm / pnpm / yarn / .terraform.lock.hcl ─► ApplyResult
//! ```
//!
//! - **Edits** ([`edit`]): every update with a new value or digest goes through
//!   [`upkeep_manager::update_dependency`]; several updates of one file apply one after the
//!   other, and every occurrence of the same dependency is changed (two identical `FROM`
//!   lines). A failed edit is an [`UpdateFailure`]; the other updates go ahead.
//! - **Lock jobs**: after all edits, each affected lock file is refreshed once, with every
//!   update it concerns. Updates whose type is `lockfileUpdate` (or that carry no new
//!   value and no digest) change only the lock file: an in-range bump or a vulnerable
//!   transitive package (issue 5). Such an update may name the lock file itself as its
//!   `packageFile`.
//! - **Tools** ([`runner`]) run as child processes with an argument vector (never a
//!   shell), a timeout, an environment without upkeep's own secrets, and their stderr
//!   redacted; a repository's scripts are never run. A tool failure is an
//!   [`ArtifactError`] on the branch: the lock file is put back as it was, the manifest
//!   edits are kept, and the caller decides what to do with the branch.
//!
//! Non-goals: committing (the caller does), choosing versions (lookup and planning do),
//! resolving dependencies by hand (the tools do).

pub mod cargo;
pub mod edit;
pub mod npm;
pub mod pnpm_yarn;
pub mod runner;
pub mod terraform_lock;

mod jobs;
mod provider_hashes;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use upkeep_types::PlannedUpdate;

pub use provider_hashes::hash1_zip;
pub use terraform_lock::{FetchError, ProviderRegistry};

/// What applying a branch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResult {
    /// Files whose content changed (relative, `/`-separated, sorted).
    pub changed_files: Vec<String>,
    /// Lock files that could not be refreshed; each was left as it was.
    pub artifact_errors: Vec<ArtifactError>,
    /// Updates that could not be applied to their manifest (or matched to a lock file).
    pub update_errors: Vec<UpdateFailure>,
}

impl ApplyResult {
    /// Whether every update and every lock file went through.
    pub fn is_clean(&self) -> bool {
        self.artifact_errors.is_empty() && self.update_errors.is_empty()
    }
}

/// A lock file that its tool could not refresh — reported on the branch and its PR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactError {
    /// The lock file, relative to the repository root.
    pub lock_file: String,
    /// The tool that failed or is missing (`cargo`, `npm`, `pnpm`, `yarn`, `terraform-registry`).
    pub tool: String,
    /// What went wrong: the command and the tail of its (redacted) stderr.
    pub message: String,
}

/// An update that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFailure {
    /// The package file the update names.
    pub package_file: String,
    /// The dependency.
    pub dep_name: String,
    /// Why not.
    pub message: String,
}

/// The lock file tools and what they run with. Cheap to clone.
#[derive(Clone)]
pub struct Tools {
    /// `cargo`, when installed.
    pub cargo: Option<PathBuf>,
    /// `npm`, when installed.
    pub npm: Option<PathBuf>,
    /// `pnpm`, when installed.
    pub pnpm: Option<PathBuf>,
    /// `yarn`, when installed.
    pub yarn: Option<PathBuf>,
    /// How long one tool invocation may take before it is killed.
    pub timeout: Duration,
    /// Variables added to every tool's environment after cleaning (e.g. `CARGO_HOME`,
    /// `npm_config_cache`); they win over upkeep's defaults.
    pub env: Vec<(String, String)>,
    /// Secrets that must never appear in a message (tokens handed to registries).
    pub secrets: Vec<SecretString>,
    /// The HTTP side of `.terraform.lock.hcl` refreshes; without it, provider lock
    /// entries are reported as artifact errors.
    pub provider_registry: Option<Arc<dyn ProviderRegistry>>,
}

/// The default time one tool invocation may take.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(900);

impl Tools {
    /// The tools found on `PATH`, the default timeout, no extra environment, no
    /// provider registry.
    pub fn from_path() -> Tools {
        Tools {
            cargo: find_on_path("cargo"),
            npm: find_on_path("npm"),
            pnpm: find_on_path("pnpm"),
            yarn: find_on_path("yarn"),
            timeout: DEFAULT_TOOL_TIMEOUT,
            env: Vec::new(),
            secrets: Vec::new(),
            provider_registry: None,
        }
    }

    /// Adds a variable to every tool's environment.
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Tools {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Uses `registry` for Terraform provider downloads.
    pub fn with_provider_registry(mut self, registry: Arc<dyn ProviderRegistry>) -> Tools {
        self.provider_registry = Some(registry);
        self
    }
}

impl std::fmt::Debug for Tools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tools")
            .field("cargo", &self.cargo)
            .field("npm", &self.npm)
            .field("pnpm", &self.pnpm)
            .field("yarn", &self.yarn)
            .field("timeout", &self.timeout)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("secrets", &self.secrets.len())
            .field("provider_registry", &self.provider_registry.is_some())
            .finish()
    }
}

/// `name` in a directory of `PATH`, if it is there.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
}

/// Applies `updates` (one branch's) to the files under `dir`, in place: manifests
/// first, then each affected lock file once. Never fails as a whole: what could not be
/// done is in the result, next to what was.
pub fn apply_branch(dir: &Path, updates: &[PlannedUpdate], tools: &Tools) -> ApplyResult {
    let mut files = edit::Files::new(dir);
    let mut result = ApplyResult::default();
    let mut applied = Vec::new();
    for update in updates {
        match edit::apply_update(&mut files, update) {
            Ok(manifest_changed) => applied.push((update, manifest_changed)),
            Err(message) => result.update_errors.push(failure(update, message)),
        }
    }
    if let Err((path, error)) = files.write_back() {
        result.update_errors.push(UpdateFailure {
            package_file: path,
            dep_name: String::new(),
            message: format!("cannot write the file: {error}"),
        });
    }
    let (lock_jobs, unmatched) = jobs::plan(dir, &files, &applied);
    result.update_errors.extend(unmatched);
    let mut snapshots = files.into_originals();
    for job in lock_jobs.values() {
        let before_job: Vec<(String, Option<Vec<u8>>)> = job
            .touched_files()
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(dir.join(&path)).ok();
                (path, bytes)
            })
            .collect();
        if let Err(error) = jobs::run(dir, job, tools) {
            // What the tool touched goes back to how it was before the tool ran: the
            // manifest edits stay, and the branch carries the error.
            for (path, bytes) in &before_job {
                restore(dir, path, bytes.clone());
            }
            result.artifact_errors.push(error);
        }
        for (path, bytes) in before_job {
            snapshots.entry(path).or_insert(bytes);
        }
    }
    result.changed_files = changed_files(dir, &snapshots);
    result
}

fn failure(update: &PlannedUpdate, message: String) -> UpdateFailure {
    UpdateFailure {
        package_file: update.package_file.clone(),
        dep_name: update.dependency.dep_name.clone(),
        message,
    }
}

fn restore(dir: &Path, path: &str, original: Option<Vec<u8>>) {
    let target = dir.join(path);
    let _ = match original {
        Some(bytes) => std::fs::write(target, bytes),
        None => std::fs::remove_file(target),
    };
}

/// The files of `snapshots` whose content on disk differs from the snapshot.
fn changed_files(dir: &Path, snapshots: &BTreeMap<String, Option<Vec<u8>>>) -> Vec<String> {
    snapshots
        .iter()
        .filter(|(path, before)| std::fs::read(dir.join(path)).ok() != **before)
        .map(|(path, _)| path.clone())
        .collect()
}
