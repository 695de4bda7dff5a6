//! Presets: `extends` resolved recursively into one configuration.
//!
//! Built-in presets come from `builtin`; repository presets (`github>owner/repo`,
//! `local>…`) come through a [`PresetResolver`] the platform implements. Each preset is
//! parsed, migrated and validated like a repository file (its problems are reported under
//! its own name), arguments (`{{arg0}}`) are substituted, and its own `extends` resolved
//! first. A preset already on the resolution stack is a cycle and is reported and
//! skipped; a preset that cannot be found is an error diagnostic, never a crash.
//!
//! Merging follows the options table: presets apply in order, the extending config on
//! top; mergeable options (`packageRules`, `addLabels`, `major`…) merge, others replace.
//! packageRules are kept apart, each with its origin, so an explanation can say which
//! file and which preset a rule came from.

mod builtin;
mod name;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

pub use builtin::builtin_presets;
pub use name::{ExternalPreset, PresetRef, PresetSource, PresetTarget};

use crate::diagnostic::{Diagnostic, DiagnosticKind, Severity, join_index};
use crate::options::{self, Merge};
use crate::parse::Document;
use crate::validate::{Scope, validate};

/// Why a repository preset could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetFetchError {
    /// The repository or file does not exist.
    #[error("not found")]
    NotFound,
    /// Anything else (network, permissions), with a message.
    #[error("{0}")]
    Failed(String),
    /// No platform is available (offline validation): reported as a warning.
    #[error("not checked offline")]
    Offline,
}

/// Fetches repository presets; implemented by the platform (GitHub) and by tests.
///
/// Synchronous on purpose: resolution is recursive and cheap, and a caller with an async
/// client can prefetch or block in place. Returns the preset file's text (JSON or JSON5).
pub trait PresetResolver {
    /// The text of `preset`'s file.
    fn fetch(&self, preset: &ExternalPreset) -> Result<String, PresetFetchError>;
}

/// A resolver for offline use: every repository preset is reported as unavailable.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRepositoryPresets;

impl PresetResolver for NoRepositoryPresets {
    fn fetch(&self, _preset: &ExternalPreset) -> Result<String, PresetFetchError> {
        Err(PresetFetchError::Offline)
    }
}

/// A resolver backed by a map from preset names to file texts (tests, prefetched presets).
#[derive(Debug, Clone, Default)]
pub struct MapPresetResolver {
    files: HashMap<String, String>,
}

impl MapPresetResolver {
    /// An empty resolver.
    pub fn new() -> MapPresetResolver {
        MapPresetResolver::default()
    }

    /// Adds a preset by the name users write (`github>acme/renovate-config`).
    pub fn with(mut self, name: &str, text: &str) -> MapPresetResolver {
        if let Ok(PresetRef {
            target: PresetTarget::External(external),
            ..
        }) = PresetRef::parse(name)
        {
            self.files.insert(external.key(), text.to_string());
        }
        self
    }
}

impl PresetResolver for MapPresetResolver {
    fn fetch(&self, preset: &ExternalPreset) -> Result<String, PresetFetchError> {
        self.files
            .get(&preset.key())
            .cloned()
            .ok_or(PresetFetchError::NotFound)
    }
}

/// A packageRule with where it came from (`renovate.json packageRules[2]`).
#[derive(Debug, Clone)]
pub(crate) struct OriginRule {
    pub origin: String,
    pub rule: Map<String, Value>,
}

/// The result of resolving a configuration's presets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layered {
    /// Everything except packageRules, merged.
    pub config: Map<String, Value>,
    /// packageRules in application order.
    pub rules: Vec<OriginRule>,
    /// For each top-level option, the source that set its final value.
    pub provenance: BTreeMap<String, String>,
}

impl Layered {
    fn merge(&mut self, other: Layered) {
        merge_maps(&mut self.config, other.config);
        self.rules.extend(other.rules);
        self.provenance.extend(other.provenance);
    }

    fn merge_own(&mut self, config: Map<String, Value>, origin: &str) {
        for key in config.keys() {
            self.provenance.insert(key.clone(), origin.to_string());
        }
        merge_maps(&mut self.config, config);
    }
}

