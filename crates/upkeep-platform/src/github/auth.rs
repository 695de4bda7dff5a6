//! Credentials: a GitHub App (id + RSA private key, turned into RS256 JWTs by octocrab)
//! whose installation tokens are minted on first use, cached, and replaced shortly
//! before they expire; or a personal access token. Secrets are [`SecretString`]s and
//! every `Debug` here redacts them.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;

use crate::error::PlatformError;

/// How upkeep authenticates to GitHub.
#[derive(Clone)]
pub enum GitHubAuth {
    /// A GitHub App: repositories are reached through its installations.
    App {
        /// The App's id.
        app_id: u64,
        /// The App's private key (PEM, PKCS#1 or PKCS#8).
        private_key: SecretString,
    },
    /// A personal access token (classic or fine-grained); acts as its user.
    Token(SecretString),
}

impl GitHubAuth {
    /// An App whose private key PEM is in the file `path`.
    pub fn app_from_file(app_id: u64, path: &Path) -> Result<GitHubAuth, PlatformError> {
        let pem = std::fs::read_to_string(path).map_err(|e| {
            PlatformError::Config(format!(
                "cannot read the GitHub App private key `{}`: {e}",
                path.display()
            ))
        })?;
        GitHubAuth::app_from_pem(app_id, pem, &format!("file `{}`", path.display()))
    }

    /// An App whose private key PEM is the contents of the environment variable `var`.
    pub fn app_from_env(app_id: u64, var: &str) -> Result<GitHubAuth, PlatformError> {
        let pem = std::env::var(var).map_err(|_| {
            PlatformError::Config(format!(
                "environment variable `{var}` (the GitHub App private key) is not set"
            ))
        })?;
        GitHubAuth::app_from_pem(app_id, pem, &format!("environment variable `{var}`"))
    }

    /// An App with its private key PEM given directly; `source` names where it came from.
    pub fn app_from_pem(
        app_id: u64,
        pem: String,
        source: &str,
    ) -> Result<GitHubAuth, PlatformError> {
        // Keys pasted into environment variables often carry literal `\n`.
        let pem = if pem.contains("\\n") && !pem.contains('\n') {
            pem.replace("\\n", "\n")
        } else {
            pem
        };
        if !pem.contains("-----BEGIN") || !pem.contains("PRIVATE KEY-----") {
            return Err(PlatformError::Config(format!(
                "the GitHub App private key from {source} is not a PEM private key"
            )));
        }
        octocrab::EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
            PlatformError::Config(format!(
                "the GitHub App private key from {source} is not an RSA key: {e}"
            ))
        })?;
        Ok(GitHubAuth::App {
            app_id,
            private_key: SecretString::from(pem),
        })
    }

    /// A personal access token.
    pub fn token(token: impl Into<String>) -> GitHubAuth {
        GitHubAuth::Token(SecretString::from(token.into()))
    }
}

impl std::fmt::Debug for GitHubAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitHubAuth::App { app_id, .. } => f
                .debug_struct("App")
                .field("app_id", app_id)
                .field("private_key", &"[redacted]")
                .finish(),
            GitHubAuth::Token(_) => f.debug_tuple("Token").field(&"[redacted]").finish(),
        }
    }
}

/// Who a request is made as: rate limits, content pacing and counters are per identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    /// An App installation (its installation token).
    Installation(u64),
    /// The personal access token.
    Token,
}

/// An installation token and its lifetime.
#[derive(Clone)]
pub(crate) struct InstallationToken {
    pub(crate) token: SecretString,
    pub(crate) minted_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

impl std::fmt::Debug for InstallationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl InstallationToken {
    /// Whether to mint a new token before using this one at `now`: GitHub's tokens
    /// live an hour, so five minutes of margin keeps a request (or a git push that
    /// runs a while) from starting with a token about to die; shorter-lived tokens
    /// keep a quarter of their life as margin.
    pub(crate) fn needs_refresh(&self, now: Timestamp) -> bool {
        let lifetime = self
            .expires_at
            .duration_since(self.minted_at)
            .unsigned_abs();
        let margin = (lifetime / 4).min(Duration::from_secs(300));
        let left = self.expires_at.duration_since(now);
        left.is_negative() || left.unsigned_abs() <= margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(minted: i64, expires: i64) -> InstallationToken {
        InstallationToken {
            token: SecretString::from("ghs_x".to_string()),
            minted_at: Timestamp::from_second(minted).unwrap(),
            expires_at: Timestamp::from_second(expires).unwrap(),
        }
    }

    #[test]
    fn an_hour_token_is_refreshed_five_minutes_before_it_expires() {
        let t = token(0, 3600);
        assert!(!t.needs_refresh(Timestamp::from_second(3000).unwrap()));
        assert!(t.needs_refresh(Timestamp::from_second(3300).unwrap()));
        assert!(t.needs_refresh(Timestamp::from_second(4000).unwrap()));
    }

    #[test]
    fn a_short_token_keeps_a_quarter_of_its_life_as_margin() {
        let t = token(0, 8);
        assert!(!t.needs_refresh(Timestamp::from_second(5).unwrap()));
        assert!(t.needs_refresh(Timestamp::from_second(6).unwrap()));
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let auth = GitHubAuth::token("ghp_secretvalue");
        assert!(!format!("{auth:?}").contains("secretvalue"));
        assert!(!format!("{:?}", token(0, 1)).contains("ghs_x"));
    }

    #[test]
    fn a_key_that_is_not_pem_is_a_config_error_naming_its_source() {
        let err = GitHubAuth::app_from_pem(1, "nope".to_string(), "file `k.pem`").unwrap_err();
        assert!(err.to_string().contains("k.pem"), "{err}");
    }
}
