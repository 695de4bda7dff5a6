//! Properties every registered manager must have, checked by looping over the registry.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use upkeep_manager::{MANAGERS, Manager, MemoryFiles, extract_files, update_dependency};
use upkeep_types::{DependencyChange, PackageFile};

/// Every package file found in a manager's extract fixtures, with its text.
fn fixture_files(manager: &dyn Manager) -> Vec<(PackageFile, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(manager.metadata().id.replace('-', "_"))
        .join("fixtures/extract");
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(&root) else {
        return found;
    };
    for case in entries.map(|entry| entry.unwrap().path()) {
        let mut files = MemoryFiles::new();
        let mut stack = vec![case.clone()];
        while let Some(dir) = stack.pop() {
            for path in fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().path())
            {
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path
                        .strip_prefix(&case)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    files.insert(relative, fs::read(&path).unwrap());
                }
            }
        }
        let report = extract_files(&files, &files.paths());
        for file in report
            .package_files
            .get(manager.metadata().id)
            .into_iter()
            .flatten()
        {
            let content =
                String::from_utf8(fs::read(case.join(&file.package_file)).unwrap()).unwrap();
            found.push((file.clone(), content));
        }
    }
    found
}

#[test]
fn manager_ids_are_unique_and_patterns_compile() {
    let mut ids = HashSet::new();
    for manager in MANAGERS {
        let metadata = manager.metadata();
        assert!(
            ids.insert(metadata.id),
            "duplicate manager id {}",
            metadata.id
        );
        assert!(
            !metadata.file_patterns.is_empty(),
            "{} has no file patterns",
            metadata.id
        );
        assert!(
            !metadata.datasources.is_empty(),
            "{} has no datasources",
            metadata.id
        );
        for pattern in metadata.file_patterns {
            regex::Regex::new(pattern).unwrap();
        }
    }
}

#[test]
fn every_manager_has_extract_and_update_fixtures() {
    for manager in MANAGERS {
        let id = manager.metadata().id;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(id.replace('-', "_"))
            .join("fixtures");
        for kind in ["extract", "update"] {
            let count = fs::read_dir(root.join(kind)).map_or(0, |entries| entries.count());
            assert!(
                count >= 3,
                "manager {id} has {count} {kind} fixture cases, want at least 3"
            );
        }
    }
}

#[test]
fn dependencies_use_only_declared_datasources() {
    for manager in MANAGERS {
        let metadata = manager.metadata();
        for (file, _) in fixture_files(*manager) {
            for dep in &file.deps {
                if let Some(datasource) = dep.datasource {
                    assert!(
                        metadata.datasources.contains(&datasource),
                        "{}: {} uses undeclared datasource {datasource}",
                        metadata.id,
                        dep.dep_name
                    );
                }
            }
        }
    }
}

/// Updating a dependency to another value and back must give the original bytes: proves
/// that updates touch only the value token, for every dependency of every fixture.
#[test]
fn every_updatable_dependency_round_trips() {
    for manager in MANAGERS {
        for (file, content) in fixture_files(*manager) {
            for dep in file.deps.iter().filter(|dep| dep.skip_reason.is_none()) {
                let Some(value) = &dep.current_value else {
                    continue;
                };
                let changed = update_dependency(
                    *manager,
                    &file.package_file,
                    &content,
                    dep,
                    &DependencyChange {
                        new_value: Some(format!("{value}0")),
                        new_digest: None,
                    },
                )
                .unwrap_or_else(|error| {
                    panic!(
                        "{}: {} in {}: {error}",
                        manager.metadata().id,
                        dep.dep_name,
                        file.package_file
                    )
                });
                assert_ne!(changed, content, "{}: update was a no-op", dep.dep_name);
                let mut moved = dep.clone();
                moved.current_value = Some(format!("{value}0"));
                let back = update_dependency(
                    *manager,
                    &file.package_file,
                    &changed,
                    &moved,
                    &DependencyChange {
                        new_value: Some(value.clone()),
                        new_digest: None,
                    },
                )
                .unwrap();
                assert_eq!(
                    back, content,
                    "{}: round trip changed the file",
                    dep.dep_name
                );
            }
        }
    }
}

#[test]
fn hostile_input_never_panics() {
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\0\x01\x02garbage\xff\xfe".to_vec(),
        "[".repeat(100_000).into_bytes(),
        "{\"a\":".repeat(100_000).into_bytes(),
        "a:\n".repeat(1000).into_bytes(),
        "\u{feff}".as_bytes().to_vec(),
    ];
    for manager in MANAGERS {
        for input in &inputs {
            let text = String::from_utf8_lossy(input);
            let _ = manager.extract("x", &text);
        }
    }
}