/// Merges `over` onto `base` following each option's merge mode.
pub(crate) fn merge_maps(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (key, value) in over {
        let mergeable = options::find(&key).is_some_and(|o| o.merge == Merge::Merge);
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(new)) if mergeable => {
                merge_maps(existing, new)
            }
            (Some(Value::Array(existing)), Value::Array(new)) if mergeable => {
                for item in new {
                    if !(item.is_string() && existing.contains(&item)) {
                        existing.push(item);
                    }
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Recursive preset resolution with cycle detection.
pub(crate) struct Resolver<'a> {
    resolver: &'a dyn PresetResolver,
    ignore: Vec<String>,
    stack: Vec<String>,
    cache: HashMap<String, Option<Value>>,
    /// Problems found in presets (and references to missing ones).
    pub diagnostics: Vec<Diagnostic>,
    /// Every preset applied, in order of application.
    pub applied: Vec<String>,
}

impl<'a> Resolver<'a> {
    pub fn new(resolver: &'a dyn PresetResolver, ignore: &[String]) -> Resolver<'a> {
        let ignore = ignore
            .iter()
            .flat_map(|name| {
                let base = PresetRef::parse(name)
                    .map(|r| r.base_name())
                    .unwrap_or_default();
                [name.clone(), base]
            })
            .collect();
        Resolver {
            resolver,
            ignore,
            stack: Vec::new(),
            cache: HashMap::new(),
            diagnostics: Vec::new(),
            applied: Vec::new(),
        }
    }

    /// Resolves `config` (from `origin`, a file or `preset …` name).
    pub fn resolve(&mut self, mut config: Map<String, Value>, origin: &str) -> Layered {
        let mut layered = Layered::default();
        let extends = match config.remove("extends") {
            Some(Value::Array(items)) => items,
            Some(Value::String(one)) => vec![Value::String(one)],
            _ => Vec::new(),
        };
        for (index, name) in extends.iter().enumerate() {
            let Some(name) = name.as_str() else { continue };
            if let Some(preset) = self.preset(name, origin, &join_index("extends", index)) {
                layered.merge(preset);
            }
        }
        let own_rules = match config.remove("packageRules") {
            Some(Value::Array(rules)) => rules,
            _ => Vec::new(),
        };
        layered.merge_own(config, origin);
        for (index, rule) in own_rules.into_iter().enumerate() {
            if let Value::Object(rule) = rule {
                let rule_origin = format!("{origin} packageRules[{index}]");
                self.rule(rule, rule_origin, &mut layered.rules);
            }
        }
        layered
    }

    /// A packageRule, with its own `extends` resolved; rules from those presets are
    /// flattened after it, narrowed by its matchers.
    fn rule(&mut self, rule: Map<String, Value>, origin: String, out: &mut Vec<OriginRule>) {
        if !rule.contains_key("extends") {
            out.push(OriginRule { origin, rule });
            return;
        }
        let resolved = self.resolve(rule, &origin);
        let matchers: Map<String, Value> = resolved
            .config
            .iter()
            .filter(|(k, _)| k.starts_with("match"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.push(OriginRule {
            origin: origin.clone(),
            rule: resolved.config,
        });
        for nested in resolved.rules {
            let mut combined = matchers.clone();
            combined.extend(nested.rule);
            out.push(OriginRule {
                origin: format!("{origin} › {}", nested.origin),
                rule: combined,
            });
        }
    }

    fn preset(&mut self, name: &str, referrer: &str, path: &str) -> Option<Layered> {
        let reference = match PresetRef::parse(name) {
            Ok(reference) => reference,
            Err(message) => {
                self.diagnostics.push(Diagnostic::error(
                    DiagnosticKind::Preset,
                    referrer,
                    path,
                    message,
                ));
                return None;
            }
        };
        let base = reference.base_name();
        if self.ignore.contains(&base) || self.ignore.contains(&reference.raw) {
            return None;
        }
        if self.stack.contains(&base) {
            let mut cycle = self.stack.clone();
            cycle.push(base);
            self.diagnostics.push(Diagnostic::error(
                DiagnosticKind::Preset,
                referrer,
                path,
                format!(
                    "preset cycle: {}; the repeated preset is skipped",
                    cycle.join(" → ")
                ),
            ));
            return None;
        }
        let mut value = self.load(&reference, referrer, path)?;
        substitute(&mut value, &reference.args);
        let Value::Object(map) = value else {
            return None;
        };
        self.stack.push(base);
        self.applied.push(reference.raw.clone());
        let layered = self.resolve(map, &format!("preset {}", reference.raw));
        self.stack.pop();
        Some(layered)
    }

    fn load(&mut self, reference: &PresetRef, referrer: &str, path: &str) -> Option<Value> {
        let key = reference.base_name();
        if let Some(cached) = self.cache.get(&key) {
            return cached.clone();
        }
        let loaded = match &reference.target {
            PresetTarget::Builtin { namespace, name } => {
                let found = builtin::get(namespace, name);
                if found.is_none() {
                    let known = builtin::RENOVATE_NAMESPACES.contains(&namespace.as_str());
                    let message = if known {
                        format!(
                            "upkeep does not ship Renovate's built-in preset `{}` yet; it is skipped",
                            reference.raw
                        )
                    } else {
                        format!("unknown preset `{}`", reference.raw)
                    };
                    let diagnostic = if known {
                        Diagnostic::warning(DiagnosticKind::Preset, referrer, path, message)
                    } else {
                        Diagnostic::error(DiagnosticKind::Preset, referrer, path, message)
                    };
                    self.diagnostics.push(diagnostic);
                }
                found
            }
            PresetTarget::External(external) => self.external(reference, external, referrer, path),
        };
        self.cache.insert(key, loaded.clone());
        loaded
    }

    fn external(
        &mut self,
        reference: &PresetRef,
        external: &ExternalPreset,
        referrer: &str,
        path: &str,
    ) -> Option<Value> {
        let text = match self.resolver.fetch(external) {
            Ok(text) => text,
            Err(error) => {
                let (severity, message) = match error {
                    PresetFetchError::NotFound => (
                        Severity::Error,
                        format!("preset `{}` was not found", reference.raw),
                    ),
                    PresetFetchError::Failed(why) => (
                        Severity::Error,
                        format!("preset `{}` could not be fetched: {why}", reference.raw),
                    ),
                    PresetFetchError::Offline => (
                        Severity::Warning,
                        format!(
                            "repository preset `{}` is not checked offline",
                            reference.raw
                        ),
                    ),
                };
                self.diagnostics.push(Diagnostic::new(
                    severity,
                    DiagnosticKind::Preset,
                    referrer,
                    path,
                    message,
                ));
                return None;
            }
        };
        let file = format!("preset {}", reference.raw);
        let (document, warnings) = match Document::parse(&file, &text) {
            Ok(parsed) => parsed,
            Err(diagnostic) => {
                self.diagnostics.push(diagnostic);
                return None;
            }
        };
        self.diagnostics.extend(warnings);
        let mut value = document.value.clone();
        for migration in crate::migrate::migrate(&mut value) {
            let position = document.position(&migration.path);
            self.diagnostics.push(
                Diagnostic::warning(
                    DiagnosticKind::Migrated,
                    &file,
                    &migration.path,
                    migration.message,
                )
                .at(position),
            );
        }
        self.diagnostics
            .extend(validate(&mut value, &document, Scope::Repository));
        Some(value)
    }
}

/// Replaces `{{argN}}` in every string; list entries left empty are dropped.
fn substitute(value: &mut Value, args: &[String]) {
    match value {
        Value::String(text) if text.contains("{{arg") => {
            for i in (0..10).rev() {
                let arg = args.get(i).map_or("", String::as_str);
                *text = text.replace(&format!("{{{{arg{i}}}}}"), arg);
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                substitute(item, args);
            }
            items.retain(|item| item.as_str() != Some(""));
        }
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, args)),
        _ => {}
    }
}
