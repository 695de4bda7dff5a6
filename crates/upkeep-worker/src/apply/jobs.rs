//! Lock jobs: which lock file each applied update affects, grouped so that every lock
//! file is refreshed once, after all manifest edits, with everything it must change.

use std::collections::BTreeMap;
use std::path::Path;

use upkeep_manager::text::{join_path, parent_directory};
use upkeep_types::{Datasource, PlannedUpdate};

use super::edit::{Files, is_lockfile_only};
use super::{ArtifactError, Tools, UpdateFailure, cargo, npm, pnpm_yarn, terraform_lock};

/// The tool that owns a lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LockKind {
    /// `Cargo.lock`.
    Cargo,
    /// `package-lock.json` / `npm-shrinkwrap.json`.
    Npm,
    /// `pnpm-lock.yaml`.
    Pnpm,
    /// `yarn.lock`.
    Yarn,
    /// `.terraform.lock.hcl`.
    Terraform,
}

impl LockKind {
    /// The tool named in artifact errors.
    pub(super) fn tool(self) -> &'static str {
        match self {
            LockKind::Cargo => "cargo",
            LockKind::Npm => "npm",
            LockKind::Pnpm => "pnpm",
            LockKind::Yarn => "yarn",
            LockKind::Terraform => "terraform-registry",
        }
    }
}

/// One package a lock job must move.
#[derive(Debug, Clone)]
pub(super) struct LockEntry<'a> {
    /// The registry name (a renamed crate's or aliased npm package's real name).
    pub name: String,
    /// The version locked before the update, when known.
    pub old_version: Option<String>,
    /// The version the lock file must end at.
    pub new_version: Option<String>,
    /// The update this entry comes from.
    pub update: &'a PlannedUpdate,
    /// Whether only the lock file changes (no manifest edit).
    pub lockfile_only: bool,
}

/// Everything one lock file must take in.
#[derive(Debug, Clone)]
pub(super) struct LockJob<'a> {
    /// The tool that owns it.
    pub kind: LockKind,
    /// The lock file, relative to the repository root.
    pub lock_file: String,
    /// Packages to move.
    pub entries: Vec<LockEntry<'a>>,
    /// Whether a manifest this lock file governs was edited.
    pub manifest_changed: bool,
}

impl LockJob<'_> {
    /// The directory the tool runs in (the lock file's).
    pub(super) fn directory(&self) -> &str {
        parent_directory(&self.lock_file)
    }

    /// The files the tool may write: the lock file, and for npm the root `package.json`
    /// that a lockfile-only update overrides for the duration of the run.
    pub(super) fn touched_files(&self) -> Vec<String> {
        let mut files = vec![self.lock_file.clone()];
        if self.kind == LockKind::Npm {
            files.push(join_path(self.directory(), "package.json"));
        }
        files
    }
}

