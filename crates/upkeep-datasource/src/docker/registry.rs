//! The I/O half: requests to one repository of one registry, through the run's
//! [`upkeep_http::HttpClient`], with the token flow wrapped around every request.
//!
//! ```text
//! send ─► cached token? ─► request with it ─► 401? forget it
//!    └──► request (hostRules credential, if any) ─► 401 + Bearer challenge?
//!           └─► GET realm?service=…&scope=repository:<name>:pull ─► retry with token
//! ```
//!
//! What is cached on disk, and for how long (the key names registry and repository,
//! never a credential; the client adds the credential's fingerprint itself):
//! tag pages 15 minutes (tags move), manifests by tag 15 minutes, manifests and blobs
//! by digest 30 days (content-addressed, immutable). Tokens are never written to disk.
//! `HEAD` is not cached (the client caches `GET` only); the in-run memo still makes
//! fifty identical digest lookups one request.
//!
//! Known limits, both from the client's layers rather than this file: the disk cache
//! is partitioned by the `Authorization` sent, and a registry token is new every run,
//! so token registries (Docker Hub, GHCR) revalidate nothing across runs; and the
//! in-run memo shares one token response per (realm, scope), so a run longer than a
//! token's lifetime (Docker Hub: 300 s) would be handed the expired token again.

use std::time::Duration;

use upkeep_http::{HttpError, Request, Response, SecretString, Url};

use super::auth::{Challenge, TokenCache, bearer_challenge};
use super::parse::{
    self, ImageConfig, MANIFEST_TYPES, Manifest, check_digest, next_link, parse_token,
};
use super::reference::ImageRef;
use crate::{DatasourceError, LookupContext};

/// The `hostType` hostRules are matched with.
const HOST_TYPE: &str = "docker";
/// Tags asked for per page: ECR's maximum, and distribution 3.1's default `maxtags`
/// (it answers `400 PAGINATION_NUMBER_INVALID` to more; Renovate's `n=10000` broke there).
const PAGE_SIZE: u32 = 1000;
/// Pages followed at most (100,000 tags): a registry cannot keep a lookup busy forever.
const MAX_PAGES: usize = 100;
/// How long tag lists are served from the cache (namespace `docker-tags`): a new tag
/// an hour late is fine, and tag lists are the bulk of a fleet's Docker requests.
const TAGS_TTL: Duration = Duration::from_secs(60 * 60);
/// How long manifests fetched by tag are served from the cache.
const MUTABLE_TTL: Duration = Duration::from_secs(15 * 60);
/// How long content fetched by digest is served from disk.
const IMMUTABLE_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Largest manifest or image config accepted; real ones are a few kilobytes.
const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

/// `GET` or `HEAD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Get,
    Head,
}

/// One repository on one registry, for one lookup.
pub struct Repository<'a> {
    /// Tokens shared by the datasource's lookups.
    pub tokens: &'a TokenCache,
    /// The run's client.
    pub context: &'a LookupContext,
    /// Where the repository is.
    pub image: &'a ImageRef,
    /// The package as the dependency names it, for messages.
    pub package: &'a str,
}

