//! A strict JSON parser that keeps the byte span and line of every string.
//!
//! Updates rewrite the bytes of one string in place, so extraction must know exactly where
//! each string sits in the original text (a leading BOM included). serde_json forgets
//! positions and jsonc-parser accepts comments and trailing commas that npm itself rejects
//! (`JSON.parse`), so this small parser does both jobs: it accepts exactly RFC 8259 JSON
//! (plus a leading BOM), decodes strings without copying when they hold no escapes, and
//! tracks lines while it skips whitespace so no position is ever recomputed.
//!
//! Recursion is bounded: callers run [`crate::text::check_nesting`] first, and the parser
//! refuses nesting beyond [`MAX_NESTING`] on its own as a second guard.

use std::borrow::Cow;

use upkeep_types::Span;

use crate::ExtractError;
use crate::text::MAX_NESTING;

/// A parsed JSON value with the offset and line where it starts.
#[derive(Debug)]
pub(crate) struct Value<'a> {
    /// What the value is.
    pub node: Node<'a>,
    /// Offset of the value's first byte.
    pub start: usize,
    /// 1-based line where the value starts.
    pub line: u32,
}

/// The kinds of JSON value extraction distinguishes.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    /// An object's members in file order, duplicates kept (see [`effective_members`]).
    Object(Vec<Member<'a>>),
    /// An array's items.
    Array(Vec<Value<'a>>),
    /// A string.
    String(JsonString<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// A number or `null`.
    Scalar,
}

/// One `"key": value` pair of an object.
#[derive(Debug)]
pub(crate) struct Member<'a> {
    /// The key.
    pub key: JsonString<'a>,
    /// The value.
    pub value: Value<'a>,
}

/// A decoded string and where its raw bytes (inside the quotes) sit.
#[derive(Debug)]
pub(crate) struct JsonString<'a> {
    /// The decoded text; borrowed exactly when the raw text holds no escape.
    pub text: Cow<'a, str>,
    /// The raw bytes between the quotes.
    pub span: Span,
}

impl JsonString<'_> {
    /// The span of `text[offset..offset + len]` in the original text, when it can be known:
    /// always for strings without escapes, and for the whole string otherwise.
    pub fn sub_span(&self, offset: usize, len: usize) -> Option<Span> {
        match &self.text {
            Cow::Borrowed(_) => Some(Span::new(
                self.span.start + offset,
                self.span.start + offset + len,
            )),
            Cow::Owned(text) if offset == 0 && len == text.len() => Some(self.span),
            Cow::Owned(_) => None,
        }
    }
}

impl<'a> Value<'a> {
    /// The string, if this value is one.
    pub fn as_string(&self) -> Option<&JsonString<'a>> {
        match &self.node {
            Node::String(string) => Some(string),
            _ => None,
        }
    }

    /// Whether this value is `true`.
    pub fn is_true(&self) -> bool {
        matches!(self.node, Node::Bool(true))
    }

    /// The members, if this value is an object.
    pub fn as_object(&self) -> Option<&[Member<'a>]> {
        match &self.node {
            Node::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The value of the last member named `key` (`JSON.parse` keeps the last duplicate).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.as_object()?
            .iter()
            .rev()
            .find(|member| member.key.text == key)
            .map(|member| &member.value)
    }
}

/// The members of an object as `JSON.parse` sees them: for a key written more than once
/// only its last occurrence counts. File order is kept.
pub(crate) fn effective_members<'m, 'a>(members: &'m [Member<'a>]) -> Vec<&'m Member<'a>> {
    let mut seen = std::collections::HashSet::with_capacity(members.len());
    let mut kept: Vec<&Member<'a>> = members
        .iter()
        .rev()
        .filter(|member| seen.insert(member.key.text.as_ref()))
        .collect();
    kept.reverse();
    kept
}

/// Parses `text` (which may start with a BOM) as one JSON value.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, ExtractError> {
    crate::text::check_nesting(text)?;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        position: start,
        line: 1,
    };
    parser.skip_whitespace();
    if parser.position >= parser.bytes.len() {
        return Err(parser.error("the file is empty, expected a JSON value"));
    }
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.position < parser.bytes.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    line: u32,
}

