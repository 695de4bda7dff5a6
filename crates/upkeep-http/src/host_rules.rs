//! `hostRules`: which credentials and limits apply to a URL, with Renovate's semantics.
//!
//! A rule matches a request when its `hostType` (a datasource or platform id) equals the
//! request's, if the rule names one, and its `matchHost` matches the URL, if the rule
//! names one. `matchHost` is either
//! - an `http(s)://` URL: a prefix of the request URL (credentials stripped), or
//! - a host name: equal to the URL's host, or a parent domain of it (`example.com`
//!   and `.example.com` both match `npm.example.com`; a leading dot does not match the
//!   bare domain itself), or `host:port` for one port only.
//!
//! All matching rules are applied from least to most specific, a later one overriding
//! what an earlier one set; Renovate's order (`lib/util/host-rules.ts`) is: rules with
//! neither field, then `hostType`-only, then `matchHost`-only, then both; within one
//! rank, domain matches before URL prefixes, shorter `matchHost` before longer, and on a
//! full tie the rule written later wins. One difference, on purpose: the credential is
//! one unit (a token, or a username/password pair), taken whole from the most specific
//! rule that sets one, so a broad token never mixes with a narrower rule's username.
//!
//! Rules come from configuration (the config crate fills [`HostRule`]) and, for
//! self-hosted bots, from the environment as Renovate documents it
//! ([`rules_from_env`]). Secrets are [`SecretString`]s from the moment they are read.

use std::time::Duration;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

/// One `hostRules` entry, as written in configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRule {
    /// A host name, a parent domain, `host:port`, or a URL prefix.
    pub match_host: Option<String>,
    /// Restricts the rule to one datasource or platform id (`npm`, `docker`, `github`).
    pub host_type: Option<String>,
    /// A token, sent according to `auth_type`.
    pub token: Option<SecretString>,
    /// A user name for Basic authentication.
    pub username: Option<String>,
    /// A password for Basic authentication.
    pub password: Option<SecretString>,
    /// How a token is sent (`Bearer` by default).
    pub auth_type: Option<AuthType>,
    /// `false` forbids every request to matching URLs.
    pub enabled: Option<bool>,
    /// At most this many requests in flight to the host at once.
    pub concurrent_request_limit: Option<usize>,
    /// Total timeout for one request, in milliseconds (Renovate's unit).
    pub timeout: Option<u64>,
}

/// How a token is put into the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AuthType {
    /// `Authorization: Bearer <token>`.
    #[default]
    Bearer,
    /// `Authorization: Basic <token>` (the token is already base64 of `user:password`).
    Basic,
    /// `Authorization: <token>`.
    TokenOnly,
    /// `Authorization: <scheme> <token>` for any other scheme (GitHub's `token`).
    Other(String),
}

