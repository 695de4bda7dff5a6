//! Updating one dependency in place, confirmed by re-extraction.
//!
//! A manager's `update` only rewrites a token; this module is what makes that safe. It
//! re-extracts the file the manager produced and checks that exactly the intended
//! dependency changed, to exactly the intended value, and that nothing else moved. Any
//! other outcome is an error: a wrong file is worse than no update.

use upkeep_types::{Dependency, DependencyChange, Location, Span};

use crate::{Manager, UpdateError, text};

/// Changes `dep` in `content` (the text of `package_file`) and confirms the result.
///
/// `dep` may come from an earlier extraction of the same file: it is found again in
/// `content` by name, type and current value, so the caller need not keep spans current.
pub fn update_dependency(
    manager: &dyn Manager,
    package_file: &str,
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    let before = extract_deps(manager, package_file, content)?;
    let index = before
        .iter()
        .position(|candidate| same_dependency(candidate, dep))
        .ok_or_else(|| UpdateError::NotFound {
            dep_name: dep.dep_name.clone(),
        })?;
    let target = &before[index];
    if is_no_op(target, change) {
        return Ok(content.to_owned());
    }
    let updated = manager.update(content, target, change)?;
    let after = extract_deps(manager, package_file, &updated)?;
    confirm(&before, &after, index, change)?;
    Ok(updated)
}

fn extract_deps(
    manager: &dyn Manager,
    package_file: &str,
    content: &str,
) -> Result<Vec<Dependency>, UpdateError> {
    Ok(manager
        .extract(package_file, content)?
        .map(|file| file.deps)
        .unwrap_or_default())
}

/// Whether `candidate` is the dependency `wanted` describes (positions aside).
fn same_dependency(candidate: &Dependency, wanted: &Dependency) -> bool {
    candidate.dep_name == wanted.dep_name
        && candidate.dep_type == wanted.dep_type
        && candidate.package_name == wanted.package_name
        && candidate.current_value == wanted.current_value
        && candidate.current_digest == wanted.current_digest
}

fn is_no_op(dep: &Dependency, change: &DependencyChange) -> bool {
    let value_same = change
        .new_value
        .as_ref()
        .is_none_or(|value| dep.current_value.as_ref() == Some(value));
    let digest_same = change
        .new_digest
        .as_ref()
        .is_none_or(|digest| dep.current_digest.as_ref() == Some(digest));
    value_same && digest_same
}

/// Checks that `after` differs from `before` only in the target's value and digest (and in
/// other dependencies that read the very same token, such as two `FROM` lines using one
/// `ARG`).
fn confirm(
    before: &[Dependency],
    after: &[Dependency],
    index: usize,
    change: &DependencyChange,
) -> Result<(), UpdateError> {
    let target = &before[index];
    let fail = |reason: String| UpdateError::NotConfirmed {
        dep_name: target.dep_name.clone(),
        reason,
    };
    if before.len() != after.len() {
        return Err(fail(format!(
            "the file had {} dependencies and now has {}",
            before.len(),
            after.len()
        )));
    }
    for (position, (old, new)) in before.iter().zip(after).enumerate() {
        let shares_token = position == index
            || (old.location.value.is_some() && old.location.value == target.location.value);
        if shares_token {
            check_changed(old, new, change).map_err(fail)?;
        } else if without_location(old) != without_location(new) {
            return Err(fail(format!(
                "dependency `{}` changed too ({:?} → {:?})",
                old.dep_name, old.current_value, new.current_value
            )));
        }
    }
    Ok(())
}

fn check_changed(
    old: &Dependency,
    new: &Dependency,
    change: &DependencyChange,
) -> Result<(), String> {
    if let Some(value) = &change.new_value
        && new.current_value.as_ref() != Some(value)
    {
        return Err(format!(
            "expected value `{value}`, re-extraction found {:?}",
            new.current_value
        ));
    }
    if let Some(digest) = &change.new_digest
        && new.current_digest.as_ref() != Some(digest)
    {
        return Err(format!(
            "expected digest `{digest}`, re-extraction found {:?}",
            new.current_digest
        ));
    }
    let comparable = |dep: &Dependency| Dependency {
        current_value: None,
        current_digest: None,
        replace_string: None,
        location: Location::default(),
        ..dep.clone()
    };
    if comparable(old) != comparable(new) {
        return Err(format!(
            "more than the version changed: {:?} became {:?}",
            comparable(old),
            comparable(new)
        ));
    }
    Ok(())
}

fn without_location(dep: &Dependency) -> Dependency {
    Dependency {
        location: Location::default(),
        ..dep.clone()
    }
}

/// Replaces the token at `span` after checking it still reads `expected`: the building
/// block of most managers' `update`.
pub fn replace_token(
    content: &str,
    dep: &Dependency,
    span: Option<Span>,
    expected: &str,
    replacement: &str,
) -> Result<String, UpdateError> {
    let span = span.ok_or_else(|| {
        UpdateError::unsupported(&dep.dep_name, "its position in the file is unknown")
    })?;
    let found = text::slice(content, span).unwrap_or_default();
    if found != expected {
        return Err(UpdateError::Mismatch {
            dep_name: dep.dep_name.clone(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        });
    }
    Ok(text::replace_span(content, span, replacement))
}