impl<'a> Parser<'a> {
    fn error(&self, message: &str) -> ExtractError {
        let found = match self
            .text
            .get(self.position..)
            .and_then(|rest| rest.chars().next())
        {
            Some(character) => format!("{message} (found `{}`)", character.escape_debug()),
            None if self.position >= self.bytes.len() => format!("{message} (found end of file)"),
            None => message.to_owned(),
        };
        ExtractError::at_offset(found, self.text, self.position)
    }

    /// An error whose message already says what was found.
    fn plain_error(&self, message: &str) -> ExtractError {
        ExtractError::at_offset(message, self.text, self.position)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.position += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, ExtractError> {
        if depth > MAX_NESTING {
            return Err(self.error("nesting too deep"));
        }
        let start = self.position;
        let line = self.line;
        let node = match self.peek() {
            Some(b'{') => Node::Object(self.object(depth)?),
            Some(b'[') => Node::Array(self.array(depth)?),
            Some(b'"') => Node::String(self.string()?),
            Some(b't') => self.literal("true", Node::Bool(true))?,
            Some(b'f') => self.literal("false", Node::Bool(false))?,
            Some(b'n') => self.literal("null", Node::Scalar)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.error("expected a JSON value")),
        };
        Ok(Value { node, start, line })
    }

    fn object(&mut self, depth: usize) -> Result<Vec<Member<'a>>, ExtractError> {
        self.position += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.position += 1;
            return Ok(members);
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(if self.peek() == Some(b'}') && !members.is_empty() {
                    self.plain_error("trailing comma before `}`")
                } else {
                    self.error("expected a string key")
                });
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after the key"));
            }
            self.position += 1;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            members.push(Member { key, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    return Ok(members);
                }
                _ => return Err(self.error("expected `,` or `}` in the object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Value<'a>>, ExtractError> {
        self.position += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.position += 1;
            return Ok(items);
        }
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b']') && !items.is_empty() {
                return Err(self.plain_error("trailing comma before `]`"));
            }
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    return Ok(items);
                }
                _ => return Err(self.error("expected `,` or `]` in the array")),
            }
        }
    }

    fn literal(&mut self, word: &str, node: Node<'a>) -> Result<Node<'a>, ExtractError> {
        if self.bytes[self.position..].starts_with(word.as_bytes()) {
            self.position += word.len();
            Ok(node)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Node<'a>, ExtractError> {
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.position += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.position += 1;
            }
            self.required_digits()?;
        }
        Ok(Node::Scalar)
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.position += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), ExtractError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error("expected a digit"));
        }
        self.digits();
        Ok(())
    }

    fn string(&mut self) -> Result<JsonString<'a>, ExtractError> {
        self.position += 1;
        let start = self.position;
        let mut has_escape = false;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    has_escape = true;
                    self.position += 2;
                }
                Some(b'\n') => {
                    return Err(self.plain_error("string not closed before the end of the line"));
                }
                Some(0..=0x1f) => return Err(self.error("control character in a string")),
                Some(_) => self.position += 1,
                None => {
                    self.position = start - 1;
                    return Err(self.error("string not closed"));
                }
            }
        }
        let end = self.position;
        self.position += 1;
        let raw = &self.text[start..end];
        let text = if has_escape {
            Cow::Owned(unescape(raw).map_err(|offset| {
                ExtractError::at_offset("invalid escape in a string", self.text, start + offset)
            })?)
        } else {
            Cow::Borrowed(raw)
        };
        Ok(JsonString {
            text,
            span: Span::new(start, end),
        })
    }
}

/// Decodes the raw text of a JSON string; the error is the offset of a bad escape.
pub(crate) fn unescape(raw: &str) -> Result<String, usize> {
    let mut result = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(index) = rest.find('\\') {
        result.push_str(&rest[..index]);
        let offset = raw.len() - rest.len() + index;
        let escape = &rest[index + 1..];
        let consumed = match escape.as_bytes().first() {
            Some(b'"') => push(&mut result, '"'),
            Some(b'\\') => push(&mut result, '\\'),
            Some(b'/') => push(&mut result, '/'),
            Some(b'b') => push(&mut result, '\u{8}'),
            Some(b'f') => push(&mut result, '\u{c}'),
            Some(b'n') => push(&mut result, '\n'),
            Some(b'r') => push(&mut result, '\r'),
            Some(b't') => push(&mut result, '\t'),
            Some(b'u') => unicode_escape(escape, &mut result).ok_or(offset)?,
            _ => return Err(offset),
        };
        rest = &escape[consumed..];
    }
    result.push_str(rest);
    Ok(result)
}

