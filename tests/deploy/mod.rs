//! The production packaging checked against the real binary: the Dockerfile, the
//! Kubernetes manifests, the Grafana dashboard and the GitHub App manifest must name
//! flags, routes, paths and metrics that upkeep really has.

mod dockerfile;
mod github_app;
mod grafana;
mod kubernetes;
mod metrics;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path: PathBuf = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// What `upkeep SUBCOMMAND --help` prints, or `None` when there is no such subcommand.
fn help(subcommand: &str) -> Option<String> {
    let output = crate::upkeep()
        .args([subcommand, "--help"])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap())
}

/// The `--flags` a help text documents.
fn documented_flags(help: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for word in help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']') {
        let flag: String = word
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if flag.starts_with("--") && flag.len() > 2 {
            flags.insert(flag);
        }
    }
    flags
}

/// Panics unless `upkeep SUBCOMMAND` takes every flag in `args`.
fn assert_real_flags(what: &str, subcommand: &str, args: &[String]) {
    let real = help(subcommand);
    for flag in args.iter().filter(|arg| arg.starts_with("--")) {
        let flag = flag.split('=').next().unwrap();
        let known = match &real {
            Some(help) => documented_flags(help).contains(flag),
            None => false,
        };
        assert!(known, "{what}: `upkeep {subcommand}` has no flag `{flag}`");
    }
    assert!(
        real.is_some(),
        "{what}: upkeep has no subcommand `{subcommand}`"
    );
}

/// Panics unless upkeep reads the environment variable `name`: a flag's `[env: …]`,
/// a global option's `UPKEEP_<OPTION>`, or one of the logging variables.
fn assert_real_env(what: &str, name: &str) {
    if !name.starts_with("UPKEEP_") {
        return;
    }
    let global_option = upkeep_config::options::OPTIONS
        .iter()
        .any(|option| upkeep_config::global::env_name(option.name) == name);
    let logging = ["UPKEEP_LOG_FORMAT", "UPKEEP_LOG_LEVEL"].contains(&name);
    let flag_env = ["run", "lookup", "serve"]
        .iter()
        .filter_map(|subcommand| help(subcommand))
        .any(|help| {
            help.contains(&format!("env: {name}=")) || help.contains(&format!("env: {name}]"))
        });
    assert!(
        global_option || logging || flag_env,
        "{what}: upkeep does not read `{name}`"
    );
}

#[test]
fn the_flag_reader_finds_long_flags_only() {
    let flags = documented_flags(
        "  -j, --json  Print JSON\n      --cache <URL|DIR>  [env: UPKEEP_CACHE=]\n",
    );
    assert_eq!(flags.into_iter().collect::<Vec<_>>(), ["--cache", "--json"]);
}
