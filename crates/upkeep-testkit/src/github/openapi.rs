//! The subset of GitHub's REST description the fake implements, and a small OpenAPI 3.0
//! validator for it.
//!
//! The fixture `fixtures/github-openapi.json` is cut from `@octokit/openapi` by
//! `scripts/github-openapi-subset.py`. Routing goes through it: a request whose method
//! and path match no operation there is answered 404 and recorded as a violation, so the
//! fake cannot grow an endpoint GitHub does not have.
//!
//! Supported keywords: `$ref` (local), `type`, `nullable`, `properties`, `required`,
//! `additionalProperties` (boolean or schema), `enum`, `items`, `minItems`, `maxItems`,
//! `minLength`, `maxLength`, `oneOf` (exactly one), `anyOf`, `allOf`, and the formats
//! `date-time`, `uri`, `int32`, `int64` (others are accepted as plain strings/numbers).
//! Request bodies are checked strictly: a property the schema does not declare is a
//! violation (GitHub ignores it silently, which hides typos in a client).

use std::sync::OnceLock;

use serde_json::{Map, Value};

const FIXTURE: &str = include_str!("../../fixtures/github-openapi.json");

/// One operation of the description.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) method: String,
    pub(crate) template: String,
    pub(crate) id: String,
    segments: Vec<Segment>,
    literals: usize,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    /// A path parameter; `rest` parameters (`ref`, `path`) may span several segments.
    Param {
        name: String,
        rest: bool,
    },
}

/// The parsed description.
pub(crate) struct Spec {
    doc: Value,
    ops: Vec<Operation>,
}

/// The description the fake serves, parsed once per process.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(serde_json::from_str(FIXTURE).expect("fixture is JSON")))
}

/// The version of GitHub's description the fixture was cut from.
pub fn description_version() -> String {
    let info = &spec().doc["info"];
    format!(
        "{} ({})",
        info["version"].as_str().unwrap_or("?"),
        info["x-source"].as_str().unwrap_or("?")
    )
}

/// A matched request: the operation and its decoded path parameters.
pub(crate) struct Matched<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) params: Vec<(String, String)>,
}

