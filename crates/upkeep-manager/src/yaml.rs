//! A YAML reader for span-based editing, shared by the YAML managers (kubernetes,
//! docker-compose).
//!
//! Managers edit YAML by replacing bytes inside one scalar, so they need to know exactly
//! where each scalar's text sits in the original file. `saphyr-parser`'s event stream gives
//! positions; this module turns the events into a small arena tree and answers "where are
//! the bytes of this scalar's value" — `None` when the value as written differs from the
//! value as parsed (escapes, line folding, block scalars), because such a value cannot be
//! replaced in place.
//!
//! Design points:
//! - saphyr's markers count *characters*; spans here are *bytes* of the original text (a
//!   leading BOM included), converted with a forward-moving cursor so that non-ASCII text
//!   costs one pass, and ASCII text nothing.
//! - A scalar event's start marker points at its properties (`&anchor`, `!tag`) when it has
//!   them, and a double-quoted scalar's end marker may run past trailing comments, so the
//!   value span is found from the start marker by reading the source, never from the end.
//! - Aliases are kept as references to the anchored node, never expanded: a "billion
//!   laughs" file stays as small in memory as its text. Aliases may point at an ancestor
//!   (`&a [*a]`), so walkers that follow them must guard against cycles.
//! - Children live in two flat lists (sequence items, mapping pairs) that each collection
//!   indexes into, filled from scratch stacks when the collection ends: reading a file
//!   costs no allocation per collection.
//! - Collections nested deeper than [`MAX_DEPTH`] (by brackets or by indentation) are
//!   refused with a position, so walkers may recurse over the tree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use upkeep_types::Span;

use crate::ExtractError;
use crate::text::MAX_NESTING;

/// The deepest collection nesting accepted.
pub const MAX_DEPTH: usize = MAX_NESTING;

/// Index of a node in a [`YamlStream`].
pub type NodeId = usize;

/// Every document of a YAML text, as one arena of nodes.
#[derive(Debug)]
pub struct YamlStream<'a> {
    nodes: Vec<Node<'a>>,
    items: Vec<NodeId>,
    pairs: Vec<(NodeId, NodeId)>,
    documents: Vec<NodeId>,
}

/// One node of the tree.
#[derive(Debug)]
pub struct Node<'a> {
    /// What the node is.
    pub kind: NodeKind<'a>,
    /// Byte offset where the node (including its properties) starts.
    pub offset: usize,
    /// 1-based line where the node starts.
    pub line: u32,
}

/// The kinds of YAML nodes.
#[derive(Debug)]
pub enum NodeKind<'a> {
    /// A scalar and how it was written.
    Scalar {
        /// The parsed value.
        value: Cow<'a, str>,
        /// Plain, quoted or block.
        style: ScalarStyle,
        /// Where the value is written, when the text there is exactly the value.
        location: Option<ScalarLocation>,
    },
    /// A sequence; its items are read with [`YamlStream::items`].
    Sequence(Children),
    /// A mapping; its key/value pairs are read with [`YamlStream::entries`].
    Mapping(Children),
    /// A reference to the anchored node it names.
    Alias(NodeId),
}

/// Where a collection's children are in the stream's flat lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Children(Range<usize>);

/// Where a scalar's value is written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalarLocation {
    /// The bytes of the value, inside any quotes.
    pub span: Span,
    /// 1-based line of the value's first byte.
    pub line: u32,
}

/// Parses every document of `text`; malformed or too deeply nested YAML is an error with a
/// line and column.
pub fn parse(text: &str) -> Result<YamlStream<'_>, ExtractError> {
    Builder::new(text).run()
}

