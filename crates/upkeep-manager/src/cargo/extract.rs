//! Extraction for `cargo`: find every dependency table of a manifest and turn each entry
//! into a [`Dependency`].
//!
//! The walk follows TOML's logical structure, not the headers, so `[dependencies]`,
//! `[dependencies.serde]`, `dependencies.serde.version = "1"` at the top level and
//! `serde.version = "1"` inside `[dependencies]` are one and the same to it. The logical
//! structure groups tables by kind, so the dependencies are sorted back into file order
//! afterwards, by the position of their keys.

use toml_edit::{Document, Item, TableLike};
use upkeep_types::{Dependency, PackageFile};

use super::dependency;
use crate::ExtractError;

/// The dependency tables of a package (or of one `[target.…]`), with the `depType` each
/// gives; Cargo accepts the underscore spellings as aliases.
const DEPENDENCY_TABLES: [(&str, &str); 5] = [
    ("dependencies", "dependencies"),
    ("dev-dependencies", "dev-dependencies"),
    ("dev_dependencies", "dev-dependencies"),
    ("build-dependencies", "build-dependencies"),
    ("build_dependencies", "build-dependencies"),
];

/// The `depType` of `[workspace.dependencies]`.
const WORKSPACE_DEPENDENCIES: &str = "workspace.dependencies";

/// Every dependency of the manifest `content`, in file order; a TOML error is one
/// positioned error.
pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    let document = Document::parse(content).map_err(|error| parse_error(content, &error))?;
    let root = document.as_table();
    if root.is_empty() {
        return Err(ExtractError::at(
            "the manifest is empty: it has neither `[package]` nor `[workspace]`",
            1,
            1,
        ));
    }
    let mut found = Vec::new();
    collect_package_tables(content, root, &mut found);
    if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
        for (_, target) in targets.iter() {
            if let Some(target) = target.as_table_like() {
                collect_package_tables(content, target, &mut found);
            }
        }
    }
    if let Some(workspace) = root.get("workspace").and_then(Item::as_table_like)
        && let Some(table) = workspace.get("dependencies").and_then(Item::as_table_like)
    {
        collect_table(content, table, WORKSPACE_DEPENDENCIES, &mut found);
    }
    let mut package = PackageFile::new(package_file);
    package.deps = in_file_order(content, found);
    Ok(Some(package))
}

/// A dependency with the byte offset of its key, for sorting into file order.
type Found = (usize, Dependency);

fn collect_package_tables(content: &str, parent: &dyn TableLike, found: &mut Vec<Found>) {
    for (name, dep_type) in DEPENDENCY_TABLES {
        if let Some(table) = parent.get(name).and_then(Item::as_table_like) {
            collect_table(content, table, dep_type, found);
        }
    }
}

fn collect_table(content: &str, table: &dyn TableLike, dep_type: &str, found: &mut Vec<Found>) {
    for (name, item) in table.iter() {
        let Some((key, _)) = table.get_key_value(name) else {
            continue;
        };
        let offset = key
            .span()
            .or_else(|| item.span())
            .map_or(0, |span| span.start);
        found.push((
            offset,
            dependency::from_entry(content, name, item, dep_type),
        ));
    }
}

/// Sorts by position and sets each dependency's 1-based line, counting newlines once
/// across the whole file rather than once per dependency.
fn in_file_order(content: &str, mut found: Vec<Found>) -> Vec<Dependency> {
    found.sort_by_key(|(offset, _)| *offset);
    let bytes = content.as_bytes();
    let mut line = 1u32;
    let mut counted_to = 0usize;
    found
        .into_iter()
        .map(|(offset, mut dep)| {
            let offset = offset.min(bytes.len());
            let newlines = memchr::memchr_iter(b'\n', &bytes[counted_to..offset]).count();
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            counted_to = offset;
            dep.location.line = line;
            dep
        })
        .collect()
}

/// A TOML syntax error, positioned at the start of the span toml_edit reports (the top
/// of the file when it reports none, as for its dotted-key recursion limit).
fn parse_error(content: &str, error: &toml_edit::TomlError) -> ExtractError {
    let message = format!("invalid TOML: {}", error.message().trim_end());
    match error.span() {
        Some(span) => ExtractError::at_offset(message, content, span.start),
        None => ExtractError::at(message, 1, 1),
    }
}

