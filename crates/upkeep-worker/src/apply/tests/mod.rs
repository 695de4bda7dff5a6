//! Tests of the apply stage against real tools (`cargo`, `npm`) and registries on
//! loopback (testkit's sparse index, verdaccio, Terraform registry).

mod cargo;
mod npm;
mod terraform;

use std::path::Path;

use upkeep_types::{Dependency, PlannedUpdate, Update, UpdateType};

/// Writes `files` (relative path, content) under `root`.
fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

/// The dependency `name` as `manager` extracts it from `file` under `root`.
fn extracted(root: &Path, manager: &str, file: &str, name: &str) -> Dependency {
    let manager = upkeep_manager::get_manager(manager).unwrap();
    let content = read(root, file);
    manager
        .extract(file, &content)
        .unwrap()
        .unwrap()
        .deps
        .into_iter()
        .find(|dep| dep.dep_name == name)
        .unwrap_or_else(|| panic!("`{name}` not in {file}"))
}

/// A manifest update of `name` in `file` to `new_value` / `new_version`.
fn manifest_update(
    root: &Path,
    manager: &str,
    file: &str,
    name: &str,
    new_value: &str,
    new_version: &str,
) -> PlannedUpdate {
    let dependency = extracted(root, manager, file, name);
    PlannedUpdate {
        manager: manager.to_owned(),
        package_file: file.to_owned(),
        current_version: None,
        source_url: None,
        dependency,
        update: Update {
            update_type: Some(UpdateType::Minor),
            new_value: Some(new_value.to_owned()),
            new_version: Some(new_version.to_owned()),
            ..Update::default()
        },
    }
}

/// A lockfile-only update of a (transitive) package in `lock_file`.
fn lockfile_update(
    manager: &str,
    lock_file: &str,
    name: &str,
    datasource: upkeep_types::Datasource,
    from: &str,
    to: &str,
) -> PlannedUpdate {
    PlannedUpdate {
        manager: manager.to_owned(),
        package_file: lock_file.to_owned(),
        dependency: Dependency::new(name, Some(datasource)),
        current_version: Some(from.to_owned()),
        source_url: None,
        update: Update {
            update_type: Some(UpdateType::LockfileUpdate),
            new_version: Some(to.to_owned()),
            is_vulnerability_fix: true,
            ..Update::default()
        },
    }
}

/// Copies the directory tree `from` into `to` (regular files only).
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
