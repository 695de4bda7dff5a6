//! The small Handlebars subset that Renovate's message and branch templates use.
//!
//! Supported: `{{name}}` (HTML-escaped, as Handlebars does), `{{{name}}}` (raw),
//! `{{#if name}}…{{else}}…{{/if}}`, `{{#unless name}}…{{/unless}}`, nested. That covers
//! Renovate's defaults and the templates users commonly write (`commitMessageTopic:
//! "{{depName}}"`, `{{#if isMajor}}…{{/if}}`). Helpers (`{{replace …}}`, `{{lookup …}}`)
//! and paths (`{{a.b}}`) are not supported: a template using them, or a variable upkeep
//! does not know, is an error naming it — never silently rendered as empty text.

use std::collections::BTreeMap;
use std::fmt;

/// A value a template can show or test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Known but not set for this update (renders as empty, tests false).
    Null,
    /// A boolean (`isMajor`).
    Bool(bool),
    /// Text (`depName`).
    Text(String),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(value) => *value,
            Value::Text(text) => !text.is_empty() && text != "0",
        }
    }

    fn text(&self) -> &str {
        match self {
            Value::Null | Value::Bool(false) => "",
            Value::Bool(true) => "true",
            Value::Text(text) => text,
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// The variables a template may use: every known name, set or `Null`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, Value>,
}

impl Context {
    /// Sets (or replaces) a variable.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.values.insert(name.to_owned(), value.into());
    }

    /// The variable's value, if the name is known.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// `{{name}}` where upkeep knows no variable `name`.
    UnknownVariable(String),
    /// A helper call, path or block upkeep does not implement.
    Unsupported(String),
    /// Unbalanced braces or blocks.
    Malformed(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownVariable(name) => {
                write!(f, "unknown template variable `{name}`")
            }
            TemplateError::Unsupported(tag) => {
                write!(f, "unsupported template expression `{{{{{tag}}}}}`")
            }
            TemplateError::Malformed(why) => write!(f, "malformed template: {why}"),
        }
    }
}

impl std::error::Error for TemplateError {}

#[derive(Debug)]
enum Node {
    Text(String),
    Variable {
        name: String,
        raw: bool,
    },
    Condition {
        name: String,
        negate: bool,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// Renders `template` with `context`.
pub fn render(template: &str, context: &Context) -> Result<String, TemplateError> {
    let nodes = parse(template)?;
    check_names(&nodes, context)?;
    let mut out = String::with_capacity(template.len());
    emit(&nodes, context, &mut out)?;
    Ok(out)
}

/// Every variable must be known, even in a branch this context does not take.
fn check_names(nodes: &[Node], context: &Context) -> Result<(), TemplateError> {
    for node in nodes {
        match node {
            Node::Text(_) => {}
            Node::Variable { name, .. } => {
                lookup(context, name)?;
            }
            Node::Condition {
                name,
                then,
                otherwise,
                ..
            } => {
                lookup(context, name)?;
                check_names(then, context)?;
                check_names(otherwise, context)?;
            }
        }
    }
    Ok(())
}

fn emit(nodes: &[Node], context: &Context, out: &mut String) -> Result<(), TemplateError> {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Variable { name, raw } => {
                let value = lookup(context, name)?;
                if *raw {
                    out.push_str(value.text());
                } else {
                    escape_into(value.text(), out);
                }
            }
            Node::Condition {
                name,
                negate,
                then,
                otherwise,
            } => {
                let truthy = lookup(context, name)?.truthy() != *negate;
                emit(if truthy { then } else { otherwise }, context, out)?;
            }
        }
    }
    Ok(())
}

fn lookup<'c>(context: &'c Context, name: &str) -> Result<&'c Value, TemplateError> {
    context
        .get(name)
        .ok_or_else(|| TemplateError::UnknownVariable(name.to_owned()))
}

/// Handlebars' escaping of `{{…}}` output.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
}

/// One `{{…}}` tag.
enum Tag {
    Variable { name: String, raw: bool },
    Open { name: String, negate: bool },
    Else,
    Close(String),
}

