//! A lexical pre-pass that finds the parts of a file that can hold dependencies, so that
//! only they are handed to hcl-edit.
//!
//! Why: hcl-edit builds a full, decor-preserving tree at tens of nanoseconds per byte, and
//! most of a real `.tf` file is resources, data sources, locals and module inputs that hold
//! no dependency. The scan walks the bytes once with an explicit stack (strings,
//! `${…}`/`%{…}` templates, heredocs, comments, brackets) and returns every top-level
//! `terraform`, `provider` and `module` block, with the members inside it that cannot hold
//! a dependency (anything but `source`, `version`, `required_version`,
//! `required_providers`) marked for leaving out.
//!
//! The scan never decides anything on its own: when it meets something it does not
//! understand (unbalanced brackets, an unterminated string or heredoc, a statement that does
//! not start with an identifier, too deep nesting) it returns `None`, and the caller parses
//! the whole file with hcl-edit, which either succeeds or reports the precise error. Pieces
//! that hcl-edit cannot parse are treated the same way. Syntax errors inside the parts the
//! scan leaves out are therefore not reported; such files are still extracted.

use std::ops::Range;

use crate::text::MAX_NESTING;

/// Top-level block types whose contents matter to this manager.
const INTERESTING: &[&str] = &["terraform", "provider", "module"];

/// Members of those blocks that can hold a dependency; every other member is blanked.
const KEPT_MEMBERS: &[&str] = &[
    "source",
    "version",
    "required_version",
    "required_providers",
];

enum Frame {
    /// `{`, `[` or `(`, closed by the byte held.
    Bracket(u8),
    /// `${` or `%{` inside a string or heredoc; closed by `}`.
    Interpolation,
    /// A double-quoted string.
    String,
    /// A heredoc body, ended by a line holding only the delimiter (the range, in the text, of
    /// the delimiter's name); the flag says whether the scan is at the start of a line.
    Heredoc(Range<usize>, bool),
}

/// A top-level block worth parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScannedBlock {
    /// The block's bytes, from its type keyword to its closing brace.
    pub(super) range: Range<usize>,
    /// Members (attributes, nested blocks) that cannot hold a dependency, such as a module's
    /// inputs: whole lines, safe to overwrite with spaces before parsing.
    pub(super) blanks: Vec<Range<usize>>,
}

/// Where the scan is, relative to the top-level statement it is in.
#[derive(Default)]
struct Statement {
    /// Where the current top-level statement starts.
    start: Option<usize>,
    /// Whether it is a block this manager reads.
    interesting: bool,
    /// Where the current member of an interesting block starts, and whether it is kept.
    member: Option<(usize, bool)>,
    /// Members to blank in the current block.
    blanks: Vec<Range<usize>>,
}