impl Repository<'_> {
    /// Every tag, following `Link` pagination within the same registry.
    pub async fn tags(&self) -> Result<Vec<String>, DatasourceError> {
        let mut url = self.url("tags/list")?;
        url.query_pairs_mut()
            .append_pair("n", &PAGE_SIZE.to_string());
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            let key = self.cache_key("docker-tags", &url);
            let response = self
                .send(Call::Get, || {
                    Request::new(url.clone())
                        .accept("application/json")
                        .cache(key.clone(), TAGS_TTL)
                })
                .await?;
            let page = parse::parse_tags(&response.body)
                .map_err(|reason| self.invalid(&response, reason))?;
            tags.extend(page);
            let Some(next) = response.header("link").and_then(next_link) else {
                return Ok(tags);
            };
            url = self.next_page(&url, next, &response)?;
        }
        Ok(tags)
    }

    /// The digest `tag` points at: `Docker-Content-Digest` of a `HEAD`, or the sha256
    /// of the manifest body when the registry does not send the header.
    pub async fn digest(&self, tag: &str) -> Result<String, DatasourceError> {
        let url = self.url(&format!("manifests/{tag}"))?;
        let response = self.send(Call::Head, || manifest_request(&url)).await?;
        if let Some(digest) = response.header("docker-content-digest")
            && check_digest(digest).is_ok()
        {
            return Ok(digest.to_owned());
        }
        let response = self
            .send(Call::Get, || {
                manifest_request(&url).cache(self.cache_key("docker", &url), MUTABLE_TTL)
            })
            .await?;
        Ok(parse::sha256_digest(&response.body))
    }

    /// The manifest `reference` (a tag or a digest) names.
    pub async fn manifest(&self, reference: &str) -> Result<Manifest, DatasourceError> {
        let url = self.url(&format!("manifests/{reference}"))?;
        let ttl = if check_digest(reference).is_ok() {
            IMMUTABLE_TTL
        } else {
            MUTABLE_TTL
        };
        let key = self.cache_key("docker", &url);
        let response = self
            .send(Call::Get, || manifest_request(&url).cache(key.clone(), ttl))
            .await?;
        parse::parse_manifest(&response.body, response.header("content-type"))
            .map_err(|reason| self.invalid(&response, reason))
    }

    /// The image config blob `digest`, following the registry's redirect to blob
    /// storage (the client drops our credentials when the redirect leaves the host).
    pub async fn config(&self, digest: &str) -> Result<ImageConfig, DatasourceError> {
        let url = self.url(&format!("blobs/{digest}"))?;
        let key = self.cache_key("docker", &url);
        let response = self
            .send(Call::Get, || {
                Request::new(url.clone())
                    .max_body_bytes(MAX_DOCUMENT_BYTES)
                    .cache(key.clone(), IMMUTABLE_TTL)
            })
            .await?;
        parse::parse_config(&response.body).map_err(|reason| self.invalid(&response, reason))
    }

    /// One request with the token flow around it.
    async fn send(
        &self,
        call: Call,
        build: impl Fn() -> Request,
    ) -> Result<Response, DatasourceError> {
        let http = &self.context.http;
        let registry = self.image.registry();
        let repository = &self.image.repository;
        if let Some(authorization) = self.tokens.get(http, &registry, repository) {
            match self.call(call, build().authorization(&authorization)).await {
                Err(HttpError::Auth { status: 401, .. }) => {
                    self.tokens.remove(http, &registry, repository);
                }
                result => return result.map_err(|error| self.failure(error)),
            }
        }
        let first = self.call(call, build()).await;
        let challenge = match &first {
            Err(HttpError::Auth {
                status: 401,
                challenge: Some(header),
                ..
            }) => bearer_challenge(header),
            _ => None,
        };
        let Some(challenge) = challenge else {
            return first.map_err(|error| self.failure(error));
        };
        let (authorization, expires_in) = self.token(&challenge).await?;
        self.tokens.insert(
            http,
            &registry,
            repository,
            authorization.clone(),
            expires_in,
        );
        self.call(call, build().authorization(&authorization))
            .await
            .map_err(|error| self.failure(error))
    }

    async fn call(&self, call: Call, request: Request) -> Result<Response, HttpError> {
        let request = request.host_type(HOST_TYPE);
        match call {
            Call::Get => self.context.http.get_bytes(request).await,
            Call::Head => self.context.http.head(request).await,
        }
    }

    /// Fetches a pull token for this repository from the challenge's realm; the client
    /// adds the realm host's hostRules credential (Basic) by itself, else the
    /// registry's goes along ([`Self::realm_fallback_credential`]).
    async fn token(&self, challenge: &Challenge) -> Result<(SecretString, u64), DatasourceError> {
        let realm = challenge.param("realm").unwrap_or_default();
        let mut url = Url::parse(realm)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| DatasourceError::InvalidResponse {
                package: self.package.to_owned(),
                url: self.image.registry(),
                reason: format!("the token realm `{realm}` is not an http(s) URL"),
            })?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = challenge.param("service") {
                query.append_pair("service", service);
            }
            query.append_pair(
                "scope",
                &format!("repository:{}:pull", self.image.repository),
            );
        }
        let mut request = Request::new(url.clone()).accept("application/json");
        if let Some(credential) = self.realm_fallback_credential(&url) {
            request = request.authorization(&credential);
        }
        let response = self
            .call(Call::Get, request)
            .await
            .map_err(|error| self.failure(error))?;
        let token =
            parse_token(&response.body).map_err(|reason| self.invalid(&response, reason))?;
        let authorization = SecretString::from(format!("Bearer {}", token.token));
        Ok((authorization, token.expires_in))
    }

    /// The registry's own credential, for a token realm on another host that hostRules
    /// give none: Docker and Renovate send the registry's credential to its realm
    /// (GitLab's `registry.example.com` → `example.com/jwt/auth`, a registry whose
    /// token server listens on another port), and it reveals nothing the registry
    /// could not ask for with a `Basic` challenge. Never from an `https` registry to a
    /// plain-`http` realm.
    fn realm_fallback_credential(&self, realm: &Url) -> Option<SecretString> {
        let http = &self.context.http;
        if http.credential(realm, Some(HOST_TYPE)).is_some() {
            return None;
        }
        if realm.scheme() != "https" && self.image.base.scheme() == "https" {
            return None;
        }
        http.credential(&self.image.base, Some(HOST_TYPE))
            .map(|credential| credential.authorization())
    }

    // DatasourceError is as large as the HttpError it may carry; boxing it here would
    // only add an allocation to the error path (as in upkeep-http's `judge`).
    #[allow(clippy::result_large_err)]
    fn url(&self, rest: &str) -> Result<Url, DatasourceError> {
        self.image
            .api_url(rest)
            .map_err(|error| DatasourceError::Unsupported {
                package: self.package.to_owned(),
                reason: format!("cannot build a URL on `{}`: {error}", self.image.registry()),
            })
    }

    /// The next page's URL, which must stay on the registry's origin: the bearer token
    /// is sent with it.
    #[allow(clippy::result_large_err)]
    fn next_page(
        &self,
        current: &Url,
        next: &str,
        response: &Response,
    ) -> Result<Url, DatasourceError> {
        let url = current.join(next).map_err(|error| {
            self.invalid(response, format!("bad `Link` target `{next}`: {error}"))
        })?;
        if url.origin() != self.image.base.origin() {
            return Err(self.invalid(
                response,
                "the `Link` header points to another host".to_owned(),
            ));
        }
        Ok(url)
    }

    /// A disk-cache key naming registry, repository and resource.
    /// `namespace:registry/path?query`; the namespace picks the TTL an operator's
    /// `cacheTtlOverride` can change.
    fn cache_key(&self, namespace: &str, url: &Url) -> String {
        let mut key = format!("{namespace}:{}", self.image.registry());
        key.push_str(url.path());
        if let Some(query) = url.query() {
            key.push('?');
            key.push_str(query);
        }
        key
    }

    fn invalid(&self, response: &Response, reason: String) -> DatasourceError {
        DatasourceError::InvalidResponse {
            package: self.package.to_owned(),
            url: response.url.to_string(),
            reason,
        }
    }

    /// 404 is the package's (or tag's) failure; everything else stays an HTTP error,
    /// whose message names the URL and, for 401/403, the registry's error code.
    fn failure(&self, error: HttpError) -> DatasourceError {
        if error.is_not_found() {
            DatasourceError::NotFound {
                package: self.package.to_owned(),
                registry: error.url().to_string(),
            }
        } else {
            DatasourceError::Http(error)
        }
    }
}

