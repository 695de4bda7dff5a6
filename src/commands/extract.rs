//! `upkeep extract [PATH] [--json]`: every dependency of a checkout, offline.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use upkeep_manager::{ExtractReport, StreamingReport};

use crate::{EXIT_OK, EXIT_PARTIAL};

/// Arguments of `upkeep extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The checkout to read (default: the current directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print one JSON object (`packageFiles` per manager, `errors`) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the command; exits with [`EXIT_PARTIAL`] when some files had errors.
pub fn run(args: &ExtractArgs) -> anyhow::Result<u8> {
    let (files, paths) = upkeep_worker::repository_files(&args.path)
        .with_context(|| format!("cannot extract `{}`", args.path.display()))?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let errors = if args.json {
        // streamed: a monorepo's report is never held in memory whole
        let report = StreamingReport::new(&files, &paths);
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        report.error_count()
    } else {
        let report = upkeep_manager::extract_files(&files, &paths);
        write_table(&mut out, &report)?;
        report.errors.len()
    };
    out.flush()?;
    Ok(if errors == 0 { EXIT_OK } else { EXIT_PARTIAL })
}

fn write_table(out: &mut impl Write, report: &ExtractReport) -> io::Result<()> {
    let mut rows = vec![[
        "MANAGER".to_owned(),
        "FILE".to_owned(),
        "DEPENDENCY".to_owned(),
        "TYPE".to_owned(),
        "VALUE".to_owned(),
        "NOTE".to_owned(),
    ]];
    for (manager, files) in &report.package_files {
        for file in files {
            for dep in &file.deps {
                let mut value = dep.current_value.clone().unwrap_or_default();
                if let Some(digest) = &dep.current_digest {
                    value = format!("{value}@{}", short_digest(digest));
                }
                let note = match (&dep.skip_reason, &dep.locked_version) {
                    (Some(reason), _) => format!("skipped: {reason}"),
                    (None, Some(locked)) => format!("locked {locked}"),
                    (None, None) => String::new(),
                };
                rows.push([
                    manager.clone(),
                    file.package_file.clone(),
                    dep.dep_name.clone(),
                    dep.dep_type.clone().unwrap_or_default(),
                    value,
                    note,
                ]);
            }
        }
    }
    super::common::write_columns(out, &rows)?;
    let files: usize = report.package_files.values().map(Vec::len).sum();
    writeln!(
        out,
        "\n{} dependencies in {files} files",
        report.dependency_count()
    )?;
    for error in &report.errors {
        let position = match (error.line, error.column) {
            (Some(line), Some(column)) => format!(":{line}:{column}"),
            (Some(line), None) => format!(":{line}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "error: {}{position} ({}): {}",
            error.package_file, error.manager, error.message
        )?;
    }
    Ok(())
}

fn short_digest(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}
