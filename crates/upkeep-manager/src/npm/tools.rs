//! Tool versions: `engines`, `volta` and `packageManager`.
//!
//! These name tools, not packages: `node` is looked up in Node.js releases
//! (`node-version`, versioning `node`), `npm`/`pnpm`/`yarn` in the npm registry. Yarn 2
//! and later are published as `@yarnpkg/cli`, so an exact Yarn version above 1 is looked
//! up there (Renovate does the same). Tools upkeep cannot look up are kept with
//! `unknown-engines` / `unknown-volta`.
//!
//! `packageManager` (`pnpm@9.1.0+sha512.abc…`) is split into `currentValue` (`9.1.0`) and
//! `currentDigest` (`sha512.abc…`, Corepack's hash, without the `+`). When there is no
//! hash the digest span is the empty span after the version, so an update can add one.

use upkeep_types::{Datasource, Dependency, SkipReason};

use super::extract::{apply_spec, base, npm_dependency};
use super::json::{Value, effective_members};
use super::spec::{Spec, split_name_and_spec};

/// `engines`: `{ "node": ">=18", "npm": ">=9" }`.
pub(super) fn engines(value: &Value<'_>, deps: &mut Vec<Dependency>) {
    tool_map(value, "engines", SkipReason::UnknownEngines, deps);
}

/// `volta`: `{ "node": "20.11.1", "yarn": "1.22.22" }`; `extends` is a path, not a tool.
pub(super) fn volta(value: &Value<'_>, deps: &mut Vec<Dependency>) {
    tool_map(value, "volta", SkipReason::UnknownVolta, deps);
}

fn tool_map(value: &Value<'_>, dep_type: &str, unknown: SkipReason, deps: &mut Vec<Dependency>) {
    let Some(members) = value.as_object() else {
        return;
    };
    for member in effective_members(members) {
        let name = member.key.text.as_ref();
        if dep_type == "volta" && name == "extends" {
            continue;
        }
        let mut dep = base(dep_type, name, &member.value);
        let Some(string) = member.value.as_string() else {
            deps.push(dep.skipped(SkipReason::InvalidValue));
            continue;
        };
        let text = string.text.as_ref();
        let start = text.len() - text.trim_start().len();
        let version = text.trim();
        let known = if dep_type == "engines" && name == "vscode" {
            // VS Code extensions declare the editor version they need; Renovate reads
            // VS Code's own tags for it.
            dep.datasource = Some(Datasource::GithubTags);
            dep.package_name = Some("microsoft/vscode".to_owned());
            true
        } else {
            set_tool(&mut dep, name, version)
        };
        if !known {
            dep.skip_reason = Some(unknown);
        }
        if version.is_empty() && dep.skip_reason.is_none() {
            dep.skip_reason = Some(SkipReason::UnspecifiedVersion);
        }
        let spec = Spec {
            datasource: dep.datasource,
            package_name: dep.package_name.take(),
            value: Some((start, version.len())),
            ..Spec::default()
        };
        apply_spec(&mut dep, string, spec);
        deps.push(dep);
    }
}

/// Sets the datasource (and versioning, package name) for a known tool; `false` when the
/// tool is unknown.
fn set_tool(dep: &mut Dependency, name: &str, version: &str) -> bool {
    match name {
        "node" => {
            dep.datasource = Some(Datasource::NodeVersion);
            dep.versioning = Some("node".to_owned());
        }
        "npm" | "pnpm" => npm_dependency(dep, None),
        "yarn" if exact_major(version).is_some_and(|major| major > 1) => {
            npm_dependency(dep, Some("@yarnpkg/cli"));
        }
        "yarn" => npm_dependency(dep, None),
        _ => return false,
    }
    true
}

/// The major number of an exact version (`4.1.0`, `4.1.0-rc.1`), `None` for ranges. Read
/// from the leading digits so that a trailing change keeps the answer stable.
fn exact_major(version: &str) -> Option<u64> {
    let digits = version
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(version.len());
    let is_exact = version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    (digits > 0 && is_exact).then(|| version[..digits].parse().ok())?
}

/// `packageManager`: `name@version[+hash]`.
pub(super) fn package_manager(value: &Value<'_>) -> Dependency {
    let Some(string) = value.as_string() else {
        return base("packageManager", "packageManager", value).skipped(SkipReason::InvalidValue);
    };
    let text = string.text.as_ref();
    let (name, version) = split_name_and_spec(text);
    let mut dep = base("packageManager", name, value);
    let Some(version_and_hash) = version else {
        return dep.skipped(SkipReason::UnspecifiedVersion);
    };
    let version_start = name.len() + 1;
    if version_and_hash.contains("://") {
        dep.current_value = Some(version_and_hash.to_owned());
        return dep.skipped(SkipReason::UnsupportedUrl);
    }
    let (version, hash) = match version_and_hash.split_once('+') {
        Some((version, hash)) => (version, Some(hash)),
        None => (version_and_hash, None),
    };
    // Corepack manages npm, pnpm and Yarn; anything else here is not a package manager.
    let known = name != "node" && set_tool(&mut dep, name, version);
    if !known {
        dep.datasource = None;
        dep.versioning = None;
        dep.package_name = None;
    }
    let digest_start = version_start + version.len() + usize::from(hash.is_some());
    let spec = Spec {
        datasource: dep.datasource,
        package_name: dep.package_name.take(),
        value: Some((version_start, version.len())),
        digest: Some((digest_start, hash.map_or(0, str::len))),
        skip_reason: if !known {
            Some(SkipReason::UnknownEngines)
        } else if version.is_empty() {
            Some(SkipReason::UnspecifiedVersion)
        } else {
            None
        },
    };
    apply_spec(&mut dep, string, spec);
    dep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_major_ignores_ranges() {
        assert_eq!(exact_major("4.1.0"), Some(4));
        assert_eq!(exact_major("4.1.00"), Some(4));
        assert_eq!(exact_major("1.22.19"), Some(1));
        assert_eq!(exact_major("^4.0.0"), None);
        assert_eq!(exact_major(">=1 <5"), None);
    }
}