fn parse(template: &str) -> Result<Vec<Node>, TemplateError> {
    // A stack of open blocks: (nodes so far, the block being built, in its else part).
    struct Open {
        name: String,
        negate: bool,
        then: Vec<Node>,
        in_else: bool,
    }
    let mut root = Vec::new();
    let mut stack: Vec<(Open, Vec<Node>)> = Vec::new();
    let mut rest = template;
    loop {
        let current = match stack.last_mut() {
            Some((_, nodes)) => nodes,
            None => &mut root,
        };
        let Some(start) = rest.find("{{") else {
            if !rest.is_empty() {
                current.push(Node::Text(rest.to_owned()));
            }
            break;
        };
        if start > 0 {
            current.push(Node::Text(rest[..start].to_owned()));
        }
        let (tag, after) = read_tag(&rest[start..])?;
        rest = after;
        match tag {
            Tag::Variable { name, raw } => current.push(Node::Variable { name, raw }),
            Tag::Open { name, negate } => stack.push((
                Open {
                    name,
                    negate,
                    then: Vec::new(),
                    in_else: false,
                },
                Vec::new(),
            )),
            Tag::Else => {
                let Some((open, nodes)) = stack.last_mut() else {
                    return Err(TemplateError::Malformed(
                        "`{{else}}` outside a block".into(),
                    ));
                };
                if open.in_else {
                    return Err(TemplateError::Malformed(
                        "two `{{else}}` in one block".into(),
                    ));
                }
                open.then = std::mem::take(nodes);
                open.in_else = true;
            }
            Tag::Close(kind) => {
                let Some((open, nodes)) = stack.pop() else {
                    return Err(TemplateError::Malformed(format!(
                        "`{{{{/{kind}}}}}` without a block"
                    )));
                };
                let expected = if open.negate { "unless" } else { "if" };
                if kind != expected {
                    return Err(TemplateError::Malformed(format!(
                        "`{{{{/{kind}}}}}` closes a `{expected}` block"
                    )));
                }
                let (then, otherwise) = if open.in_else {
                    (open.then, nodes)
                } else {
                    (nodes, Vec::new())
                };
                let node = Node::Condition {
                    name: open.name,
                    negate: open.negate,
                    then,
                    otherwise,
                };
                match stack.last_mut() {
                    Some((_, nodes)) => nodes.push(node),
                    None => root.push(node),
                }
            }
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(TemplateError::Malformed(format!(
            "`{}` block is not closed",
            open.name
        )));
    }
    Ok(root)
}

/// Reads one tag at the start of `text` (which begins with `{{`).
fn read_tag(text: &str) -> Result<(Tag, &str), TemplateError> {
    let raw = text.starts_with("{{{");
    let (open, close) = if raw { ("{{{", "}}}") } else { ("{{", "}}") };
    let body_start = open.len();
    let Some(end) = text[body_start..].find(close) else {
        return Err(TemplateError::Malformed(format!("`{open}` is not closed")));
    };
    let body = text[body_start..body_start + end].trim();
    let after = &text[body_start + end + close.len()..];
    let tag = if let Some(block) = body.strip_prefix('#') {
        let mut words = block.split_whitespace();
        let kind = words.next().unwrap_or_default();
        let name = words.next().unwrap_or_default();
        if words.next().is_some() || name.is_empty() || !is_name(name) {
            return Err(TemplateError::Unsupported(body.to_owned()));
        }
        match kind {
            "if" => Tag::Open {
                name: name.to_owned(),
                negate: false,
            },
            "unless" => Tag::Open {
                name: name.to_owned(),
                negate: true,
            },
            _ => return Err(TemplateError::Unsupported(body.to_owned())),
        }
    } else if let Some(kind) = body.strip_prefix('/') {
        Tag::Close(kind.trim().to_owned())
    } else if body == "else" {
        Tag::Else
    } else if is_name(body) {
        Tag::Variable {
            name: body.to_owned(),
            raw,
        }
    } else {
        return Err(TemplateError::Unsupported(body.to_owned()));
    };
    Ok((tag, after))
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        let mut context = Context::default();
        context.set("depName", "@types/node");
        context.set("newMajor", "20");
        context.set("isMajor", true);
        context.set("isPatch", false);
        context.set("newDigestShort", Value::Null);
        context.set("note", "a<b & c=d");
        context
    }

    #[test]
    fn renders_variables_and_conditions() {
        let cases = [
            ("dependency {{depName}}", "dependency @types/node"),
            ("{{{depName}}}-{{newMajor}}.x", "@types/node-20.x"),
            ("to {{#if isMajor}}v{{newMajor}}{{else}}x{{/if}}", "to v20"),
            (
                "{{#if isPatch}}patch{{else}}{{#unless isPatch}}not patch{{/unless}}{{/if}}",
                "not patch",
            ),
            ("[{{newDigestShort}}]", "[]"),
            ("{{note}} / {{{note}}}", "a&lt;b &amp; c&#x3D;d / a<b & c=d"),
            ("no tags", "no tags"),
        ];
        for (template, expected) in cases {
            assert_eq!(
                render(template, &context()).unwrap(),
                expected,
                "{template}"
            );
        }
    }

    #[test]
    fn unknown_variables_and_helpers_are_errors() {
        let cases = [
            (
                "{{depNmae}}",
                TemplateError::UnknownVariable("depNmae".into()),
            ),
            (
                "{{#if isMinr}}x{{/if}}",
                TemplateError::UnknownVariable("isMinr".into()),
            ),
            (
                "{{replace 'a' 'b' depName}}",
                TemplateError::Unsupported("replace 'a' 'b' depName".into()),
            ),
            (
                "{{#each x}}{{/each}}",
                TemplateError::Unsupported("#each x".into()),
            ),
        ];
        for (template, expected) in cases {
            assert_eq!(
                render(template, &context()).unwrap_err(),
                expected,
                "{template}"
            );
        }
    }

    #[test]
    fn unbalanced_blocks_are_malformed() {
        for template in [
            "{{#if isMajor}}x",
            "x{{/if}}",
            "{{#if isMajor}}x{{/unless}}",
            "{{depName",
        ] {
            assert!(
                matches!(
                    render(template, &context()),
                    Err(TemplateError::Malformed(_))
                ),
                "{template}"
            );
        }
    }
}
