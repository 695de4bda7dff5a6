//! The edit step: each planned update written into its manifest with the manager's
//! in-place update, confirmed by re-extraction.
//!
//! Files are read once and edited in memory, so several updates of one file apply one
//! after the other to the text the previous one produced; [`Files::write_back`] writes
//! every changed file at the end. A dependency declared more than once with the same name,
//! type and value (two identical `FROM` lines) is updated at every occurrence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use upkeep_types::{DependencyChange, PlannedUpdate, UpdateType};

/// Files read from a directory and edited in memory.
#[derive(Debug)]
pub struct Files {
    root: PathBuf,
    /// Current text of every file read so far.
    texts: BTreeMap<String, String>,
    /// Bytes of every file read so far as they were on disk (`None`: it did not exist).
    originals: BTreeMap<String, Option<Vec<u8>>>,
}

impl Files {
    /// Files under `root`, none read yet.
    pub fn new(root: &Path) -> Files {
        Files {
            root: root.to_path_buf(),
            texts: BTreeMap::new(),
            originals: BTreeMap::new(),
        }
    }

    /// The current text of `path` (relative), read on first use.
    pub fn text(&mut self, path: &str) -> Result<&str, String> {
        if !self.texts.contains_key(path) {
            let bytes = std::fs::read(self.root.join(path))
                .map_err(|error| format!("cannot read `{path}`: {error}"))?;
            let text = String::from_utf8(bytes.clone())
                .map_err(|_| format!("`{path}` is not UTF-8 text"))?;
            self.originals.insert(path.to_owned(), Some(bytes));
            self.texts.insert(path.to_owned(), text);
        }
        Ok(&self.texts[path])
    }

    /// The text `path` had before any edit, when it has been read.
    pub fn original_text(&self, path: &str) -> Option<&str> {
        self.originals
            .get(path)?
            .as_deref()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    fn set_text(&mut self, path: &str, text: String) {
        self.texts.insert(path.to_owned(), text);
    }

    /// Writes every file whose text changed; on failure names the file.
    pub fn write_back(&self) -> Result<(), (String, std::io::Error)> {
        for (path, text) in &self.texts {
            let original = self.originals.get(path).and_then(Option::as_deref);
            if original != Some(text.as_bytes()) {
                std::fs::write(self.root.join(path), text)
                    .map_err(|error| (path.clone(), error))?;
            }
        }
        Ok(())
    }

    /// The original bytes of every file read, for change detection and restoring.
    pub fn into_originals(self) -> BTreeMap<String, Option<Vec<u8>>> {
        self.originals
    }
}

/// Whether `update` changes only a lock file: an in-range or transitive update, or lock
/// file maintenance.
pub fn is_lockfile_only(update: &PlannedUpdate) -> bool {
    matches!(
        update.update.update_type,
        Some(UpdateType::LockfileUpdate | UpdateType::LockFileMaintenance)
    ) || (update.update.new_value.is_none() && update.update.new_digest.is_none())
}

/// Applies `update` to its manifest in `files`. Returns whether the manifest changed
/// (`false` for lockfile-only updates and for updates already in place).
pub fn apply_update(files: &mut Files, update: &PlannedUpdate) -> Result<bool, String> {
    if is_lockfile_only(update) {
        return Ok(false);
    }
    let manager = upkeep_manager::get_manager(&update.manager)
        .ok_or_else(|| format!("unknown manager `{}`", update.manager))?;
    let change = DependencyChange {
        new_value: update.update.new_value.clone(),
        new_digest: update.update.new_digest.clone(),
    };
    let path = update.package_file.as_str();
    let before = files.text(path)?.to_owned();
    let mut text =
        upkeep_manager::update_dependency(manager, path, &before, &update.dependency, &change)
            .map_err(|error| error.to_string())?;
    // Further occurrences of the same dependency still read the old value; each call
    // changes the first one left. Bounded by the file's size: every round changes text.
    loop {
        match upkeep_manager::update_dependency(manager, path, &text, &update.dependency, &change) {
            Ok(next) if next != text => text = next,
            // Not found any more (or a no-op): every occurrence is done.
            Ok(_) | Err(upkeep_manager::UpdateError::NotFound { .. }) => break,
            Err(error) => return Err(error.to_string()),
        }
    }
    let changed = text != before;
    files.set_text(path, text);
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use upkeep_types::{Datasource, Dependency, Update};

    use super::*;

    fn planned(manager: &str, file: &str, dep: Dependency, new_value: &str) -> PlannedUpdate {
        PlannedUpdate {
            manager: manager.to_owned(),
            package_file: file.to_owned(),
            dependency: dep,
            current_version: None,
            source_url: None,
            update: Update {
                update_type: Some(UpdateType::Minor),
                new_value: Some(new_value.to_owned()),
                ..Update::default()
            },
        }
    }

    #[test]
    fn identical_from_lines_are_all_updated_and_other_updates_of_the_file_follow() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM node:20.1.0 AS build\nRUN true\nFROM node:20.1.0\nFROM nginx:1.25.0\n",
        )
        .unwrap();
        let extracted = upkeep_manager::get_manager("dockerfile")
            .unwrap()
            .extract(
                "Dockerfile",
                &std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            )
            .unwrap()
            .unwrap();
        let mut files = Files::new(dir.path());
        for (dep, value) in [
            (&extracted.deps[0], "20.2.0"),
            (&extracted.deps[2], "1.27.0"),
        ] {
            let update = planned("dockerfile", "Dockerfile", dep.clone(), value);
            assert!(apply_update(&mut files, &update).unwrap());
        }
        files.write_back().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            "FROM node:20.2.0 AS build\nRUN true\nFROM node:20.2.0\nFROM nginx:1.27.0\n"
        );
    }

    #[test]
    fn a_dependency_not_in_the_file_is_an_error_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM nginx:1.25.0\n").unwrap();
        let mut dep = Dependency::new("redis", Some(Datasource::Docker));
        dep.current_value = Some("7.0.0".to_owned());
        let mut files = Files::new(dir.path());
        let error = apply_update(
            &mut files,
            &planned("dockerfile", "Dockerfile", dep, "7.2.0"),
        )
        .unwrap_err();
        assert!(error.contains("redis"), "{error}");
        files.write_back().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            "FROM nginx:1.25.0\n"
        );
    }
}
