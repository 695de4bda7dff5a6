//! Extraction for `terraform`: parse the file with hcl-edit (which keeps spans), then let
//! each extractor read the top-level blocks it knows, in file order.
//!
//! The nesting guard runs first so that no input can make a parser recurse without bound
//! (hcl-edit has its own limit too). A leading byte-order mark is cut off before parsing,
//! since hcl-edit rejects it, and added back to every span and error position.

use hcl_edit::parser::parse_body;
use upkeep_types::PackageFile;

use super::context::{FileContext, Flavor};
use super::extractors::{modules, providers, terraform_block};
use crate::{ExtractError, text};

const BYTE_ORDER_MARK: char = '\u{feff}';

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    text::check_nesting(content)?;
    let offset = if content.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len_utf8()
    } else {
        0
    };
    let body = parse_body(&content[offset..]).map_err(|error| {
        ExtractError::at_offset(
            format!("invalid HCL: {}", error.message()),
            content,
            offset + error.location().offset(),
        )
    })?;
    let context = FileContext::new(content, offset, Flavor::of(package_file));
    let mut package = PackageFile::new(package_file);
    for block in body.blocks() {
        match block.ident.as_str() {
            "terraform" => terraform_block::extract(block, &context, &mut package.deps),
            "provider" => providers::extract_block(block, &context, &mut package.deps),
            "module" => modules::extract(block, &context, &mut package.deps),
            _ => {}
        }
    }
    Ok(Some(package))
}
