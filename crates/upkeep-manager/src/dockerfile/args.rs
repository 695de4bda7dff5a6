//! Build arguments and the substitution Docker applies to a word: quotes removed, escapes
//! resolved, `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and
//! `${NAME+word}` replaced by `ARG` defaults.
//!
//! Docker's scoping: `ARG`s before the first `FROM` (global) are the only ones `FROM`
//! lines see; an `ARG` inside a stage is visible to that stage's later instructions, and
//! a bare `ARG NAME` there takes the global default. Values are [`Traced`], so a tag that
//! came out of `ARG NODE_VERSION=20` still knows it lives on that `ARG` line.
//!
//! A variable with no value at extraction time (declared without default, or not
//! declared) cannot be resolved: the value is left to the build, so the dependency is
//! reported with `contains-variable`, as Renovate does. The default word of `${NAME:-…}`
//! is taken when the argument has no default of its own, which is Renovate's reading too.

use std::collections::HashMap;
use std::ops::Range;

use super::traced::Traced;

/// How deep `${A:-${B:-…}}` may nest before the value is given up on.
const MAX_DEPTH: usize = 8;

/// A build argument's value at extraction time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ArgValue {
    /// Declared without a default: only the build knows it.
    Unset,
    /// Its default, traced to where it is written.
    Value(Traced),
}

/// The build arguments visible at one point of the file.
#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    // a map, not a list: `ARG a1 a2 … a100000` must not be quadratic
    values: HashMap<String, ArgValue>,
}

impl Scope {
    /// Declares (or redeclares) `name`.
    pub(super) fn declare(&mut self, name: &str, value: ArgValue) {
        match self.values.get_mut(name) {
            Some(known) => *known = value,
            None => {
                self.values.insert(name.to_owned(), value);
            }
        }
    }

    /// The value of `name`, when declared.
    pub(super) fn get(&self, name: &str) -> Option<&ArgValue> {
        self.values.get(name)
    }

    /// The default of `name` when it has one.
    fn value(&self, name: &str) -> Option<&Traced> {
        match self.get(name) {
            Some(ArgValue::Value(value)) => Some(value),
            _ => None,
        }
    }
}

/// Why a word could not be substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExpandError {
    /// A variable has no value at extraction time, or uses a form we do not evaluate.
    ContainsVariable,
    /// The word is broken (an unclosed quote or `${`): Docker would refuse it.
    Malformed,
}

/// `source[range]` as Docker reads it after substitution with `scope`.
pub(super) fn expand(
    source: &Traced,
    range: Range<usize>,
    scope: &Scope,
    escape: char,
) -> Result<Traced, ExpandError> {
    let mut expander = Expander {
        source,
        scope,
        escape: escape as u8,
        output: Traced::new(),
    };
    expander.expand(range, 0)?;
    Ok(expander.output)
}

struct Expander<'a> {
    source: &'a Traced,
    scope: &'a Scope,
    escape: u8,
    output: Traced,
}

impl Expander<'_> {
    fn expand(&mut self, range: Range<usize>, depth: usize) -> Result<(), ExpandError> {
        if depth > MAX_DEPTH {
            return Err(ExpandError::ContainsVariable);
        }
        let bytes = self.source.as_str().as_bytes();
        let mut quote: Option<u8> = None;
        let mut literal_start = range.start;
        let mut index = range.start;
        while index < range.end {
            let byte = bytes[index];
            let in_single_quotes = quote == Some(b'\'');
            if quote == Some(byte) || (quote.is_none() && matches!(byte, b'\'' | b'"')) {
                self.copy(literal_start..index);
                quote = if quote.is_some() { None } else { Some(byte) };
                index += 1;
                literal_start = index;
            } else if byte == self.escape && !in_single_quotes && index + 1 < range.end {
                let next = bytes[index + 1];
                let escapes = quote.is_none() || matches!(next, b'$' | b'"') || next == self.escape;
                if escapes {
                    // drop the escape character; the next one is taken literally
                    self.copy(literal_start..index);
                    literal_start = index + 1;
                }
                index += 1 + utf8_length(next);
            } else if byte == b'$' && !in_single_quotes {
                self.copy(literal_start..index);
                index = self.variable(index, range.end, depth)?;
                literal_start = index;
            } else {
                index += 1;
            }
        }
        if quote.is_some() {
            return Err(ExpandError::Malformed);
        }
        self.copy(literal_start..range.end.min(bytes.len()));
        Ok(())
    }

    fn copy(&mut self, range: Range<usize>) {
        if !range.is_empty() {
            self.output.push_traced(self.source, range);
        }
    }

    /// Substitutes the variable whose `$` is at `dollar`; returns where the text goes on.
    fn variable(&mut self, dollar: usize, end: usize, depth: usize) -> Result<usize, ExpandError> {
        let text = self.source.as_str();
        let bytes = text.as_bytes();
        let after = dollar + 1;
        if after < end && bytes[after] == b'{' {
            let close = self.closing_brace(after + 1, end)?;
            return self.braced(after + 1..close, depth).map(|()| close + 1);
        }
        let name_end = name_end(bytes, after, end);
        if name_end == after {
            // a lone `$` is literal
            self.copy(dollar..after);
            return Ok(after);
        }
        let value = self
            .scope
            .value(&text[after..name_end])
            .ok_or(ExpandError::ContainsVariable)?;
        self.output.push_traced(value, 0..value.as_str().len());
        Ok(name_end)
    }

    /// The `}` closing a `${` whose contents start at `start`.
    fn closing_brace(&self, start: usize, end: usize) -> Result<usize, ExpandError> {
        let bytes = self.source.as_str().as_bytes();
        let mut depth = 0usize;
        let mut index = start;
        while index < end {
            match bytes[index] {
                byte if byte == self.escape => index += 1,
                b'{' => depth += 1,
                b'}' if depth == 0 => return Ok(index),
                b'}' => depth -= 1,
                _ => {}
            }
            index += 1;
        }
        Err(ExpandError::Malformed)
    }

    /// Substitutes `${…}` whose contents are `inside`.
    fn braced(&mut self, inside: Range<usize>, depth: usize) -> Result<(), ExpandError> {
        let text = self.source.as_str();
        let bytes = text.as_bytes();
        let name_end = name_end(bytes, inside.start, inside.end);
        if name_end == inside.start {
            return Err(ExpandError::Malformed);
        }
        let name = &text[inside.start..name_end];
        let operator = &text[name_end..inside.end];
        let (colon, rest) = match operator.strip_prefix(':') {
            Some(rest) => (true, rest),
            None => (false, operator),
        };
        let word = inside.end - rest.len() + 1..inside.end;
        let value = self.scope.value(name);
        let has_value = value.is_some_and(|value| !colon || !value.is_empty());
        match rest.as_bytes().first() {
            None if !colon => {
                let value = value.ok_or(ExpandError::ContainsVariable)?;
                self.output.push_traced(value, 0..value.as_str().len());
                Ok(())
            }
            Some(b'-') => match value {
                Some(value) if has_value => {
                    self.output.push_traced(value, 0..value.as_str().len());
                    Ok(())
                }
                _ => self.expand(word, depth + 1),
            },
            Some(b'+') if has_value => self.expand(word, depth + 1),
            Some(b'+') => Ok(()),
            _ => Err(ExpandError::ContainsVariable),
        }
    }
}