/// The lock jobs for `applied` updates (with whether each changed its manifest), by lock
/// file path; and the lockfile-only updates that have no lock file to go to.
pub(super) fn plan<'a>(
    dir: &Path,
    files: &Files,
    applied: &[(&'a PlannedUpdate, bool)],
) -> (BTreeMap<String, LockJob<'a>>, Vec<UpdateFailure>) {
    let mut jobs: BTreeMap<String, LockJob<'a>> = BTreeMap::new();
    let mut failures = Vec::new();
    for &(update, manifest_changed) in applied {
        let lockfile_only = is_lockfile_only(update);
        if !manifest_changed && !lockfile_only {
            continue;
        }
        let Some((kind, lock_file)) = find_lock_file(dir, files, update) else {
            if lockfile_only {
                failures.push(UpdateFailure {
                    package_file: update.package_file.clone(),
                    dep_name: update.dependency.dep_name.clone(),
                    message: "a lockfile-only update needs a lock file, and none governs this \
                              package file"
                        .to_owned(),
                });
            }
            continue;
        };
        let job = jobs.entry(lock_file.clone()).or_insert_with(|| LockJob {
            kind,
            lock_file,
            entries: Vec::new(),
            manifest_changed: false,
        });
        job.manifest_changed |= manifest_changed;
        if moves_a_locked_package(kind, update) {
            job.entries.push(LockEntry {
                name: update.dependency.lookup_name().to_owned(),
                old_version: update
                    .current_version
                    .clone()
                    .or_else(|| update.dependency.locked_version.clone()),
                new_version: update.update.new_version.clone(),
                update,
                lockfile_only,
            });
        }
    }
    (jobs, failures)
}

/// Whether the update's package is one the lock file pins from a registry (git and path
/// dependencies, tool versions and modules are not).
fn moves_a_locked_package(kind: LockKind, update: &PlannedUpdate) -> bool {
    let dependency = &update.dependency;
    let datasource = match kind {
        LockKind::Cargo => Datasource::Crate,
        LockKind::Npm | LockKind::Pnpm | LockKind::Yarn => Datasource::Npm,
        LockKind::Terraform => Datasource::TerraformProvider,
    };
    let is_tool_entry = matches!(
        dependency.dep_type.as_deref(),
        Some("engines" | "volta" | "packageManager")
    );
    dependency.datasource == Some(datasource) && dependency.skip_reason.is_none() && !is_tool_entry
}

/// The lock file `update` goes to: the package file itself when it is a lock file,
/// else the nearest one that governs it.
fn find_lock_file(dir: &Path, files: &Files, update: &PlannedUpdate) -> Option<(LockKind, String)> {
    let path = update.package_file.as_str();
    let file_name = path.rsplit('/').next().unwrap_or(path);
    if let Some(kind) = kind_of_lock_file(file_name) {
        return Some((kind, path.to_owned()));
    }
    let exists = |candidate: &str| dir.join(candidate).is_file();
    match update.manager.as_str() {
        "cargo" => {
            let manager = upkeep_manager::get_manager("cargo")?;
            manager
                .lock_file_candidates(path)
                .into_iter()
                .find(|candidate| exists(candidate))
                .map(|lock| (LockKind::Cargo, lock))
        }
        "npm" => npm_lock_file(dir, files, path),
        "terraform" if update.dependency.datasource == Some(Datasource::TerraformProvider) => {
            let lock = join_path(parent_directory(path), ".terraform.lock.hcl");
            exists(&lock).then_some((LockKind::Terraform, lock))
        }
        _ => None,
    }
}

fn kind_of_lock_file(file_name: &str) -> Option<LockKind> {
    Some(match file_name {
        "Cargo.lock" => LockKind::Cargo,
        "package-lock.json" | "npm-shrinkwrap.json" => LockKind::Npm,
        "pnpm-lock.yaml" => LockKind::Pnpm,
        "yarn.lock" => LockKind::Yarn,
        ".terraform.lock.hcl" => LockKind::Terraform,
        _ => return None,
    })
}

/// The nearest npm, pnpm or Yarn lock file of a `package.json`, walking up. An npm lock
/// file further up counts only when it lists the package as a workspace member.
fn npm_lock_file(dir: &Path, files: &Files, package_file: &str) -> Option<(LockKind, String)> {
    let manager = upkeep_manager::get_manager("npm")?;
    let own_directory = parent_directory(package_file);
    let mut directory = own_directory;
    loop {
        for name in ["npm-shrinkwrap.json", "package-lock.json"] {
            let lock = join_path(directory, name);
            if dir.join(&lock).is_file()
                && (directory == own_directory || governs(dir, files, manager, package_file, &lock))
            {
                return Some((LockKind::Npm, lock));
            }
        }
        for (name, kind) in [
            ("pnpm-lock.yaml", LockKind::Pnpm),
            ("yarn.lock", LockKind::Yarn),
        ] {
            let lock = join_path(directory, name);
            if dir.join(&lock).is_file() {
                return Some((kind, lock));
            }
        }
        if directory.is_empty() {
            return None;
        }
        directory = parent_directory(directory);
    }
}

/// Whether the npm lock file `lock` governs `package_file` (lists it as a member).
fn governs(
    dir: &Path,
    files: &Files,
    manager: &dyn upkeep_manager::Manager,
    package_file: &str,
    lock: &str,
) -> bool {
    let Ok(lock_text) = std::fs::read_to_string(dir.join(lock)) else {
        return false;
    };
    let manifest = match files.original_text(package_file) {
        Some(text) => text.to_owned(),
        None => match std::fs::read_to_string(dir.join(package_file)) {
            Ok(text) => text,
            Err(_) => return false,
        },
    };
    let (Ok(lock_file), Ok(Some(mut extracted))) = (
        manager.parse_lock_file(lock, &lock_text),
        manager.extract(package_file, &manifest),
    ) else {
        return false;
    };
    manager.apply_lock_file(&mut extracted, &lock_file)
}

/// Runs the job's tool; an error names the lock file and the tool.
pub(super) fn run(dir: &Path, job: &LockJob<'_>, tools: &Tools) -> Result<(), ArtifactError> {
    let outcome = match job.kind {
        LockKind::Cargo => cargo::refresh(dir, job, tools),
        LockKind::Npm => npm::refresh(dir, job, tools),
        LockKind::Pnpm | LockKind::Yarn => pnpm_yarn::refresh(dir, job, tools),
        LockKind::Terraform => terraform_lock::refresh(dir, job, tools),
    };
    outcome.map_err(|message| ArtifactError {
        lock_file: job.lock_file.clone(),
        tool: job.kind.tool().to_owned(),
        message,
    })
}
