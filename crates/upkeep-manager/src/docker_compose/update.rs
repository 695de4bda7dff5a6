//! In-place update for `docker-compose`: the tag and/or digest inside the image scalar.
//!
//! Extraction recorded byte spans in the file — inside any quotes, and inside the braces
//! of `${VAR:-default}` when the tag is a variable's default — so an update replaces only
//! those bytes and everything else (quotes, comments, anchors, line endings) stays.

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
