//! In-place update for `terraform`: the version string (or the `ref=` value inside a git
//! module's source string) is the only thing rewritten, at the span extraction recorded;
//! comments, alignment, heredocs and line endings around it are never touched.

use upkeep_types::{Datasource, Dependency, DependencyChange};

use crate::UpdateError;
use crate::update::replace_token;

pub(super) fn update(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    if change.new_digest.is_some() {
        return Err(UpdateError::unsupported(
            &dep.dep_name,
            "Terraform dependencies carry no digest",
        ));
    }
    let Some(new_value) = change.new_value.as_deref() else {
        return Ok(content.to_owned());
    };
    let current = dep
        .current_value
        .as_deref()
        .ok_or_else(|| UpdateError::unsupported(&dep.dep_name, "it has no version in the file"))?;
    if let Some(reason) = unsafe_reason(new_value, is_ref(dep)) {
        return Err(UpdateError::unsupported(
            &dep.dep_name,
            format!("the new value `{new_value}` {reason}"),
        ));
    }
    replace_token(content, dep, dep.location.value, current, new_value)
}

/// Git refs live inside a URL, where a few more characters would change its meaning.
fn is_ref(dep: &Dependency) -> bool {
    matches!(
        dep.datasource,
        Some(Datasource::GithubTags | Datasource::GitTags)
    )
}

/// Why `value` cannot be written verbatim between the quotes of an HCL string, if it cannot.
fn unsafe_reason(value: &str, in_url: bool) -> Option<&'static str> {
    if value.is_empty() {
        return Some("is empty");
    }
    if value.contains(['"', '\\', '\n', '\r']) {
        return Some("would need escaping in an HCL string");
    }
    if value.contains("${") || value.contains("%{") {
        return Some("would be read as a template");
    }
    if in_url && value.contains(['&', '?', '#', '/', ' ']) {
        return Some("would change the meaning of the source URL");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_would_break_the_string_are_refused() {
        assert!(unsafe_reason("~> 5.0", false).is_none());
        assert!(unsafe_reason("1.0\"", false).is_some());
        assert!(unsafe_reason("${var.v}", false).is_some());
        assert!(unsafe_reason("v1&depth=1", true).is_some());
        assert!(unsafe_reason("v1.2.3", true).is_none());
    }
}