impl Matched<'_> {
    /// A path parameter by name.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl Spec {
    fn parse(doc: Value) -> Spec {
        let mut ops = Vec::new();
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if method == "parameters" {
                    continue;
                }
                let segments: Vec<Segment> = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param {
                                rest: name == "ref" || name == "path",
                                name: name.to_string(),
                            },
                            None => Segment::Literal(s.to_string()),
                        },
                    )
                    .collect();
                let literals = segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                ops.push(Operation {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    id: op["operationId"].as_str().expect("operationId").to_string(),
                    segments,
                    literals,
                });
            }
        }
        // Prefer the most specific template when several match.
        ops.sort_by_key(|op| std::cmp::Reverse(op.literals));
        Spec { doc, ops }
    }

    /// The operation for `method` and a raw (percent-encoded) `path`.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for op in self.ops.iter().filter(|op| op.method == method) {
            let mut params = Vec::new();
            if match_segments(&op.segments, &parts, &mut params) {
                return Some(Matched { op, params });
            }
        }
        None
    }

    /// The operation object (`paths[template][method]`).
    fn operation(&self, op: &Operation) -> &Value {
        &self.doc["paths"][&op.template][op.method.to_lowercase()]
    }

    /// Follows `$ref`s (local only) until a non-reference value.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(r) = value.get("$ref").and_then(Value::as_str) {
            value = self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r} in the fixture"));
        }
        value
    }

    /// Checks the query string of a request; returns (location, message) pairs.
    pub(crate) fn check_query(&self, op: &Operation, query: &[(String, String)]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let operation = self.operation(op);
        let mut defs: Vec<&Value> = Vec::new();
        for list in [
            &self.doc["paths"][&op.template]["parameters"],
            &operation["parameters"],
        ] {
            for p in list.as_array().into_iter().flatten() {
                let p = self.resolve(p);
                if p["in"] == "query" {
                    defs.push(p);
                }
            }
        }
        for (name, raw) in query {
            let Some(def) = defs.iter().find(|d| d["name"] == name.as_str()) else {
                problems.push(Problem::new(
                    format!("query.{name}"),
                    "is not a parameter of this operation",
                ));
                continue;
            };
            let schema = self.resolve(&def["schema"]);
            let value = coerce(raw, schema);
            self.check(
                schema,
                &value,
                &format!("query.{name}"),
                false,
                &mut problems,
            );
        }
        for def in defs {
            let name = def["name"].as_str().unwrap_or("");
            if def["required"] == true && !query.iter().any(|(n, _)| n == name) {
                problems.push(Problem::new(format!("query.{name}"), "is required"));
            }
        }
        problems
    }

    /// Checks a request body (`None` when the request had none).
    pub(crate) fn check_request(&self, op: &Operation, body: Option<&Value>) -> Vec<Problem> {
        let mut problems = Vec::new();
        let request = self.resolve(&self.operation(op)["requestBody"]);
        match (request.is_null(), body) {
            (true, None) => {}
            (true, Some(_)) => {
                problems.push(Problem::new("body", "this operation takes no request body"))
            }
            (false, None) => {
                if request["required"] == true {
                    problems.push(Problem::new("body", "a request body is required"));
                }
            }
            (false, Some(body)) => match request["content"].get("application/json") {
                Some(media) => self.check(&media["schema"], body, "body", true, &mut problems),
                None => problems.push(Problem::new("body", "no application/json body here")),
            },
        }
        problems
    }

    /// Checks a response: its status must be documented, and a JSON body must match.
    pub(crate) fn check_response(
        &self,
        op: &Operation,
        status: u16,
        body: Option<&Value>,
    ) -> Vec<Problem> {
        let mut problems = Vec::new();
        let responses = &self.operation(op)["responses"];
        let Some(response) = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))
        else {
            // GitHub answers errors its description does not list for every operation;
            // an undocumented error status is accepted when its body is GitHub's error
            // shape, an undocumented success never.
            if status >= 400 && body.is_some_and(|b| b["message"].is_string()) {
                return problems;
            }
            problems.push(Problem::new(
                "status",
                format!("{status} is not a documented response of {}", op.id),
            ));
            return problems;
        };
        let response = self.resolve(response);
        let schema = response["content"]
            .get("application/json")
            .map(|m| &m["schema"]);
        match (schema, body) {
            (Some(schema), Some(body)) => {
                self.check(schema, body, "response", false, &mut problems)
            }
            (Some(_), None) => problems.push(Problem::new("response", "a JSON body is documented")),
            // Error statuses documented without a body still carry GitHub's error JSON.
            (None, Some(b)) if status >= 400 && b["message"].is_string() => {}
            (None, Some(_)) => problems.push(Problem::new(
                "response",
                format!("{status} of {} documents no JSON body", op.id),
            )),
            (None, None) => {}
        }
        problems
    }

    /// Validates `value` against `schema`; `strict` rejects undeclared properties.
    pub(crate) fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        strict: bool,
        out: &mut Vec<Problem>,
    ) {
        self.check_inner(schema, value, at, strict, true, out);
    }

    fn check_inner(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        strict: bool,
        unknown_here: bool,
        out: &mut Vec<Problem>,
    ) {
        let schema = self.resolve(schema);
        let Some(s) = schema.as_object() else {
            return; // `{}` or `true`: anything goes
        };
        if value.is_null() {
            let nullable = s.get("nullable") == Some(&Value::Bool(true));
            let typed = s.contains_key("type")
                || s.contains_key("properties")
                || s.contains_key("allOf")
                || s.contains_key("oneOf")
                || s.contains_key("anyOf");
            if nullable || !typed {
                return;
            }
            out.push(Problem::new(at, "is null but not nullable"));
            return;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check_inner(sub, value, at, strict, false, out);
            }
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            let results: Vec<Vec<Problem>> = any
                .iter()
                .map(|sub| self.attempt(sub, value, at, strict))
                .collect();
            if !results.iter().any(Vec::is_empty) {
                push_closest(out, at, "anyOf", results);
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let results: Vec<Vec<Problem>> = one
                .iter()
                .map(|sub| self.attempt(sub, value, at, strict))
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            if passing == 0 {
                push_closest(out, at, "oneOf", results);
            } else if passing > 1 {
                out.push(Problem::new(
                    at,
                    format!("matches {passing} alternatives of a oneOf, not exactly one"),
                ));
            }
        }
        if let Some(ty) = s.get("type").and_then(Value::as_str)
            && !type_matches(ty, value)
        {
            out.push(Problem::new(
                at,
                format!("expected {ty}, found {}", describe(value)),
            ));
            return;
        }
        if let Some(choices) = s.get("enum").and_then(Value::as_array)
            && !choices.contains(value)
        {
            out.push(Problem::new(
                at,
                format!("{value} is not one of {}", Value::Array(choices.clone())),
            ));
        }
        match value {
            Value::String(text) => {
                let len = text.chars().count() as u64;
                if let Some(min) = s.get("minLength").and_then(Value::as_u64)
                    && len < min
                {
                    out.push(Problem::new(
                        at,
                        format!("is shorter than {min} characters"),
                    ));
                }
                if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
                    && len > max
                {
                    out.push(Problem::new(at, format!("is longer than {max} characters")));
                }
                if let Some(format) = s.get("format").and_then(Value::as_str)
                    && let Some(problem) = check_format(format, text)
                {
                    out.push(Problem::new(at, problem));
                }
            }
            Value::Number(n) => {
                if let Some(format) = s.get("format").and_then(Value::as_str) {
                    let fits = match format {
                        "int32" => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
                        "int64" => n.as_i64().is_some(),
                        _ => true,
                    };
                    if !fits {
                        out.push(Problem::new(at, format!("{n} is not a valid {format}")));
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = s.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    out.push(Problem::new(at, format!("has fewer than {min} items")));
                }
                if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
                    && (items.len() as u64) > max
                {
                    out.push(Problem::new(at, format!("has more than {max} items")));
                }
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check_inner(
                            item_schema,
                            item,
                            &format!("{at}[{i}]"),
                            strict,
                            true,
                            out,
                        );
                    }
                }
            }
            Value::Object(object) => self.check_object(s, object, at, strict, unknown_here, out),
            _ => {}
        }
    }

    fn check_object(
        &self,
        s: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        strict: bool,
        unknown_here: bool,
        out: &mut Vec<Problem>,
    ) {
        let empty = Map::new();
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                out.push(Problem::new(join(at, name), "is required"));
            }
        }
        let additional = s.get("additionalProperties");
        for (name, value) in object {
            let here = join(at, name);
            if let Some(prop) = props.get(name) {
                self.check_inner(prop, value, &here, strict, true, out);
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    out.push(Problem::new(here, "is not a declared property"))
                }
                Some(Value::Bool(true)) => {}
                Some(extra) => self.check_inner(extra, value, &here, strict, true, out),
                None => {
                    let declared_elsewhere = self.declared_in_composition(s, name);
                    if strict && unknown_here && !props.is_empty() && !declared_elsewhere {
                        out.push(Problem::new(here, "is not a property of this request"));
                    }
                }
            }
        }
    }

    /// Whether `name` is declared by an `allOf` member of `s`.
    fn declared_in_composition(&self, s: &Map<String, Value>, name: &str) -> bool {
        s.get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|sub| self.resolve(sub)["properties"].get(name).is_some())
    }

    fn attempt(&self, schema: &Value, value: &Value, at: &str, strict: bool) -> Vec<Problem> {
        let mut problems = Vec::new();
        self.check_inner(schema, value, at, strict, true, &mut problems);
        problems
    }
}

