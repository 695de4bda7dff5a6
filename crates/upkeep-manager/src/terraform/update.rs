//! In-place update for `terraform` (not written yet).

use upkeep_types::{Dependency, DependencyChange};

use crate::UpdateError;

pub(super) fn update(
    _content: &str,
    dep: &Dependency,
    _change: &DependencyChange,
) -> Result<String, UpdateError> {
    Err(UpdateError::unsupported(&dep.dep_name, "not implemented"))
}
