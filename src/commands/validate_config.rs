//! `upkeep validate-config [FILE…] [--strict] [--json]`: check renovate-style config files
//! offline, with the same diagnostics a run reports.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use upkeep_config::{Diagnostic, ValidateOptions, format_diagnostics, validate_file};

use crate::{EXIT_FAILURE, EXIT_OK};

/// Arguments of `upkeep validate-config`.
#[derive(Debug, Args)]
pub struct ValidateConfigArgs {
    /// Config files to check (default: the config file the current directory would use).
    files: Vec<PathBuf>,
    /// Fail on legacy options that would be migrated, not only on errors.
    #[arg(long)]
    strict: bool,
    /// Print the diagnostics as a JSON array.
    #[arg(long)]
    json: bool,
}

/// Runs the command; exits with [`EXIT_FAILURE`] when any file has an error.
pub fn run(args: &ValidateConfigArgs) -> anyhow::Result<u8> {
    let files = if args.files.is_empty() {
        let (found, _) = upkeep_config::discover(std::path::Path::new("."))
            .context("cannot look for a config file in the current directory")?;
        let found = found.context(
            "no config file here (renovate.json, renovate.json5, .github/renovate.json, …): name one",
        )?;
        vec![PathBuf::from(found.path)]
    } else {
        args.files.clone()
    };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        let path = file.to_string_lossy().replace('\\', "/");
        diagnostics.extend(validate_file(
            &path,
            &text,
            ValidateOptions {
                strict: args.strict,
            },
        ));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diagnostics)?);
    } else {
        print!("{}", format_diagnostics(&diagnostics));
    }
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}
