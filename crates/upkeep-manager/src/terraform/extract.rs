//! Extraction for `terraform`: find the top-level blocks that can hold dependencies, parse
//! them with hcl-edit (which keeps spans), and let each extractor read its own blocks, in
//! file order.
//!
//! The nesting guard runs first so that no input can make a parser recurse without bound
//! (hcl-edit has its own limit too). [`scan`] then picks out the `terraform`, `provider`
//! and `module` blocks, without their members that cannot hold a dependency, and only
//! those pieces are parsed (hcl-edit costs tens of nanoseconds per byte, and most of a
//! real file is resources and module inputs). Whenever the scan or that parse fails, the
//! whole file is parsed instead, which gives either the right answer or the precise syntax
//! error. A leading byte-order mark is cut off before parsing, since
//! hcl-edit rejects it, and accounted for in every span and error position.

use hcl_edit::parser::parse_body;
use hcl_edit::structure::Body;
use upkeep_types::{Dependency, PackageFile};

use super::context::{FileContext, Flavor, Segment, newlines};
use super::extractors::{modules, providers, terraform_block};
use super::scan;
use crate::{ExtractError, text};

const BYTE_ORDER_MARK: char = '\u{feff}';

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    text::check_nesting(content)?;
    let start = if content.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len_utf8()
    } else {
        0
    };
    let newlines = newlines(content);
    let flavor = Flavor::of(package_file);
    let mut package = PackageFile::new(package_file);
    package.deps = match extract_pieces(content, start, &newlines, flavor) {
        Some(deps) => deps,
        None => extract_whole(content, start, &newlines, flavor)?,
    };
    Ok(Some(package))
}

/// The fast path: parse, in one go, only the pieces of the file the scan kept (the
/// interesting blocks without their other members); `None` when that does not parse.
fn extract_pieces(
    content: &str,
    start: usize,
    newlines: &[usize],
    flavor: Flavor,
) -> Option<Vec<Dependency>> {
    let text = &content[start..];
    let blocks = scan::top_level_blocks(text)?;
    let mut pieces = String::new();
    let mut segments = Vec::new();
    for block in &blocks {
        let mut from = block.range.start;
        for blank in block
            .blanks
            .iter()
            .chain([&(block.range.end..block.range.end)])
        {
            segments.push(Segment {
                parsed: pieces.len(),
                original: start + from,
            });
            pieces.push_str(text.get(from..blank.start)?);
            from = blank.end;
        }
        pieces.push('\n');
    }
    if segments.is_empty() {
        return Some(Vec::new());
    }
    let body = parse_body(&pieces).ok()?;
    let context = FileContext::new(content, newlines, &segments, flavor);
    let mut deps = Vec::new();
    extract_body(&body, context, &mut deps);
    Some(deps)
}

/// The thorough path: parse the whole file, reporting its first syntax error.
fn extract_whole(
    content: &str,
    start: usize,
    newlines: &[usize],
    flavor: Flavor,
) -> Result<Vec<Dependency>, ExtractError> {
    let body = parse_body(&content[start..]).map_err(|error| {
        ExtractError::at_offset(
            format!("invalid HCL: {}", error.message()),
            content,
            start + error.location().offset(),
        )
    })?;
    let segments = [Segment {
        parsed: 0,
        original: start,
    }];
    let context = FileContext::new(content, newlines, &segments, flavor);
    let mut deps = Vec::new();
    extract_body(&body, context, &mut deps);
    Ok(deps)
}

fn extract_body(body: &Body, context: FileContext, deps: &mut Vec<Dependency>) {
    for block in body.blocks() {
        match block.ident.as_str() {
            "terraform" => terraform_block::extract(block, &context, deps),
            "provider" => providers::extract_block(block, &context, deps),
            "module" => modules::extract(block, &context, deps),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The block-by-block fast path must find exactly what a whole-file parse finds.
    #[test]
    fn parsing_only_the_scanned_blocks_matches_parsing_the_whole_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/terraform/fixtures");
        let mut stack = vec![root];
        let mut compared = 0;
        while let Some(directory) = stack.pop() {
            for entry in std::fs::read_dir(&directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy().into_owned();
                if !(name.ends_with(".tf") || name.ends_with(".tofu")) {
                    continue;
                }
                let Ok(content) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let start = if content.starts_with(BYTE_ORDER_MARK) {
                    3
                } else {
                    0
                };
                let lines = newlines(&content);
                let flavor = Flavor::of(&name);
                let Ok(whole) = extract_whole(&content, start, &lines, flavor) else {
                    continue;
                };
                let fast = extract_pieces(&content, start, &lines, flavor).expect(&name);
                assert_eq!(fast, whole, "{name}");
                compared += 1;
            }
        }
        assert!(compared > 10);
    }

    /// Mutated fixtures (bytes that matter to the scan inserted or deleted at pseudo-random
    /// places): extraction never panics, and whenever both paths parse, they agree.
    #[test]
    fn mutated_files_never_panic_and_both_paths_agree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/terraform/fixtures/extract/root_module_with_registry_modules/main.tf");
        let original = std::fs::read_to_string(root).unwrap();
        let alphabet = [
            "\"", "{", "}", "\n", "#", "/*", "<<EOT\n", "EOT\n", "${", "\\", "é",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut content = original.clone();
            for _ in 0..1 + next() % 3 {
                let mut at = (next() as usize) % content.len();
                while !content.is_char_boundary(at) {
                    at -= 1;
                }
                if next() % 2 == 0 {
                    content.insert_str(at, alphabet[(next() as usize) % alphabet.len()]);
                } else if let Some(character) = content[at..].chars().next() {
                    content.replace_range(at..at + character.len_utf8(), "");
                }
            }
            let _ = extract("main.tf", &content);
            let lines = newlines(&content);
            if let (Ok(whole), Some(fast)) = (
                extract_whole(&content, 0, &lines, Flavor::Terraform),
                extract_pieces(&content, 0, &lines, Flavor::Terraform),
            ) {
                assert_eq!(fast, whole, "{content}");
            }
        }
    }

    #[test]
    fn lines_and_spans_point_at_the_values_in_the_original_text() {
        let content = "\u{feff}resource \"a\" \"b\" {\n  tags = {}\n}\n\nterraform {\n  required_version = \">= 1.0\"\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 5.0\"\n    }\n  }\n}\n\nmodule \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  name    = \"x\"\n  version = \"5.4.0\"\n}\n\nmodule \"git\" {\n  source = \"git::https://example.com/m.git?ref=v1\"\n}\n";
        let deps = extract("main.tf", content).unwrap().unwrap().deps;
        let found: Vec<(u32, &str)> = deps
            .iter()
            .map(|dep| {
                (
                    dep.location.line,
                    &content[dep.location.value.unwrap().range()],
                )
            })
            .collect();
        assert_eq!(
            found,
            [(6, ">= 1.0"), (10, "~> 5.0"), (18, "5.4.0"), (22, "v1")]
        );
    }

    #[test]
    fn a_syntax_error_outside_the_scanned_blocks_does_not_hide_dependencies() {
        let content = "resource \"a\" \"b\" {\n  x = 1 +\n}\nterraform {\n  required_version = \">= 1.0\"\n}\n";
        let file = extract("main.tf", content).unwrap().unwrap();
        assert_eq!(file.deps.len(), 1);
    }
}
