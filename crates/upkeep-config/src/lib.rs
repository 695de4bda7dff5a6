//! Renovate-style configuration for upkeep.
//!
//! Users' repositories already contain `renovate.json`; upkeep reads those files
//! unchanged, applies them with Renovate's documented semantics, and reports — never
//! silently ignores — anything it does not understand.
//!
//! ```text
//! discover ─► parse (JSON5, positions) ─► migrate (legacy keys → warnings)
//!          ─► validate (options table → diagnostics, typed values)
//!          ─► presets (built-in JSON files, repository presets via a resolver)
//!          ─► RepositoryConfig ─► resolve(dependency) ─► Settings + Explanation
//! ```
//!
//! Everything is parsed once at the edge: schedules, regexes, globs, durations and
//! timezones are typed values in [`RepositoryConfig`]; inner code never re-parses text.
//! This crate does no network I/O: repository presets come through [`PresetResolver`],
//! and version ranges through [`VersionMatcher`], both implemented by callers.

mod config;
mod diagnostic;
mod discover;
mod duration;
mod explain;
pub mod global;
mod load;
mod migrate;
pub mod options;
mod package_rules;
mod parse;
pub mod presets;
pub mod schedule;
mod schema;
mod settings;
mod validate;

pub use config::{
    CustomManager, ForkProcessing, HostRule, ManagerConfig, PlatformCommit, RepositoryConfig,
};
pub use diagnostic::{Diagnostic, DiagnosticKind, Severity, format_diagnostics};
pub use discover::{CONFIG_FILE_NAMES, ConfigFile, discover, discover_with};
pub use duration::{Age, AgeRange};
pub use explain::{ExplainedLayer, Explanation, Resolution};
pub use global::{GlobalConfig, GlobalSources, Secret};
pub use load::{
    LoadOptions, LoadedConfig, ValidateOptions, load_config, load_defaults, validate_file,
};
pub use migrate::{Migration, migrate};
pub use package_rules::matchers::{PatternList, parse_regex};
pub use package_rules::{
    DependencyContext, Matcher, NoVersioning, PackageRule, VersionConstraint, VersionMatcher,
};
pub use parse::Document;
pub use presets::{
    ExternalPreset, MapPresetResolver, NoRepositoryPresets, PresetFetchError, PresetResolver,
};
pub use schedule::Schedule;
pub use schema::repository_schema;
pub use settings::{
    AutomergeStrategy, AutomergeType, CommitMessageLowerCase, PrCreation, RangeStrategy,
    RebaseWhen, RecreateWhen, SemanticCommits, Settings, SettingsLayer, VulnerabilityFixStrategy,
};
pub use upkeep_types::UpdateType;
