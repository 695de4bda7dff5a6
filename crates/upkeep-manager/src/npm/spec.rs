//! What a dependency value in package.json means: a registry range, an alias, a git or
//! GitHub reference, a local path, a URL, or a protocol upkeep cannot update.
//!
//! Classification works on the decoded value and reports the version (or digest) as an
//! offset into it, so extraction can turn it into a byte span and an update replaces only
//! that part (the range of `npm:pkg@range`, the tag of `github:o/r#v1.2.3`). It decides by
//! the value's shape, never by whether a range is valid, so that appending a character to
//! a version (the conformance round trip) never changes what kind of dependency it is.

use upkeep_types::{Datasource, SkipReason};

/// The outcome of classifying one value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Spec {
    /// Where to look the dependency up.
    pub datasource: Option<Datasource>,
    /// The registry or repository name when it differs from the key.
    pub package_name: Option<String>,
    /// `(offset, len)` of `currentValue` inside the decoded value.
    pub value: Option<(usize, usize)>,
    /// `(offset, len)` of `currentDigest` inside the decoded value.
    pub digest: Option<(usize, usize)>,
    /// Why the dependency is not looked up.
    pub skip_reason: Option<SkipReason>,
}

impl Spec {
    fn skipped(reason: SkipReason) -> Spec {
        Spec {
            skip_reason: Some(reason),
            ..Spec::default()
        }
    }
}

/// Classifies `value`, the decoded text of a dependency declared as `key`.
pub(crate) fn classify(value: &str) -> Spec {
    let trimmed_start = value.len() - value.trim_start().len();
    let trimmed = value.trim();
    let mut spec = classify_trimmed(trimmed);
    for range in [&mut spec.value, &mut spec.digest].into_iter().flatten() {
        range.0 += trimmed_start;
    }
    spec
}

fn classify_trimmed(value: &str) -> Spec {
    if value.is_empty() {
        return Spec {
            datasource: Some(Datasource::Npm),
            value: Some((0, 0)),
            skip_reason: Some(SkipReason::UnspecifiedVersion),
            ..Spec::default()
        };
    }
    if let Some(target) = value.strip_prefix("npm:") {
        return alias(target);
    }
    if let Some(spec) = protocol(value) {
        return spec;
    }
    if let Some(spec) = crate::npm::git::classify(value) {
        return spec;
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        return Spec::skipped(SkipReason::UnsupportedUrl);
    }
    if is_path(value) {
        return Spec::skipped(SkipReason::FileDependency);
    }
    let mut spec = Spec {
        datasource: Some(Datasource::Npm),
        value: Some((0, value.len())),
        ..Spec::default()
    };
    if is_dist_tag(value) {
        // `latest`, `next`: not a version or a range; the registry's dist-tags decide.
        spec.skip_reason = Some(SkipReason::UnspecifiedVersion);
    }
    spec
}

/// `npm:target@range`: the value is the range, the package name the target.
fn alias(target: &str) -> Spec {
    let (name, range) = split_name_and_spec(target);
    let offset = "npm:".len() + name.len() + usize::from(range.is_some());
    let range = range.unwrap_or_default();
    let mut spec = Spec {
        datasource: Some(Datasource::Npm),
        package_name: Some(name.to_owned()),
        value: Some((offset, range.len())),
        ..Spec::default()
    };
    if !is_valid_package_name(name) {
        spec.skip_reason = Some(SkipReason::InvalidName);
    } else if range.is_empty() || is_dist_tag(range) {
        spec.skip_reason = Some(SkipReason::UnspecifiedVersion);
    } else if range.contains(':') {
        spec.skip_reason = Some(SkipReason::UnsupportedVersion);
    }
    spec
}

/// Protocols that point at something other than a registry version.
fn protocol(value: &str) -> Option<Spec> {
    const LOCAL: &[&str] = &["workspace:", "link:", "portal:"];
    let reason = if LOCAL.iter().any(|prefix| value.starts_with(prefix)) {
        SkipReason::LocalDependency
    } else if value.starts_with("file:") {
        SkipReason::FileDependency
    } else if value.starts_with("patch:") {
        SkipReason::PatchDependency
    } else if value.starts_with("catalog:")
        || value.starts_with("jsr:")
        || value.starts_with("exec:")
    {
        SkipReason::UnsupportedVersion
    } else {
        return None;
    };
    Some(Spec::skipped(reason))
}

/// npm treats these as folders or tarballs on disk.
fn is_path(value: &str) -> bool {
    value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with('/')
        || value.starts_with("~/")
        || value == "."
        || value == ".."
}