/// The end of the variable name starting at `start` (`start` itself when there is none).
fn name_end(bytes: &[u8], start: usize, end: usize) -> usize {
    bytes[start..end]
        .iter()
        .position(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'_'))
        .map_or(end, |length| start + length)
}

/// The length of the UTF-8 character whose first byte is `byte`.
fn utf8_length(byte: u8) -> usize {
    match byte {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use upkeep_types::Span;

    use super::*;

    fn traced(text: &str, offset: usize) -> Traced {
        let mut traced = Traced::new();
        traced.push_source(text, offset);
        traced
    }

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.declare("NODE", ArgValue::Value(traced("20", 1000)));
        scope.declare("EMPTY", ArgValue::Value(Traced::new()));
        scope.declare("LATER", ArgValue::Unset);
        scope
    }

    fn run(text: &str) -> Result<Traced, ExpandError> {
        let source = traced(text, 0);
        expand(&source, 0..text.len(), &scope(), '\\')
    }

    fn value(text: &str) -> String {
        run(text).unwrap().as_str().to_owned()
    }

    #[test]
    fn every_substitution_form() {
        assert_eq!(value("node:$NODE"), "node:20");
        assert_eq!(value("node:${NODE}-alpine"), "node:20-alpine");
        assert_eq!(value("${LATER:-node:18}"), "node:18");
        assert_eq!(value("${EMPTY:-x}${EMPTY-y}"), "x");
        assert_eq!(value("${LATER-a}${NODE:+b}${EMPTY:+c}${EMPTY+d}"), "abd");
        assert_eq!(value("${UNDECLARED:-${NODE}}"), "20");
    }

    #[test]
    fn unresolvable_and_broken_words() {
        assert_eq!(
            run("node:$LATER").unwrap_err(),
            ExpandError::ContainsVariable
        );
        assert_eq!(
            run("node:${NOPE}").unwrap_err(),
            ExpandError::ContainsVariable
        );
        assert_eq!(
            run("${NODE%%.*}").unwrap_err(),
            ExpandError::ContainsVariable
        );
        assert_eq!(run("${NODE").unwrap_err(), ExpandError::Malformed);
        assert_eq!(run("\"node").unwrap_err(), ExpandError::Malformed);
        assert_eq!(run("${}").unwrap_err(), ExpandError::Malformed);
        let deep = format!("{}x{}", "${A:-".repeat(20), "}".repeat(20));
        assert_eq!(run(&deep).unwrap_err(), ExpandError::ContainsVariable);
    }

    #[test]
    fn quotes_and_escapes_are_removed_with_origins_kept() {
        let expanded = run(r#""node":'$NODE'\$x"#).unwrap();
        assert_eq!(expanded.as_str(), "node:$NODE$x");
        assert_eq!(expanded.source_span(0..4), Some(Span::new(1, 5)));
        assert_eq!(value("a$"), "a$");
    }

    #[test]
    fn substituted_text_points_at_the_arg_default() {
        let expanded = run("node:${NODE}").unwrap();
        assert_eq!(expanded.source_span(5..7), Some(Span::new(1000, 1002)));
        assert_eq!(expanded.source_span(0..7), None);
    }
}
