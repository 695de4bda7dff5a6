//! `Cargo.lock`: the packages it pins, and the locked version of each direct dependency.
//!
//! Every lock format Cargo has written reads the same way here: `[[package]]` entries
//! with `name`, `version`, `source` and `dependencies` (v1 writes `"name version
//! (source)"` in `dependencies` and has a `[root]` table and a `[metadata]` checksum table;
//! v2–v4 write bare names, or `"name version"` when several versions are locked).
//!
//! One crate may be locked at several versions (`syn` 1 and 2), so the locked version of
//! a dependency is the highest locked version that its requirement accepts, taken only
//! from entries of the registry it comes from: a path or git copy of a crate is not what
//! the registry would give.

use std::ops::Range;

use semver::{Version, VersionReq};
use toml_edit::{Document, Item, TableLike};
use upkeep_types::{Dependency, LockFile, LockedPackage, PackageFile};

use crate::ExtractError;

/// The `source` of crates.io entries, in its git-index and sparse-index spellings.
const CRATES_IO_SOURCES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// The packages `content` (a `Cargo.lock`) pins; a malformed lock file is one
/// positioned error.
pub(super) fn parse(lock_file: &str, content: &str) -> Result<LockFile, ExtractError> {
    let document = Document::parse(content).map_err(|error| {
        let message = format!("invalid TOML: {}", error.message().trim_end());
        match error.span() {
            Some(span) => ExtractError::at_offset(message, content, span.start),
            None => ExtractError::at(message, 1, 1),
        }
    })?;
    let root = document.as_table();
    let mut packages = Vec::new();
    if let Some(item) = root.get("root") {
        let table = item
            .as_table_like()
            .ok_or_else(|| error_at(content, item.span(), "`root` must be a table"))?;
        packages.push(package(content, item.span(), table)?);
    }
    match root.get("package") {
        None => {}
        Some(Item::ArrayOfTables(entries)) => {
            for entry in entries.iter() {
                packages.push(package(content, entry.span(), entry)?);
            }
        }
        Some(item) => {
            return Err(error_at(
                content,
                item.span(),
                "`package` must be an array of tables (`[[package]]`)",
            ));
        }
    }
    if packages.is_empty() && root.get("version").is_none() {
        return Err(ExtractError::at(
            "not a Cargo lock file: it has no `[[package]]`",
            1,
            1,
        ));
    }
    Ok(LockFile {
        path: lock_file.to_owned(),
        packages,
    })
}

/// One `[[package]]` entry; `span` places errors about the entry as a whole.
fn package(
    content: &str,
    span: Option<Range<usize>>,
    table: &dyn TableLike,
) -> Result<LockedPackage, ExtractError> {
    let text = |key: &str| -> Result<Option<String>, ExtractError> {
        match table.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|text| Some(text.to_owned()))
                .ok_or_else(|| {
                    error_at(content, value.span(), &format!("`{key}` must be a string"))
                }),
        }
    };
    let required = |key: &str| {
        text(key)?
            .ok_or_else(|| error_at(content, span.clone(), &format!("a package has no `{key}`")))
    };
    let mut locked = LockedPackage {
        name: required("name")?,
        version: required("version")?,
        source: text("source")?,
        ..LockedPackage::default()
    };
    if let Some(dependencies) = table.get("dependencies") {
        let array = dependencies.as_array().ok_or_else(|| {
            error_at(
                content,
                dependencies.span(),
                "`dependencies` must be an array",
            )
        })?;
        for entry in array.iter() {
            let name = entry
                .as_str()
                .ok_or_else(|| error_at(content, entry.span(), "a dependency must be a string"))?;
            locked.dependencies.push(name.to_owned());
        }
    }
    Ok(locked)
}

fn error_at(content: &str, span: Option<Range<usize>>, message: &str) -> ExtractError {
    match span {
        Some(span) => ExtractError::at_offset(message, content, span.start),
        None => ExtractError::new(message),
    }
}

/// Gives every dependency that is looked up in a registry its locked version. The nearest
/// `Cargo.lock` always governs a manifest (Cargo puts one lock at the workspace root).
pub(super) fn apply(package_file: &mut PackageFile, lock_file: &LockFile) -> bool {
    for dep in &mut package_file.deps {
        if dep.skip_reason.is_none() {
            dep.locked_version = locked_version(dep, lock_file);
        }
    }
    true
}

/// The highest version of `dep` in the lock file that its requirement accepts.
fn locked_version(dep: &Dependency, lock_file: &LockFile) -> Option<String> {
    let requirement = VersionReq::parse(dep.current_value.as_deref()?.trim()).ok()?;
    let name = dep.lookup_name();
    lock_file
        .packages
        .iter()
        .filter(|package| {
            package.name == name && from_same_registry(dep, package.source.as_deref())
        })
        .filter_map(|package| Version::parse(&package.version).ok())
        .filter(|version| requirement.matches(version))
        .max()
        .map(|version| version.to_string())
}

