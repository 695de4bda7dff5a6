//! Typed errors that tell a host failure from a package failure.
//!
//! Renovate's rule (`external-host-error.ts`) is the one datasources need: when the
//! *host* is at fault (unreachable, timing out, 5xx after retries, refusing our
//! credentials, rate-limiting us, sending garbage) every package on that host is
//! affected and the lookup stage records one host-level failure; when the *package*
//! is at fault (404/410, another 4xx about this one path) only that dependency gets a
//! failure and the run goes on. [`HttpError::is_host_failure`] draws that line.
//!
//! Every variant names the URL (redacted) in backticks, and the reason strings are
//! built without reqwest's own URL, so no message can leak a credential. Errors are
//! `Clone` because one in-run result (success or failure) is shared by every caller
//! that asked for the same request.

use std::time::Duration;

use crate::RedactedUrl;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// 404 or 410: this package (or version, or tag) does not exist on the host.
    #[error("`{url}` was not found (HTTP {status})")]
    NotFound {
        /// The URL that was requested.
        url: RedactedUrl,
        /// 404 or 410.
        status: u16,
    },
    /// Another 4xx status that concerns this request only (400, 405, 422, …).
    #[error("`{url}` answered HTTP {status}")]
    ClientStatus {
        /// The URL that was requested.
        url: RedactedUrl,
        /// The status code.
        status: u16,
    },
    /// The connection could not be established (refused, DNS failure, TLS failure,
    /// connect timeout) even after one retry. The host is now marked down.
    #[error("could not connect to `{host}` for `{url}`: {reason}")]
    Unreachable {
        /// The URL that was requested.
        url: RedactedUrl,
        /// `host:port`.
        host: String,
        /// What the network stack said.
        reason: String,
    },
    /// The host failed to connect earlier in this run; no new attempt was made.
    #[error("skipped `{url}`: `{host}` was unreachable earlier in this run ({reason})")]
    HostDown {
        /// The URL that was requested.
        url: RedactedUrl,
        /// `host:port`.
        host: String,
        /// The reason recorded by the first failure.
        reason: String,
    },
    /// A host rule with `enabled: false` matches this URL.
    #[error("`{url}` was not requested: host rules disable `{host}`")]
    HostDisabled {
        /// The URL that was requested.
        url: RedactedUrl,
        /// `host:port`.
        host: String,
    },
    /// The request (connection, headers and body) took longer than the timeout.
    #[error("request to `{url}` timed out after {timeout:?}")]
    Timeout {
        /// The URL that was requested.
        url: RedactedUrl,
        /// The total timeout in force.
        timeout: Duration,
    },
    /// 5xx, still failing after the configured retries.
    #[error("`{url}` answered HTTP {status} after {attempts} attempt(s)")]
    ServerError {
        /// The URL that was requested.
        url: RedactedUrl,
        /// The last status code.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
    },
    /// 401 or 403: credentials missing, wrong, or lacking permission.
    #[error("`{url}` answered HTTP {status}: {}{}", if *.sent_credentials { "the credentials were refused" } else { "credentials are required (add a hostRule)" }, .detail.as_ref().map(|detail| format!(" ({detail})")).unwrap_or_default())]
    Auth {
        /// The URL that was requested.
        url: RedactedUrl,
        /// 401 or 403.
        status: u16,
        /// Whether an `Authorization` header was sent.
        sent_credentials: bool,
        /// The `WWW-Authenticate` challenge, for token flows such as Docker's.
        challenge: Option<String>,
        /// What the error body says, shortened ([`summarize_error_body`]): OCI
        /// registries name the refusal there (`DENIED: requested access to the
        /// resource is denied`).
        detail: Option<String>,
    },
    /// 429 after the configured retries, or with a `Retry-After` beyond the cap.
    #[error("`{url}` is rate-limiting requests (HTTP 429) after {attempts} attempt(s)")]
    RateLimited {
        /// The URL that was requested.
        url: RedactedUrl,
        /// How many requests were sent.
        attempts: u32,
        /// The last `Retry-After`, when the host sent one.
        retry_after: Option<Duration>,
    },
    /// The body grew past the size cap; reading stopped there.
    #[error("the response from `{url}` is larger than the cap of {limit} bytes")]
    BodyTooLarge {
        /// The URL that was requested.
        url: RedactedUrl,
        /// The cap in bytes.
        limit: u64,
    },
    /// The body could not be decoded (JSON that does not parse or does not fit the
    /// expected shape).
    #[error("invalid response body from `{url}`: {reason}")]
    InvalidBody {
        /// The URL that was requested.
        url: RedactedUrl,
        /// The decoder's message.
        reason: String,
    },
    /// A redirect without a usable `Location`, or a redirect loop.
    #[error("bad redirect from `{url}`: {reason}")]
    Redirect {
        /// The URL that answered with the redirect.
        url: RedactedUrl,
        /// What was wrong.
        reason: String,
    },
    /// Another transport failure (connection reset after the retries, protocol error).
    #[error("request to `{url}` failed: {reason}")]
    Transport {
        /// The URL that was requested.
        url: RedactedUrl,
        /// What the network stack said.
        reason: String,
    },
}

impl HttpError {
    /// True when the host is at fault and every package on it is affected; false when
    /// only this package (path) is: 404/410 and other per-request 4xx.
    pub fn is_host_failure(&self) -> bool {
        !matches!(self, Self::NotFound { .. } | Self::ClientStatus { .. })
    }

