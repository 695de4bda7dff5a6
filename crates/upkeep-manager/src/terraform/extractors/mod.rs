//! One extractor per kind of declaration, each reading its own top-level blocks:
//! `terraform` blocks (`required_version`, `required_providers`), legacy `provider` blocks,
//! and `module` blocks. Blocks that merely have a `version` attribute (`helm_release`,
//! `data`, other resources) are not dependencies of this manager and are never visited.

pub(super) mod modules;
pub(super) mod providers;
pub(super) mod terraform_block;

use hcl_edit::structure::{Block, BlockLabel};
use upkeep_types::{Dependency, SkipReason};

use super::hcl::Value;

/// The first label of a block (`provider "aws"` → `aws`), if it has one.
fn first_label(block: &Block) -> Option<&str> {
    block.labels.first().map(BlockLabel::as_str)
}

/// Records a version-like value on `dep`: the literal and its span, or why it is skipped.
/// An absent or empty value is `unspecified-version`. An existing skip reason wins.
fn set_value(dep: &mut Dependency, value: Option<Value>) {
    let reason = match value {
        Some(Value::Text { value, span }) if !value.is_empty() => {
            dep.location.value = Some(span);
            dep.current_value = Some(value);
            None
        }
        Some(Value::Text { .. }) | None => Some(SkipReason::UnspecifiedVersion),
        Some(other) => other.skip_reason(),
    };
    if dep.skip_reason.is_none() {
        dep.skip_reason = reason;
    }
}
