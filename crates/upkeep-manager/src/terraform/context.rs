//! What every extractor needs to know about the file being read: its flavour (Terraform or
//! OpenTofu), and how to turn hcl-edit's spans into spans and lines of the original text.
//!
//! hcl-edit does not always see the original text: a leading byte-order mark is cut off
//! (it rejects it), and the fast path hands it only the pieces of the file that can hold
//! dependencies, joined together. [`Segment`]s record where each piece came from, and
//! every span is mapped back through them here, in one place.

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

/// Offsets of every `\n` of a text, for line numbers by binary search.
pub(super) fn newlines(text: &str) -> Vec<usize> {
    memchr::memchr_iter(b'\n', text.as_bytes()).collect()
}

/// A piece of the parsed text that is a verbatim copy of a piece of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    /// Where the piece starts in the parsed text.
    pub(super) parsed: usize,
    /// Where the piece starts in the original text.
    pub(super) original: usize,
}

/// The original text of a file plus what is needed to map parser spans onto it.
#[derive(Clone, Copy)]
pub(super) struct FileContext<'a> {
    /// The whole original text, byte-order mark included.
    pub(super) text: &'a str,
    /// What [`newlines`] returned for `text`.
    newlines: &'a [usize],
    /// The pieces the parsed text is made of, in order (never empty).
    segments: &'a [Segment],
    /// Terraform or OpenTofu.
    pub(super) flavor: Flavor,
}

impl<'a> FileContext<'a> {
    /// A context for `text` (with its `newlines`), parsed as the given `segments`.
    pub(super) fn new(
        text: &'a str,
        newlines: &'a [usize],
        segments: &'a [Segment],
        flavor: Flavor,
    ) -> FileContext<'a> {
        FileContext {
            text,
            newlines,
            segments,
            flavor,
        }
    }

    /// The original offset of parsed offset `position` (a position at the very end of a
    /// piece belongs to the next piece: use [`FileContext::span`] for end positions).
    fn original(&self, position: usize) -> usize {
        let index = self
            .segments
            .partition_point(|segment| segment.parsed <= position)
            .saturating_sub(1);
        self.segments.get(index).map_or(position, |segment| {
            segment.original + position.saturating_sub(segment.parsed)
        })
    }

    /// A parser span as a span of the original text. Spans of values never cross pieces,
    /// so the end is mapped through the piece that holds the last byte.
    pub(super) fn span(&self, range: Range<usize>) -> Span {
        let start = self.original(range.start);
        let end = if range.end > range.start {
            self.original(range.end - 1) + 1
        } else {
            start
        };
        Span::new(start, end)
    }

    /// The 1-based line of byte `offset` of the original text.
    pub(super) fn line(&self, offset: usize) -> u32 {
        let line = self.newlines.partition_point(|&newline| newline < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The 1-based line where a parser span starts, or 0 when the parser gave no span.
    pub(super) fn line_of(&self, range: Option<Range<usize>>) -> u32 {
        range.map_or(0, |range| self.line(self.original(range.start)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one_and_include_the_byte_order_mark_offset() {
        let text = "\u{feff}a\nb\r\nc";
        let newlines = newlines(text);
        let segments = [Segment {
            parsed: 0,
            original: 3,
        }];
        let context = FileContext::new(text, &newlines, &segments, Flavor::Terraform);
        assert_eq!(context.line(0), 1);
        assert_eq!(context.line(4), 1);
        assert_eq!(context.line(5), 2);
        assert_eq!(context.line(text.len()), 3);
        assert_eq!(context.span(2..3), Span::new(5, 6));
    }

    #[test]
    fn spans_map_through_the_piece_that_holds_them() {
        // Parsed "ab" + "cd" came from original offsets 10 and 20.
        let segments = [
            Segment {
                parsed: 0,
                original: 10,
            },
            Segment {
                parsed: 2,
                original: 20,
            },
        ];
        let context = FileContext::new("", &[], &segments, Flavor::Terraform);
        assert_eq!(context.span(0..2), Span::new(10, 12));
        assert_eq!(context.span(2..4), Span::new(20, 22));
        assert_eq!(context.span(3..3), Span::new(21, 21));
    }

    #[test]
    fn flavor_follows_the_extension() {
        assert_eq!(Flavor::of("infra/main.tofu"), Flavor::OpenTofu);
        assert_eq!(Flavor::of("infra/main.tf"), Flavor::Terraform);
    }
}
