//! `pnpm-lock.yaml` and `yarn.lock`: refreshed by pnpm and Yarn when they are installed;
//! otherwise a clear artifact error naming the missing tool (upkeep never rewrites these
//! formats itself).
//!
//! - pnpm: `pnpm install --lockfile-only --ignore-scripts`.
//! - Yarn 2 and later (Berry): `yarn install --mode=update-lockfile` (scripts are off
//!   through `YARN_ENABLE_SCRIPTS=false`).
//! - Yarn 1 has no lockfile-only mode: `yarn install --ignore-scripts --ignore-engines
//!   --ignore-platform --non-interactive`, as Renovate runs it.
//!
//! Lockfile-only updates of transitive packages are not supported for these formats yet:
//! they are reported, not half-done.

use std::path::Path;

use super::Tools;
use super::jobs::{LockJob, LockKind};
use super::runner;

/// Refreshes the job's pnpm or Yarn lock file.
pub(super) fn refresh(dir: &Path, job: &LockJob<'_>, tools: &Tools) -> Result<(), String> {
    let (tool, program) = match job.kind {
        LockKind::Pnpm => ("pnpm", tools.pnpm.as_deref()),
        _ => ("yarn", tools.yarn.as_deref()),
    };
    let program = program.ok_or_else(|| {
        format!(
            "`{}` is a {tool} lock file and `{tool}` is not installed, so it was not refreshed",
            job.lock_file
        )
    })?;
    if let Some(entry) = job.entries.iter().find(|entry| entry.lockfile_only) {
        return Err(format!(
            "lockfile-only updates (here `{}`) are not supported for {tool} lock files yet",
            entry.name
        ));
    }
    let directory = dir.join(job.directory());
    let args: &[&str] = match job.kind {
        LockKind::Pnpm => &["install", "--lockfile-only", "--ignore-scripts"],
        _ if yarn_major(tools, program, &directory) >= 2 => &["install", "--mode=update-lockfile"],
        _ => &[
            "install",
            "--ignore-scripts",
            "--ignore-engines",
            "--ignore-platform",
            "--non-interactive",
        ],
    };
    runner::run(tools, program, args, &directory)?;
    Ok(())
}

/// The major version of the Yarn that runs in `directory` (a project may pin its own
/// release through `packageManager` / `.yarnrc.yml`); 1 when it cannot be told.
fn yarn_major(tools: &Tools, yarn: &Path, directory: &Path) -> u64 {
    runner::run(tools, yarn, ["--version"], directory)
        .ok()
        .and_then(|output| {
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.trim().split('.').next()?.parse().ok()
        })
        .unwrap_or(1)
}
