//! Reading a configuration file's text into a JSON value plus a map from option paths to
//! positions, so that every later diagnostic can say `line:column`.
//!
//! Every file is read with JSON5-ish leniency (comments, trailing commas, single quotes,
//! unquoted keys) because Renovate users write `renovate.json5` and commented
//! `renovate.json` alike; a `.json` file that needs that leniency gets a warning, since
//! Renovate itself may reject it. Values are converted to `serde_json::Value` (keys keep
//! their order) and never re-parsed from text afterwards.

use std::collections::HashMap;

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, DiagnosticKind, join_index, join_key};

/// A parsed configuration source: its value and where each option path starts.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file name (or preset name) used in diagnostics.
    pub file: String,
    /// The parsed value.
    pub value: Value,
    /// Byte offset of each option path's value (for the `renovate` key of `package.json`
    /// the paths are relative to that key).
    offsets: HashMap<String, usize>,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// The source text (kept for column computation).
    text: String,
}

impl Document {
    /// Parses `text` leniently; a syntax error is one error diagnostic with its position.
    /// Returns the document and warnings (a `.json` file that is not strict JSON).
    pub fn parse(file: &str, text: &str) -> Result<(Document, Vec<Diagnostic>), Diagnostic> {
        let mut warnings = Vec::new();
        let parsed = match parse_to_ast(text, &CollectOptions::default(), &lenient()) {
            Ok(parsed) => parsed,
            Err(error) => {
                let diagnostic = Diagnostic::error(
                    DiagnosticKind::Syntax,
                    file,
                    "",
                    format!("invalid JSON5: {}", error.kind()),
                )
                .at(Some((
                    error.line_display() as u32,
                    error.column_display() as u32,
                )));
                return Err(diagnostic);
            }
        };
        let Some(ast) = parsed.value else {
            return Err(Diagnostic::error(
                DiagnosticKind::Syntax,
                file,
                "",
                "the file is empty",
            ));
        };
        if (file.ends_with(".json") || file.ends_with(".renovaterc"))
            && let Err(error) = parse_to_ast(text, &CollectOptions::default(), &strict())
        {
            {
                warnings.push(
                    Diagnostic::warning(
                        DiagnosticKind::LooseSyntax,
                        file,
                        "",
                        format!(
                            "not strict JSON ({}); upkeep accepts it, but Renovate may not: \
                             rename the file to `.json5` or remove the JSON5 syntax",
                            error.kind()
                        ),
                    )
                    .at(Some((
                        error.line_display() as u32,
                        error.column_display() as u32,
                    ))),
                );
            }
        }
        let mut offsets = HashMap::new();
        let value = convert(&ast, "", &mut offsets);
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Ok((
            Document {
                file: file.to_string(),
                value,
                offsets,
                line_starts,
                text: text.to_string(),
            },
            warnings,
        ))
    }

    /// A document for a value with no text behind it (built-in defaults, tests).
    pub fn from_value(file: &str, value: Value) -> Document {
        Document {
            file: file.to_string(),
            value,
            offsets: HashMap::new(),
            line_starts: vec![0],
            text: String::new(),
        }
    }

    /// Re-roots the document at `key` of the root object (the `renovate` key of
    /// `package.json`); `None` when the key is absent.
    pub fn sub_document(mut self, key: &str) -> Option<Document> {
        let value = self.value.as_object_mut()?.remove(key)?;
        let prefix = key.to_string();
        let offsets = self
            .offsets
            .iter()
            .filter_map(|(path, offset)| {
                if *path == prefix {
                    Some((String::new(), *offset))
                } else {
                    path.strip_prefix(&prefix)
                        .and_then(|rest| {
                            rest.strip_prefix('.')
                                .or_else(|| rest.starts_with('[').then_some(rest))
                        })
                        .map(|rest| (rest.to_string(), *offset))
                }
            })
            .collect();
        self.offsets = offsets;
        self.value = value;
        Some(self)
    }

