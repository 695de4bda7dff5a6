//! Finding a repository's configuration file, in Renovate's order; the first one found
//! wins, and any other present is reported so the user can delete it.

use std::io;
use std::path::Path;

use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// The file names Renovate reads, in the order it tries them.
pub const CONFIG_FILE_NAMES: &[&str] = &[
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    "package.json",
];

/// A configuration file found in a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Path relative to the repository root.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// Finds the configuration among files read through `read` (a checkout, a git tree, an
/// API): returns the first in [`CONFIG_FILE_NAMES`] order, plus a warning for each other
/// config file present. `package.json` counts only when it has a `renovate` key.
pub fn discover_with(
    mut read: impl FnMut(&str) -> Option<String>,
) -> (Option<ConfigFile>, Vec<Diagnostic>) {
    let mut found: Option<ConfigFile> = None;
    let mut warnings = Vec::new();
    for name in CONFIG_FILE_NAMES {
        let Some(text) = read(name) else { continue };
        if *name == "package.json" && !has_renovate_key(&text) {
            continue;
        }
        match &found {
            None => found = Some(ConfigFile { path: name.to_string(), text }),
            Some(first) => warnings.push(Diagnostic::warning(
                DiagnosticKind::Io,
                *name,
                "",
                format!("ignored: `{}` comes first in Renovate's order and is the one used; delete one of them", first.path),
            )),
        }
    }
    (found, warnings)
}

/// Finds the configuration in a checkout on disk.
pub fn discover(root: &Path) -> io::Result<(Option<ConfigFile>, Vec<Diagnostic>)> {
    let mut error = None;
    let result = discover_with(|name| match std::fs::read_to_string(root.join(name)) {
        Ok(text) => Some(text),
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory =>
        {
            None
        }
        Err(e) => {
            error.get_or_insert(e);
            None
        }
    });
    match error {
        Some(error) => Err(error),
        None => Ok(result),
    }
}

fn has_renovate_key(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("renovate").is_some_and(|r| r.is_object()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renovate_order_wins_and_others_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".github")).unwrap();
        std::fs::write(dir.path().join(".github/renovate.json5"), "{}").unwrap();
        std::fs::write(dir.path().join(".renovaterc"), "{}").unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"renovate": {"labels": ["x"]}}"#,
        )
        .unwrap();
        let (found, warnings) = discover(dir.path()).unwrap();
        assert_eq!(found.unwrap().path, ".github/renovate.json5");
        let files: Vec<_> = warnings.iter().map(|w| w.file.as_str()).collect();
        assert_eq!(files, [".renovaterc", "package.json"]);
    }

    #[test]
    fn package_json_without_renovate_key_is_not_config() {
        let (found, warnings) =
            discover_with(|name| (name == "package.json").then(|| r#"{"name": "x"}"#.to_string()));
        assert!(found.is_none());
        assert!(warnings.is_empty());
        let (found, _) = discover_with(|name| {
            (name == "package.json").then(|| r#"{"renovate": {"extends": []}}"#.to_string())
        });
        assert_eq!(found.unwrap().path, "package.json");
    }
}
