//! Registry authentication: the `WWW-Authenticate` challenge and the bearer tokens it
//! leads to.
//!
//! The distribution token flow: a request answered `401` with
//! `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` means "fetch a token from
//! `realm?service=…&scope=repository:<name>:pull` and retry with
//! `Authorization: Bearer <token>`". The token endpoint gets the hostRules credential
//! for its own host (Basic), which the HTTP client adds by itself; when its host has
//! none, the registry's credential goes along, as Docker and Renovate send it (never
//! from an `https` registry to a plain-`http` realm).
//!
//! Challenges are parsed per RFC 7235: several may share one header
//! (`Basic realm="x", Bearer realm="…"`), values may be quoted and contain commas
//! (`scope="repository:a:pull,push"`) or escaped quotes, and scheme and parameter
//! names are case-insensitive.
//!
//! Tokens are cached per (HTTP client, registry, repository) until shortly before
//! they expire, so the 401 round trip is paid once per repository, not per request.
//! The cache lives in the datasource (a process-wide static) but every entry is tied
//! to the client that obtained it through a `Weak` reference: a token bought with one
//! run's credentials is never offered to another run's client, and an entry whose
//! client is gone is dead (the `Weak` also keeps the client's address from being
//! reused while the entry exists).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use upkeep_http::{HttpClient, SecretString};

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lower-cased (`bearer`, `basic`).
    pub scheme: String,
    /// Parameters, names lower-cased, values unquoted.
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Every challenge in a `WWW-Authenticate` header value, in order.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut scanner = Scanner {
        text: header.as_bytes(),
        position: 0,
    };
    let mut challenges = Vec::new();
    loop {
        scanner.skip(|c| c == b',' || c.is_ascii_whitespace());
        let scheme = scanner.token();
        if scheme.is_empty() {
            break;
        }
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        // Parameters: `name = value` separated by commas, until a token that is not
        // followed by `=` starts the next challenge.
        loop {
            scanner.skip(|c| c == b',' || c.is_ascii_whitespace());
            let start = scanner.position;
            let name = scanner.token();
            scanner.skip(|c| c == b' ' || c == b'\t');
            if name.is_empty() || !scanner.eat(b'=') {
                scanner.position = start;
                break;
            }
            scanner.skip(|c| c == b' ' || c == b'\t');
            let value = if scanner.peek() == Some(b'"') {
                scanner.quoted()
            } else {
                // token68 padding (`abc==`) or a bare token.
                let mut value = scanner.token();
                while scanner.eat(b'=') {
                    value.push('=');
                }
                value
            };
            challenge.params.insert(name.to_ascii_lowercase(), value);
        }
        challenges.push(challenge);
    }
    challenges
}

/// The bearer challenge of a header, if it offers one with a realm.
pub fn bearer_challenge(header: &str) -> Option<Challenge> {
    parse_challenges(header)
        .into_iter()
        .find(|challenge| challenge.scheme == "bearer" && challenge.param("realm").is_some())
}

struct Scanner<'a> {
    text: &'a [u8],
    position: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.position).copied()
    }

    fn skip(&mut self, predicate: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&predicate) {
            self.position += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matched = self.peek() == Some(byte);
        if matched {
            self.position += 1;
        }
        matched
    }

    /// An RFC 7230 token (plus `/`, which token68 allows).
    fn token(&mut self) -> String {
        let start = self.position;
        self.skip(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&c));
        String::from_utf8_lossy(&self.text[start..self.position]).into_owned()
    }

    /// A quoted string with backslash escapes; an unterminated one runs to the end.
    fn quoted(&mut self) -> String {
        self.position += 1;
        let mut value = Vec::new();
        while let Some(byte) = self.peek() {
            self.position += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.position += 1;
                    }
                }
                other => value.push(other),
            }
        }
        String::from_utf8_lossy(&value).into_owned()
    }
}

/// Tokens are dropped this long before the registry says they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

/// Bearer tokens per (client, registry, repository).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<BTreeMap<TokenKey, CachedToken>>,
}

type TokenKey = (usize, String, String);

#[derive(Debug)]
struct CachedToken {
    client: Weak<HttpClient>,
    authorization: SecretString,
    expires: Instant,
}

