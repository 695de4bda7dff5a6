//! The Dockerfile scanner: from text to parser directives and logical instructions, by
//! BuildKit's reading rules.
//!
//! - Parser directives (`# syntax=…`, `# escape=…`, `# check=…`) count only in the block
//!   of lines at the very top: the first line that is not a known directive (an
//!   instruction, a blank line, a plain comment, an unknown directive) ends the block.
//! - A line ending in the escape character (`\`, or `` ` `` after `# escape=`), optionally
//!   followed by spaces or tabs, continues on the next line. Comment lines and blank lines
//!   inside a continuation are dropped, as Docker drops them.
//! - `RUN`, `COPY` and `ADD` may open heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, several on
//!   one line); their bodies are consumed here and never read as instructions.
//! - A leading UTF-8 BOM is skipped but kept in the offsets; `\r` before `\n` is not part
//!   of a line.
//!
//! Each instruction's text is a [`Traced`] so later stages can map what Docker reads back
//! to the bytes as written. The scanner is a single forward pass over the lines.

use std::ops::Range;

use super::traced::Traced;
use super::words::{heredoc_name, split_words};
use crate::ExtractError;

/// The instructions Docker knows; any other word at the start of an instruction is an
/// error for Docker, and so for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keyword {
    /// `FROM`: starts a stage.
    From,
    /// `ARG`: declares a build argument.
    Arg,
    /// `COPY`: may copy `--from` an image.
    Copy,
    /// `RUN`: may mount `from=` an image.
    Run,
    /// `ADD`: may open heredocs.
    Add,
    /// Any other instruction Docker knows.
    Other,
}

impl Keyword {
    fn parse(word: &str) -> Option<Keyword> {
        const OTHERS: &[&str] = &[
            "cmd",
            "entrypoint",
            "env",
            "expose",
            "healthcheck",
            "label",
            "maintainer",
            "onbuild",
            "shell",
            "stopsignal",
            "user",
            "volume",
            "workdir",
        ];
        const NAMED: &[(&str, Keyword)] = &[
            ("from", Keyword::From),
            ("arg", Keyword::Arg),
            ("copy", Keyword::Copy),
            ("run", Keyword::Run),
            ("add", Keyword::Add),
        ];
        if let Some((_, keyword)) = NAMED
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
        {
            return Some(*keyword);
        }
        OTHERS
            .iter()
            .any(|name| name.eq_ignore_ascii_case(word))
            .then_some(Keyword::Other)
    }

    fn may_open_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// A parser directive from the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Directive {
    /// The directive's name, lowercased (`syntax`, `escape`, `check`).
    pub(super) name: String,
    /// Where its value is in the file.
    pub(super) value: Range<usize>,
    /// 1-based line.
    pub(super) line: u32,
}

/// One logical instruction: continuation lines joined, comment lines dropped.
#[derive(Debug, Clone)]
pub(super) struct Instruction {
    /// Which instruction.
    pub(super) keyword: Keyword,
    /// The instruction as Docker reads it, from the keyword on.
    pub(super) text: Traced,
    /// Where the arguments start in `text` (after the keyword and its whitespace).
    pub(super) arguments_start: usize,
    /// 1-based line of the keyword.
    pub(super) line: u32,
    /// File offset of the keyword.
    pub(super) offset: usize,
    /// File offset and 1-based number of each continuation line joined in (empty for a
    /// one-line instruction, so most instructions allocate nothing here).
    pub(super) continuation_lines: Vec<(usize, u32)>,
}

impl Instruction {
    /// The 1-based line of file offset `offset` (inside this instruction).
    pub(super) fn line_at(&self, offset: usize) -> u32 {
        let index = self
            .continuation_lines
            .partition_point(|(start, _)| *start <= offset);
        match index.checked_sub(1) {
            Some(index) => self.continuation_lines[index].1,
            None => self.line,
        }
    }
}