impl<'a> YamlStream<'a> {
    /// The root node of each document, in order.
    pub fn documents(&self) -> &[NodeId] {
        &self.documents
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id]
    }

    /// `id`, or the node it refers to when it is an alias.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id].kind {
            NodeKind::Alias(target) => target,
            _ => id,
        }
    }

    /// The value of a scalar node (not following aliases).
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The pairs of a mapping node (not following aliases); empty for other nodes.
    pub fn entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[id].kind {
            NodeKind::Mapping(Children(range)) => &self.pairs[range.clone()],
            _ => &[],
        }
    }

    /// The items of a sequence node (not following aliases); empty for other nodes.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[id].kind {
            NodeKind::Sequence(Children(range)) => &self.items[range.clone()],
            _ => &[],
        }
    }

    /// The value of the first entry of mapping `id` whose key is the scalar `key`.
    pub fn get(&self, id: NodeId, key: &str) -> Option<NodeId> {
        self.entries(id)
            .iter()
            .find(|(candidate, _)| self.scalar(*candidate) == Some(key))
            .map(|(_, value)| *value)
    }

    /// Where scalar `id`'s value is written, when the written text is exactly the value (so
    /// that replacing bytes inside it is a faithful edit). `None` for block scalars, escaped
    /// or line-folded quoted scalars, multi-line plain scalars and non-scalars.
    pub fn scalar_location(&self, id: NodeId) -> Option<ScalarLocation> {
        match self.nodes[id].kind {
            NodeKind::Scalar { location, .. } => location,
            _ => None,
        }
    }
}

/// Where the value of a scalar whose event starts at byte `offset` on `line` is written,
/// when the text there is exactly `value` (see [`YamlStream::scalar_location`]).
fn locate_scalar(
    text: &str,
    offset: usize,
    line: u32,
    value: &str,
    style: ScalarStyle,
) -> Option<ScalarLocation> {
    let start = skip_properties(text, offset);
    let quote = match style {
        ScalarStyle::Plain => None,
        ScalarStyle::SingleQuoted => Some(b'\''),
        ScalarStyle::DoubleQuoted => Some(b'"'),
        ScalarStyle::Literal | ScalarStyle::Folded => return None,
    };
    let bytes = text.as_bytes();
    let value_start = match quote {
        Some(quote) if bytes.get(start) == Some(&quote) => start + 1,
        Some(_) => return None,
        None => start,
    };
    let value_end = value_start + value.len();
    if text.get(value_start..value_end) != Some(value) {
        return None;
    }
    if let Some(quote) = quote
        && bytes.get(value_end) != Some(&quote)
    {
        return None;
    }
    let skipped_lines = memchr::memchr_iter(b'\n', &bytes[offset..value_start]).count();
    Some(ScalarLocation {
        span: Span::new(value_start, value_end),
        line: line + u32::try_from(skipped_lines).unwrap_or(0),
    })
}

/// The offset of the first byte after a node's `&anchor`/`!tag` properties and the
/// whitespace and comments that may follow them.
fn skip_properties(text: &str, mut offset: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(offset), Some(b'&' | b'!')) {
        while bytes.get(offset).is_some_and(|b| !b.is_ascii_whitespace()) {
            offset += 1;
        }
        loop {
            match bytes.get(offset) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => offset += 1,
                Some(b'#') => {
                    offset =
                        memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i)
                }
                _ => break,
            }
        }
    }
    offset
}

/// A collection being filled while its events arrive.
struct Frame {
    id: NodeId,
    is_mapping: bool,
    /// Where this collection's children start on the builder's scratch stack.
    scratch_start: usize,
    /// For a mapping: the key read, waiting for its value.
    pending_key: Option<NodeId>,
}

