//! In-place update for `dockerfile`: the tag and digest spans recorded at extraction
//! (on the `FROM`/`COPY`/`RUN` line, or on the `ARG` line whose default they come from)
//! are rewritten by the shared [`update_image`]; every other byte stays as written.

use upkeep_types::{Dependency, DependencyChange};

use crate::UpdateError;
use crate::docker_image::update_image;

pub(super) fn update(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    if let Some(reason) = dep.skip_reason {
        return Err(UpdateError::unsupported(
            &dep.dep_name,
            format!("it is not updatable ({reason})"),
        ));
    }
    update_image(content, dep, change)
}
