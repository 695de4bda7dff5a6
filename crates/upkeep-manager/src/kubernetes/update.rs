//! In-place update for `kubernetes`: the tag and/or digest inside the image scalar.
//!
//! Extraction recorded the byte spans of the tag and digest inside the scalar as written
//! (inside any quotes), so an update replaces only those bytes: quotes, comments, anchors
//! and line endings stay as they were.

use upkeep_types::{Dependency, DependencyChange};

use crate::UpdateError;
use crate::docker_image::update_image;

pub(super) fn update(
    content: &str,
    dep: &Dependency,
    change: &DependencyChange,
) -> Result<String, UpdateError> {
    update_image(content, dep, change)
}