/// Whether a lock entry's `source` is the registry `dep` is taken from: the index the
/// manifest gives, some registry other than crates.io for a named one, else crates.io.
fn from_same_registry(dep: &Dependency, source: Option<&str>) -> bool {
    let Some(source) = source else {
        return false;
    };
    if let Some(index) = dep.registry_urls.first() {
        return same_index(index, source);
    }
    let is_registry = source.starts_with("registry+") || source.starts_with("sparse+");
    let is_crates_io = CRATES_IO_SOURCES
        .iter()
        .any(|known| same_index(known, source));
    if dep.registry_name.is_some() {
        is_registry && !is_crates_io
    } else {
        is_crates_io
    }
}

/// Index URLs compared the way Cargo writes them: git indexes with or without the
/// `registry+` prefix, and with or without a trailing slash.
fn same_index(left: &str, right: &str) -> bool {
    let normalize = |url: &str| {
        let url = url.strip_prefix("registry+").unwrap_or(url);
        url.trim_end_matches('/').to_owned()
    };
    normalize(left) == normalize(right)
}

#[cfg(test)]
mod tests {
    use upkeep_types::Datasource;

    use super::*;

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

    fn dep(name: &str, value: &str) -> Dependency {
        let mut dep = Dependency::new(name, Some(Datasource::Crate));
        dep.current_value = Some(value.to_owned());
        dep
    }

    fn lock(entries: &[(&str, &str, Option<&str>)]) -> LockFile {
        LockFile {
            path: "Cargo.lock".to_owned(),
            packages: entries
                .iter()
                .map(|(name, version, source)| LockedPackage {
                    name: (*name).to_owned(),
                    version: (*version).to_owned(),
                    source: source.map(str::to_owned),
                    ..LockedPackage::default()
                })
                .collect(),
        }
    }

    #[test]
    fn the_locked_version_is_the_one_the_requirement_accepts() {
        let lock_file = lock(&[
            ("syn", "1.0.109", Some(CRATES_IO)),
            ("syn", "2.0.87", Some(CRATES_IO)),
        ]);
        assert_eq!(
            locked_version(&dep("syn", "1.0"), &lock_file).as_deref(),
            Some("1.0.109")
        );
        assert_eq!(
            locked_version(&dep("syn", "2"), &lock_file).as_deref(),
            Some("2.0.87")
        );
        assert_eq!(
            locked_version(&dep("syn", ">=1"), &lock_file).as_deref(),
            Some("2.0.87")
        );
        assert_eq!(locked_version(&dep("syn", "=1.0.100"), &lock_file), None);
        assert_eq!(locked_version(&dep("syn", "not a range"), &lock_file), None);
    }

    #[test]
    fn renamed_dependencies_are_locked_under_their_package_name() {
        let lock_file = lock(&[("rand", "0.8.5", Some("sparse+https://index.crates.io/"))]);
        let mut renamed = dep("rand08", "0.8");
        renamed.package_name = Some("rand".to_owned());
        assert_eq!(
            locked_version(&renamed, &lock_file).as_deref(),
            Some("0.8.5")
        );
    }

    #[test]
    fn only_entries_from_the_same_registry_count() {
        let private = "sparse+https://cargo.example.com/index/";
        let lock_file = lock(&[
            ("core", "0.3.1", None),
            ("tool", "1.2.0", Some(private)),
            (
                "shared",
                "2.0.0",
                Some("git+https://github.com/o/shared?tag=v2#0123abc"),
            ),
        ]);
        assert_eq!(locked_version(&dep("core", "0.3"), &lock_file), None);
        assert_eq!(locked_version(&dep("tool", "1"), &lock_file), None);
        assert_eq!(locked_version(&dep("shared", "2"), &lock_file), None);
        let mut named = dep("tool", "1");
        named.registry_name = Some("internal".to_owned());
        assert_eq!(locked_version(&named, &lock_file).as_deref(), Some("1.2.0"));
        let mut indexed = dep("tool", "1");
        indexed.registry_urls = vec!["sparse+https://cargo.example.com/index".to_owned()];
        assert_eq!(
            locked_version(&indexed, &lock_file).as_deref(),
            Some("1.2.0")
        );
    }

    #[test]
    fn version_1_lock_files_with_root_and_metadata_parse() {
        let content = "[root]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \
            \"libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)\",\n]\n\n\
            [[package]]\nname = \"libc\"\nversion = \"0.2.20\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
            [metadata]\n\"checksum libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)\" = \
            \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n";
        let parsed = parse("Cargo.lock", content).unwrap();
        assert_eq!(parsed.packages.len(), 2);
        assert_eq!(parsed.packages[0].name, "app");
        assert_eq!(
            parsed.packages[0].dependencies,
            ["libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)"]
        );
        assert_eq!(parsed.packages[1].source.as_deref(), Some(CRATES_IO));
    }

    #[test]
    fn malformed_lock_files_are_errors_with_positions() {
        let error = parse("Cargo.lock", "version = 3\n\n[[package]]\nname = \"a\"\n").unwrap_err();
        assert_eq!(error.line, Some(3), "{}", error.message);
        let error = parse(
            "Cargo.lock",
            "version = 4\n[[package]]\nname = \"a\"\nversion = 1\n",
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (Some(4), Some(11)));
        let error = parse("Cargo.lock", "[[package]\n").unwrap_err();
        assert_eq!(error.line, Some(1));
        assert!(parse("Cargo.lock", "# empty\n").is_err());
    }
}
