//! The last line of defence against secrets in logs: every formatted line is searched
//! for known secret values, which are replaced by `****` before it is written.
//!
//! The values come from the environment (`*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`
//! variables, and the `token`/`password` fields of JSON host rules) and from the
//! binary once it has read the bot's config. A line is buffered whole, so a secret is
//! never split across two writes.

use std::io::Write;
use std::sync::{Arc, RwLock};

use tracing_subscriber::fmt::MakeWriter;

const MASK: &str = "****";
/// Values shorter than this are not masked: `KEY=1` would garble every `1`.
const MIN_SECRET_CHARS: usize = 4;
/// Variable name endings that mark a secret (compared upper-case).
const SECRET_SUFFIXES: &[&str] = &["TOKEN", "PASSWORD", "SECRET", "KEY"];
/// JSON fields (host rules in an environment variable) that hold secrets.
const SECRET_FIELDS: &[&str] = &["token", "password", "githubAppKey", "webhookSecret"];

/// The set of secret values masked in every log line; clones share the set.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// A redactor for `secrets`.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let redactor = Self::default();
        for secret in secrets {
            redactor.add(&secret);
        }
        redactor
    }

    /// Adds a value to mask (ignored when shorter than 4 characters).
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        if !secrets.iter().any(|known| known == secret) {
            secrets.push(secret.to_owned());
            // Longest first, so a secret containing another is masked whole.
            secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
        }
    }

    /// `text` with every known secret replaced by `****`.
    pub fn mask(&self, text: &str) -> String {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut text = text.to_owned();
        for secret in secrets.iter() {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), MASK);
            }
        }
        text
    }

    /// A writer factory for the subscriber: lines masked, then written to stderr.
    pub fn stderr_writer(self) -> RedactingMakeWriter<fn() -> std::io::Stderr> {
        self.writer(std::io::stderr)
    }

    /// A writer factory for the subscriber: lines masked, then written to `inner`.
    pub fn writer<M>(self, inner: M) -> RedactingMakeWriter<M> {
        RedactingMakeWriter {
            redactor: self,
            inner,
        }
    }
}

/// Makes one [`RedactingWriter`] per log event.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    redactor: Redactor,
    inner: M,
}

impl<'a, M> MakeWriter<'a> for RedactingMakeWriter<M>
where
    M: MakeWriter<'a>,
{
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            redactor: self.redactor.clone(),
            inner: self.inner.make_writer(),
            line: Vec::new(),
        }
    }
}

/// Buffers one event's output; masks and writes it when dropped.
pub struct RedactingWriter<W: Write> {
    redactor: Redactor,
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let masked = self.redactor.mask(&String::from_utf8_lossy(&self.line));
        // A log line that cannot be written has nowhere else to go.
        let _ = self.inner.write_all(masked.as_bytes());
        let _ = self.inner.flush();
    }
}

/// The secret values in `variables`: those of `*_TOKEN`, `*_PASSWORD`, `*_SECRET` and
/// `*_KEY` variables, and the `token`/`password` fields of any variable holding JSON
/// (such as host rules).
pub fn secrets_from_env(variables: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut secrets = Vec::new();
    for (name, value) in variables {
        let upper = name.to_ascii_uppercase();
        if SECRET_SUFFIXES.iter().any(|suffix| upper.ends_with(suffix)) {
            secrets.push(value.clone());
        }
        let trimmed = value.trim_start();
        if (trimmed.starts_with('[') || trimmed.starts_with('{'))
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed)
        {
            collect_json_secrets(&json, &mut secrets);
        }
    }
    secrets
}

fn collect_json_secrets(value: &serde_json::Value, secrets: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, value) in object {
                match value {
                    serde_json::Value::String(text) if SECRET_FIELDS.contains(&key.as_str()) => {
                        secrets.push(text.clone());
                    }
                    other => collect_json_secrets(other, secrets),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_json_secrets(item, secrets);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_from_the_environment_by_name_and_in_json_host_rules() {
        let secrets = secrets_from_env([
            ("NPM_TOKEN".to_owned(), "npm_abcdef".to_owned()),
            (
                "UPKEEP_GITHUB_APP_KEY".to_owned(),
                "-----BEGIN KEY-----".to_owned(),
            ),
            ("DOCKER_GHCR_IO_PASSWORD".to_owned(), "pa55word".to_owned()),
            (
                "UPKEEP_HOST_RULES".to_owned(),
                r#"[{"matchHost": "npm.acme.test", "token": "acme-secret-token"}]"#.to_owned(),
            ),
            ("HOME".to_owned(), "/root".to_owned()),
        ]);
        assert_eq!(
            secrets,
            [
                "npm_abcdef",
                "-----BEGIN KEY-----",
                "pa55word",
                "acme-secret-token"
            ]
        );
    }

    #[test]
    fn every_occurrence_is_masked_longest_first_and_short_values_are_left() {
        let redactor = Redactor::new(["abcd".to_owned(), "abcdefgh".to_owned(), "1".to_owned()]);
        assert_eq!(
            redactor.mask("token=abcdefgh other=abcd n=1"),
            "token=**** other=**** n=1"
        );
    }

    #[test]
    fn the_writer_masks_a_line_written_in_pieces() {
        let output = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let redactor = Redactor::new(["s3cr3t-token".to_owned()]);
        let sink = Arc::clone(&output);
        let make = redactor.writer(move || SharedSink(Arc::clone(&sink)));
        {
            let mut writer = make.make_writer();
            writer.write_all(b"{\"msg\":\"s3cr3").unwrap();
            writer.write_all(b"t-token\"}\n").unwrap();
        }
        assert_eq!(
            String::from_utf8(output.lock().unwrap().clone()).unwrap(),
            "{\"msg\":\"****\"}\n"
        );
    }

    struct SharedSink(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for SharedSink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