    /// The 1-based line and column of an option path, falling back to the closest parent
    /// path that has a position.
    pub fn position(&self, path: &str) -> Option<(u32, u32)> {
        let mut path = path;
        loop {
            if let Some(&offset) = self.offsets.get(path) {
                return Some(self.line_column(offset));
            }
            if path.is_empty() {
                return None;
            }
            path = parent_path(path);
        }
    }

    fn line_column(&self, offset: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }
}

/// The path one level up: `a.b[2]` → `a.b`, `a.b` → `a`, `a` → ``.
pub(crate) fn parent_path(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// JSON5's leniency; missing commas are not JSON5 and stay errors.
fn lenient() -> ParseOptions {
    ParseOptions {
        allow_missing_commas: false,
        ..ParseOptions::default()
    }
}

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn convert(ast: &Ast<'_>, path: &str, offsets: &mut HashMap<String, usize>) -> Value {
    offsets.insert(path.to_string(), ast.start());
    match ast {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::NumberLit(n) => number(n.value),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::Array(array) => Value::Array(
            array
                .elements
                .iter()
                .enumerate()
                .map(|(i, element)| convert(element, &join_index(path, i), offsets))
                .collect(),
        ),
        Ast::Object(object) => {
            let mut map = Map::new();
            for property in &object.properties {
                let key = match &property.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                let child = join_key(path, &key);
                let value = convert(&property.value, &child, offsets);
                // The key's own position is more useful than the value's for "unknown option".
                offsets.insert(child, property.range.start);
                map.insert(key, value);
            }
            Value::Object(map)
        }
    }
}

fn number(text: &str) -> Value {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        && let Ok(n) = i64::from_str_radix(hex, 16)
    {
        return Value::from(if negative { -n } else { n });
    }
    if let Ok(n) = text.trim_start_matches('+').parse::<i64>() {
        return Value::from(n);
    }
    let normalized = text.trim_start_matches('+');
    let normalized = if normalized.starts_with('.') || normalized.starts_with("-.") {
        normalized.replacen('.', "0.", 1)
    } else if normalized.ends_with('.') {
        format!("{normalized}0")
    } else {
        normalized.to_string()
    };
    normalized
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_keys_and_elements() {
        let text = "{\n  // comment\n  \"labels\": [\"a\", 'b'],\n  extends: [\"config:recommended\",],\n}\n";
        let (document, warnings) = Document::parse("renovate.json5", text).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(document.position("labels"), Some((3, 3)));
        assert_eq!(document.position("labels[1]"), Some((3, 19)));
        assert_eq!(document.position("extends[0]"), Some((4, 13)));
        assert_eq!(document.position("labels[7].x"), Some((3, 3)));
    }

    #[test]
    fn broken_json_is_one_error_with_position() {
        let error =
            Document::parse("renovate.json", "{\n  \"labels\": [\"a\"\n  \"x\": 1\n}").unwrap_err();
        assert_eq!(error.kind, DiagnosticKind::Syntax);
        assert_eq!((error.line, error.column), (Some(2), Some(17)));
    }

    #[test]
    fn json5_syntax_in_a_json_file_is_a_warning() {
        let (document, warnings) =
            Document::parse("renovate.json", "{ // hi\n \"a\": 1, }").unwrap();
        assert_eq!(document.value["a"], 1);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].kind, DiagnosticKind::LooseSyntax);
    }

    #[test]
    fn package_json_renovate_key_keeps_positions() {
        let text = "{\n  \"name\": \"x\",\n  \"renovate\": {\n    \"labels\": [\"deps\"]\n  }\n}";
        let (document, _) = Document::parse("package.json", text).unwrap();
        let sub = document.sub_document("renovate").unwrap();
        assert_eq!(sub.value["labels"][0], "deps");
        assert_eq!(sub.position("labels[0]"), Some((4, 16)));
    }

    #[test]
    fn numbers_convert() {
        assert_eq!(number("0x10"), Value::from(16));
        assert_eq!(number("-3"), Value::from(-3));
        assert_eq!(number(".5"), serde_json::json!(0.5));
    }
}
