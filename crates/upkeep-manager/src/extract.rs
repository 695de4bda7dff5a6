//! Extraction over a whole repository: pick the managers for each file, extract, attach
//! lock files, and collect per-file errors without stopping.
//!
//! Pure over a [`FileSource`]: the caller decides where files come from (a checkout on
//! disk, a git tree, an in-memory map in tests).

use std::collections::{BTreeMap, HashMap};
use std::io;

use serde::{Deserialize, Serialize};
use upkeep_types::{LockFile, PackageFile};

use crate::{ExtractError, Manager, managers_for_path};

/// Files larger than this are refused with an error instead of being read.
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Where extraction reads files from.
pub trait FileSource {
    /// The bytes of `path` (relative, `/`-separated); `Ok(None)` when it does not exist.
    /// Implementations refuse files larger than `limit` with [`io::ErrorKind::FileTooLarge`].
    fn read(&self, path: &str, limit: u64) -> io::Result<Option<Vec<u8>>>;
}

/// Files held in memory (tests, fixtures, files taken from a git tree).
#[derive(Debug, Default, Clone)]
pub struct MemoryFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryFiles {
    /// An empty set of files.
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), content.into());
    }

    /// Every path, sorted.
    pub fn paths(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }
}

impl FileSource for MemoryFiles {
    fn read(&self, path: &str, limit: u64) -> io::Result<Option<Vec<u8>>> {
        match self.files.get(path) {
            Some(content) if content.len() as u64 > limit => Err(too_large(limit)),
            Some(content) => Ok(Some(content.clone())),
            None => Ok(None),
        }
    }
}

/// The error a [`FileSource`] returns for a file over the size limit.
pub fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "file is larger than the {} MiB limit",
            limit / (1024 * 1024)
        ),
    )
}

/// The result of extracting a repository: `upkeep extract --json` prints exactly this.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractReport {
    /// Package files per manager id, each in path order.
    pub package_files: BTreeMap<String, Vec<PackageFile>>,
    /// Files (package or lock files) that could not be read or parsed.
    pub errors: Vec<ExtractErrorEntry>,
}

/// One file that could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractErrorEntry {
    /// The file, relative to the repository root.
    pub package_file: String,
    /// The manager that tried.
    pub manager: String,
    /// What went wrong.
    pub message: String,
    /// 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl ExtractReport {
    /// Number of dependencies found, skipped ones included.
    pub fn dependency_count(&self) -> usize {
        self.package_files
            .values()
            .flatten()
            .map(|file| file.deps.len())
            .sum()
    }
}

/// Extracts every file in `paths` that a manager claims.
pub fn extract_files(files: &dyn FileSource, paths: &[String]) -> ExtractReport {
    let mut report = ExtractReport::default();
    let mut lock_files = LockFileCache::default();
    for path in paths {
        let mut managers = managers_for_path(path).peekable();
        if managers.peek().is_none() {
            continue;
        }
        let content = match read_text(files, path) {
            Ok(Some(content)) => content,
            Ok(None) => continue,
            Err(error) => {
                for manager in managers {
                    report.push_error(path, manager, error.clone());
                }
                continue;
            }
        };
        for manager in managers {
            match manager.extract(path, &content) {
                Ok(Some(mut package_file)) => {
                    lock_files.apply(files, manager, &mut package_file, &mut report);
                    report
                        .package_files
                        .entry(manager.metadata().id.to_owned())
                        .or_default()
                        .push(package_file);
                }
                Ok(None) => {}
                Err(error) => report.push_error(path, manager, error),
            }
        }
    }
    report
}

impl ExtractReport {
    fn push_error(&mut self, path: &str, manager: &dyn Manager, error: ExtractError) {
        self.errors.push(ExtractErrorEntry {
            package_file: path.to_owned(),
            manager: manager.metadata().id.to_owned(),
            message: error.message,
            line: error.line,
            column: error.column,
        });
    }
}

/// Reads `path` as UTF-8 text (a leading BOM is kept: managers handle it).
fn read_text(files: &dyn FileSource, path: &str) -> Result<Option<String>, ExtractError> {
    let bytes = match files.read(path, MAX_FILE_SIZE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(error) => return Err(ExtractError::new(format!("cannot read the file: {error}"))),
    };
    String::from_utf8(bytes).map(Some).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let text = std::str::from_utf8(valid).unwrap_or_default();
        ExtractError::at_offset("the file is not valid UTF-8", text, text.len())
    })
}

/// Lock files parsed once per run, however many package files share them.
#[derive(Default)]
struct LockFileCache {
    parsed: HashMap<(String, &'static str), LockFileState>,
}

enum LockFileState {
    Missing,
    /// Present but unreadable: already reported, and it still ends the search (a lock file
    /// further up is not the one this package file uses).
    Broken,
    Parsed(LockFile),
}

impl LockFileCache {
    fn apply(
        &mut self,
        files: &dyn FileSource,
        manager: &'static dyn Manager,
        package_file: &mut PackageFile,
        report: &mut ExtractReport,
    ) {
        let id = manager.metadata().id;
        for candidate in manager.lock_file_candidates(&package_file.package_file) {
            let key = (candidate, id);
            let state = self.parsed.entry(key.clone()).or_insert_with(|| {
                let parsed = read_text(files, &key.0).and_then(|content| {
                    content
                        .map(|content| manager.parse_lock_file(&key.0, &content))
                        .transpose()
                });
                match parsed {
                    Ok(Some(lock_file)) => LockFileState::Parsed(lock_file),
                    Ok(None) => LockFileState::Missing,
                    Err(error) => {
                        report.push_error(&key.0, manager, error);
                        LockFileState::Broken
                    }
                }
            });
            match state {
                LockFileState::Missing => continue,
                LockFileState::Broken => return,
                LockFileState::Parsed(lock_file) => {
                    if manager.apply_lock_file(package_file, lock_file) {
                        package_file.lock_files.push(key.0);
                        return;
                    }
                }
            }
        }
    }
}