fn manifest_request(url: &Url) -> Request {
    MANIFEST_TYPES
        .iter()
        .fold(Request::new(url.clone()), |request, media_type| {
            request.accept(media_type)
        })
        .max_body_bytes(MAX_DOCUMENT_BYTES)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use secrecy::ExposeSecret;
    use upkeep_http::{HostRule, HostRules, HttpClient, HttpOptions};

    use super::*;
    use crate::RegistryConfig;

    fn rule(match_host: &str, user: &str) -> HostRule {
        HostRule {
            match_host: Some(match_host.to_owned()),
            username: Some(user.to_owned()),
            password: Some(SecretString::from("pw")),
            ..HostRule::default()
        }
    }

    /// What goes with a token request to `realm` for `registry`'s image.
    fn fallback(registry: &str, realm: &str, rules: Vec<HostRule>) -> Option<String> {
        let context = LookupContext {
            http: Arc::new(HttpClient::new(HttpOptions::default(), HostRules::new(rules)).unwrap()),
            registries: RegistryConfig::default(),
        };
        let image = ImageRef {
            base: Url::parse(registry).unwrap(),
            repository: "team/app".to_owned(),
            docker_hub: false,
        };
        let repository = Repository {
            tokens: &TokenCache::new(),
            context: &context,
            image: &image,
            package: "team/app",
        };
        repository
            .realm_fallback_credential(&Url::parse(realm).unwrap())
            .map(|secret| secret.expose_secret().to_owned())
    }

    #[test]
    fn a_realm_without_credentials_gets_the_registrys() {
        let registry_only = || vec![rule("registry.example.com", "reg")];
        let sent = fallback(
            "https://registry.example.com/",
            "https://example.com/jwt/auth",
            registry_only(),
        );
        // Basic base64("reg:pw")
        assert_eq!(sent.as_deref(), Some("Basic cmVnOnB3"));
        // The realm's own rule is left to the client, which adds it.
        let both = vec![
            rule("registry.example.com", "reg"),
            rule("example.com", "realm"),
        ];
        assert_eq!(
            fallback(
                "https://registry.example.com/",
                "https://example.com/jwt/auth",
                both
            ),
            None
        );
        // Never from an https registry to a plain-http realm; http to http is as safe
        // as the registry itself.
        assert_eq!(
            fallback(
                "https://registry.example.com/",
                "http://example.com/jwt/auth",
                registry_only()
            ),
            None
        );
        assert!(
            fallback(
                "http://registry.example.com/",
                "http://example.com/jwt/auth",
                registry_only()
            )
            .is_some()
        );
        assert_eq!(
            fallback(
                "https://other.example.org/",
                "https://example.com/t",
                registry_only()
            ),
            None
        );
    }
}
