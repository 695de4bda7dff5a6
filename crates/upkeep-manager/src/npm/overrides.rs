//! Override sections: npm `overrides`, Yarn `resolutions` and `pnpm.overrides`.
//!
//! All three pin a (possibly transitive) package to a spec, but each spells the target
//! differently: npm nests objects by parent (`{"a": {"b": "1.0.0"}}`, `"."` for the parent
//! itself), Yarn uses path selectors (`**/b`, `a/b`, `@s/a/**/b`), pnpm uses `a>b` chains.
//! In every case the dependency is named after the package the spec applies to — the last
//! one in the selector, without any `@range` qualifier — and the value is an ordinary spec.
//!
//! A value `$name` (npm and pnpm) means "the spec of the direct dependency `name`"; it is
//! reported with `contains-variable`, since updating the direct dependency updates it.

use upkeep_types::{Datasource, Dependency, SkipReason};

use super::extract::{base, registry_dependency};
use super::json::{Node, Value, effective_members};
use super::spec::split_name_and_spec;

/// npm `overrides`: nested by parent package.
pub(super) fn npm(value: &Value<'_>, deps: &mut Vec<Dependency>) {
    npm_level(value, None, deps);
}

fn npm_level(value: &Value<'_>, parent: Option<&str>, deps: &mut Vec<Dependency>) {
    let Some(members) = value.as_object() else {
        return;
    };
    for member in effective_members(members) {
        let key = member.key.text.as_ref();
        // `"."` applies the spec to the parent itself.
        let name = match (key, parent) {
            (".", Some(parent)) => parent,
            _ => split_name_and_spec(key).0,
        };
        match &member.value.node {
            // Recursion depth is bounded by the nesting check done before parsing.
            Node::Object(_) => npm_level(&member.value, Some(name), deps),
            _ => deps.push(override_dependency("overrides", name, &member.value)),
        }
    }
}

/// Yarn `resolutions`: path selectors.
pub(super) fn yarn(value: &Value<'_>, deps: &mut Vec<Dependency>) {
    flat(value, "resolutions", yarn_selector_target, deps);
}

/// `pnpm.overrides`: `parent>child` chains with optional ranges.
pub(super) fn pnpm(value: &Value<'_>, deps: &mut Vec<Dependency>) {
    flat(value, "pnpm.overrides", pnpm_selector_target, deps);
}

fn flat(value: &Value<'_>, dep_type: &str, target: fn(&str) -> &str, deps: &mut Vec<Dependency>) {
    let Some(members) = value.as_object() else {
        return;
    };
    for member in effective_members(members) {
        let name = target(&member.key.text);
        deps.push(override_dependency(dep_type, name, &member.value));
    }
}

fn override_dependency(dep_type: &str, name: &str, value: &Value<'_>) -> Dependency {
    let Some(text) = value.as_string().map(|string| string.text.trim()) else {
        return registry_dependency(dep_type, name, value);
    };
    let skip = if text.starts_with('$') {
        Some(SkipReason::ContainsVariable)
    } else if text == "-" && dep_type == "pnpm.overrides" {
        // pnpm's "remove this dependency": nothing to update.
        Some(SkipReason::UnsupportedVersion)
    } else {
        None
    };
    match skip {
        Some(reason) => {
            let mut dep = base(dep_type, name, value);
            dep.datasource = Some(Datasource::Npm);
            dep.current_value = Some(text.to_owned());
            dep.skipped(reason)
        }
        None => registry_dependency(dep_type, name, value),
    }
}

/// The package a Yarn selector targets: the last name in `a/b`, `**/b`, `@s/a/**/@t/b`,
/// without a trailing `@range` (`b@^1.0.0`, `b@npm:1.0.0`).
pub(crate) fn yarn_selector_target(selector: &str) -> &str {
    let mut last = selector;
    let mut rest = selector;
    while !rest.is_empty() {
        let segment_end = if rest.starts_with('@') {
            // A scope takes the next segment with it.
            match rest.find('/') {
                Some(slash) => rest[slash + 1..].find('/').map(|next| slash + 1 + next),
                None => None,
            }
        } else {
            rest.find('/')
        };
        let (segment, next) = match segment_end {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, ""),
        };
        if segment != "**" && !segment.is_empty() {
            last = segment;
        }
        rest = next;
    }
    split_name_and_spec(last).0
}

/// The package a pnpm override key targets: after the last `>` that separates parent and
/// child (not the `>` of a range such as `foo@>=2`), without a trailing `@range`.
pub(crate) fn pnpm_selector_target(selector: &str) -> &str {
    let bytes = selector.as_bytes();
    let separator = (1..bytes.len()).rev().find(|&index| {
        bytes[index] == b'>'
            && !matches!(bytes[index - 1], b'@' | b' ' | b'<' | b'>' | b'|')
            && bytes.get(index + 1) != Some(&b'=')
    });
    let child = separator.map_or(selector, |index| &selector[index + 1..]);
    split_name_and_spec(child).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yarn_selectors_target_their_last_package() {
        for (selector, target) in [
            ("left-pad", "left-pad"),
            ("**/left-pad", "left-pad"),
            ("webpack/**/watchpack", "watchpack"),
            ("@types/react", "@types/react"),
            ("@storybook/react/**/@types/react", "@types/react"),
            ("@scope/a/**/b", "b"),
            ("lodash@^4.17.0", "lodash"),
            ("@babel/core@npm:7.0.0", "@babel/core"),
            ("a/@s/b@1.0.0", "@s/b"),
        ] {
            assert_eq!(yarn_selector_target(selector), target, "{selector}");
        }
    }

    #[test]
    fn pnpm_selectors_target_the_child_after_the_last_arrow() {
        for (selector, target) in [
            ("foo", "foo"),
            ("foo@<2", "foo"),
            ("foo@>=2 <3", "foo"),
            ("foo@>2", "foo"),
            ("a>b", "b"),
            ("@s/a@1>@t/b", "@t/b"),
            ("express@4>qs@<6.2", "qs"),
        ] {
            assert_eq!(pnpm_selector_target(selector), target, "{selector}");
        }
    }
}
