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

mod diagnostic;
mod duration;
mod migrate;
pub mod options;
mod package_rules;
mod parse;
pub mod schedule;

pub use diagnostic::{Diagnostic, DiagnosticKind, Severity, format_diagnostics};
pub use duration::{Age, AgeRange};
pub use migrate::{Migration, migrate};
pub use package_rules::matchers::{PatternList, parse_regex};
pub use parse::Document;
pub use schedule::Schedule;
