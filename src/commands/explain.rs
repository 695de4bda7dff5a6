//! `upkeep explain DEP [PATH] [--json]`: which packageRules matched a dependency and
//! which setting each supplied.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use upkeep_config::{Explanation, LoadOptions, NoVersioning, Settings, VersionMatcher};
use upkeep_worker::config::{
    VersioningMatcher, dependency_context, load_repository_config, versioning_for,
};

use crate::EXIT_OK;

/// Arguments of `upkeep explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The dependency: its `depName` or `packageName`.
    dependency: String,
    /// The checkout (default: the current directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print the explanations as JSON.
    #[arg(long)]
    json: bool,
}

/// One occurrence of the dependency and how its settings came about.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Explained {
    manager: String,
    package_file: String,
    settings: Settings,
    explanation: Explanation,
}

/// Runs the command; fails when the dependency is not in the checkout.
pub fn run(args: &ExplainArgs) -> anyhow::Result<u8> {
    let loaded = load_repository_config(&args.path, &LoadOptions::default());
    let report = upkeep_worker::extract_repository(&args.path)
        .with_context(|| format!("cannot extract `{}`", args.path.display()))?;
    let mut explained = Vec::new();
    for (manager, files) in &report.package_files {
        for file in files {
            let wanted = file.deps.iter().filter(|dep| {
                dep.dep_name == args.dependency
                    || dep.package_name.as_deref() == Some(args.dependency.as_str())
            });
            for dep in wanted {
                let context = dependency_context(manager, &file.package_file, dep);
                let matcher: Box<dyn VersionMatcher> = match versioning_for(manager, dep) {
                    Some(versioning) => Box::new(VersioningMatcher(versioning)),
                    None => Box::new(NoVersioning),
                };
                let resolution = loaded.config.resolve(&context, matcher.as_ref());
                explained.push(Explained {
                    manager: manager.clone(),
                    package_file: file.package_file.clone(),
                    settings: resolution.settings,
                    explanation: resolution.explanation,
                });
            }
        }
    }
    if explained.is_empty() {
        bail!(
            "`{}` is not a dependency of `{}` (see `upkeep extract`)",
            args.dependency,
            args.path.display()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&explained)?);
        return Ok(EXIT_OK);
    }
    let config_file = loaded.file.as_deref().unwrap_or("no config file: defaults");
    println!("config: {config_file}");
    for diagnostic in &loaded.diagnostics {
        println!(
            "  {}",
            upkeep_config::format_diagnostics(std::slice::from_ref(diagnostic)).trim_end()
        );
    }
    for entry in &explained {
        println!(
            "\n{} in {} ({})",
            args.dependency, entry.package_file, entry.manager
        );
        print!("{}", entry.explanation.to_text());
        for (option, source) in &entry.explanation.sources {
            println!("  {option} ← {source}");
        }
    }
    Ok(EXIT_OK)
}