impl TokenCache {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The `Authorization` value cached for this client, registry and repository,
    /// while it is still valid.
    pub fn get(
        &self,
        client: &Arc<HttpClient>,
        registry: &str,
        repository: &str,
    ) -> Option<SecretString> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(&key(client, registry, repository))?;
        let same_client = entry
            .client
            .upgrade()
            .is_some_and(|alive| Arc::ptr_eq(&alive, client));
        (same_client && entry.expires > Instant::now()).then(|| entry.authorization.clone())
    }

    /// Stores a token valid for `expires_in` seconds; prunes dead and expired entries.
    pub fn insert(
        &self,
        client: &Arc<HttpClient>,
        registry: &str,
        repository: &str,
        authorization: SecretString,
        expires_in: u64,
    ) {
        let lifetime = Duration::from_secs(expires_in).saturating_sub(EXPIRY_MARGIN);
        if lifetime.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = Instant::now();
        entries.retain(|_, entry| entry.expires > now && entry.client.strong_count() > 0);
        entries.insert(
            key(client, registry, repository),
            CachedToken {
                client: Arc::downgrade(client),
                authorization,
                expires: now + lifetime,
            },
        );
    }

    /// Forgets a token the registry refused.
    pub fn remove(&self, client: &Arc<HttpClient>, registry: &str, repository: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&key(client, registry, repository));
        }
    }
}

fn key(client: &Arc<HttpClient>, registry: &str, repository: &str) -> TokenKey {
    (
        Arc::as_ptr(client) as usize,
        registry.to_owned(),
        repository.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use upkeep_http::{HostRules, HttpOptions};

    #[test]
    fn docker_hub_challenge() {
        let header = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull""#;
        let challenge = bearer_challenge(header).unwrap();
        assert_eq!(
            challenge.param("realm"),
            Some("https://auth.docker.io/token")
        );
        assert_eq!(challenge.param("service"), Some("registry.docker.io"));
        assert_eq!(
            challenge.param("scope"),
            Some("repository:library/node:pull")
        );
    }

    #[test]
    fn quoted_values_keep_their_commas_and_escapes() {
        let header = r#"Bearer realm="https://r.example.com/token", scope="repository:a/b:pull,push", error="insufficient_scope", note="say \"hi\"""#;
        let challenge = bearer_challenge(header).unwrap();
        assert_eq!(challenge.param("scope"), Some("repository:a/b:pull,push"));
        assert_eq!(challenge.param("error"), Some("insufficient_scope"));
        assert_eq!(challenge.param("note"), Some(r#"say "hi""#));
        assert_eq!(challenge.params.len(), 4);
    }

    #[test]
    fn several_challenges_in_one_header() {
        let header = r#"Basic realm="Registry Realm", BEARER Realm="https://auth.example.com/t",Service=reg"#;
        let challenges = parse_challenges(header);
        assert_eq!(challenges.len(), 2);
        assert_eq!(challenges[0].scheme, "basic");
        assert_eq!(challenges[0].param("realm"), Some("Registry Realm"));
        assert_eq!(challenges[1].scheme, "bearer");
        assert_eq!(challenges[1].param("service"), Some("reg"));
        assert_eq!(
            bearer_challenge(header).unwrap().param("realm"),
            Some("https://auth.example.com/t")
        );
    }

    #[test]
    fn schemes_without_parameters_and_token68_do_not_confuse_the_parser() {
        let challenges = parse_challenges("Negotiate, Basic abc123==, Bearer realm=x");
        let schemes: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["negotiate", "basic", "bearer"]);
        assert_eq!(challenges[2].param("realm"), Some("x"));
        assert!(parse_challenges("").is_empty());
        assert!(bearer_challenge(r#"Basic realm="x""#).is_none());
        assert!(bearer_challenge(r#"Bearer service="x""#).is_none());
        // Unterminated quote: read to the end rather than loop or panic.
        assert_eq!(
            bearer_challenge(r#"Bearer realm="https://x"#)
                .unwrap()
                .param("realm"),
            Some("https://x")
        );
    }

    fn client() -> Arc<HttpClient> {
        Arc::new(HttpClient::new(HttpOptions::default(), HostRules::default()).unwrap())
    }

    #[test]
    fn tokens_are_kept_per_client_registry_and_repository_until_they_expire() {
        use secrecy::ExposeSecret;
        let cache = TokenCache::new();
        let (first, second) = (client(), client());
        cache.insert(&first, "r.example.com", "a", "Bearer t".into(), 300);
        let found = cache.get(&first, "r.example.com", "a").unwrap();
        assert_eq!(found.expose_secret(), "Bearer t");
        assert!(cache.get(&second, "r.example.com", "a").is_none());
        assert!(cache.get(&first, "r.example.com", "b").is_none());
        cache.insert(&first, "r.example.com", "short", "Bearer s".into(), 5);
        assert!(cache.get(&first, "r.example.com", "short").is_none());
        cache.remove(&first, "r.example.com", "a");
        assert!(cache.get(&first, "r.example.com", "a").is_none());
    }
}