    /// True for 404 and 410.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// The URL the error is about.
    pub fn url(&self) -> &RedactedUrl {
        match self {
            Self::NotFound { url, .. }
            | Self::ClientStatus { url, .. }
            | Self::Unreachable { url, .. }
            | Self::HostDown { url, .. }
            | Self::HostDisabled { url, .. }
            | Self::Timeout { url, .. }
            | Self::ServerError { url, .. }
            | Self::Auth { url, .. }
            | Self::RateLimited { url, .. }
            | Self::BodyTooLarge { url, .. }
            | Self::InvalidBody { url, .. }
            | Self::Redirect { url, .. }
            | Self::Transport { url, .. } => url,
        }
    }

    /// The HTTP status the error came from, if it came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { status, .. }
            | Self::ClientStatus { status, .. }
            | Self::ServerError { status, .. }
            | Self::Auth { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// reqwest refused the configuration (TLS roots, proxy settings).
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    /// The cache directory could not be created.
    #[error("could not create the HTTP cache directory `{path}`: {source}")]
    CacheDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The cache URL is not one upkeep can use.
    #[error("cannot use the cache URL `{url}`: {reason}")]
    CacheUrl {
        /// The URL, credentials masked.
        url: RedactedUrl,
        /// Why.
        reason: String,
    },
}

/// The longest error-body summary kept, in characters.
const DETAIL_CHARS: usize = 200;

/// A one-line summary of an error body, for messages: the `code: message` pairs of an
/// OCI distribution error (`{"errors":[{"code":"DENIED","message":"…"}]}`), the
/// `error`/`message` field most other registries use, or the first line of a short
/// plain-text body; `None` for anything else (HTML pages, binary, empty).
pub fn summarize_error_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let summary = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => summarize_json(&value)?,
        Err(_) if !text.starts_with('<') => text.lines().next()?.trim().to_owned(),
        Err(_) => return None,
    };
    if summary.is_empty() {
        return None;
    }
    if summary.chars().count() > DETAIL_CHARS {
        let cut: String = summary.chars().take(DETAIL_CHARS).collect();
        return Some(format!("{cut}…"));
    }
    Some(summary)
}

fn summarize_json(value: &serde_json::Value) -> Option<String> {
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    if let Some(errors) = value.get("errors").and_then(|errors| errors.as_array()) {
        let parts: Vec<String> = errors
            .iter()
            .filter_map(|error| {
                let code = error.get("code").and_then(text);
                let message = error.get("message").and_then(text);
                match (code, message) {
                    (Some(code), Some(message)) => Some(format!("{code}: {message}")),
                    (code, message) => code.or(message),
                }
            })
            .collect();
        return (!parts.is_empty()).then(|| parts.join("; "));
    }
    let error = value.get("error");
    error
        .and_then(text)
        .or_else(|| error.and_then(|error| error.get("message")).and_then(text))
        .or_else(|| value.get("message").and_then(text))
        .or_else(|| value.get("details").and_then(text))
}

/// Describes a reqwest error without the URL reqwest would print (it may carry
/// credentials): the two innermost causes (`tcp connect error: Connection refused`),
/// which say what happened, without the generic wrappers reqwest and hyper add.
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    let keep = parts.len().saturating_sub(2);
    parts.split_off(keep).join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> RedactedUrl {
        RedactedUrl::parse("https://bot:secret@registry.example.com/pkg").unwrap()
    }

    #[test]
    fn messages_quote_the_redacted_url() {
        let error = HttpError::NotFound {
            url: url(),
            status: 404,
        };
        assert_eq!(
            error.to_string(),
            "`https://****@registry.example.com/pkg` was not found (HTTP 404)"
        );
        let error = HttpError::Auth {
            url: url(),
            status: 401,
            sent_credentials: false,
            challenge: None,
            detail: None,
        };
        assert!(error.to_string().contains("add a hostRule"), "{error}");
        assert!(!error.to_string().contains("secret"));
    }

    #[test]
    fn error_bodies_are_summarized_in_one_short_line() {
        let oci = br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied","detail":null}]}"#;
        assert_eq!(
            summarize_error_body(oci).as_deref(),
            Some("DENIED: requested access to the resource is denied")
        );
        assert_eq!(
            summarize_error_body(br#"{"error":"unauthorized"}"#).as_deref(),
            Some("unauthorized")
        );
        assert_eq!(
            summarize_error_body(b"bad token\nmore").as_deref(),
            Some("bad token")
        );
        assert_eq!(summarize_error_body(b"<html><body>401</body></html>"), None);
        assert_eq!(summarize_error_body(b""), None);
        let long = "x".repeat(500);
        assert_eq!(
            summarize_error_body(long.as_bytes())
                .unwrap()
                .chars()
                .count(),
            DETAIL_CHARS + 1
        );
        let error = HttpError::Auth {
            url: url(),
            status: 403,
            sent_credentials: true,
            challenge: None,
            detail: summarize_error_body(oci),
        };
        assert!(error.to_string().ends_with(
            "the credentials were refused (DENIED: requested access to the resource is denied)"
        ));
    }

    #[test]
    fn only_package_level_statuses_are_not_host_failures() {
        assert!(
            !HttpError::NotFound {
                url: url(),
                status: 410
            }
            .is_host_failure()
        );
        assert!(
            !HttpError::ClientStatus {
                url: url(),
                status: 400
            }
            .is_host_failure()
        );
        assert!(
            HttpError::ServerError {
                url: url(),
                status: 503,
                attempts: 3
            }
            .is_host_failure()
        );
        assert!(
            HttpError::RateLimited {
                url: url(),
                attempts: 1,
                retry_after: None
            }
            .is_host_failure()
        );
        assert!(
            HttpError::InvalidBody {
                url: url(),
                reason: "x".into()
            }
            .is_host_failure()
        );
    }
}
