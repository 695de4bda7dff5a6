//! Logs: what upkeep says while it works, on stderr, for people (`pretty`) or for a
//! log pipeline (`json`, one object per line).
//!
//! - [`init`] installs the process's subscriber: the format from `--log-format` /
//!   `UPKEEP_LOG_FORMAT`, the level from `UPKEEP_LOG_LEVEL` (a level such as `debug`,
//!   or directives such as `info,upkeep_http=debug`), else `RUST_LOG`, else the
//!   format's default ([`LogFormat::default_level`]).
//! - [`repository_span`] is entered around the work on one repository, so every line
//!   logged inside carries `repository` and `installation` — in JSON under `span`
//!   and, for the whole stack, `spans`.
//! - Secrets never reach the output: tokens are `SecretString`s and URLs are redacted
//!   where they are logged, and as a last line of defence every line passes through a
//!   [`Redactor`] that masks the values of secret-looking environment variables
//!   ([`secrets_from_env`]) and whatever the binary adds later (a config file's
//!   tokens) with [`LogHandle::add_secret`] — as Renovate's logger does.
//!
//! Human output of the commands (tables, reports) goes to stdout and is not a log.
//! Non-goals: log files, rotation, OpenTelemetry export.

mod redact;

use std::str::FromStr;

pub use redact::{Redactor, secrets_from_env};
use tracing_subscriber::EnvFilter;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The level or directives could not be read.
    #[error("cannot read the log level `{value}` (from {source_name}): {reason}")]
    Filter {
        /// The text given.
        value: String,
        /// `UPKEEP_LOG_LEVEL` or `RUST_LOG`.
        source_name: &'static str,
        /// Why.
        reason: String,
    },
    /// The format is neither `json` nor `pretty`.
    #[error("unknown log format `{0}` (expected `json` or `pretty`)")]
    Format(String),
    /// Another subscriber was installed first.
    #[error("a log subscriber is already installed")]
    AlreadyInstalled,
}

/// How lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line per event: level, target, span context, message, fields.
    #[default]
    Pretty,
    /// One JSON object per event (`timestamp`, `level`, `fields`, `target`, `span`, `spans`).
    Json,
}

impl LogFormat {
    /// The level when none is set: `info` for `json` (a pipeline wants the run's
    /// story), `warn` for `pretty` (a person at a terminal reads the command's own
    /// output; only problems are worth a log line next to it).
    pub fn default_level(self) -> &'static str {
        match self {
            Self::Pretty => "warn",
            Self::Json => "info",
        }
    }
}

impl FromStr for LogFormat {
    type Err = LogError;

    fn from_str(text: &str) -> Result<Self, LogError> {
        match text.to_ascii_lowercase().as_str() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            _ => Err(LogError::Format(text.to_owned())),
        }
    }
}

/// The level filter: `UPKEEP_LOG_LEVEL`, else `RUST_LOG`, else `default_level`, read
/// from `variables` (pass `std::env::vars()`).
pub fn filter_from_env(
    variables: impl IntoIterator<Item = (String, String)>,
    default_level: &str,
) -> Result<EnvFilter, LogError> {
    let mut upkeep = None;
    let mut rust = None;
    for (name, value) in variables {
        match name.as_str() {
            "UPKEEP_LOG_LEVEL" if !value.trim().is_empty() => upkeep = Some(value),
            "RUST_LOG" if !value.trim().is_empty() => rust = Some(value),
            _ => {}
        }
    }
    let (value, source_name) = match (upkeep, rust) {
        (Some(value), _) => (value, "UPKEEP_LOG_LEVEL"),
        (None, Some(value)) => (value, "RUST_LOG"),
        (None, None) => (default_level.to_owned(), "the default"),
    };
    EnvFilter::builder()
        .parse(&value)
        .map_err(|error| LogError::Filter {
            value,
            source_name,
            reason: error.to_string(),
        })
}

/// Handle on the installed logger.
#[derive(Debug, Clone)]
pub struct LogHandle {
    redactor: Redactor,
}

impl LogHandle {
    /// Masks `secret` in every line logged from now on (values shorter than 4
    /// characters are ignored: masking them would garble ordinary words).
    pub fn add_secret(&self, secret: &str) {
        self.redactor.add(secret);
    }
}