fn push(result: &mut String, character: char) -> usize {
    result.push(character);
    1
}

/// Decodes `uXXXX` (and a following low surrogate); lone surrogates become U+FFFD as in
/// `JSON.parse` followed by UTF-8 encoding. Returns the bytes consumed after the `\`.
fn unicode_escape(escape: &str, result: &mut String) -> Option<usize> {
    let high = hex4(escape.get(1..5)?)?;
    if (0xD800..0xDC00).contains(&high)
        && escape.get(5..7) == Some("\\u")
        && let Some(low) = escape.get(7..11).and_then(hex4)
        && (0xDC00..0xE000).contains(&low)
    {
        let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        result.push(char::from_u32(combined).unwrap_or('\u{fffd}'));
        return Some(11);
    }
    result.push(char::from_u32(high).unwrap_or('\u{fffd}'));
    Some(5)
}

fn hex4(digits: &str) -> Option<u32> {
    if digits.len() == 4 && digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        u32::from_str_radix(digits, 16).ok()
    } else {
        None
    }
}

/// The JSON string body (without quotes) for `text`: only what must be escaped is.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text
        .bytes()
        .any(|byte| byte == b'"' || byte == b'\\' || byte < 0x20)
    {
        return Cow::Borrowed(text);
    }
    let mut result = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '"' => result.push_str("\\\""),
            '\\' => result.push_str("\\\\"),
            '\n' => result.push_str("\\n"),
            '\r' => result.push_str("\\r"),
            '\t' => result.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                result.push_str(&format!("\\u{:04x}", control as u32));
            }
            other => result.push(other),
        }
    }
    Cow::Owned(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_spans_index_the_original_text_after_a_bom() {
        let text = "\u{feff}{\"a\":\r\n  \"^1.0.0\"}";
        let value = parse(text).unwrap();
        let member = value.get("a").unwrap();
        let string = member.as_string().unwrap();
        assert_eq!(&text[string.span.range()], "^1.0.0");
        assert_eq!(member.line, 2);
    }

    #[test]
    fn escapes_are_decoded_and_lone_surrogates_replaced() {
        assert_eq!(unescape(r#"\u005e1\n\"\ud83d\ude00"#).unwrap(), "^1\n\"😀");
        assert_eq!(unescape(r"\ud800x").unwrap(), "\u{fffd}x");
        assert_eq!(unescape(r"a\q"), Err(1));
        assert_eq!(unescape(r"\u12"), Err(0));
    }

    #[test]
    fn escape_is_the_inverse_of_unescape() {
        let text = "a\"b\\c\nd\u{1}é";
        assert_eq!(unescape(&escape(text)).unwrap(), text);
        assert!(matches!(escape("^1.2.3"), Cow::Borrowed(_)));
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_one() {
        let value = parse(r#"{"a": "1", "b": "2", "a": "3"}"#).unwrap();
        assert_eq!(value.get("a").unwrap().as_string().unwrap().text, "3");
        let members = value.as_object().unwrap();
        let keys: Vec<_> = effective_members(members)
            .iter()
            .map(|member| member.key.text.to_string())
            .collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn what_json_parse_rejects_is_an_error_with_a_position() {
        for (text, line, column) in [
            ("{\n  \"a\": 1,\n}", 3, 1),
            ("{\"a\": 'x'}", 1, 7),
            ("// c\n{}", 1, 1),
            ("{\"a\": 01}", 1, 8),
            ("{} {}", 1, 4),
            ("{\"a\": \"x", 1, 7),
            ("", 1, 1),
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!(
                (error.line, error.column),
                (Some(line), Some(column)),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
        let objects = "{\"a\":".repeat(100_000);
        assert!(parse(&objects).is_err());
    }

    #[test]
    fn numbers_and_literals_parse() {
        let value = parse(r#"[0, -1.5e+3, true, false, null, {}, []]"#).unwrap();
        assert!(matches!(value.node, Node::Array(ref items) if items.len() == 7));
    }
}