/// A scanned Dockerfile.
#[derive(Debug, Clone, Default)]
pub(super) struct Scanned {
    /// The parser directives, in file order.
    pub(super) directives: Vec<Directive>,
    /// The instructions, in file order.
    pub(super) instructions: Vec<Instruction>,
    /// The escape character in force (`\` or `` ` ``).
    pub(super) escape: char,
}

const KNOWN_DIRECTIVES: &[&str] = &["syntax", "escape", "check"];

/// Scans `content` into directives and instructions; fails where Docker's parser fails.
pub(super) fn scan(content: &str) -> Result<Scanned, ExtractError> {
    let start = if content.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let mut lines = Lines {
        content,
        position: start,
        number: 0,
    };
    let mut scanned = Scanned {
        escape: '\\',
        ..Scanned::default()
    };
    let mut in_directives = true;
    while let Some(line) = lines.next_line() {
        let text = &content[line.range.clone()];
        let trimmed = text.trim_start_matches(is_space);
        let indent = text.len() - trimmed.len();
        if in_directives {
            match read_directive(trimmed, line.range.start + indent, line.number) {
                Some(directive) => {
                    record_directive(content, &mut scanned, directive)?;
                    continue;
                }
                None => in_directives = false,
            }
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let first = line.range.start + indent..line.range.end;
        let Some(instruction) =
            read_instruction(content, &mut lines, scanned.escape, first, line.number)?
        else {
            continue;
        };
        if instruction.keyword.may_open_heredocs() && instruction.text.as_str().contains("<<") {
            skip_heredocs(content, &mut lines, &instruction, scanned.escape)?;
        }
        scanned.instructions.push(instruction);
    }
    Ok(scanned)
}

/// Where `inner`, a sub-slice of `outer`, starts in it.
fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Docker's whitespace inside a line.
pub(super) fn is_space(character: char) -> bool {
    matches!(character, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r')
}

/// One physical line: its bytes without the line break, and its 1-based number.
struct Line {
    range: Range<usize>,
    number: u32,
}

/// The physical lines of the file, front to back.
struct Lines<'a> {
    content: &'a str,
    position: usize,
    number: u32,
}

impl Lines<'_> {
    fn next_line(&mut self) -> Option<Line> {
        if self.position >= self.content.len() {
            return None;
        }
        let rest = &self.content.as_bytes()[self.position..];
        let (length, next) = match memchr::memchr(b'\n', rest) {
            Some(index) => (index, self.position + index + 1),
            None => (rest.len(), self.content.len()),
        };
        let mut end = self.position + length;
        while end > self.position && self.content.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let line = Line {
            range: self.position..end,
            number: self.number.saturating_add(1),
        };
        self.number = line.number;
        self.position = next;
        Some(line)
    }
}

/// A line of the form `#name=value` (spaces allowed around each part) with a known name.
fn read_directive(trimmed: &str, offset: usize, line: u32) -> Option<Directive> {
    let after_hash = trimmed.strip_prefix('#')?;
    let name_start = after_hash.len() - after_hash.trim_start_matches(is_space).len();
    let rest = &after_hash[name_start..];
    let name_length = rest
        .char_indices()
        .find(|(index, character)| {
            !(character.is_ascii_alphabetic() || (*index > 0 && character.is_ascii_digit()))
        })
        .map_or(rest.len(), |(index, _)| index);
    let name = rest[..name_length].to_ascii_lowercase();
    if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
        return None;
    }
    let after_name = rest[name_length..].trim_start_matches(is_space);
    let value_text = after_name.strip_prefix('=')?.trim_start_matches(is_space);
    let value_text = value_text.trim_end_matches(is_space);
    if value_text.is_empty() {
        return None;
    }
    let value_start = offset + offset_in(trimmed, value_text);
    Some(Directive {
        name,
        value: value_start..value_start + value_text.len(),
        line,
    })
}

