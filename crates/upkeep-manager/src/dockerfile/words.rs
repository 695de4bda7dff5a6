//! Splitting an instruction's arguments into words the way Docker does: whitespace
//! separates, quotes group, the escape character protects the next character. Words are
//! returned as byte ranges of the instruction text, quotes still in, so that the variable
//! expander can keep track of every byte's origin.
//!
//! Also here: the leading `--name=value` flags of an instruction, heredoc openers
//! (`<<EOF`) and the `from=` field of a `--mount` value.

use std::ops::Range;

use super::instructions::is_space;

/// The words of `text[range]`, as ranges of `text`. Scans bytes: every byte Docker treats
/// specially is ASCII, so ranges always fall on character boundaries. Lazy, so that
/// reading the flags of a long `RUN` does not split the whole command.
pub(super) fn split_words(text: &str, range: Range<usize>, escape: char) -> Words<'_> {
    Words {
        bytes: text.as_bytes(),
        index: range.start,
        end: range.end,
        escape: escape as u8,
    }
}

/// The iterator [`split_words`] returns.
pub(super) struct Words<'a> {
    bytes: &'a [u8],
    index: usize,
    end: usize,
    escape: u8,
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.bytes;
        while self.index < self.end && is_space(bytes[self.index] as char) {
            self.index += 1;
        }
        if self.index >= self.end {
            return None;
        }
        let start = self.index;
        let mut quote = None;
        while self.index < self.end {
            let byte = bytes[self.index];
            match quote {
                Some(open) if byte == open => quote = None,
                Some(b'"') | None if byte == self.escape => self.index += 1,
                Some(_) => {}
                None if is_space(byte as char) => break,
                None if byte == b'\'' || byte == b'"' => quote = Some(byte),
                None => {}
            }
            self.index += 1;
        }
        self.index = self.index.min(self.end);
        Some(start..self.index)
    }
}

/// One `--name[=value]` flag before an instruction's other arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Flag {
    /// The name, without `--`.
    pub(super) name: Range<usize>,
    /// The value after `=`, when there is one (quotes still in).
    pub(super) value: Option<Range<usize>>,
}

/// The leading flags of `text[range]`, and where the words after them start.
pub(super) fn split_flags(text: &str, range: Range<usize>, escape: char) -> (Vec<Flag>, usize) {
    let end = range.end;
    let mut flags = Vec::new();
    for word in split_words(text, range, escape) {
        if !text[word.clone()].starts_with("--") {
            return (flags, word.start);
        }
        if word.len() == 2 {
            // a bare `--` ends the flags
            return (flags, word.end);
        }
        let name_start = word.start + 2;
        flags.push(match text[word.clone()].find('=') {
            Some(equals) => Flag {
                name: name_start..word.start + equals,
                value: Some(word.start + equals + 1..word.end),
            },
            None => Flag {
                name: name_start..word.end,
                value: None,
            },
        });
    }
    (flags, end)
}

/// The terminator of the heredoc that `word` opens (`<<EOF`, `<<-EOF`, `<<"EOF"`), and
/// whether leading tabs are stripped from its body lines (`<<-`).
pub(super) fn heredoc_name(word: &str) -> Option<(String, bool)> {
    let rest = word.strip_prefix("<<")?;
    let (rest, strip_tabs) = match rest.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    if rest.contains('<') {
        return None;
    }
    let name: String = rest
        .chars()
        .filter(|character| !matches!(character, '"' | '\''))
        .collect();
    (!name.is_empty()).then_some((name, strip_tabs))
}

/// The value of the `from=` field of a `--mount` flag value at `text[value]`
/// (`type=bind,from=image,target=/x`; fields may be double-quoted, the whole value may be
/// quoted).
pub(super) fn mount_from(text: &str, value: Range<usize>) -> Option<Range<usize>> {
    let raw = &text[value.clone()];
    let mut start = value.start;
    let mut end = value.end;
    if raw.len() >= 2
        && (raw.starts_with('"') && raw.ends_with('"')
            || raw.starts_with('\'') && raw.ends_with('\''))
    {
        start += 1;
        end -= 1;
    }
    let bytes = text.as_bytes();
    let mut field_start = start;
    let mut in_quotes = false;
    for index in start..=end {
        let at_end = index == end;
        if !at_end && bytes[index] == b'"' {
            in_quotes = !in_quotes;
        }
        if at_end || (bytes[index] == b',' && !in_quotes) {
            let field = &text[field_start..index];
            if field.len() > 5 && field[..5].eq_ignore_ascii_case("from=") {
                return Some(field_start + 5..index);
            }
            field_start = index + 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, escape: char) -> Vec<&str> {
        split_words(text, 0..text.len(), escape)
            .map(|range| &text[range])
            .collect()
    }

    #[test]
    fn quotes_and_escapes_keep_spaces_inside_a_word() {
        assert_eq!(
            words(r#"a "b c" 'd e'f g\ h  "i\" j""#, '\\'),
            ["a", r#""b c""#, "'d e'f", r"g\ h", r#""i\" j""#]
        );
        assert_eq!(words(r"C:\dir ` x", '`'), [r"C:\dir", "` x"]);
    }

    #[test]
    fn flags_stop_at_the_first_other_word() {
        let text = "--platform=$BUILDPLATFORM --link golang:1.22 --x AS build";
        let (flags, rest) = split_flags(text, 0..text.len(), '\\');
        let rest = split_words(text, rest..text.len(), '\\');
        assert_eq!(flags.len(), 2);
        assert_eq!(&text[flags[0].name.clone()], "platform");
        assert_eq!(&text[flags[0].value.clone().unwrap()], "$BUILDPLATFORM");
        assert_eq!(flags[1].value, None);
        let rest: Vec<&str> = rest.map(|range| &text[range]).collect();
        assert_eq!(rest, ["golang:1.22", "--x", "AS", "build"]);
    }

    #[test]
    fn heredoc_openers() {
        assert_eq!(heredoc_name("<<EOF"), Some(("EOF".to_owned(), false)));
        assert_eq!(heredoc_name("<<-'END'"), Some(("END".to_owned(), true)));
        assert_eq!(heredoc_name(r#"<<"X""#), Some(("X".to_owned(), false)));
        assert_eq!(heredoc_name("<<<here"), None);
        assert_eq!(heredoc_name("<<"), None);
        assert_eq!(heredoc_name("x<<EOF"), None);
    }

    #[test]
    fn mount_from_field() {
        let text = "type=bind,from=ghcr.io/astral-sh/uv:0.5,source=/uv";
        let range = mount_from(text, 0..text.len()).unwrap();
        assert_eq!(&text[range], "ghcr.io/astral-sh/uv:0.5");
        let text = r#""type=cache,target=/x,FROM=node:20""#;
        assert_eq!(&text[mount_from(text, 0..text.len()).unwrap()], "node:20");
        let text = "type=cache,target=/root/.cache";
        assert_eq!(mount_from(text, 0..text.len()), None);
    }
}
