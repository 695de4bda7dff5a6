//! Small text helpers every manager needs: positions, paths, nesting guards, replacement.

use upkeep_types::Span;

use crate::ExtractError;

/// The deepest bracket nesting a manager accepts before parsing; deeper input is refused
/// up front so that no parser recurses without bound.
pub const MAX_NESTING: usize = 256;

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = memchr::memrchr(b'\n', before.as_bytes()).map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (to_u32(line), to_u32(column))
}

/// Byte offset of the start of 1-based `line` (the text's end when past the last line).
pub fn line_offset(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line as usize - 2)
        .map_or(text.len(), |index| index + 1)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The directory part of a relative `/`-separated path (`""` for a file at the root).
pub fn parent_directory(path: &str) -> &str {
    path.rfind('/').map_or("", |index| &path[..index])
}

/// Joins a relative directory (possibly `""`) and a name with `/`.
pub fn join_path(directory: &str, name: &str) -> String {
    if directory.is_empty() {
        name.to_owned()
    } else {
        format!("{directory}/{name}")
    }
}

/// Refuses text whose `[`/`{`/`(` nesting (outside double-quoted strings) exceeds
/// [`MAX_NESTING`], naming the position where the limit was crossed.
pub fn check_nesting(text: &str) -> Result<(), ExtractError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if in_string {
            match byte {
                b'\\' => index += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' | b'(' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(ExtractError::at_offset(
                            format!("nesting deeper than {MAX_NESTING} levels"),
                            text,
                            index,
                        ));
                    }
                }
                b']' | b'}' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        index += 1;
    }
    Ok(())
}

/// `text` with the bytes of `span` replaced by `replacement`.
pub fn replace_span(text: &str, span: Span, replacement: &str) -> String {
    let mut result = String::with_capacity(text.len() + replacement.len());
    result.push_str(&text[..span.start]);
    result.push_str(replacement);
    result.push_str(&text[span.end..]);
    result
}

/// The text at `span`, or `None` when the span does not fit `text`.
pub fn slice(text: &str, span: Span) -> Option<&str> {
    text.get(span.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "a\nßx\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (2, 1));
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_offset(text, 2), 2);
        assert_eq!(line_offset(text, 9), text.len());
    }

    #[test]
    fn deep_nesting_is_refused_with_a_position() {
        let deep = "[".repeat(100_000);
        let error = check_nesting(&deep).unwrap_err();
        assert_eq!(error.line, Some(1));
        assert_eq!(error.column, Some(MAX_NESTING as u32 + 1));
        assert!(check_nesting(r#"{"a": "[[[[", "b": [1, {"c": 2}]}"#).is_ok());
    }

    #[test]
    fn paths_join_and_split() {
        assert_eq!(parent_directory("a/b/Cargo.toml"), "a/b");
        assert_eq!(parent_directory("Cargo.toml"), "");
        assert_eq!(join_path("", "Cargo.lock"), "Cargo.lock");
        assert_eq!(join_path("a", "Cargo.lock"), "a/Cargo.lock");
    }
}