/// A dist-tag such as `latest` or `next`: starts with a letter, has no range characters,
/// and is not one of the range spellings `x`/`X` or a `v`-prefixed version.
pub(crate) fn is_dist_tag(value: &str) -> bool {
    let mut characters = value.chars();
    let Some(first) = characters.next() else {
        return false;
    };
    if !first.is_ascii_alphabetic() {
        return false;
    }
    // `x`, `X.2`: x-ranges (and what a round trip appends to them), not tags.
    if matches!(first, 'x' | 'X')
        && characters
            .clone()
            .next()
            .is_none_or(|c| c == '.' || c.is_ascii_digit())
    {
        return false;
    }
    if matches!(first, 'v' | 'V') && characters.next().is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Splits `name@spec` (`@scope/name@spec`) at the `@` that ends the name.
pub(crate) fn split_name_and_spec(text: &str) -> (&str, Option<&str>) {
    let search_from = usize::from(text.starts_with('@'));
    match text[search_from..].find('@') {
        Some(index) => {
            let at = search_from + index;
            (&text[..at], Some(&text[at + 1..]))
        }
        None => (text, None),
    }
}

/// npm's rules for names it can still install (validate-npm-package-name's
/// `validForOldPackages`, plus the 214-character limit): not empty, no leading `.` or `_`,
/// no surrounding spaces, URL-safe, `@scope/name` for scoped names. Capital letters are
/// accepted because old packages such as `JSONStream` still have them.
pub(crate) fn is_valid_package_name(name: &str) -> bool {
    if name.is_empty()
        || name.len() > 214
        || name.starts_with('.')
        || name.starts_with('_')
        || name.trim() != name
        || name.eq_ignore_ascii_case("node_modules")
        || name.eq_ignore_ascii_case("favicon.ico")
    {
        return false;
    }
    match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, bare)) => {
                !scope.is_empty() && !bare.is_empty() && is_url_safe(scope) && is_url_safe(bare)
            }
            None => false,
        },
        None => is_url_safe(name),
    }
}

/// What `encodeURIComponent` leaves unchanged.
fn is_url_safe(part: &str) -> bool {
    part.bytes().all(|byte| {
        byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of<'a>(text: &'a str, spec: &Spec) -> &'a str {
        let (offset, len) = spec.value.unwrap();
        &text[offset..offset + len]
    }

    #[test]
    fn ranges_are_npm_dependencies_whatever_their_validity() {
        for text in [
            "^1.2.3",
            "~1.2",
            ">=1 <2",
            "1.x || 2",
            "*",
            "x",
            "*0",
            "1.2.3 - 2",
        ] {
            let spec = classify(text);
            assert_eq!(spec.datasource, Some(Datasource::Npm), "{text}");
            assert_eq!(spec.skip_reason, None, "{text}");
            assert_eq!(value_of(text, &spec), text);
        }
    }

    #[test]
    fn surrounding_spaces_stay_outside_the_value() {
        let spec = classify("  ^1.0.0 ");
        assert_eq!(value_of("  ^1.0.0 ", &spec), "^1.0.0");
    }

    #[test]
    fn dist_tags_and_empty_values_are_unspecified_versions() {
        for text in ["latest", "next", "beta-2", ""] {
            assert_eq!(
                classify(text).skip_reason,
                Some(SkipReason::UnspecifiedVersion),
                "{text}"
            );
        }
        assert!(!is_dist_tag("v1.2.3"));
        assert!(!is_dist_tag("X"));
    }

    #[test]
    fn aliases_point_at_the_range_and_name_the_target() {
        let text = "npm:@types/react@^18.2.0";
        let spec = classify(text);
        assert_eq!(spec.package_name.as_deref(), Some("@types/react"));
        assert_eq!(value_of(text, &spec), "^18.2.0");
        assert_eq!(spec.skip_reason, None);
        assert_eq!(
            classify("npm:left-pad").skip_reason,
            Some(SkipReason::UnspecifiedVersion)
        );
        assert_eq!(
            classify("npm:Bad Name@1").skip_reason,
            Some(SkipReason::InvalidName)
        );
    }

    #[test]
    fn local_and_unsupported_protocols_are_skipped_with_renovate_reasons() {
        for (text, reason) in [
            ("workspace:*", SkipReason::LocalDependency),
            ("link:../lib", SkipReason::LocalDependency),
            ("portal:../lib", SkipReason::LocalDependency),
            ("file:../lib", SkipReason::FileDependency),
            ("../lib", SkipReason::FileDependency),
            (
                "patch:left-pad@npm%3A1.3.0#./p.patch",
                SkipReason::PatchDependency,
            ),
            ("catalog:", SkipReason::UnsupportedVersion),
            (
                "https://example.com/a-1.0.0.tgz",
                SkipReason::UnsupportedUrl,
            ),
        ] {
            assert_eq!(classify(text).skip_reason, Some(reason), "{text}");
        }
    }

    #[test]
    fn package_names_follow_npm_rules() {
        for name in [
            "react",
            "@babel/core",
            "JSONStream",
            "lodash.merge",
            "a-b_c~d",
        ] {
            assert!(is_valid_package_name(name), "{name}");
        }
        for name in [
            "",
            ".hidden",
            "_private",
            " react",
            "has space",
            "a/b",
            "@scope",
            "@/x",
            "node_modules",
            "é",
            &"a".repeat(215),
        ] {
            assert!(!is_valid_package_name(name), "{name}");
        }
    }

    #[test]
    fn names_split_from_their_spec() {
        assert_eq!(split_name_and_spec("foo@^1"), ("foo", Some("^1")));
        assert_eq!(split_name_and_spec("@s/foo@1"), ("@s/foo", Some("1")));
        assert_eq!(split_name_and_spec("@s/foo"), ("@s/foo", None));
    }
}
