//! In-place update for `cargo`: rewrite the version string (or a git dependency's `tag`)
//! between its quotes and nothing else, so quoting style, comments, alignment and line
//! endings stay byte-identical.

use upkeep_types::{Dependency, DependencyChange, SkipReason};

use crate::UpdateError;
use crate::update::replace_token;

/// `content` with `dep`'s version (or git tag) replaced by `change.new_value`.
pub(super) fn update(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    if change.new_digest.is_some() {
        return Err(UpdateError::unsupported(
            &dep.dep_name,
            "Cargo dependencies have no digest",
        ));
    }
    let Some(new_value) = change.new_value.as_deref() else {
        return Ok(content.to_owned());
    };
    let current = dep
        .current_value
        .as_deref()
        .ok_or_else(|| UpdateError::unsupported(&dep.dep_name, "it has no version to update"))?;
    let Some(span) = dep.location.value else {
        let reason = if dep.skip_reason == Some(SkipReason::GitDependency) {
            "only a git `tag` can be updated, not a `rev` or `branch`"
        } else {
            "its version is not a plain string (escapes or a non-string value)"
        };
        return Err(UpdateError::unsupported(&dep.dep_name, reason));
    };
    let quote = span
        .start
        .checked_sub(1)
        .and_then(|index| content.as_bytes().get(index))
        .copied()
        .unwrap_or(b'"');
    if !fits_between_quotes(new_value, quote) {
        return Err(UpdateError::unsupported(
            &dep.dep_name,
            format!("`{new_value}` cannot be written inside the existing quotes"),
        ));
    }
    replace_token(content, dep, Some(span), current, new_value)
}

/// Whether `value` reads as itself between `quote`s: no quote character, no control
/// characters, and no backslash in a basic (`"`) string, where it would start an escape.
fn fits_between_quotes(value: &str, quote: u8) -> bool {
    value.chars().all(|character| {
        !character.is_control()
            && character != char::from(quote)
            && !(quote == b'"' && character == '\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_needing_escapes_do_not_fit_between_quotes() {
        assert!(fits_between_quotes(">=1.2, <2", b'"'));
        assert!(fits_between_quotes("1.0\\x", b'\''));
        assert!(!fits_between_quotes("1.0\\x", b'"'));
        assert!(!fits_between_quotes("1\"", b'"'));
        assert!(!fits_between_quotes("1'", b'\''));
        assert!(!fits_between_quotes("1\n", b'"'));
    }
}
