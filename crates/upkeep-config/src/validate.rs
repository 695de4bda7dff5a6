//! Checking a configuration object against the options table.
//!
//! Every key is looked up (unknown → error, with a "did you mean"), checked for place
//! (a global-only option in a repository, a matcher outside packageRules), type and
//! value (enums, regexes, globs, schedules, timezones, durations, preset names). A bad
//! entry is removed so the rest can be used: one typo must not disable a repository.
//! A packageRule whose matcher is bad is removed whole, because dropping only the bad
//! pattern would widen the rule to dependencies it was never meant for.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, DiagnosticKind, join_index, join_key};
use crate::duration::{Age, AgeRange};
use crate::options::{self, Children, OptionDef, OptionType, Places, ValueCheck};
use crate::package_rules::VersionConstraint;
use crate::package_rules::matchers::{PatternList, first_line, parse_regex};
use crate::parse::Document;
use crate::presets::PresetRef;
use crate::schedule::Schedule;

/// Which configuration is being validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A repository's config file or a preset it extends.
    Repository,
    /// The bot's own configuration.
    Global,
}

/// What kind of object is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Root,
    Settings { manager: bool },
    PackageRule,
    HostRule,
    CustomManager,
}

struct Validator<'a> {
    document: &'a Document,
    scope: Scope,
    diagnostics: Vec<Diagnostic>,
}

/// Validates `value` in place (removing what is invalid) and returns the problems found.
pub(crate) fn validate(value: &mut Value, document: &Document, scope: Scope) -> Vec<Diagnostic> {
    let mut validator = Validator {
        document,
        scope,
        diagnostics: Vec::new(),
    };
    match value {
        Value::Object(map) => {
            validator.object(map, "", Object::Root);
        }
        _ => validator.report(
            DiagnosticKind::InvalidType,
            "",
            "the configuration must be a JSON object".into(),
        ),
    }
    validator.diagnostics
}

fn suggestion(name: &str, table: &[OptionDef]) -> String {
    let best = table
        .iter()
        .map(|o| {
            (
                distance(&name.to_lowercase(), &o.name.to_lowercase()),
                o.name,
            )
        })
        .min();
    match best {
        Some((d, candidate)) if d <= 2.max(name.len() / 4) => {
            format!(" (did you mean `{candidate}`?)")
        }
        _ => String::new(),
    }
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".into(),
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let text = value.to_string();
    if text.len() <= 40 {
        format!("{kind} ({text})")
    } else {
        kind.to_string()
    }
}

