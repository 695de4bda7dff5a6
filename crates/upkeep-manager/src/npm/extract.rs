//! Extraction of package.json: every dependency section, in file order.
//!
//! The file is read as `JSON.parse` reads it (last duplicate key wins) with positions kept,
//! then each top-level key npm, Yarn or pnpm give meaning to is handed to the module that
//! knows it: dependency maps here, override sections in [`super::overrides`], tool
//! versions (`engines`, `volta`, `packageManager`) in [`super::tools`]. Facts later stages
//! need about the package itself (its name, version and workspace globs) go into
//! `managerData`, as Renovate does.

use serde_json::{Map, Value as JsonValue};
use upkeep_types::{Datasource, Dependency, PackageFile, SkipReason};

use super::json::{self, JsonString, Node, Value, effective_members};
use super::spec::{self, Spec};
use super::{overrides, tools};
use crate::ExtractError;

/// The dependency maps whose keys are package names and values npm specs.
const DEPENDENCY_TYPES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    let root = json::parse(content)?;
    let Some(members) = root.as_object() else {
        return Err(ExtractError::at_offset(
            "package.json must hold a JSON object",
            content,
            root.start,
        ));
    };
    let mut deps = Vec::new();
    for member in effective_members(members) {
        let value = &member.value;
        match member.key.text.as_ref() {
            dep_type if DEPENDENCY_TYPES.contains(&dep_type) => {
                dependency_map(dep_type, value, &mut deps);
            }
            "overrides" => overrides::npm(value, &mut deps),
            "resolutions" => overrides::yarn(value, &mut deps),
            "pnpm" => {
                if let Some(pnpm_overrides) = value.get("overrides") {
                    overrides::pnpm(pnpm_overrides, &mut deps);
                }
            }
            "engines" => tools::engines(value, &mut deps),
            "volta" => tools::volta(value, &mut deps),
            "packageManager" => deps.push(tools::package_manager(value)),
            _ => {}
        }
    }
    let mut file = PackageFile::new(package_file);
    file.deps = deps;
    file.manager_data = manager_data(&root);
    Ok(Some(file))
}

fn dependency_map(dep_type: &str, map: &Value<'_>, deps: &mut Vec<Dependency>) {
    let Some(members) = map.as_object() else {
        return;
    };
    for member in effective_members(members) {
        deps.push(registry_dependency(
            dep_type,
            &member.key.text,
            &member.value,
        ));
    }
}

/// A dependency whose value is an npm spec (a dependency map entry or an override).
pub(super) fn registry_dependency(dep_type: &str, dep_name: &str, value: &Value<'_>) -> Dependency {
    let mut dep = base(dep_type, dep_name, value);
    let Some(string) = value.as_string() else {
        return dep.skipped(SkipReason::InvalidValue);
    };
    if !spec::is_valid_package_name(dep_name) {
        let trimmed = string.text.trim();
        dep.current_value = Some(trimmed.to_owned());
        return dep.skipped(SkipReason::InvalidName);
    }
    apply_spec(&mut dep, string, spec::classify(&string.text));
    dep
}

/// A dependency with its name, type and line; the rest is filled in by the caller.
pub(super) fn base(dep_type: &str, dep_name: &str, value: &Value<'_>) -> Dependency {
    let mut dep = Dependency::new(dep_name, None);
    dep.dep_type = Some(dep_type.to_owned());
    dep.location.line = value.line;
    dep
}

/// Copies a classified spec onto `dep`, turning offsets in the decoded text into spans.
pub(super) fn apply_spec(dep: &mut Dependency, string: &JsonString<'_>, spec: Spec) {
    let text = string.text.as_ref();
    dep.datasource = spec.datasource;
    dep.package_name = spec.package_name.filter(|name| *name != dep.dep_name);
    if let Some((offset, len)) = spec.value {
        dep.current_value = text.get(offset..offset + len).map(str::to_owned);
        dep.location.value = string.sub_span(offset, len);
    } else if spec.digest.is_none() {
        // Kept as written so the report shows what was skipped.
        dep.current_value = Some(text.trim().to_owned());
    }
    if let Some((offset, len)) = spec.digest {
        dep.current_digest = text
            .get(offset..offset + len)
            .filter(|digest| !digest.is_empty())
            .map(str::to_owned);
        dep.location.digest = string.sub_span(offset, len);
    }
    if dep.skip_reason.is_none() {
        dep.skip_reason = spec.skip_reason;
    }
}

/// The package's name, version and workspace globs: what later stages need to see the
/// shape of a monorepo (which package files are members, which dependencies are internal).
fn manager_data(root: &Value<'_>) -> Option<JsonValue> {
    let mut data = Map::new();
    for (key, field) in [
        ("name", "packageJsonName"),
        ("version", "packageJsonVersion"),
    ] {
        if let Some(text) = root.get(key).and_then(Value::as_string) {
            data.insert(field.to_owned(), JsonValue::from(text.text.as_ref()));
        }
    }
    if let Some(workspaces) = root.get("workspaces") {
        // npm and Yarn: an array of globs; Yarn 1 also `{ "packages": [...], "nohoist": [...] }`.
        let globs = match &workspaces.node {
            Node::Array(_) => Some(workspaces),
            Node::Object(_) => workspaces.get("packages"),
            _ => None,
        };
        if let Some(Node::Array(items)) = globs.map(|globs| &globs.node) {
            let globs: Vec<JsonValue> = items
                .iter()
                .filter_map(Value::as_string)
                .map(|glob| JsonValue::from(glob.text.as_ref()))
                .collect();
            data.insert("workspaces".to_owned(), JsonValue::Array(globs));
        }
    }
    (!data.is_empty()).then_some(JsonValue::Object(data))
}

/// Datasource for a dependency looked up in the npm registry under `name`.
pub(super) fn npm_dependency(dep: &mut Dependency, package_name: Option<&str>) {
    dep.datasource = Some(Datasource::Npm);
    dep.package_name = package_name
        .filter(|name| *name != dep.dep_name)
        .map(str::to_owned);
}
