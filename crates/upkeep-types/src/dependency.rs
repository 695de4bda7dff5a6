use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::{Datasource, SkipReason};

/// A byte range in a file's text: where a token was found, so it can be replaced in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from a byte range.
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span { start, end }
    }

    /// The span as a range, for slicing.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The same span moved by `offset` bytes (for spans found in a sub-slice).
    pub fn shift(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Span {
        Span::new(range.start, range.end)
    }
}

/// One dependency as a manager extracted it from a file (the `extract` stage's output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The name the file uses for the dependency.
    pub dep_name: String,
    /// The name in the registry when it differs from `depName` (renames, aliases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    /// The version or range exactly as written in the file (variables resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
    /// The pinned digest as written (`sha256:…`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_digest: Option<String>,
    /// The version a lock file resolved the dependency to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_version: Option<String>,
    /// Where in the file the dependency was declared (`dependencies`, `final`, `provider`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dep_type: Option<String>,
    /// The kind of registry to look the dependency up in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource: Option<Datasource>,
    /// The registries to ask, when not the datasource's default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registry_urls: Vec<String>,
    /// A registry the file names but cannot resolve to a URL by itself (Cargo's
    /// `registry = "name"`, defined in `.cargo/config.toml`): lookup must resolve it, and
    /// must never fall back to the datasource's default registry for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_name: Option<String>,
    /// The version scheme, when not the manager's default (e.g. `docker`, `node`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    /// Why the dependency will not be looked up, if it will not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
    /// The text that an update rewrites (e.g. a whole image reference), as Renovate reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_string: Option<String>,
    /// Where the dependency sits in the file; not serialised (it is only valid for the text
    /// it was extracted from).
    #[serde(skip)]
    pub location: Location,
}

/// Where a dependency's tokens sit in the text it was extracted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line of the declaration.
    pub line: u32,
    /// The bytes that hold `currentValue` (inside any quotes).
    pub value: Option<Span>,
    /// The bytes that hold `currentDigest`, or the empty span where a digest would be inserted.
    pub digest: Option<Span>,
}

impl Dependency {
    /// A dependency with a name and a datasource; the rest filled in by the manager.
    pub fn new(dep_name: impl Into<String>, datasource: Option<Datasource>) -> Dependency {
        Dependency {
            dep_name: dep_name.into(),
            datasource,
            ..Dependency::default()
        }
    }

    /// The name to ask the registry for: `packageName` when set, else `depName`.
    pub fn lookup_name(&self) -> &str {
        self.package_name.as_deref().unwrap_or(&self.dep_name)
    }

    /// Sets the skip reason (builder style).
    pub fn skipped(mut self, reason: SkipReason) -> Dependency {
        self.skip_reason = Some(reason);
        self
    }
}

/// What to change in one dependency: a new value, a new digest, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyChange {
    /// The new version or range text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    /// The new digest (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_digest: Option<String>,
}

/// One file that a manager owns, with every dependency it declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageFile {
    /// Path relative to the repository root, with `/` separators.
    pub package_file: String,
    /// The lock files that gave locked versions, relative to the repository root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lock_files: Vec<String>,
    /// Every dependency found, in file order (skipped ones included).
    pub deps: Vec<Dependency>,
    /// What a manager learnt about the file beyond its dependencies and that later stages
    /// need (Renovate's `managerData`), e.g. the npm package's name and workspace globs.
    /// Its shape belongs to the manager that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_data: Option<serde_json::Value>,
}

impl PackageFile {
    /// An empty package file for `path`.
    pub fn new(path: impl Into<String>) -> PackageFile {
        PackageFile {
            package_file: path.into(),
            ..PackageFile::default()
        }
    }
}
