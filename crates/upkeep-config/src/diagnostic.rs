//! Problems found in a configuration, each pinned to a file, a line:column and an option
//! path, so that `upkeep validate-config`, run logs and the Dependency Dashboard can all
//! print the same precise message.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The option (or the whole file) is ignored; the user must fix it.
    Error,
    /// upkeep understood the option (perhaps after migrating it) but the user should change it.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// What kind of problem a diagnostic reports; lets callers filter (e.g. `--strict`
/// fails on [`DiagnosticKind::Migrated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DiagnosticKind {
    /// The file is not valid JSON/JSON5.
    Syntax,
    /// The file parses only with JSON5 extensions although its name says JSON.
    LooseSyntax,
    /// An option upkeep does not know.
    UnknownOption,
    /// An option with a value of the wrong type.
    InvalidType,
    /// An option with a value of the right type that is not acceptable (bad regex, schedule…).
    InvalidValue,
    /// An option that is not allowed where it appears (e.g. a global-only option in a repository).
    NotAllowedHere,
    /// A legacy option or value that was migrated in memory.
    Migrated,
    /// A preset that could not be found, fetched or parsed, or a cycle of presets.
    Preset,
    /// The configuration file could not be read.
    Io,
    /// A valid option that this version of upkeep does not act on yet.
    NotActedOn,
}

/// One problem in one configuration source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The kind of problem.
    pub kind: DiagnosticKind,
    /// The file (`renovate.json`) or preset (`preset config:recommended`) the problem is in.
    pub file: String,
    /// 1-based line, when the position is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters), when the position is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The option path (`packageRules[2].matchPackageNames[0]`); empty for the whole file.
    pub path: String,
    /// What is wrong, quoting the value at fault.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic without a position (set it with [`Diagnostic::at`]).
    pub fn new(
        severity: Severity,
        kind: DiagnosticKind,
        file: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            kind,
            file: file.into(),
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
        }
    }

    /// An error diagnostic.
    pub fn error(
        kind: DiagnosticKind,
        file: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, kind, file, path, message)
    }

    /// A warning diagnostic.
    pub fn warning(
        kind: DiagnosticKind,
        file: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, kind, file, path, message)
    }

    /// Sets the position (builder style).
    pub fn at(mut self, position: Option<(u32, u32)>) -> Diagnostic {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: severity: path: message`, the format compilers use, so editors
    /// and CI annotations can jump to the place.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}: ", self.severity)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Formats diagnostics one per line, followed by a summary line
/// (`2 errors, 1 warning`), for `upkeep validate-config`.
pub fn format_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&diagnostic.to_string());
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    out.push_str(&format!(
        "{errors} error{}, {warnings} warning{}\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    ));
    out
}

/// Appends `.key` (or `key` at the root) to an option path.
pub(crate) fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Appends `[index]` to an option path.
pub(crate) fn join_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}