fn match_segments(
    segments: &[Segment],
    parts: &[&str],
    params: &mut Vec<(String, String)>,
) -> bool {
    match segments.split_first() {
        None => parts.is_empty(),
        Some((Segment::Literal(lit), rest)) => {
            parts.first().is_some_and(|p| p == lit) && match_segments(rest, &parts[1..], params)
        }
        Some((Segment::Param { name, rest: spans }, rest)) => {
            let max = if *spans {
                parts.len()
            } else {
                parts.len().min(1)
            };
            // Rest parameters take as much as they can while the remainder still matches.
            for take in (1..=max).rev() {
                let value = parts[..take].join("/");
                if value.is_empty() {
                    continue;
                }
                let mark = params.len();
                params.push((name.clone(), percent_decode(&value)));
                if match_segments(rest, &parts[take..], params) {
                    return true;
                }
                params.truncate(mark);
            }
            false
        }
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as they are).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A schema violation: where (`body.title`, `query.state`, `response.head.repo`) and
/// what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where in the request or response.
    pub location: String,
    /// What is wrong there.
    pub message: String,
}

impl Problem {
    fn new(location: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

fn push_closest(out: &mut Vec<Problem>, at: &str, kind: &str, results: Vec<Vec<Problem>>) {
    let n = results.len();
    let closest = results.into_iter().min_by_key(Vec::len).unwrap_or_default();
    out.push(Problem::new(
        at,
        format!("matches none of the {n} alternatives of a {kind}; the closest fails with:"),
    ));
    out.extend(closest);
}

fn join(at: &str, name: &str) -> String {
    format!("{at}.{name}")
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => true,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A query-string value typed as its schema says (left a string when it does not parse,
/// so the type check reports it).
fn coerce(raw: &str, schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(raw)),
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(raw),
        },
        _ => Value::from(raw),
    }
}

fn check_format(format: &str, text: &str) -> Option<String> {
    let ok = match format {
        "date-time" => is_date_time(text),
        "uri" => is_uri(text),
        _ => true,
    };
    (!ok).then(|| format!("{text:?} is not a valid {format}"))
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// An absolute URI: `scheme:` followed by something.
fn is_uri(text: &str) -> bool {
    match text.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn routes_through_the_description() {
        let spec = spec();
        let m = spec
            .find("GET", "/repos/acme/app/git/ref/heads/upkeep/serde-1.x")
            .unwrap();
        assert_eq!(m.op.id, "git/get-ref");
        assert_eq!(m.param("ref"), "heads/upkeep/serde-1.x");
        let m = spec
            .find("GET", "/repos/acme/app/commits/heads/a/b/status")
            .unwrap();
        assert_eq!(
            (m.op.id.as_str(), m.param("ref")),
            ("repos/get-combined-status-for-ref", "heads/a/b")
        );
        let m = spec
            .find("PATCH", "/repos/acme/app/issues/comments/5")
            .unwrap();
        assert_eq!(m.op.id, "issues/update-comment");
        let m = spec
            .find("GET", "/repos/acme/app/contents/.github/renovate.json")
            .unwrap();
        assert_eq!(m.param("path"), ".github/renovate.json");
        let m = spec
            .find("GET", "/repos/acme/app/git/ref/heads%2Fmain")
            .unwrap();
        assert_eq!(m.param("ref"), "heads/main");
        assert!(spec.find("GET", "/repos/acme/app/frobnicate").is_none());
        assert!(spec.find("DELETE", "/repos/acme/app/pulls/1").is_none());
    }

    #[test]
    fn request_bodies_are_checked_strictly() {
        let spec = spec();
        let op = spec.find("POST", "/repos/a/b/pulls").unwrap().op;
        assert!(
            spec.check_request(
                op,
                Some(&json!({"head": "x", "base": "main", "title": "t"}))
            )
            .is_empty()
        );
        let problems =
            spec.check_request(op, Some(&json!({"head": "x", "base": "main", "title": 5})));
        assert_eq!(problems[0].location, "body.title", "{problems:?}");
        let problems = spec.check_request(op, Some(&json!({"head": "x", "title": "t"})));
        assert_eq!(problems[0].location, "body.base");
        let problems =
            spec.check_request(op, Some(&json!({"head": "x", "base": "m", "titel": "t"})));
        assert_eq!(problems[0].location, "body.titel");
        let op = spec.find("POST", "/repos/a/b/issues/1/labels").unwrap().op;
        assert!(
            spec.check_request(op, Some(&json!({"labels": ["a", {"name": "b"}]})))
                .is_empty()
        );
        assert!(!spec.check_request(op, Some(&json!(["a"]))).is_empty());
    }

    #[test]
    fn queries_are_checked() {
        let spec = spec();
        let op = spec.find("GET", "/repos/a/b/pulls").unwrap().op;
        let q = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert!(spec.check_query(op, &q("state", "all")).is_empty());
        assert_eq!(
            spec.check_query(op, &q("state", "merged"))[0].location,
            "query.state"
        );
        assert_eq!(
            spec.check_query(op, &q("per_page", "x"))[0].location,
            "query.per_page"
        );
        assert_eq!(
            spec.check_query(op, &q("creator", "x"))[0].location,
            "query.creator"
        );
    }

    #[test]
    fn formats() {
        assert!(is_date_time("2024-01-01T00:00:00Z"));
        assert!(is_date_time("2024-01-01T00:00:00.123+02:00"));
        assert!(!is_date_time("2024-01-01 00:00:00Z"));
        assert!(is_uri("http://127.0.0.1:1/x"));
        assert!(!is_uri("/relative"));
        assert_eq!(percent_decode("a%2Fb%zz"), "a/b%zz");
    }
}