impl Validator<'_> {
    fn report(&mut self, kind: DiagnosticKind, path: &str, message: String) {
        let position = self.document.position(path);
        self.diagnostics
            .push(Diagnostic::error(kind, &self.document.file, path, message).at(position));
    }

    fn warn(&mut self, kind: DiagnosticKind, path: &str, message: String) {
        let position = self.document.position(path);
        self.diagnostics
            .push(Diagnostic::warning(kind, &self.document.file, path, message).at(position));
    }

    /// Checks an object; returns false when it must be dropped whole (a broken packageRule).
    fn object(&mut self, map: &mut Map<String, Value>, path: &str, kind: Object) -> bool {
        let table = match kind {
            Object::HostRule => options::HOST_RULE_OPTIONS,
            Object::CustomManager => options::CUSTOM_MANAGER_OPTIONS,
            _ => options::OPTIONS,
        };
        let mut keep_object = true;
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let key_path = join_key(path, &key);
            let Some(option) = table.iter().find(|o| o.name == key) else {
                let hint = suggestion(&key, table);
                self.report(
                    DiagnosticKind::UnknownOption,
                    &key_path,
                    format!("unknown option `{key}`{hint}"),
                );
                map.remove(&key);
                continue;
            };
            if let Some(message) = self.placement(option, kind) {
                self.report(DiagnosticKind::NotAllowedHere, &key_path, message);
                map.remove(&key);
                continue;
            }
            let Some(value) = map.get_mut(&key) else {
                continue;
            };
            let errors_before = self.error_count();
            let keep = self.value(option, value, &key_path);
            let matcher_failed =
                option.places == Places::MATCHER && self.error_count() > errors_before;
            if !keep {
                map.remove(&key);
            }
            if kind == Object::PackageRule && matcher_failed {
                keep_object = false;
            }
        }
        if kind == Object::PackageRule {
            let has_matcher = map.keys().any(|k| k.starts_with("match"));
            if !has_matcher && !map.contains_key("extends") && keep_object {
                self.warn(
                    DiagnosticKind::InvalidValue,
                    path,
                    "this packageRule has no match* selector, so it applies to every dependency"
                        .into(),
                );
            }
            if !keep_object {
                let last = self.diagnostics.last_mut();
                if let Some(last) = last {
                    last.message.push_str("; the whole packageRule is ignored");
                }
            }
        }
        keep_object
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn placement(&self, option: &OptionDef, kind: Object) -> Option<String> {
        let name = option.name;
        let allowed = match kind {
            Object::Root => match self.scope {
                Scope::Repository => option.places.contains(Places::REPOSITORY),
                Scope::Global => option.places.contains(Places::GLOBAL),
            },
            Object::Settings { manager } => {
                option.places.contains(Places::RULE)
                    || (manager && option.places.contains(Places::MANAGER))
            }
            Object::PackageRule => {
                option.places.contains(Places::RULE) || option.places.contains(Places::MATCHER)
            }
            Object::HostRule | Object::CustomManager => true,
        };
        if allowed {
            return None;
        }
        Some(if option.is_global_only() {
            let env = crate::global::env_name(name);
            let flag = crate::global::flag_name(name);
            format!(
                "`{name}` is a global-only option: set it in the bot's configuration \
                 (config file, {env} or --{flag}), not in a repository's config"
            )
        } else if option.places == Places::MATCHER {
            format!("`{name}` is a matcher and is only valid inside packageRules")
        } else if option.places == Places::MANAGER {
            format!("`{name}` is only valid inside a manager object such as `npm` or `cargo`")
        } else if kind == Object::PackageRule {
            format!("`{name}` is not allowed inside packageRules (set it at the top level)")
        } else if let Object::Settings { .. } = kind {
            format!("`{name}` is not allowed inside this object (set it at the top level)")
        } else {
            format!("`{name}` is not allowed here")
        })
    }

    /// Checks one value; returns false when it must be removed.
    fn value(&mut self, option: &OptionDef, value: &mut Value, path: &str) -> bool {
        let name = option.name;
        if value.is_null() {
            if option.nullable {
                return true;
            }
            self.report(
                DiagnosticKind::InvalidType,
                path,
                format!("`{name}` must be {}, found null", option.kind.describe()),
            );
            return false;
        }
        // Renovate accepts a single string where a list of strings is expected.
        if option.kind == OptionType::StringList && value.is_string() {
            *value = Value::Array(vec![value.clone()]);
        }
        let type_ok = match option.kind {
            OptionType::Boolean => value.is_boolean(),
            OptionType::Integer => {
                value.as_i64().is_some() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            OptionType::String => value.is_string(),
            OptionType::StringOrInteger => value.is_string() || value.is_i64(),
            OptionType::StringList => value.is_array(),
            OptionType::Object => value.is_object(),
            OptionType::ObjectList => value.is_array(),
        };
        if !type_ok {
            self.report(
                DiagnosticKind::InvalidType,
                path,
                format!(
                    "`{name}` must be {}, found {}",
                    option.kind.describe(),
                    describe(value)
                ),
            );
            return false;
        }
        match value {
            Value::Array(items) if option.kind == OptionType::StringList => {
                let mut keep = vec![true; items.len()];
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        self.report(
                            DiagnosticKind::InvalidType,
                            &join_index(path, i),
                            format!(
                                "`{name}` must contain only strings, found {}",
                                describe(item)
                            ),
                        );
                        keep[i] = false;
                    } else if let Some(text) = item.as_str() {
                        keep[i] = self.allowed(option, text, &join_index(path, i));
                        // One bad preset name must not drop the others.
                        if keep[i]
                            && option.check == ValueCheck::Presets
                            && let Err(message) = PresetRef::parse(text)
                        {
                            let at = join_index(path, i);
                            self.report(
                                DiagnosticKind::InvalidValue,
                                &at,
                                format!("`{name}`: {message}"),
                            );
                            keep[i] = false;
                        }
                    }
                }
                let mut flags = keep.iter();
                items.retain(|_| *flags.next().unwrap_or(&true));
                let strings: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                self.check(option, &strings, path, true)
            }
            Value::Array(items) => {
                let kind = match option.children {
                    Children::PackageRule => Object::PackageRule,
                    Children::HostRule => Object::HostRule,
                    _ => Object::CustomManager,
                };
                let mut keep = vec![true; items.len()];
                for (i, item) in items.iter_mut().enumerate() {
                    let item_path = join_index(path, i);
                    match item {
                        Value::Object(map) => keep[i] = self.object(map, &item_path, kind),
                        other => {
                            let found = describe(other);
                            self.report(
                                DiagnosticKind::InvalidType,
                                &item_path,
                                format!("`{name}` must contain only objects, found {found}"),
                            );
                            keep[i] = false;
                        }
                    }
                }
                let mut flags = keep.iter();
                items.retain(|_| *flags.next().unwrap_or(&true));
                true
            }
            Value::Object(map) if option.children == Children::RepositoryConfig => {
                // A config proposed for repositories: checked as a repository file is.
                let mut inner = Validator {
                    document: self.document,
                    scope: Scope::Repository,
                    diagnostics: Vec::new(),
                };
                inner.object(map, path, Object::Root);
                self.diagnostics.append(&mut inner.diagnostics);
                true
            }
            Value::Object(map) => {
                let manager = options::MANAGER_OBJECTS.contains(&name);
                self.object(map, path, Object::Settings { manager });
                true
            }
            Value::String(text) => {
                let text = text.clone();
                self.allowed(option, &text, path) && self.check(option, &[text], path, false)
            }
            _ => true,
        }
    }

    fn allowed(&mut self, option: &OptionDef, text: &str, path: &str) -> bool {
        if option.allowed.is_empty() || option.allowed.contains(&text) {
            return true;
        }
        self.report(
            DiagnosticKind::InvalidValue,
            path,
            format!(
                "`{}` must be one of {}; found \"{text}\"",
                option.name,
                option.allowed.join(", ")
            ),
        );
        false
    }

    /// The extra value check; `list` says whether `values` came from an array (for paths).
    fn check(&mut self, option: &OptionDef, values: &[String], path: &str, list: bool) -> bool {
        let at = |i: usize| {
            if list {
                join_index(path, i)
            } else {
                path.to_string()
            }
        };
        let name = option.name;
        let result: Result<(), (usize, String)> = match option.check {
            ValueCheck::None => Ok(()),
            ValueCheck::Schedule => {
                let mut first = Ok(());
                for (i, entry) in values.iter().enumerate() {
                    if let Err((_, message)) = Schedule::parse(std::slice::from_ref(entry)) {
                        if first.is_ok() {
                            first = Err((i, message));
                        } else {
                            self.report(
                                DiagnosticKind::InvalidValue,
                                &at(i),
                                format!("`{name}`: {message}"),
                            );
                        }
                    }
                }
                first
            }
            ValueCheck::Timezone => match jiff::tz::TimeZone::get(&values[0]) {
                Ok(_) => Ok(()),
                Err(_) => Err((
                    0,
                    format!(
                        "unknown timezone `{}` (use an IANA name such as \"Europe/Berlin\")",
                        values[0]
                    ),
                )),
            },
            ValueCheck::Duration => Age::parse(&values[0]).map(|_| ()).map_err(|e| (0, e)),
            ValueCheck::AgeRange => AgeRange::parse(&values[0]).map(|_| ()).map_err(|e| (0, e)),
            ValueCheck::VersionRange => VersionConstraint::parse(&values[0])
                .map(|_| ())
                .map_err(|e| (0, e)),
            ValueCheck::Patterns => PatternList::names(values).map(|_| ()),
            ValueCheck::PathPatterns => PatternList::paths(values).map(|_| ()),
            ValueCheck::Regexes => values.iter().enumerate().try_for_each(|(i, text)| {
                let compiled = parse_regex(text)
                    .unwrap_or_else(|| regex::Regex::new(text).map_err(|e| e.to_string()));
                compiled
                    .map(|_| ())
                    .map_err(|e| (i, format!("invalid regex `{text}`: {}", first_line(&e))))
            }),
            ValueCheck::Presets => values
                .iter()
                .enumerate()
                .try_for_each(|(i, text)| PresetRef::parse(text).map(|_| ()).map_err(|e| (i, e))),
        };
        match result {
            Ok(()) => true,
            Err((index, message)) => {
                self.report(
                    DiagnosticKind::InvalidValue,
                    &at(index),
                    format!("`{name}`: {message}"),
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Value, Vec<String>) {
        let (document, _) = Document::parse("renovate.json", text).unwrap();
        let mut value = document.value.clone();
        let diagnostics = validate(&mut value, &document, Scope::Repository);
        (value, diagnostics.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn precise_messages_for_bad_values() {
        let text = r#"{
  "automerge": "yes",
  "labels": "deps",
  "automergee": true,
  "token": "abc",
  "timezone": "Mars/Olympus",
  "schedule": ["before 5am", "at 5pm"],
  "rangeStrategy": "pinned",
  "matchPackageNames": ["x"],
  "packageRules": [
    { "matchPackageNames": ["/(broken/"], "automerge": true },
    { "matchDepTypes": ["devDependencies"], "automerge": true, "timezone": "UTC" }
  ]
}"#;
        let (value, messages) = check(text);
        insta::assert_snapshot!(messages.join("\n"), @r#"
        renovate.json:2:3: error: automerge: `automerge` must be a boolean, found a string ("yes")
        renovate.json:4:3: error: automergee: unknown option `automergee` (did you mean `automerge`?)
        renovate.json:5:3: error: token: `token` is a global-only option: set it in the bot's configuration (config file, UPKEEP_TOKEN or --token), not in a repository's config
        renovate.json:6:3: error: timezone: `timezone`: unknown timezone `Mars/Olympus` (use an IANA name such as "Europe/Berlin")
        renovate.json:7:30: error: schedule[1]: `schedule`: schedule `at 5pm` names an instant, not a window; write e.g. "after 5pm and before 6pm"
        renovate.json:8:3: error: rangeStrategy: `rangeStrategy` must be one of auto, pin, bump, replace, widen, update-lockfile, in-range-only; found "pinned"
        renovate.json:9:3: error: matchPackageNames: `matchPackageNames` is a matcher and is only valid inside packageRules
        renovate.json:11:29: error: packageRules[0].matchPackageNames[0]: `matchPackageNames`: invalid regex `/(broken/`: unclosed group; the whole packageRule is ignored
        renovate.json:12:64: error: packageRules[1].timezone: `timezone` is not allowed inside packageRules (set it at the top level)
        "#);
        assert_eq!(value["labels"], serde_json::json!(["deps"]));
        assert_eq!(value["packageRules"].as_array().unwrap().len(), 1);
        assert!(value.get("automerge").is_none());
    }
}