/// Builds the tree from saphyr's events with an explicit stack (no recursion).
struct Builder<'a> {
    text: &'a str,
    offsets: CharOffsets<'a>,
    nodes: Vec<Node<'a>>,
    items: Vec<NodeId>,
    pairs: Vec<(NodeId, NodeId)>,
    scratch_items: Vec<NodeId>,
    scratch_pairs: Vec<(NodeId, NodeId)>,
    documents: Vec<NodeId>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Builder<'a> {
        Builder {
            text,
            offsets: CharOffsets::new(text),
            // about one node per eight bytes of typical YAML: avoids most regrowth
            nodes: Vec::with_capacity(text.len() / 8),
            items: Vec::new(),
            pairs: Vec::new(),
            scratch_items: Vec::new(),
            scratch_pairs: Vec::new(),
            documents: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    fn run(mut self) -> Result<YamlStream<'a>, ExtractError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|error| self.scan_error(&error))?;
            let offset = self.offsets.byte_offset(span.start.index());
            let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
            match event {
                Event::Scalar(value, style, anchor, _) => {
                    let location = locate_scalar(self.text, offset, line, &value, style);
                    // borrow the text when it is the value: saphyr's string is freed at once
                    // instead of living as long as the tree
                    let value = match location {
                        Some(location) => Cow::Borrowed(&self.text[location.span.range()]),
                        None => value,
                    };
                    let kind = NodeKind::Scalar {
                        value,
                        style,
                        location,
                    };
                    let id = self.push(kind, offset, line, anchor);
                    self.attach(id);
                }
                Event::Alias(anchor) => {
                    let target = *self.anchors.get(&anchor).ok_or_else(|| {
                        ExtractError::at_offset("invalid YAML: unknown alias", self.text, offset)
                    })?;
                    let id = self.push(NodeKind::Alias(target), offset, line, 0);
                    self.attach(id);
                }
                Event::SequenceStart(anchor, _) => self.open(false, offset, line, anchor)?,
                Event::MappingStart(anchor, _) => self.open(true, offset, line, anchor)?,
                Event::SequenceEnd | Event::MappingEnd => self.close(),
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
                Event::DocumentEnd => {
                    self.stack.clear();
                    self.scratch_items.clear();
                    self.scratch_pairs.clear();
                }
            }
        }
        Ok(YamlStream {
            nodes: self.nodes,
            items: self.items,
            pairs: self.pairs,
            documents: self.documents,
        })
    }

    fn push(&mut self, kind: NodeKind<'a>, offset: usize, line: u32, anchor: usize) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node { kind, offset, line });
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        id
    }

    fn open(
        &mut self,
        is_mapping: bool,
        offset: usize,
        line: u32,
        anchor: usize,
    ) -> Result<(), ExtractError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ExtractError::at_offset(
                format!("YAML nested deeper than {MAX_DEPTH} levels"),
                self.text,
                offset,
            ));
        }
        // the kind is a placeholder until `close` knows the children
        let id = self.push(NodeKind::Sequence(Children(0..0)), offset, line, anchor);
        let scratch_start = if is_mapping {
            self.scratch_pairs.len()
        } else {
            self.scratch_items.len()
        };
        self.stack.push(Frame {
            id,
            is_mapping,
            scratch_start,
            pending_key: None,
        });
        Ok(())
    }

    /// Moves the ending collection's children from the scratch stack to the flat lists.
    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        self.nodes[frame.id].kind = if frame.is_mapping {
            let start = self.pairs.len();
            self.pairs
                .extend(self.scratch_pairs.drain(frame.scratch_start..));
            NodeKind::Mapping(Children(start..self.pairs.len()))
        } else {
            let start = self.items.len();
            self.items
                .extend(self.scratch_items.drain(frame.scratch_start..));
            NodeKind::Sequence(Children(start..self.items.len()))
        };
        self.attach(frame.id);
    }

    /// Adds a finished node to the collection being filled, or makes it a document root.
    fn attach(&mut self, child: NodeId) {
        let Some(frame) = self.stack.last_mut() else {
            self.documents.push(child);
            return;
        };
        if !frame.is_mapping {
            self.scratch_items.push(child);
        } else if let Some(key) = frame.pending_key.take() {
            self.scratch_pairs.push((key, child));
        } else {
            frame.pending_key = Some(child);
        }
    }

    fn scan_error(&mut self, error: &ScanError) -> ExtractError {
        let offset = self.offsets.byte_offset(error.marker().index());
        ExtractError::at_offset(format!("invalid YAML: {}", error.info()), self.text, offset)
    }
}