impl AuthType {
    /// Parses Renovate's `authType` text.
    pub fn parse(text: &str) -> Self {
        match text {
            "Bearer" => Self::Bearer,
            "Basic" => Self::Basic,
            "Token-Only" => Self::TokenOnly,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for AuthType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// The credential chosen for one request.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A token and how to send it.
    Token {
        /// The token.
        token: SecretString,
        /// How it is sent.
        auth_type: AuthType,
    },
    /// HTTP Basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password, if any.
        password: Option<SecretString>,
    },
}

impl Credential {
    /// The value of the `Authorization` header.
    pub fn authorization(&self) -> SecretString {
        let value = match self {
            Self::Token { token, auth_type } => {
                let token = token.expose_secret();
                match auth_type {
                    AuthType::Bearer => format!("Bearer {token}"),
                    AuthType::Basic => format!("Basic {token}"),
                    AuthType::TokenOnly => token.to_owned(),
                    AuthType::Other(scheme) => format!("{scheme} {token}"),
                }
            }
            Self::Basic { username, password } => {
                let password = password.as_ref().map(|p| p.expose_secret()).unwrap_or("");
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                format!("Basic {encoded}")
            }
        };
        SecretString::from(value)
    }
}

/// What the matching rules decide for one request.
#[derive(Debug, Clone, Default)]
pub struct HostSettings {
    /// The credential to send, if any.
    pub credential: Option<Credential>,
    /// False when a matching rule says `enabled: false`.
    pub disabled: bool,
    /// Per-host concurrency limit, if a rule sets one.
    pub concurrent_request_limit: Option<usize>,
    /// Per-request total timeout, if a rule sets one.
    pub timeout: Option<Duration>,
}

/// A parsed `matchHost`.
#[derive(Debug, Clone)]
enum Matcher {
    /// A host name or parent domain, lower-cased; may start with `.`.
    Domain(String),
    /// `host:port`, lower-cased.
    HostPort(String),
    /// An `http(s)` URL prefix, normalised by the URL parser.
    UrlPrefix(String),
}

impl Matcher {
    fn parse(text: &str) -> Self {
        let text = text.trim();
        if (text.starts_with("http://") || text.starts_with("https://"))
            && let Ok(url) = Url::parse(text)
        {
            return Self::UrlPrefix(url.as_str().to_owned());
        }
        let lowered = text.to_ascii_lowercase();
        match lowered.rsplit_once(':') {
            Some((_, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                Self::HostPort(lowered)
            }
            _ => Self::Domain(lowered),
        }
    }

    /// Sort order within a rank: domains before URL prefixes.
    fn kind_order(&self) -> u8 {
        match self {
            Self::Domain(_) | Self::HostPort(_) => 1,
            Self::UrlPrefix(_) => 2,
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Domain(text) | Self::HostPort(text) | Self::UrlPrefix(text) => text.len(),
        }
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        match self {
            Self::UrlPrefix(prefix) => {
                let mut bare = url.clone();
                let _ = bare.set_username("");
                let _ = bare.set_password(None);
                bare.as_str().starts_with(prefix.as_str())
            }
            Self::HostPort(host_port) => match url.port_or_known_default() {
                Some(port) => *host_port == format!("{host}:{port}"),
                None => false,
            },
            Self::Domain(domain) => {
                if host == domain {
                    return true;
                }
                let suffix = if domain.starts_with('.') {
                    domain.clone()
                } else {
                    format!(".{domain}")
                };
                host.ends_with(&suffix)
            }
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledRule {
    matcher: Option<Matcher>,
    rule: HostRule,
}

impl CompiledRule {
    fn sort_key(&self) -> (u8, u8, usize) {
        let rank = match (&self.rule.host_type, &self.matcher) {
            (Some(_), Some(_)) => 3,
            (None, Some(_)) => 2,
            (Some(_), None) => 1,
            (None, None) => 0,
        };
        let kind = self.matcher.as_ref().map_or(0, Matcher::kind_order);
        let length = self.matcher.as_ref().map_or(0, Matcher::len);
        (rank, kind, length)
    }

    fn matches(&self, url: &Url, host_type: Option<&str>) -> bool {
        if let Some(rule_type) = &self.rule.host_type
            && host_type != Some(rule_type.as_str())
        {
            return false;
        }
        self.matcher
            .as_ref()
            .is_none_or(|matcher| matcher.matches(url))
    }
}

/// All host rules of a run, sorted from least to most specific.
#[derive(Debug, Clone, Default)]
pub struct HostRules {
    rules: Vec<CompiledRule>,
}

impl HostRules {
    /// Compiles rules in the order they were written (configuration first, then the
    /// environment, as Renovate appends them).
    pub fn new(rules: impl IntoIterator<Item = HostRule>) -> Self {
        let mut rules: Vec<CompiledRule> = rules
            .into_iter()
            .map(|rule| CompiledRule {
                matcher: rule
                    .match_host
                    .as_deref()
                    .filter(|m| !m.trim().is_empty())
                    .map(Matcher::parse),
                rule,
            })
            .collect();
        // A stable sort keeps the written order on ties, so later rules win.
        rules.sort_by_key(CompiledRule::sort_key);
        Self { rules }
    }

    /// What applies to a request for `url` made on behalf of `host_type`.
    pub fn resolve(&self, url: &Url, host_type: Option<&str>) -> HostSettings {
        let mut settings = HostSettings::default();
        let mut auth_type: Option<AuthType> = None;
        for CompiledRule { rule, .. } in self
            .rules
            .iter()
            .filter(|rule| rule.matches(url, host_type))
        {
            if let Some(token) = &rule.token {
                settings.credential = Some(Credential::Token {
                    token: token.clone(),
                    auth_type: AuthType::Bearer,
                });
            } else if rule.username.is_some() || rule.password.is_some() {
                settings.credential = Some(Credential::Basic {
                    username: rule.username.clone().unwrap_or_default(),
                    password: rule.password.clone(),
                });
            }
            if let Some(kind) = &rule.auth_type {
                auth_type = Some(kind.clone());
            }
            if let Some(enabled) = rule.enabled {
                settings.disabled = !enabled;
            }
            if let Some(limit) = rule.concurrent_request_limit {
                settings.concurrent_request_limit = Some(limit);
            }
            if let Some(milliseconds) = rule.timeout {
                settings.timeout = Some(Duration::from_millis(milliseconds));
            }
        }
        if let (
            Some(Credential::Token {
                auth_type: slot, ..
            }),
            Some(kind),
        ) = (&mut settings.credential, auth_type)
        {
            *slot = kind;
        }
        settings
    }

    /// True when no rule is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Reads host rules from environment variables the way Renovate does for self-hosted
/// bots (`detectHostRulesFromEnv`): `<HOSTTYPE>_<HOST PARTS>_<FIELD>`, with `_` between
/// host parts standing for `.`, `__` standing for `-`, and FIELD one of `TOKEN`,
/// `USERNAME`, `PASSWORD`. Without host parts the rule is for the host type alone
/// (`NPM_TOKEN`); a single host part is ambiguous and skipped. Only names starting
/// with one of `host_types` (datasource ids) or `github` (the platform, which needs a
/// host so that `GITHUB_TOKEN` is not taken) are read.
///
/// `NPM_REGISTRY_EXAMPLE_COM_TOKEN=abc` → `{hostType: npm, matchHost: registry.example.com, token: abc}`;
/// `GITHUB__TAGS_GITHUB_COM_TOKEN` → `{hostType: github-tags, matchHost: github.com}`.
pub fn rules_from_env(
    variables: impl IntoIterator<Item = (String, String)>,
    host_types: &[&str],
) -> Vec<HostRule> {
    const NPM_PREFIXES: &[&str] = &["npm_config_", "npm_lifecycle_", "npm_package_"];
    let mut variables: Vec<(String, String)> = variables.into_iter().collect();
    variables.sort();
    let mut rules: Vec<HostRule> = Vec::new();
    for (name, value) in variables {
        if NPM_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) {
            continue;
        }
        let lowered = name.to_ascii_lowercase().replace("__", "-");
        let mut parts: Vec<&str> = lowered.split('_').collect();
        let host_type = parts.remove(0);
        let known = host_types.contains(&host_type) || (host_type == "github" && parts.len() > 1);
        if !known {
            continue;
        }
        let Some(field) = parts.pop() else { continue };
        if !matches!(field, "token" | "username" | "password") {
            continue;
        }
        let match_host = match parts.len() {
            0 => None,
            1 => {
                tracing::warn!(variable = %name, "cannot read a host rule from this variable: a host needs at least two parts");
                continue;
            }
            _ => Some(parts.join(".")),
        };
        let index = match rules.iter().position(|rule| {
            rule.host_type.as_deref() == Some(host_type) && rule.match_host == match_host
        }) {
            Some(index) => index,
            None => {
                rules.push(HostRule {
                    host_type: Some(host_type.to_owned()),
                    match_host,
                    ..HostRule::default()
                });
                rules.len() - 1
            }
        };
        tracing::debug!(variable = %name, "host rule from the environment");
        let rule = &mut rules[index];
        match field {
            "token" => rule.token = Some(SecretString::from(value)),
            "username" => rule.username = Some(value),
            _ => rule.password = Some(SecretString::from(value)),
        }
    }
    rules
}

#[cfg(test)]
#[path = "host_rules_tests.rs"]
mod tests;
