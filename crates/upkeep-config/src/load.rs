//! Loading one repository's configuration: parse, migrate, validate, resolve presets,
//! type. Never fails: problems are diagnostics, and a file that cannot be parsed at all
//! yields a config marked `fatal` so the caller can skip that repository (and only it).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::RepositoryConfig;
use crate::diagnostic::{Diagnostic, DiagnosticKind, Severity};
use crate::migrate::migrate;
use crate::parse::Document;
use crate::presets::{Layered, NoRepositoryPresets, PresetResolver, Resolver};
use crate::validate::{Scope, validate};

/// What loading needs besides the file.
#[derive(Clone, Copy)]
pub struct LoadOptions<'a> {
    /// Fetches repository presets.
    pub resolver: &'a dyn PresetResolver,
    /// Repository-level options from the bot's configuration, applied beneath the file.
    pub defaults: Option<&'a Map<String, Value>>,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions {
            resolver: &NoRepositoryPresets,
            defaults: None,
        }
    }
}

/// A loaded repository configuration and everything found wrong with it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadedConfig {
    /// The file it came from (`None`: no config file, defaults only).
    pub file: Option<String>,
    /// The typed configuration.
    pub config: RepositoryConfig,
    /// Errors and warnings, in file order then preset order.
    pub diagnostics: Vec<Diagnostic>,
    /// The file could not be parsed at all; `config` holds defaults only.
    pub fatal: bool,
}

impl LoadedConfig {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads a configuration file's text (`package.json` is read for its `renovate` key).
pub fn load_config(file: &str, text: &str, options: &LoadOptions<'_>) -> LoadedConfig {
    let (document, mut diagnostics) = match Document::parse(file, text) {
        Ok(parsed) => parsed,
        Err(diagnostic) => {
            let mut loaded = load_defaults(options);
            loaded.file = Some(file.to_string());
            loaded.diagnostics.insert(0, diagnostic);
            loaded.fatal = true;
            return loaded;
        }
    };
    let document = if file == "package.json" || file.ends_with("/package.json") {
        match document.sub_document("renovate") {
            Some(document) => document,
            None => return load_defaults(options),
        }
    } else {
        document
    };
    let mut value = document.value.clone();
    for migration in migrate(&mut value) {
        let position = document.position(&migration.path);
        diagnostics.push(
            Diagnostic::warning(
                DiagnosticKind::Migrated,
                file,
                &migration.path,
                migration.message,
            )
            .at(position),
        );
    }
    diagnostics.extend(validate(&mut value, &document, Scope::Repository));
    let Value::Object(map) = value else {
        let mut loaded = load_defaults(options);
        loaded.file = Some(file.to_string());
        loaded.diagnostics.extend(diagnostics);
        loaded.fatal = true;
        return loaded;
    };
    let mut loaded = resolve(map, file, options);
    for diagnostic in &mut loaded.diagnostics {
        if diagnostic.file == file && diagnostic.line.is_none() {
            diagnostic.line = None;
            *diagnostic = diagnostic.clone().at(document.position(&diagnostic.path));
        }
    }
    diagnostics.append(&mut loaded.diagnostics);
    // The file's own problems in file order (stable: same place keeps discovery order).
    diagnostics.sort_by_key(|d| (d.file != file, d.line.unwrap_or(0), d.column.unwrap_or(0)));
    loaded.diagnostics = diagnostics;
    loaded.file = Some(file.to_string());
    loaded
}

/// The configuration of a repository without a config file: the bot's defaults.
pub fn load_defaults(options: &LoadOptions<'_>) -> LoadedConfig {
    resolve(Map::new(), "defaults", options)
}

fn resolve(map: Map<String, Value>, origin: &str, options: &LoadOptions<'_>) -> LoadedConfig {
    let strings = |key: &str| -> Vec<String> {
        map.get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let ignore = strings("ignorePresets");
    let extends = strings("extends");
    let mut resolver = Resolver::new(options.resolver, &ignore);
    let mut layered = match options.defaults {
        Some(defaults) => resolver.resolve(defaults.clone(), "bot config"),
        None => Layered::default(),
    };
    let own = resolver.resolve(map, origin);
    layered.config.retain(|_, _| true);
    crate::presets::merge_maps(&mut layered.config, own.config);
    layered.rules.extend(own.rules);
    layered.provenance.extend(own.provenance);
    let mut diagnostics = resolver.diagnostics;
    let (config, mut more) =
        RepositoryConfig::from_layered(layered, extends, resolver.applied, origin);
    diagnostics.append(&mut more);
    LoadedConfig {
        file: None,
        config,
        diagnostics,
        fatal: false,
    }
}

/// Options of [`validate_file`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    /// Treat migrations and JSON5-in-`.json` as errors (`validate-config --strict`).
    pub strict: bool,
}

/// Validates one configuration file offline (`upkeep validate-config FILE`): every
/// problem in the file and in the built-in presets it extends. Repository presets are
/// reported as not checked.
pub fn validate_file(path: &str, text: &str, options: ValidateOptions) -> Vec<Diagnostic> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let name = if file_name == "package.json" {
        "package.json"
    } else {
        path
    };
    let mut loaded = load_config(name, text, &LoadOptions::default());
    for diagnostic in &mut loaded.diagnostics {
        if name != path && diagnostic.file == name {
            diagnostic.file = path.to_string();
        }
        if options.strict
            && matches!(
                diagnostic.kind,
                DiagnosticKind::Migrated | DiagnosticKind::LooseSyntax
            )
        {
            diagnostic.severity = Severity::Error;
        }
    }
    loaded.diagnostics
}
