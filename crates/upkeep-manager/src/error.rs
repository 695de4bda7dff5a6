//! The errors a manager reports: extraction errors carry a position, update errors say
//! which dependency and what went wrong.

use thiserror::Error;

/// A file could not be extracted; `line`/`column` (1-based) point at the problem when known.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{message}", position(*.line, *.column))]
pub struct ExtractError {
    /// What is wrong, in words.
    pub message: String,
    /// 1-based line of the problem.
    pub line: Option<u32>,
    /// 1-based column of the problem.
    pub column: Option<u32>,
}

fn position(line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{line}:{column}: "),
        (Some(line), None) => format!("{line}: "),
        _ => String::new(),
    }
}

impl ExtractError {
    /// An error without a position.
    pub fn new(message: impl Into<String>) -> ExtractError {
        ExtractError {
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// An error at a 1-based line and column.
    pub fn at(message: impl Into<String>, line: u32, column: u32) -> ExtractError {
        ExtractError {
            message: message.into(),
            line: Some(line),
            column: Some(column),
        }
    }

    /// An error at a byte offset of `text`.
    pub fn at_offset(message: impl Into<String>, text: &str, offset: usize) -> ExtractError {
        let (line, column) = crate::text::line_column(text, offset);
        ExtractError::at(message, line, column)
    }
}

/// A dependency could not be updated in place.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpdateError {
    /// The file no longer parses the way it did when the dependency was extracted.
    #[error("cannot re-read the file: {0}")]
    Extract(#[from] ExtractError),
    /// The dependency was not found in the file.
    #[error("dependency `{dep_name}` not found in the file")]
    NotFound {
        /// The dependency looked for.
        dep_name: String,
    },
    /// The text where the value should be does not hold the current value.
    #[error("expected `{expected}` for `{dep_name}` but the file has `{found}`")]
    Mismatch {
        /// The dependency being updated.
        dep_name: String,
        /// The value extraction recorded.
        expected: String,
        /// What the file holds at that place.
        found: String,
    },
    /// The change cannot be expressed in this file (e.g. a digest where none can go).
    #[error("cannot update `{dep_name}`: {reason}")]
    Unsupported {
        /// The dependency being updated.
        dep_name: String,
        /// Why not.
        reason: String,
    },
    /// Re-extracting the result showed something other than the intended change.
    #[error("update of `{dep_name}` not confirmed by re-extraction: {reason}")]
    NotConfirmed {
        /// The dependency being updated.
        dep_name: String,
        /// What differed.
        reason: String,
    },
}

impl UpdateError {
    /// A [`UpdateError::Unsupported`] for `dep_name`.
    pub fn unsupported(dep_name: &str, reason: impl Into<String>) -> UpdateError {
        UpdateError::Unsupported {
            dep_name: dep_name.to_owned(),
            reason: reason.into(),
        }
    }
}
