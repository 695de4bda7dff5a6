//! Fixture-driven tests for every registered manager.
//!
//! Each manager keeps its cases beside its code, in `src/<manager>/fixtures/`:
//!
//! - `extract/<case>/…`: a small repository tree and `expected.json`, the extraction report
//!   restricted to this manager (its package files and its errors). Malformed-input cases
//!   live here too, with the expected error entries.
//! - `update/<case>/`: `in/…` (a tree), `change.json` (`packageFile`, `depName`, optional
//!   `depType`/`currentValue` to pick the dependency, `newValue` and/or `newDigest`, or
//!   `expectError` with a fragment of the expected error) and `out/<packageFile>`, the
//!   exact expected bytes.
//!
//! `UPKEEP_BLESS=1 cargo test -p upkeep-manager --test fixtures` rewrites the expected
//! files from the current output; review the diff before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use upkeep_manager::{ExtractReport, MANAGERS, Manager, MemoryFiles, extract_files};
use upkeep_types::DependencyChange;

fn bless() -> bool {
    std::env::var_os("UPKEEP_BLESS").is_some_and(|value| value != "0")
}

fn fixtures_dir(manager: &dyn Manager) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(manager.metadata().id.replace('-', "_"))
        .join("fixtures")
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    };
    cases.sort();
    cases
}

/// Loads every file under `root` (except `skip`) into memory, keyed by relative path.
fn load_tree(root: &Path, skip: &[&str]) -> MemoryFiles {
    fn visit(root: &Path, dir: &Path, skip: &[&str], files: &mut MemoryFiles) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if skip.contains(&relative.as_str()) {
                continue;
            }
            if path.is_dir() {
                visit(root, &path, skip, files);
            } else {
                files.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    let mut files = MemoryFiles::new();
    visit(root, root, skip, &mut files);
    files
}

fn report_for(manager: &dyn Manager, files: &MemoryFiles) -> ExtractReport {
    let id = manager.metadata().id;
    let mut report = extract_files(files, &files.paths());
    report.package_files.retain(|key, _| key == id);
    report.errors.retain(|error| error.manager == id);
    report
}

fn check_or_bless(path: &Path, actual: &[u8], failures: &mut Vec<String>) {
    if bless() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
        return;
    }
    match fs::read(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs:\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        )),
        Err(_) => failures.push(format!(
            "{} is missing (run with UPKEEP_BLESS=1 to create it); actual:\n{}",
            path.display(),
            String::from_utf8_lossy(actual)
        )),
    }
}

#[test]
fn extract_fixtures_match_expected_reports() {
    let mut failures = Vec::new();
    for manager in MANAGERS {
        for case in cases(&fixtures_dir(*manager).join("extract")) {
            let files = load_tree(&case, &["expected.json"]);
            let report = report_for(*manager, &files);
            let mut json = serde_json::to_string_pretty(&report).unwrap();
            json.push('\n');
            check_or_bless(&case.join("expected.json"), json.as_bytes(), &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangeCase {
    package_file: String,
    dep_name: String,
    #[serde(default)]
    dep_type: Option<String>,
    #[serde(default)]
    current_value: Option<String>,
    #[serde(default)]
    new_value: Option<String>,
    #[serde(default)]
    new_digest: Option<String>,
    #[serde(default)]
    expect_error: Option<String>,
}

#[test]
fn update_fixtures_produce_exact_output() {
    let mut failures = Vec::new();
    for manager in MANAGERS {
        for case in cases(&fixtures_dir(*manager).join("update")) {
            let change: ChangeCase =
                serde_json::from_slice(&fs::read(case.join("change.json")).unwrap())
                    .unwrap_or_else(|error| panic!("{}: {error}", case.display()));
            let files = load_tree(&case.join("in"), &[]);
            let content = String::from_utf8(
                upkeep_manager::FileSource::read(&files, &change.package_file, u64::MAX)
                    .unwrap()
                    .unwrap_or_else(|| panic!("{}: no in/{}", case.display(), change.package_file)),
            )
            .unwrap();
            let report = report_for(*manager, &files);
            let dep = report
                .package_files
                .values()
                .flatten()
                .filter(|file| file.package_file == change.package_file)
                .flat_map(|file| &file.deps)
                .find(|dep| {
                    dep.dep_name == change.dep_name
                        && change
                            .dep_type
                            .as_ref()
                            .is_none_or(|t| dep.dep_type.as_ref() == Some(t))
                        && change
                            .current_value
                            .as_ref()
                            .is_none_or(|v| dep.current_value.as_ref() == Some(v))
                })
                .unwrap_or_else(|| panic!("{}: dependency not extracted", case.display()));
            let result = upkeep_manager::update_dependency(
                *manager,
                &change.package_file,
                &content,
                dep,
                &DependencyChange {
                    new_value: change.new_value.clone(),
                    new_digest: change.new_digest.clone(),
                },
            );
            match (result, &change.expect_error) {
                (Ok(updated), None) => check_or_bless(
                    &case.join("out").join(&change.package_file),
                    updated.as_bytes(),
                    &mut failures,
                ),
                (Err(error), Some(fragment)) if error.to_string().contains(fragment.as_str()) => {}
                (Ok(_), Some(fragment)) => failures.push(format!(
                    "{}: expected an error containing `{fragment}`, the update succeeded",
                    case.display()
                )),
                (Err(error), _) => failures.push(format!("{}: {error}", case.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