/// Converts saphyr's character indices to byte offsets. Events arrive nearly in text
/// order, so a cursor that moves from the last answer makes the conversion linear overall.
struct CharOffsets<'a> {
    text: &'a str,
    ascii: bool,
    char_index: usize,
    byte_index: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> CharOffsets<'a> {
        CharOffsets {
            text,
            ascii: text.is_ascii(),
            char_index: 0,
            byte_index: 0,
        }
    }

    /// The byte offset of character `char_index` (the text's length past the end).
    fn byte_offset(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.char_index < char_index {
            match self.text[self.byte_index..].chars().next() {
                Some(c) => {
                    self.byte_index += c.len_utf8();
                    self.char_index += 1;
                }
                None => return self.text.len(),
            }
        }
        while self.char_index > char_index {
            match self.text[..self.byte_index].chars().next_back() {
                Some(c) => {
                    self.byte_index -= c.len_utf8();
                    self.char_index -= 1;
                }
                None => break,
            }
        }
        self.byte_index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text at the value span of top-level `key`, and the location.
    fn value_location(text: &str, key: &str) -> Option<(String, ScalarLocation)> {
        let stream = parse(text).unwrap();
        let root = stream.documents()[0];
        let id = stream.get(root, key)?;
        let location = stream.scalar_location(id)?;
        Some((text[location.span.range()].to_owned(), location))
    }

    #[test]
    fn spans_are_bytes_even_after_non_ascii_text_and_a_bom() {
        let text = "\u{feff}name: \"Zoë ü\"\nimage: 'ghcr.io/ö/app:1.0'\nother: ß:1 # é\n";
        let (written, location) = value_location(text, "image").unwrap();
        assert_eq!(written, "ghcr.io/ö/app:1.0");
        assert_eq!(location.line, 2);
        assert_eq!(value_location(text, "other").unwrap().0, "ß:1");
        assert_eq!(value_location(text, "name").unwrap().0, "Zoë ü");
    }

    #[test]
    fn value_span_skips_anchors_and_tags_and_stops_at_the_closing_quote() {
        let text = "a: &img !!str \"nginx:1.25\"  # pinned\nb: &x\n  redis:7\n";
        let (written, _) = value_location(text, "a").unwrap();
        assert_eq!(written, "nginx:1.25");
        let (written, location) = value_location(text, "b").unwrap();
        assert_eq!(written, "redis:7");
        assert_eq!(location.line, 3);
    }

    #[test]
    fn values_written_differently_from_their_text_have_no_span() {
        let text =
            "a: \"ng\\x69nx\"\nb: 'it''s'\nc: |\n  nginx\nd: plain\n  folded\ne: \"x\n  y\"\n";
        for key in ["a", "b", "c", "d", "e"] {
            assert!(value_location(text, key).is_none(), "{key}");
        }
    }

    #[test]
    fn aliases_point_at_their_anchor_without_copying() {
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n".to_owned()
            + &(b'b'..=b'z')
                .map(|c| {
                    let previous = c - 1;
                    let previous = previous as char;
                    format!(
                        "{0}: &{0} [*{previous}, *{previous}, *{previous}, *{previous}]\n",
                        c as char
                    )
                })
                .collect::<String>();
        let stream = parse(&laughs).unwrap();
        assert!(stream.nodes.len() < 200);
        let cyclic = parse("a: &r [1, *r]\n").unwrap();
        let root = cyclic.documents()[0];
        let sequence = cyclic.get(root, "a").unwrap();
        let alias = cyclic.items(sequence)[1];
        assert_eq!(cyclic.resolve(alias), sequence);
    }

    #[test]
    fn deep_nesting_by_indentation_or_brackets_is_refused() {
        let mut indented = String::new();
        for depth in 0..(MAX_DEPTH + 5) {
            indented.push_str(&" ".repeat(depth));
            indented.push_str("a:\n");
        }
        let error = parse(&indented).unwrap_err();
        assert!(error.message.contains("nested deeper"), "{error}");
        assert!(error.line.is_some());
        let error = parse(&"[".repeat(100_000)).unwrap_err();
        assert_eq!(error.line, Some(1));
    }

    #[test]
    fn malformed_yaml_reports_line_and_column() {
        let error = parse("a: 1\nb: [1,\n").unwrap_err();
        assert!(error.message.starts_with("invalid YAML"), "{error}");
        assert_eq!(error.line, Some(3));
        let error = parse("a: é\nb: ü: 1\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(5)));
    }

    #[test]
    fn documents_and_flow_mappings() {
        let stream = parse("---\nkind: A\n---\n{kind: B, image: x:1}\n...\n").unwrap();
        assert_eq!(stream.documents().len(), 2);
        let second = stream.documents()[1];
        let image = stream.get(second, "image").unwrap();
        assert_eq!(stream.scalar(image), Some("x:1"));
        assert!(stream.scalar_location(image).is_some());
    }
}