/// The interesting top-level blocks of `text`, in file order, or `None` when the scan
/// cannot vouch for the file's structure.
pub(super) fn top_level_blocks(text: &str) -> Option<Vec<ScannedBlock>> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut blocks = Vec::new();
    let mut statement = Statement::default();
    let mut index = 0;
    while index < bytes.len() {
        if stack.len() > MAX_NESTING {
            return None;
        }
        let byte = bytes[index];
        match stack.last() {
            Some(Frame::String) => {
                index = string_byte(bytes, index, &mut stack)?;
                continue;
            }
            Some(Frame::Heredoc(..)) => {
                index = heredoc_line(bytes, index, &mut stack)?;
                continue;
            }
            _ => {}
        }
        match byte {
            b'#' => index = line_end(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'/') => index = line_end(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&bytes[index + 2..], b"*/")?;
                index += 2 + end + 2;
            }
            b'\n' => {
                match stack.len() {
                    0 => statement.start = None,
                    1 => statement.end_member(index),
                    _ => {}
                }
                index += 1;
            }
            b' ' | b'\t' | b'\r' => index += 1,
            _ if byte < b' ' => return None,
            _ => {
                if stack.is_empty() && statement.start.is_none() {
                    // Every top-level statement starts with an identifier; anything else is
                    // for hcl-edit to judge.
                    if !(byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80) {
                        return None;
                    }
                    statement.start = Some(index);
                    statement.interesting = text.get(index..).is_some_and(starts_interesting_block);
                } else if stack.len() == 1 && statement.interesting && statement.member.is_none() {
                    statement.member = Some((index, text.get(index..).is_some_and(is_kept_member)));
                }
                match byte {
                    b'"' => stack.push(Frame::String),
                    b'<' if bytes.get(index + 1) == Some(&b'<') => {
                        let (delimiter, body_start) = heredoc_start(bytes, index)?;
                        stack.push(Frame::Heredoc(delimiter, true));
                        index = body_start;
                        continue;
                    }
                    b'{' => stack.push(Frame::Bracket(b'}')),
                    b'[' => stack.push(Frame::Bracket(b']')),
                    b'(' => stack.push(Frame::Bracket(b')')),
                    b'}' | b']' | b')' => {
                        match stack.pop()? {
                            Frame::Bracket(close) if close == byte => {}
                            Frame::Interpolation if byte == b'}' => {}
                            _ => return None,
                        }
                        if stack.is_empty() && byte == b'}' && statement.interesting {
                            blocks.push(ScannedBlock {
                                range: statement.start?..index + 1,
                                blanks: std::mem::take(&mut statement.blanks),
                            });
                            statement.interesting = false;
                            statement.member = None;
                        }
                    }
                    _ => {}
                }
                index += 1;
            }
        }
    }
    stack.is_empty().then_some(blocks)
}

impl Statement {
    /// A newline directly inside an interesting block ends the member being read.
    fn end_member(&mut self, newline: usize) {
        if let Some((start, kept)) = self.member.take()
            && !kept
        {
            self.blanks.push(start..newline);
        }
    }
}

/// Whether a member of a block is one that can hold a dependency.
fn is_kept_member(member: &str) -> bool {
    KEPT_MEMBERS.iter().any(|key| {
        member.strip_prefix(key).is_some_and(|rest| {
            rest.starts_with(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        })
    })
}

/// Whether a top-level statement starting here opens a block this manager reads: its first
/// word is one of [`INTERESTING`] and is followed by a label or the opening brace.
fn starts_interesting_block(statement: &str) -> bool {
    INTERESTING.iter().any(|word| {
        statement.strip_prefix(word).is_some_and(|rest| {
            let label = rest.trim_start_matches([' ', '\t']);
            let separated = label.len() < rest.len() || rest.starts_with(['"', '{']);
            separated
                && (label.starts_with(['"', '{']) || label.starts_with(|c: char| c.is_alphabetic()))
        })
    })
}

fn line_end(bytes: &[u8], index: usize) -> usize {
    memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |offset| index + offset)
}

/// Advances over one element of a quoted string; a newline means the string is broken.
fn string_byte(bytes: &[u8], index: usize, stack: &mut Vec<Frame>) -> Option<usize> {
    match bytes[index] {
        b'\\' => Some(index + 2),
        b'"' => {
            stack.pop();
            Some(index + 1)
        }
        b'\n' => None,
        _ => Some(template_byte(bytes, index, stack)),
    }
}

/// Handles `${`/`%{` (and their `$${`/`%%{` escapes) inside a string or heredoc.
fn template_byte(bytes: &[u8], index: usize, stack: &mut Vec<Frame>) -> usize {
    let byte = bytes[index];
    if matches!(byte, b'$' | b'%') {
        let next = bytes.get(index + 1).copied();
        if next == Some(byte) && bytes.get(index + 2) == Some(&b'{') {
            return index + 3;
        }
        if next == Some(b'{') {
            stack.push(Frame::Interpolation);
            return index + 2;
        }
    }
    index + 1
}

