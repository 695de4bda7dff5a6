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
    #[error("`{url}` answered HTTP {status}: {}", if *.sent_credentials { "the credentials were refused" } else { "credentials are required (add a hostRule)" })]
    Auth {
        /// The URL that was requested.
        url: RedactedUrl,
        /// 401 or 403.
        status: u16,
        /// Whether an `Authorization` header was sent.
        sent_credentials: bool,
        /// The `WWW-Authenticate` challenge, for token flows such as Docker's.
        challenge: Option<String>,
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
        };
        assert!(error.to_string().contains("add a hostRule"), "{error}");
        assert!(!error.to_string().contains("secret"));
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
