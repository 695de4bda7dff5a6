//! URLs that are safe to print.
//!
//! Registry URLs can carry credentials in two places: the userinfo part
//! (`https://user:token@registry.example.com/`) and, for some hosts, the query
//! string (`?access_token=…`, pre-signed `X-Amz-Signature=…`). Every error and log
//! line of this crate prints a [`RedactedUrl`] instead of a [`Url`], so neither ever
//! reaches a log, a JSON report or a pull-request body. Redaction happens in
//! `Display`/`Debug` only; the wrapped URL is still the real one for requests.

use std::fmt;

use url::Url;

/// The text shown in place of a secret.
const MASK: &str = "****";

/// Query parameter names whose values are always masked (compared case-insensitively,
/// as substrings, so `X-Amz-Signature` and `private_token` are caught too).
const SECRET_QUERY_KEYS: &[&str] = &[
    "token",
    "password",
    "secret",
    "signature",
    "sig",
    "key",
    "credential",
    "auth",
];

/// A URL whose `Display` and `Debug` never show credentials.
///
/// ```
/// # use upkeep_http::RedactedUrl;
/// let url = RedactedUrl::parse("https://bot:hunter2@registry.example.com/v2/?access_token=abc&n=5").unwrap();
/// assert_eq!(url.to_string(), "https://****@registry.example.com/v2/?access_token=****&n=5");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedactedUrl(Url);

impl RedactedUrl {
    /// Wraps a URL.
    pub fn new(url: Url) -> Self {
        Self(url)
    }

    /// Parses and wraps a URL.
    pub fn parse(text: &str) -> Result<Self, url::ParseError> {
        Url::parse(text).map(Self)
    }

    /// The real URL, credentials included: for sending, never for printing.
    pub fn expose(&self) -> &Url {
        &self.0
    }

    /// Unwraps the real URL.
    pub fn into_inner(self) -> Url {
        self.0
    }
}

impl From<Url> for RedactedUrl {
    fn from(url: Url) -> Self {
        Self(url)
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "RedactedUrl({})", redact(&self.0))
    }
}

/// Renders a URL with its userinfo replaced by a mask and secret-looking query values
/// masked.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let has_userinfo = !url.username().is_empty() || url.password().is_some();
    if has_userinfo {
        // Cannot fail for URLs with a host, and URLs without one have no userinfo.
        let _ = shown.set_password(None);
        let _ = shown.set_username(MASK);
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let lowered = name.to_ascii_lowercase();
                let secret = SECRET_QUERY_KEYS.iter().any(|key| lowered.contains(key));
                let value = if secret {
                    MASK.to_owned()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The mask must not be percent-encoded in the output.
    shown.as_str().replace("%2A%2A%2A%2A", MASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        RedactedUrl::parse(text).unwrap().to_string()
    }

    #[test]
    fn plain_urls_are_unchanged() {
        assert_eq!(
            shown("https://registry.npmjs.org/@types%2fnode"),
            "https://registry.npmjs.org/@types%2fnode"
        );
        assert_eq!(
            shown("https://index.crates.io/se/rd/serde?x=1"),
            "https://index.crates.io/se/rd/serde?x=1"
        );
    }

    #[test]
    fn userinfo_is_masked_whole() {
        assert_eq!(
            shown("https://user:pass@host.example/a"),
            "https://****@host.example/a"
        );
        assert_eq!(
            shown("https://ghp_abcdef@github.com/o/r.git"),
            "https://****@github.com/o/r.git"
        );
    }

    #[test]
    fn secret_query_values_are_masked() {
        assert_eq!(
            shown("https://s3.example/blob?X-Amz-Signature=abc&X-Amz-Date=1"),
            "https://s3.example/blob?X-Amz-Signature=****&X-Amz-Date=1"
        );
        assert_eq!(
            shown("https://h.example/?private_token=t"),
            "https://h.example/?private_token=****"
        );
    }

    #[test]
    fn debug_is_redacted_too() {
        let url = RedactedUrl::parse("https://u:p@h.example/").unwrap();
        assert_eq!(format!("{url:?}"), "RedactedUrl(https://****@h.example/)");
        assert_eq!(url.expose().password(), Some("p"));
    }
}
