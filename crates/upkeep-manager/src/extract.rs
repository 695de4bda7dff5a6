//! Extraction over a whole repository: pick the managers for each file, extract, attach
//! lock files, and collect per-file errors without stopping.
//!
//! Pure over a [`FileSource`]: the caller decides where files come from (a checkout on
//! disk, a git tree, an in-memory map in tests).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io;

use serde::ser::{SerializeMap, SerializeSeq};
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
    let mut extraction = Extraction::new(files);
    let mut package_files: BTreeMap<String, Vec<PackageFile>> = BTreeMap::new();
    for manager in managers_in_id_order() {
        for path in claimed_paths(manager, paths) {
            if let Some(package_file) = extraction.extract(manager, path) {
                package_files
                    .entry(manager.metadata().id.to_owned())
                    .or_default()
                    .push(package_file);
            }
        }
    }
    ExtractReport {
        package_files,
        errors: extraction.report.errors,
    }
}

/// Managers sorted by id: the order of [`ExtractReport::package_files`].
fn managers_in_id_order() -> Vec<&'static dyn Manager> {
    let mut managers = crate::MANAGERS.to_vec();
    managers.sort_by_key(|manager| manager.metadata().id);
    managers
}

fn claimed_paths<'p>(manager: &'static dyn Manager, paths: &'p [String]) -> Vec<&'p str> {
    paths
        .iter()
        .map(String::as_str)
        // managers are zero-sized: compare ids, not addresses
        .filter(|path| {
            managers_for_path(path).any(|other| other.metadata().id == manager.metadata().id)
        })
        .collect()
}

/// The state of one extraction run: where files come from, parsed lock files, errors.
struct Extraction<'a> {
    files: &'a dyn FileSource,
    lock_files: LockFileCache,
    report: ExtractReport,
}

impl<'a> Extraction<'a> {
    fn new(files: &'a dyn FileSource) -> Extraction<'a> {
        Extraction {
            files,
            lock_files: LockFileCache::default(),
            report: ExtractReport::default(),
        }
    }

    /// Extracts `path` with `manager`; problems are recorded as errors.
    fn extract(&mut self, manager: &'static dyn Manager, path: &str) -> Option<PackageFile> {
        let content = match read_text(self.files, path) {
            Ok(Some(content)) => content,
            Ok(None) => return None,
            Err(error) => {
                self.report.push_error(path, manager, error);
                return None;
            }
        };
        match manager.extract(path, &content) {
            Ok(Some(mut package_file)) => {
                self.lock_files
                    .apply(self.files, manager, &mut package_file, &mut self.report);
                Some(package_file)
            }
            Ok(None) => None,
            Err(error) => {
                self.report.push_error(path, manager, error);
                None
            }
        }
    }
}

/// An extraction that runs while it is serialised: the same JSON as [`ExtractReport`],
/// written package file by package file, so that `upkeep extract --json` on a huge
/// monorepo holds one file's dependencies in memory at a time.
pub struct StreamingReport<'a> {
    paths: &'a [String],
    extraction: RefCell<Extraction<'a>>,
}

impl<'a> StreamingReport<'a> {
    /// A report over `paths` of `files`, extracted when serialised.
    pub fn new(files: &'a dyn FileSource, paths: &'a [String]) -> StreamingReport<'a> {
        StreamingReport {
            paths,
            extraction: RefCell::new(Extraction::new(files)),
        }
    }

    /// Number of errors met (complete once serialised).
    pub fn error_count(&self) -> usize {
        self.extraction.borrow().report.errors.len()
    }
}

impl Serialize for StreamingReport<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("packageFiles", &StreamingPackageFiles(self))?;
        map.serialize_entry("errors", &self.extraction.borrow().report.errors)?;
        map.end()
    }
}

struct StreamingPackageFiles<'r, 'a>(&'r StreamingReport<'a>);

impl Serialize for StreamingPackageFiles<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for manager in managers_in_id_order() {
            let claimed = claimed_paths(manager, self.0.paths);
            // a manager appears only once it has a file, as in `ExtractReport`
            let mut remaining = claimed.iter();
            let first = remaining
                .by_ref()
                .find_map(|path| self.0.extraction.borrow_mut().extract(manager, path));
            if let Some(first) = first {
                let files = StreamingManagerFiles {
                    manager,
                    first: RefCell::new(Some(first)),
                    remaining: remaining.as_slice(),
                    extraction: &self.0.extraction,
                };
                map.serialize_entry(manager.metadata().id, &files)?;
            }
        }
        map.end()
    }
}

struct StreamingManagerFiles<'r, 'a> {
    manager: &'static dyn Manager,
    first: RefCell<Option<PackageFile>>,
    remaining: &'r [&'r str],
    extraction: &'r RefCell<Extraction<'a>>,
}

impl Serialize for StreamingManagerFiles<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        if let Some(first) = self.first.borrow_mut().take() {
            seq.serialize_element(&first)?;
        }
        for path in self.remaining {
            let package_file = self.extraction.borrow_mut().extract(self.manager, path);
            if let Some(package_file) = package_file {
                seq.serialize_element(&package_file)?;
            }
        }
        seq.end()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn repository() -> MemoryFiles {
        let mut files = MemoryFiles::new();
        files.insert("Cargo.toml", "[dependencies]\nserde = \"1\"\n");
        files.insert("Cargo.lock", "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n");
        files.insert(
            "web/package.json",
            r#"{"dependencies": {"react": "^18.0.0"}}"#,
        );
        files.insert("broken/package.json", "{");
        files.insert("ci.yml", "on: push\njobs: {}\n");
        files.insert("compose.yaml", "services:\n  db:\n    image: postgres:16\n");
        files.insert("README.md", "# not a manifest\n");
        files
    }

    #[test]
    fn streaming_report_serialises_exactly_like_the_collected_report() {
        let files = repository();
        let paths = files.paths();
        let collected = serde_json::to_value(extract_files(&files, &paths)).unwrap();
        let streaming = StreamingReport::new(&files, &paths);
        let streamed = serde_json::to_value(&streaming).unwrap();
        assert_eq!(streamed, collected);
        assert_eq!(streaming.error_count(), 1);
        // each file is claimed only by its own managers
        let managers: Vec<&String> = collected["packageFiles"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(managers, ["cargo", "docker-compose", "npm"]);
        assert_eq!(collected["errors"][0]["packageFile"], "broken/package.json");
    }
}
