//! Text that remembers where each of its bytes came from in the Dockerfile.
//!
//! What Docker reads is rarely the bytes as written: continuation lines are joined,
//! quotes are removed, `${VERSION}` is replaced by an `ARG` default written elsewhere.
//! An update must still edit the original bytes, so every string built on the way from
//! file to image reference carries, piece by piece, the file offset it was copied from
//! (or none, for text that is nowhere in the file). A tag can be updated only when all
//! its bytes come from one contiguous run of the file: [`Traced::source_span`] says
//! whether they do.

use std::ops::Range;

use upkeep_types::Span;

/// A run of `Traced::text` starting at `at` that was copied from file offset `source`
/// (`None`: produced, not copied). A piece ends where the next one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    at: usize,
    source: Option<usize>,
}

/// A string with, for each byte, the file offset it came from when it came from the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Traced {
    text: String,
    pieces: Vec<Piece>,
}

impl Traced {
    /// An empty traced string.
    pub(super) fn new() -> Traced {
        Traced::default()
    }

    /// The text.
    pub(super) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Appends `text`, copied from file offset `source`.
    pub(super) fn push_source(&mut self, text: &str, source: usize) {
        self.push_piece(text, Some(source));
    }

    /// Appends `text` that is not a copy of file bytes.
    #[cfg(test)]
    pub(super) fn push_produced(&mut self, text: &str) {
        self.push_piece(text, None);
    }

    /// Appends `range` of `other`, keeping its origins.
    pub(super) fn push_traced(&mut self, other: &Traced, range: Range<usize>) {
        let mut position = range.start;
        while position < range.end {
            let index = other.piece_index(position);
            let piece = other.pieces[index];
            let piece_end = other
                .pieces
                .get(index + 1)
                .map_or(other.text.len(), |next| next.at)
                .min(range.end);
            let source = piece.source.map(|source| source + (position - piece.at));
            self.push_piece(&other.text[position..piece_end], source);
            position = piece_end;
        }
    }

    fn push_piece(&mut self, text: &str, source: Option<usize>) {
        if text.is_empty() {
            return;
        }
        let continues_last = self
            .pieces
            .last()
            .is_some_and(|last| match (last.source, source) {
                (Some(last_source), Some(source)) => {
                    last_source + (self.text.len() - last.at) == source
                }
                (None, None) => true,
                _ => false,
            });
        if !continues_last {
            self.pieces.push(Piece {
                at: self.text.len(),
                source,
            });
        }
        self.text.push_str(text);
    }

    /// The index of the piece holding byte `position` (which must be inside the text).
    fn piece_index(&self, position: usize) -> usize {
        self.pieces
            .partition_point(|piece| piece.at <= position)
            .saturating_sub(1)
    }

    /// The file offset byte `position` was copied from.
    fn source_of(&self, position: usize) -> Option<usize> {
        if position >= self.text.len() {
            return None;
        }
        let piece = self.pieces[self.piece_index(position)];
        piece.source.map(|source| source + (position - piece.at))
    }

    /// Where `range` of the text sits in the file, when all of it was copied from one
    /// contiguous run. An empty range maps to the place just after the byte before it (or,
    /// at the start, just before the first byte): where an insertion would go.
    pub(super) fn source_span(&self, range: Range<usize>) -> Option<Span> {
        if range.is_empty() {
            let offset = match range.start.checked_sub(1) {
                Some(before) => self.source_of(before)? + 1,
                None => self.source_of(0)?,
            };
            return Some(Span::new(offset, offset));
        }
        let start = self.source_of(range.start)?;
        let mut position = range.start;
        while position < range.end {
            let index = self.piece_index(position);
            let piece = self.pieces[index];
            if piece.source? + (position - piece.at) != start + (position - range.start) {
                return None;
            }
            position = self
                .pieces
                .get(index + 1)
                .map_or(self.text.len(), |next| next.at);
        }
        Some(Span::new(start, start + range.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_copies_merge_and_map_back() {
        let mut traced = Traced::new();
        traced.push_source("node", 10);
        traced.push_source(":18", 14);
        assert_eq!(traced.as_str(), "node:18");
        assert_eq!(traced.pieces.len(), 1);
        assert_eq!(traced.source_span(5..7), Some(Span::new(15, 17)));
        assert_eq!(traced.source_span(7..7), Some(Span::new(17, 17)));
        assert_eq!(traced.source_span(0..0), Some(Span::new(10, 10)));
    }

    #[test]
    fn a_range_across_two_places_has_no_span() {
        let mut traced = Traced::new();
        traced.push_source("node:", 100);
        traced.push_source("18", 3);
        traced.push_source("-alpine", 107);
        assert_eq!(traced.source_span(5..7), Some(Span::new(3, 5)));
        assert_eq!(traced.source_span(5..14), None);
        assert_eq!(traced.source_span(0..4), Some(Span::new(100, 104)));
    }

    #[test]
    fn produced_text_has_no_span() {
        let mut traced = Traced::new();
        traced.push_produced("abc");
        traced.push_source("def", 7);
        assert_eq!(traced.source_span(0..2), None);
        assert_eq!(traced.source_span(3..6), Some(Span::new(7, 10)));
        assert_eq!(traced.source_span(3..3), None);
    }

    #[test]
    fn pushing_a_range_of_another_keeps_origins() {
        let mut inner = Traced::new();
        inner.push_source("ab", 0);
        inner.push_source("cd", 50);
        let mut outer = Traced::new();
        outer.push_produced("x");
        outer.push_traced(&inner, 1..4);
        assert_eq!(outer.as_str(), "xbcd");
        assert_eq!(outer.source_span(1..2), Some(Span::new(1, 2)));
        assert_eq!(outer.source_span(2..4), Some(Span::new(50, 52)));
    }
}
