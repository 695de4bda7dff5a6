//! Reading attribute values out of hcl-edit's syntax tree, each with the span of its text.
//!
//! Dependencies are only updatable when their value is a plain string literal whose bytes
//! in the file are exactly its value (no escapes): then the span inside the quotes is the
//! token an update replaces. Anything computed (`var.x`, `"${local.v}"`, a function call)
//! is reported as a variable, anything else (a number, a heredoc, an escaped string) as a
//! value upkeep cannot handle.

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::Body;
use hcl_edit::template::Element;
use upkeep_types::{SkipReason, Span};

use super::context::FileContext;

/// An attribute's value as an extractor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// A plain string literal: its value and the span of its bytes inside the quotes.
    Text {
        /// The string's value.
        value: String,
        /// Where the value's bytes are in the original text.
        span: Span,
    },
    /// An expression that refers to something else (a variable, a local, a function call).
    Variable,
    /// Any other expression: a number, a list, a heredoc, a string with escapes.
    Other,
}

impl Value {
    /// Reads `expression`, mapping its span through `context`.
    pub(super) fn of(expression: &Expression, context: &FileContext) -> Value {
        match expression {
            Expression::String(string) => string_literal(string.value(), expression, context),
            Expression::StringTemplate(template) => {
                if template
                    .iter()
                    .all(|element| matches!(element, Element::Literal(_)))
                {
                    Value::Other
                } else {
                    Value::Variable
                }
            }
            Expression::HeredocTemplate(heredoc) => {
                if heredoc
                    .template
                    .iter()
                    .all(|element| matches!(element, Element::Literal(_)))
                {
                    Value::Other
                } else {
                    Value::Variable
                }
            }
            Expression::Variable(_)
            | Expression::Traversal(_)
            | Expression::FuncCall(_)
            | Expression::Conditional(_)
            | Expression::Parenthesis(_)
            | Expression::UnaryOp(_)
            | Expression::BinaryOp(_)
            | Expression::ForExpr(_) => Value::Variable,
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::Array(_)
            | Expression::Object(_) => Value::Other,
        }
    }

    /// The skip reason for a value that is not a usable literal (`None` for a literal).
    pub(super) fn skip_reason(&self) -> Option<SkipReason> {
        match self {
            Value::Text { .. } => None,
            Value::Variable => Some(SkipReason::ContainsVariable),
            Value::Other => Some(SkipReason::InvalidValue),
        }
    }
}

/// A string literal is usable only when the file holds its value verbatim between the quotes.
fn string_literal(value: &str, expression: &Expression, context: &FileContext) -> Value {
    let Some(range) = expression.span() else {
        return Value::Other;
    };
    if range.end < range.start + 2 {
        return Value::Other;
    }
    let inner = context.span(range.start + 1..range.end - 1);
    match context.text.get(inner.range()) {
        Some(raw) if raw == value => Value::Text {
            value: value.to_owned(),
            span: inner,
        },
        _ => Value::Other,
    }
}

/// The value of attribute `key` of `body`, if present.
pub(super) fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.get_attribute(key).map(|attribute| &attribute.value)
}

/// The value of `key` in an object constructor, written as `key = …` or `"key" = …`.
pub(super) fn object_value<'a>(object: &'a Object, key: &str) -> Option<&'a Expression> {
    object.iter().find_map(|(object_key, value)| {
        let matches = match object_key {
            ObjectKey::Ident(ident) => ident.as_str() == key,
            ObjectKey::Expression(Expression::String(string)) => string.value() == key,
            ObjectKey::Expression(_) => false,
        };
        matches.then(|| value.expr())
    })
}
