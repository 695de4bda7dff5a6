//! In-place update of one package.json value.
//!
//! Only the bytes extraction recorded change: the whole string for a plain range, the
//! range of an `npm:` alias, the tag of a git reference, the version (and hash) of
//! `packageManager`. Indentation, key order, line endings and a missing final newline are
//! untouched because nothing else is rewritten. The new text is JSON-escaped when it needs
//! to be; the old text is compared decoded, so a value written with escapes still matches.
//!
//! `packageManager` hashes: a new digest replaces the hash (or is appended after a `+`
//! when there was none). A new version without a new digest keeps the old hash, which then
//! no longer matches: Corepack refuses it until the lock file step (`corepack use`)
//! refreshes it, rather than silently losing the integrity pin. Renovate drops the hash
//! instead and relies on that same step to add it back.

use std::borrow::Cow;

use upkeep_types::{Dependency, DependencyChange, Span};

use super::json;
use crate::{UpdateError, text};

pub(super) fn update(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    // Replace from the end of the text backwards so the earlier span stays valid.
    let mut edits: Vec<(Span, Cow<'_, str>)> = Vec::with_capacity(2);
    if let Some(new_value) = &change.new_value {
        let span = dep.location.value.ok_or_else(|| {
            UpdateError::unsupported(&dep.dep_name, "the position of its value is unknown")
        })?;
        check(
            content,
            dep,
            span,
            dep.current_value.as_deref().unwrap_or_default(),
        )?;
        edits.push((span, json::escape(new_value)));
    }
    if let Some(new_digest) = &change.new_digest {
        let span = dep
            .location
            .digest
            .ok_or_else(|| UpdateError::unsupported(&dep.dep_name, "it has no digest to update"))?;
        let current = dep.current_digest.as_deref().unwrap_or_default();
        check(content, dep, span, current)?;
        let replacement = if span.start == span.end {
            Cow::Owned(format!("+{}", json::escape(new_digest)))
        } else {
            json::escape(new_digest)
        };
        edits.push((span, replacement));
    }
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut updated = content.to_owned();
    for (span, replacement) in edits {
        updated = text::replace_span(&updated, span, &replacement);
    }
    Ok(updated)
}

/// Checks that `span` still holds `expected` (comparing decoded JSON text).
fn check(content: &str, dep: &Dependency, span: Span, expected: &str) -> Result<(), UpdateError> {
    let raw = text::slice(content, span).unwrap_or_default();
    let found: Cow<'_, str> = if raw.contains('\\') {
        json::unescape(raw).map_or(Cow::Borrowed(raw), Cow::Owned)
    } else {
        Cow::Borrowed(raw)
    };
    if found == expected {
        Ok(())
    } else {
        Err(UpdateError::Mismatch {
            dep_name: dep.dep_name.clone(),
            expected: expected.to_owned(),
            found: raw.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npm::extract::extract;

    fn first_dep(content: &str) -> Dependency {
        extract("package.json", content)
            .unwrap()
            .unwrap()
            .deps
            .remove(0)
    }

    #[test]
    fn a_new_value_that_needs_escaping_is_escaped() {
        let content = "{\"dependencies\": {\"a\": \"^1.0.0\"}}";
        let change = DependencyChange {
            new_value: Some("^1.0.0 || \"2\"".to_owned()),
            new_digest: None,
        };
        let updated = update(content, &first_dep(content), &change).unwrap();
        assert_eq!(updated, r#"{"dependencies": {"a": "^1.0.0 || \"2\""}}"#);
        assert_eq!(
            first_dep(&updated).current_value.as_deref(),
            Some("^1.0.0 || \"2\"")
        );
    }

    #[test]
    fn an_alias_written_with_escapes_is_refused_rather_than_rewritten_whole() {
        let content = r#"{"dependencies": {"a": "npm:b@\u005e1.0.0"}}"#;
        let dep = first_dep(content);
        assert_eq!(dep.current_value.as_deref(), Some("^1.0.0"));
        let change = DependencyChange {
            new_value: Some("^2.0.0".to_owned()),
            new_digest: None,
        };
        assert!(matches!(
            update(content, &dep, &change),
            Err(UpdateError::Unsupported { .. })
        ));
    }

    #[test]
    fn package_manager_version_and_digest_change_together() {
        let content = r#"{"packageManager": "pnpm@9.1.0+sha512.aaa"}"#;
        let change = DependencyChange {
            new_value: Some("9.1.4".to_owned()),
            new_digest: Some("sha512.bbb".to_owned()),
        };
        let updated = update(content, &first_dep(content), &change).unwrap();
        assert_eq!(updated, r#"{"packageManager": "pnpm@9.1.4+sha512.bbb"}"#);
        let only_value = DependencyChange {
            new_value: Some("9.1.4".to_owned()),
            new_digest: None,
        };
        let kept = update(content, &first_dep(content), &only_value).unwrap();
        assert_eq!(kept, r#"{"packageManager": "pnpm@9.1.4+sha512.aaa"}"#);
    }
}