fn record_directive(
    content: &str,
    scanned: &mut Scanned,
    directive: Directive,
) -> Result<(), ExtractError> {
    if scanned
        .directives
        .iter()
        .any(|seen| seen.name == directive.name)
    {
        return Err(ExtractError::at_offset(
            format!("the `{}` parser directive is given twice", directive.name),
            content,
            directive.value.start,
        ));
    }
    if directive.name == "escape" {
        scanned.escape = match &content[directive.value.clone()] {
            "\\" => '\\',
            "`" => '`',
            other => {
                return Err(ExtractError::at_offset(
                    format!("invalid escape character `{other}`: it must be `\\` or `` ` ``"),
                    content,
                    directive.value.start,
                ));
            }
        };
    }
    scanned.directives.push(directive);
    Ok(())
}

/// Reads the instruction whose first line (already taken from `lines`, without its
/// indentation) is `first`, joining continuation lines; `None` when all it joins is
/// blank (escape characters alone).
fn read_instruction(
    content: &str,
    lines: &mut Lines<'_>,
    escape: char,
    first: Range<usize>,
    line: u32,
) -> Result<Option<Instruction>, ExtractError> {
    let offset = first.start;
    let mut text = Traced::new();
    let mut continuation_lines = Vec::new();
    let (piece, mut continues) = strip_continuation(&content[first], escape);
    text.push_source(piece, offset);
    while continues {
        let Some(next) = lines.next_line() else { break };
        let raw = &content[next.range.clone()];
        let trimmed = raw.trim_start_matches(is_space);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (piece, more) = strip_continuation(raw, escape);
        text.push_source(piece, next.range.start);
        continuation_lines.push((next.range.start, next.number));
        continues = more;
    }
    // a first line holding only the escape character leaves the keyword further on
    let keyword_start = text.as_str().len() - text.as_str().trim_start_matches(is_space).len();
    if keyword_start == text.as_str().len() {
        return Ok(None);
    }
    let keyword_end = text.as_str()[keyword_start..]
        .find(|character: char| is_space(character))
        .map_or(text.as_str().len(), |length| keyword_start + length);
    let keyword_text = &text.as_str()[keyword_start..keyword_end];
    let Some(keyword) = Keyword::parse(keyword_text) else {
        return Err(ExtractError::at_offset(
            format!("unknown instruction `{}`", printable(keyword_text)),
            content,
            offset,
        ));
    };
    let arguments_start = text.as_str().len()
        - text.as_str()[keyword_end..]
            .trim_start_matches(is_space)
            .len();
    Ok(Some(Instruction {
        keyword,
        text,
        arguments_start,
        line,
        offset,
        continuation_lines,
    }))
}

/// The line without a trailing escape character (and the spaces after it), and whether
/// the instruction continues on the next line.
fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let without_spaces = line.trim_end_matches([' ', '\t']);
    match without_spaces.strip_suffix(escape) {
        Some(rest) => (rest, true),
        None => (line, false),
    }
}

/// Consumes the bodies of the heredocs `instruction` opens, in order.
fn skip_heredocs(
    content: &str,
    lines: &mut Lines<'_>,
    instruction: &Instruction,
    escape: char,
) -> Result<(), ExtractError> {
    let text = instruction.text.as_str();
    for word in split_words(text, 0..text.len(), escape) {
        let Some((name, strip_tabs)) = heredoc_name(&text[word]) else {
            continue;
        };
        loop {
            let Some(line) = lines.next_line() else {
                return Err(ExtractError::at_offset(
                    format!("heredoc `{name}` is never closed"),
                    content,
                    instruction.offset,
                ));
            };
            let body = &content[line.range];
            let body = if strip_tabs {
                body.trim_start_matches('\t')
            } else {
                body
            };
            if body == name {
                break;
            }
        }
    }
    Ok(())
}

