//! The one list of managers. Adding a manager means adding its folder and one line here.

use std::sync::OnceLock;

use regex::RegexSet;

use crate::Manager;

/// Every manager upkeep has, in the order their results are reported.
pub static MANAGERS: &[&dyn Manager] = &[
    &crate::dockerfile::Dockerfile,
    &crate::terraform::Terraform,
    &crate::cargo::Cargo,
    &crate::npm::Npm,
    &crate::kubernetes::Kubernetes,
    &crate::docker_compose::DockerCompose,
];

/// The manager with this id.
pub fn get_manager(id: &str) -> Option<&'static dyn Manager> {
    MANAGERS
        .iter()
        .copied()
        .find(|manager| manager.metadata().id == id)
}

/// The managers whose default file patterns match `path` (relative, `/`-separated).
pub fn managers_for_path(path: &str) -> impl Iterator<Item = &'static dyn Manager> + '_ {
    let patterns = compiled_patterns();
    MANAGERS
        .iter()
        .zip(patterns)
        .filter(move |(_, set)| set.is_match(path))
        .map(|(manager, _)| *manager)
}

/// The patterns of every manager, compiled once per process.
fn compiled_patterns() -> &'static [RegexSet] {
    static PATTERNS: OnceLock<Vec<RegexSet>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        MANAGERS
            .iter()
            .map(|manager| {
                RegexSet::new(manager.metadata().file_patterns).unwrap_or_else(|error| {
                    panic!(
                        "manager `{}` has an invalid file pattern: {error}",
                        manager.metadata().id
                    )
                })
            })
            .collect()
    })
}
