//! What every extractor needs to know about the file being read: its flavour (Terraform or
//! OpenTofu), and how to turn hcl-edit's spans into spans and lines of the original text.
//!
//! hcl-edit parses the text after a leading byte-order mark is removed (it rejects the BOM),
//! so every span it reports is shifted back by the BOM's length here, in one place.

use std::ops::Range;

use upkeep_types::Span;

/// Which tool reads the file; decides the default registry and the tool's own repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    /// A `.tf` file: Terraform (or OpenTofu reading Terraform's file name).
    Terraform,
    /// A `.tofu` file: only OpenTofu reads it.
    OpenTofu,
}

impl Flavor {
    /// The flavour of `package_file`, from its extension.
    pub(super) fn of(package_file: &str) -> Flavor {
        if package_file.ends_with(".tofu") {
            Flavor::OpenTofu
        } else {
            Flavor::Terraform
        }
    }

    /// The registry URL to record for providers and modules that name no host, when it is
    /// not the datasources' default (`registry.terraform.io`).
    pub(super) fn default_registry_url(self) -> Option<&'static str> {
        match self {
            Flavor::Terraform => None,
            Flavor::OpenTofu => Some("https://registry.opentofu.org"),
        }
    }
}

/// The original text of a file plus what is needed to map parser spans onto it.
pub(super) struct FileContext<'a> {
    /// The whole original text, byte-order mark included.
    pub(super) text: &'a str,
    /// Where the parsed text starts in `text` (the byte-order mark's length, or 0).
    pub(super) offset: usize,
    /// Offsets of every `\n` in `text`, for line numbers by binary search.
    newlines: Vec<usize>,
    /// Terraform or OpenTofu.
    pub(super) flavor: Flavor,
}

impl<'a> FileContext<'a> {
    /// A context for `text`, of which the parser saw `text[offset..]`.
    pub(super) fn new(text: &'a str, offset: usize, flavor: Flavor) -> FileContext<'a> {
        FileContext {
            text,
            offset,
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
            flavor,
        }
    }

    /// A parser span as a span of the original text.
    pub(super) fn span(&self, range: Range<usize>) -> Span {
        Span::new(range.start + self.offset, range.end + self.offset)
    }

    /// The 1-based line of byte `offset` of the original text.
    pub(super) fn line(&self, offset: usize) -> u32 {
        let line = self.newlines.partition_point(|&newline| newline < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The 1-based line where a parser span starts, or 0 when the parser gave no span.
    pub(super) fn line_of(&self, range: Option<Range<usize>>) -> u32 {
        range.map_or(0, |range| self.line(range.start + self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one_and_include_the_byte_order_mark_offset() {
        let text = "\u{feff}a\nb\r\nc";
        let context = FileContext::new(text, 3, Flavor::Terraform);
        assert_eq!(context.line(0), 1);
        assert_eq!(context.line(4), 1);
        assert_eq!(context.line(5), 2);
        assert_eq!(context.line(text.len()), 3);
        assert_eq!(context.span(2..3), Span::new(5, 6));
    }

    #[test]
    fn flavor_follows_the_extension() {
        assert_eq!(Flavor::of("infra/main.tofu"), Flavor::OpenTofu);
        assert_eq!(Flavor::of("infra/main.tf"), Flavor::Terraform);
    }
}
