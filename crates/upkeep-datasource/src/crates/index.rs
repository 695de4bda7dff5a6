//! The sparse index format, with no I/O: where a crate's file lives, what `config.json`
//! says, and how a file's lines become releases.
//!
//! Layout (Cargo's registry index docs): the name is lowercased, then a 1-letter name
//! lives at `1/a`, 2 letters at `2/ab`, 3 at `3/a/abc`, and longer names at
//! `ab/cd/abcd…` (first two letters, next two, whole name). Each line of the file is
//! one published version as JSON; `vers`, `yanked` and `pubtime` (added in 2025, absent
//! from older lines) are the fields a lookup needs. A line that does not parse is
//! skipped rather than failing the crate, since Cargo itself skips lines of schema
//! versions it does not know.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Release, ReleaseResult};

/// The index path of a crate, or `None` for a name Cargo would not accept.
pub(crate) fn index_path(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !valid {
        return None;
    }
    let name = name.to_ascii_lowercase();
    Some(match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    })
}

/// The registry's `config.json`.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct IndexConfig {
    /// Where `.crate` files are downloaded from (required by the protocol).
    pub dl: String,
    /// The web API, when the registry has one (crates.io: `https://crates.io`).
    #[serde(default)]
    pub api: Option<String>,
    /// Whether every request needs a token.
    #[serde(default, rename = "auth-required")]
    pub auth_required: bool,
}

/// Parses `config.json`.
pub(crate) fn parse_config(body: &[u8]) -> Result<IndexConfig, String> {
    serde_json::from_slice(body).map_err(|error| error.to_string())
}

#[derive(Deserialize)]
struct IndexLine {
    vers: String,
    #[serde(default)]
    yanked: bool,
    #[serde(default)]
    pubtime: Option<String>,
}

/// One dependency of an index line (`deps[]`): `name` is the name the manifest uses,
/// `package` the registry name when it renames.
#[derive(Deserialize)]
struct IndexDependency {
    name: String,
    req: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct DependencyLine {
    vers: String,
    #[serde(default)]
    deps: Vec<IndexDependency>,
}

/// What `version` requires of its normal and build dependencies, by registry name
/// (development dependencies do not reach a dependent's lock file); `None` when no line
/// lists that version. A crate named twice (target-specific entries) keeps its first
/// requirement.
pub(crate) fn dependency_requirements(
    body: &[u8],
    version: &str,
) -> Option<BTreeMap<String, String>> {
    let text = std::str::from_utf8(body).ok()?;
    let line = text
        .lines()
        .filter(|line| line.contains(version))
        .filter_map(|line| serde_json::from_str::<DependencyLine>(line.trim()).ok())
        .find(|line| line.vers == version)?;
    let mut requirements = BTreeMap::new();
    for dependency in line.deps {
        if dependency.kind.as_deref() == Some("dev") {
            continue;
        }
        let name = dependency.package.unwrap_or(dependency.name);
        requirements.entry(name).or_insert(dependency.req);
    }
    Some(requirements)
}

/// Parses an index file. Yanked versions go to `yanked_versions`, not `releases`.
/// A non-empty file in which no line parses is not an index file.
pub(crate) fn parse_index_file(body: &[u8]) -> Result<ReleaseResult, String> {
    let text = std::str::from_utf8(body).map_err(|error| error.to_string())?;
    let mut result = ReleaseResult::default();
    let mut first_error = None;
    let mut lines = 0;
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        lines += 1;
        match serde_json::from_str::<IndexLine>(line) {
            Ok(entry) if entry.yanked => result.yanked_versions.push(entry.vers),
            Ok(entry) => result.releases.push(Release {
                version: entry.vers,
                release_timestamp: entry.pubtime,
                ..Release::default()
            }),
            Err(error) => {
                first_error.get_or_insert_with(|| error.to_string());
            }
        }
    }
    let parsed = result.releases.len() + result.yanked_versions.len();
    match first_error {
        Some(error) if parsed == 0 => {
            Err(format!("no line of the {lines}-line file parses: {error}"))
        }
        _ => Ok(result),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_cargo_layout() {
        let cases = [
            ("a", Some("1/a")),
            ("cc", Some("2/cc")),
            ("syn", Some("3/s/syn")),
            ("Syn", Some("3/s/syn")),
            ("serde", Some("se/rd/serde")),
            ("toml_edit", Some("to/ml/toml_edit")),
            ("Inflector", Some("in/fl/inflector")),
            ("", None),
            ("../etc", None),
            ("a/b", None),
            ("naïve", None),
        ];
        for (name, expected) in cases {
            assert_eq!(index_path(name).as_deref(), expected, "{name}");
        }
    }

    #[test]
    fn index_file_with_yanked_versions_and_pubtime() {
        let body = include_bytes!("fixtures/se/rd/serde");
        let result = parse_index_file(body).unwrap();
        let versions: Vec<&str> = result.releases.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(
            versions,
            ["1.0.0", "1.0.1", "1.0.219", "1.0.220", "1.1.0-rc.1"]
        );
        assert_eq!(result.yanked_versions, ["1.0.2"]);
        assert_eq!(result.releases[0].release_timestamp, None);
        assert_eq!(
            result.releases[3].release_timestamp.as_deref(),
            Some("2025-08-01T10:20:30Z")
        );
    }

    #[test]
    fn one_bad_line_is_skipped_but_garbage_is_rejected() {
        let body = b"{\"name\":\"x\",\"vers\":\"0.1.0\"}\nnot json\n";
        assert_eq!(parse_index_file(body).unwrap().releases.len(), 1);
        let error = parse_index_file(b"<html>\n<body>oops</body>\n").unwrap_err();
        assert!(error.contains("2-line"), "{error}");
        assert!(parse_index_file(b"").unwrap().releases.is_empty());
    }

    #[test]
    fn dependency_requirements_of_one_version_by_registry_name_without_dev_dependencies() {
        let body = br#"{"name":"chrono","vers":"0.4.19","deps":[{"name":"time","req":"^0.1.43","kind":"normal"}]}
{"name":"chrono","vers":"0.4.20","deps":[{"name":"old_time","package":"time","req":"^0.1.44","kind":"normal"},{"name":"criterion","req":"^0.3","kind":"dev"},{"name":"cc","req":"^1","kind":"build"}]}
"#;
        let requirements = dependency_requirements(body, "0.4.20").unwrap();
        assert_eq!(
            requirements.into_iter().collect::<Vec<_>>(),
            [
                ("cc".to_owned(), "^1".to_owned()),
                ("time".to_owned(), "^0.1.44".to_owned())
            ]
        );
        assert_eq!(
            dependency_requirements(body, "0.4.19").unwrap()["time"],
            "^0.1.43"
        );
        assert_eq!(dependency_requirements(body, "0.4.2"), None);
    }

    #[test]
    fn config_json() {
        let config = parse_config(include_bytes!("fixtures/config.json")).unwrap();
        assert_eq!(config.dl, "https://static.crates.io/crates");
        assert_eq!(config.api.as_deref(), Some("https://crates.io"));
        assert!(!config.auth_required);
        assert!(parse_config(b"{\"api\":\"x\"}").is_err());
    }
}
