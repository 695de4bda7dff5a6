//! End-to-end tests of the `upkeep` binary.

use std::process::Command;

mod audit;
mod cache;
mod config;
mod deploy;
mod extract;
mod github;
mod logs;
mod lookup;
mod run;
mod serve;
mod vulnerabilities;

/// The binary under test, with none of the machine's own `UPKEEP_*` variables. The OSV
/// API (asked by default) is off so that no test reaches past loopback; a test that
/// wants vulnerability data passes `--osv-db` or points `--osv-api` at its loopback
/// server.
pub fn upkeep() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upkeep"));
    for (name, _) in std::env::vars() {
        if name.starts_with("UPKEEP_") || name == "JOB_COMPLETION_INDEX" {
            command.env_remove(name);
        }
    }
    command.env("UPKEEP_OSV_API", "off");
    command
}