/// Reads `<<ID` or `<<-ID` and the newline after it: the delimiter and where the body starts.
fn heredoc_start(bytes: &[u8], index: usize) -> Option<(Range<usize>, usize)> {
    let mut start = index + 2;
    if bytes.get(start) == Some(&b'-') {
        start += 1;
    }
    let mut end = start;
    while end < bytes.len()
        && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'_' | b'-'))
    {
        end += 1;
    }
    if end == start {
        return None;
    }
    let mut body = end;
    if bytes.get(body) == Some(&b'\r') {
        body += 1;
    }
    (bytes.get(body) == Some(&b'\n')).then_some((start..end, body + 1))
}

/// Inside a heredoc: at a line start, ends the heredoc if the line is its delimiter; then
/// scans the rest of the line for template sequences. Returns where to continue.
fn heredoc_line(bytes: &[u8], index: usize, stack: &mut Vec<Frame>) -> Option<usize> {
    let Some(Frame::Heredoc(delimiter, at_line_start)) = stack.last_mut() else {
        return None;
    };
    let end = line_end(bytes, index);
    if *at_line_start && bytes[index..end].trim_ascii() == &bytes[delimiter.clone()] {
        stack.pop();
        return Some(end);
    }
    if end == bytes.len() {
        return None;
    }
    *at_line_start = false;
    let depth = stack.len();
    let mut position = index;
    while position < end {
        position = template_byte(bytes, position, stack);
        if stack.len() > depth {
            return Some(position);
        }
    }
    if let Some(Frame::Heredoc(_, at_line_start)) = stack.last_mut() {
        *at_line_start = true;
    }
    Some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        top_level_blocks(text)
            .unwrap()
            .into_iter()
            .map(|block| text[block.range].lines().next().unwrap_or_default())
            .collect()
    }

    #[test]
    fn finds_only_the_blocks_this_manager_reads() {
        let text = "# c\nresource \"a\" \"b\" {\n  x = \"}\"\n}\nmodule \"m\" {\n  source = \"./m\"\n}\nprovider \"aws\" {}\nterraform {\n}\n";
        assert_eq!(
            names(text),
            ["module \"m\" {", "provider \"aws\" {}", "terraform {"]
        );
    }

    #[test]
    fn braces_inside_strings_templates_heredocs_and_comments_do_not_count() {
        let text = "locals {\n  a = \"${jsonencode({ x = \"}\" })}\"\n  b = <<-EOT\n    ${var.x} } {\n  EOT\n  # }\n  /* } */\n}\nmodule \"m\" {\n}\n";
        assert_eq!(names(text), ["module \"m\" {"]);
    }

    #[test]
    fn a_heredoc_with_a_template_spanning_lines_is_followed() {
        let text = "locals {\n  a = <<EOT\n${join(\",\", [\n  \"}\",\n])}\nEOT\n}\nterraform {}\n";
        assert_eq!(names(text), ["terraform {}"]);
    }

    #[test]
    fn broken_structure_gives_up_instead_of_guessing() {
        for text in [
            "module \"m\" {\n",
            "locals {\n  a = \"unterminated\n}\n",
            "locals {\n  a = <<EOT\nno end\n",
            "x = ]\n",
            "/* open comment",
            "\0\x01garbage",
            "= 1\n",
        ] {
            assert_eq!(top_level_blocks(text), None, "{text:?}");
        }
    }

    #[test]
    fn members_that_hold_no_dependency_are_blanked_whole() {
        let text = "module \"vpc\" {\n  source = \"a/b/c\"\n  tags = {\n    a = \"}\"\n  }\n  versions = 1 # c\n  version = \"1.0\"\n}\n";
        let blocks = top_level_blocks(text).unwrap();
        let blanked: Vec<&str> = blocks[0]
            .blanks
            .iter()
            .map(|range| &text[range.clone()])
            .collect();
        assert_eq!(
            blanked,
            ["tags = {\n    a = \"}\"\n  }", "versions = 1 # c"]
        );
    }

    #[test]
    fn words_that_only_start_like_ours_are_not_ours() {
        assert_eq!(
            names("modules = {\n}\nterraform_data \"x\" {\n}\n"),
            Vec::<&str>::new()
        );
    }
}