/// Installs the process's subscriber, writing to stderr through `redactor`.
pub fn init(
    format: LogFormat,
    filter: EnvFilter,
    redactor: Redactor,
) -> Result<LogHandle, LogError> {
    let writer = redactor.clone().stderr_writer();
    // colours only for a person at a terminal, never into a file or a collector
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing::subscriber::set_global_default(subscriber(format, filter, writer, ansi))
        .map_err(|_| LogError::AlreadyInstalled)?;
    Ok(LogHandle { redactor })
}

/// The subscriber [`init`] installs, writing to any writer (tests capture it), with
/// ANSI colours in pretty lines when `ansi`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'writer> tracing_subscriber::fmt::MakeWriter<'writer> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi && format == LogFormat::Pretty)
        .with_writer(writer);
    match format {
        LogFormat::Pretty => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
    }
}

/// The span around the work on one repository: enter it (or `instrument` a future
/// with it) and every line inside carries `repository` (`owner/name`, or a local
/// checkout's path) and `installation` (the GitHub App installation id, when there
/// is one).
pub fn repository_span(full_name: &str, installation: Option<u64>) -> tracing::Span {
    let span = tracing::info_span!(
        "repository",
        repository = full_name,
        installation = tracing::field::Empty
    );
    if let Some(installation) = installation {
        span.record("installation", installation);
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn upkeep_log_level_wins_over_rust_log() {
        let filter = filter_from_env(
            vars(&[("RUST_LOG", "trace"), ("UPKEEP_LOG_LEVEL", "warn")]),
            "info",
        )
        .unwrap();
        assert_eq!(filter.to_string(), "warn");
        let filter = filter_from_env(vars(&[("RUST_LOG", "upkeep_http=debug")]), "info").unwrap();
        assert_eq!(filter.to_string(), "upkeep_http=debug");
        let default = LogFormat::Pretty.default_level();
        assert_eq!(
            filter_from_env(vars(&[]), default).unwrap().to_string(),
            "warn"
        );
    }

    #[test]
    fn a_bad_level_names_its_variable() {
        let error = filter_from_env(vars(&[("UPKEEP_LOG_LEVEL", "loud=[")]), "info").unwrap_err();
        assert!(error.to_string().contains("UPKEEP_LOG_LEVEL"), "{error}");
    }

    fn capture(format: LogFormat, log: impl FnOnce()) -> String {
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = std::sync::Arc::clone(&output);
        let redactor = Redactor::new(["ghs_installationtoken".to_owned()]);
        let writer = redactor.writer(move || Sink(std::sync::Arc::clone(&sink)));
        let filter = EnvFilter::builder().parse("info").unwrap();
        tracing::subscriber::with_default(subscriber(format, filter, writer, false), log);
        String::from_utf8(output.lock().unwrap().clone()).unwrap()
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_json_line_inside_the_repository_span_carries_repository_and_installation() {
        let output = capture(LogFormat::Json, || {
            let span = repository_span("acme/widgets", Some(42));
            let _entered = span.enter();
            tracing::info!(stage = "lookup", "looked up 3 packages");
            tracing::warn!(token = "ghs_installationtoken", "a careless line");
        });
        let lines: Vec<serde_json::Value> = output
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{output}");
        for line in &lines {
            assert_eq!(line["span"]["repository"], "acme/widgets", "{line}");
            assert_eq!(line["span"]["installation"], 42, "{line}");
        }
        assert_eq!(lines[0]["fields"]["message"], "looked up 3 packages");
        assert_eq!(lines[1]["fields"]["token"], "****");
        assert!(!output.contains("ghs_installationtoken"));
    }

    #[test]
    fn pretty_lines_name_the_repository_and_leave_out_a_missing_installation() {
        let output = capture(LogFormat::Pretty, || {
            let span = repository_span("acme/widgets", None);
            let _entered = span.enter();
            tracing::info!("cloned");
        });
        assert!(
            output.contains("repository{repository=\"acme/widgets\"}"),
            "{output}"
        );
        assert!(output.contains("cloned"), "{output}");
        assert!(!output.contains("installation"), "{output}");
    }

    #[test]
    fn formats_parse_case_insensitively() {
        assert_eq!("JSON".parse::<LogFormat>().unwrap(), LogFormat::Json);
        assert_eq!("pretty".parse::<LogFormat>().unwrap(), LogFormat::Pretty);
        assert!("xml".parse::<LogFormat>().is_err());
    }
}