/// Text for an error message: control characters (binary garbage) shown escaped, and at
/// most 40 characters.
fn printable(text: &str) -> String {
    let shown: String = text.chars().take(40).collect();
    let mut printable = shown.escape_debug().to_string();
    if shown.len() < text.len() {
        printable.push('…');
    }
    printable
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(scanned: &Scanned) -> Vec<&str> {
        scanned
            .instructions
            .iter()
            .map(|instruction| instruction.text.as_str())
            .collect()
    }

    #[test]
    fn continuation_lines_join_and_drop_comments_and_blank_lines() {
        let content = "FROM --platform=$BUILDPLATFORM \\\n  # a comment\n\n  golang:1.22 AS build\nRUN a \\  \n b\n";
        let scanned = scan(content).unwrap();
        assert_eq!(
            texts(&scanned),
            [
                "FROM --platform=$BUILDPLATFORM   golang:1.22 AS build",
                "RUN a  b"
            ]
        );
        assert_eq!(scanned.instructions[1].line, 5);
        assert_eq!(
            &scanned.instructions[0].text.as_str()[scanned.instructions[0].arguments_start..],
            "--platform=$BUILDPLATFORM   golang:1.22 AS build"
        );
    }

    #[test]
    fn an_instruction_may_start_after_a_lone_escape_line() {
        let scanned = scan("\\\n  FROM alpine\nRUN a \\\n").unwrap();
        assert_eq!(texts(&scanned), ["  FROM alpine", "RUN a "]);
        assert_eq!(scanned.instructions[0].keyword, Keyword::From);
        assert!(scan("\\\n\\\n").unwrap().instructions.is_empty());
    }

    #[test]
    fn directives_count_only_at_the_top() {
        let scanned =
            scan("# syntax=docker/dockerfile:1.7\n#escape = `\nFROM a\n# syntax=x\n").unwrap();
        assert_eq!(scanned.directives.len(), 2);
        assert_eq!(scanned.escape, '`');
        let content = "# hello\n# escape=`\nFROM a\n";
        let scanned = scan(content).unwrap();
        assert!(scanned.directives.is_empty());
        assert_eq!(scanned.escape, '\\');
        let content = "\n# syntax=docker/dockerfile:1\nFROM a\n";
        assert!(scan(content).unwrap().directives.is_empty());
    }

    #[test]
    fn directive_value_span_points_at_the_value() {
        let content = "\u{feff}#  syntax =  docker/dockerfile:1.7  \r\nFROM a\r\n";
        let scanned = scan(content).unwrap();
        let directive = &scanned.directives[0];
        assert_eq!(&content[directive.value.clone()], "docker/dockerfile:1.7");
        assert_eq!(texts(&scanned), ["FROM a"]);
    }

    #[test]
    fn backtick_escape_continues_lines_and_keeps_backslashes() {
        let content = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ `\n  && echo done\n";
        let scanned = scan(content).unwrap();
        assert_eq!(texts(&scanned)[1], "RUN dir C:\\   && echo done");
    }

    #[test]
    fn heredoc_bodies_are_not_instructions() {
        let content = "FROM a\nRUN <<EOF cat - <<-'END'\nFROM evil\nEOF\n\tFROM evil2\n\tEND\nCOPY <<\"X\" /f\nbody\nX\nFROM b\n";
        let scanned = scan(content).unwrap();
        assert_eq!(
            texts(&scanned),
            [
                "FROM a",
                "RUN <<EOF cat - <<-'END'",
                "COPY <<\"X\" /f",
                "FROM b"
            ]
        );
    }

    #[test]
    fn unclosed_heredoc_and_unknown_instruction_are_errors() {
        let error = scan("FROM a\nRUN <<EOF\necho\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(1)));
        let error = scan("FROM a\n  FORM b\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(3)));
        assert!(error.message.contains("FORM"));
        assert!(scan("# escape=x\nFROM a\n").is_err());
        assert!(scan("# escape=`\n# escape=\\\nFROM a\n").is_err());
    }
}