#[cfg(test)]
mod tests {
    use upkeep_types::SkipReason;

    use super::*;

    fn deps(content: &str) -> Vec<Dependency> {
        extract("Cargo.toml", content).unwrap().unwrap().deps
    }

    fn summary(content: &str) -> Vec<(String, String, u32)> {
        deps(content)
            .into_iter()
            .map(|dep| {
                (
                    dep.dep_name,
                    dep.dep_type.unwrap_or_default(),
                    dep.location.line,
                )
            })
            .collect()
    }

    #[test]
    fn dependencies_come_out_in_file_order_across_tables() {
        let content = "[package]\nname = \"x\"\n\n[dev-dependencies]\na = \"1\"\n\n\
            [target.'cfg(unix)'.dependencies]\nb = \"1\"\n\n[dependencies]\nc = \"1\"\n\n\
            [build_dependencies]\nd = \"1\"\n\n[target.\"x86_64-pc-windows-gnu\".dev-dependencies]\ne = \"1\"\n\n\
            [target.'cfg(unix)'.dependencies.f]\nversion = \"1\"\n";
        let expected = [
            ("a", "dev-dependencies", 5),
            ("b", "dependencies", 8),
            ("c", "dependencies", 11),
            ("d", "build-dependencies", 14),
            ("e", "dev-dependencies", 17),
            ("f", "dependencies", 19),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(name, kind, line)| (name.to_string(), kind.to_string(), *line))
            .collect();
        assert_eq!(summary(content), expected);
    }

    #[test]
    fn top_level_dotted_keys_and_workspace_dependencies_are_found() {
        let content = "dependencies.serde.version = \"1\"\n\
            target.'cfg(windows)'.build-dependencies.cc = \"1.0\"\n\
            workspace.dependencies.tokio = { version = \"1\" }\n";
        assert_eq!(
            summary(content),
            [
                ("serde".to_owned(), "dependencies".to_owned(), 1),
                ("cc".to_owned(), "build-dependencies".to_owned(), 2),
                ("tokio".to_owned(), "workspace.dependencies".to_owned(), 3),
            ]
        );
    }

    #[test]
    fn patch_replace_features_and_profiles_are_not_dependencies() {
        let content = "[package]\nname = \"x\"\n[features]\ndefault = [\"serde\"]\n\
            [patch.crates-io]\nserde = { git = \"https://g/serde\" }\n\
            [replace]\n\"foo:0.1.0\" = { path = \"foo\" }\n[profile.release.package.serde]\nopt-level = 3\n\
            [lints.rust]\nunsafe_code = \"forbid\"\n[workspace.package]\nversion = \"1\"\n";
        assert!(deps(content).is_empty());
    }

    #[test]
    fn member_inherits_from_the_workspace() {
        let content = "[dependencies]\nserde = { workspace = true, features = [\"derive\"] }\ntokio.workspace = true\n";
        let found = deps(content);
        assert_eq!(found.len(), 2);
        for dep in found {
            assert_eq!(dep.skip_reason, Some(SkipReason::InheritedDependency));
            assert_eq!(dep.current_value, None);
        }
    }

    #[test]
    fn a_leading_byte_order_mark_counts_in_spans() {
        let content = "\u{feff}[dependencies]\nserde = \"1.0\"\n";
        let dep = &deps(content)[0];
        let span = dep.location.value.unwrap();
        assert_eq!(&content[span.range()], "1.0");
        assert_eq!(dep.location.line, 2);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let error = extract(
            "Cargo.toml",
            "[dependencies]\nserde = \"1.0\nlog = \"0.4\"\n",
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(13)));
        assert!(
            error.message.starts_with("invalid TOML"),
            "{}",
            error.message
        );
        let error = extract("Cargo.toml", "").unwrap_err();
        assert_eq!((error.line, error.column), (Some(1), Some(1)));
    }

    #[test]
    fn huge_nesting_is_refused_quickly_by_the_parser_limit() {
        for content in [
            format!("[dependencies]\nserde = {}", "[".repeat(100_000)),
            format!("[dependencies]\nserde = {}", "{a = ".repeat(100_000)),
            "[".repeat(100_000),
            format!("dependencies{} = 1", ".a".repeat(100_000)),
        ] {
            let error = extract("Cargo.toml", &content).unwrap_err();
            assert!(error.line.is_some(), "{}", error.message);
        }
    }
}
