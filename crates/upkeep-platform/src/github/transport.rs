//! One HTTP exchange with GitHub through octocrab's raw methods: upkeep reads status,
//! headers (rate limits, ETags, `Link`) and body itself. Two octocrab clients share
//! the endpoint: one without credentials (upkeep sets the installation or personal
//! token header per request) and, for an App, one that signs each `/app` request
//! with a fresh RS256 JWT.
//!
//! Both clients get the endpoint's origin as base URI and every request its full path
//! (`/api/v3/repos/…` on GitHub Enterprise Server): octocrab prepends a base path only
//! to paths that do not already start with it, which would break the GraphQL path of
//! GitHub Enterprise Server (`/api/graphql`).

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method};
use octocrab::Octocrab;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::error::PlatformError;

/// The API version upkeep speaks.
const API_VERSION: &str = "2022-11-28";

/// A response, fully read.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body text (empty when none).
    pub(crate) body: String,
}

/// Who signs a request.
pub(crate) enum Signer<'a> {
    /// The App itself (a JWT): only `/app/…`.
    App,
    /// A bearer token (installation or personal).
    Token(&'a SecretString),
}

/// Where GitHub is: `https://api.github.com`, `https://ghe.example/api/v3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://host[:port]`.
    pub(crate) origin: String,
    /// The REST path prefix (`""` or `/api/v3`).
    pub(crate) base_path: String,
}

impl Endpoint {
    /// Parses Renovate's `endpoint` (a trailing slash is fine).
    pub(crate) fn parse(endpoint: &str) -> Result<Endpoint, PlatformError> {
        let url = url::Url::parse(endpoint.trim()).map_err(|e| {
            PlatformError::Config(format!("endpoint `{endpoint}` is not a URL: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(PlatformError::Config(format!(
                "endpoint `{endpoint}` is not an http(s) URL"
            )));
        }
        let origin = url.origin().ascii_serialization();
        Ok(Endpoint {
            origin,
            base_path: url.path().trim_end_matches('/').to_string(),
        })
    }

    /// The path of a REST route (`/repos/a/b` → `/api/v3/repos/a/b`).
    pub(crate) fn rest(&self, route: &str) -> String {
        format!("{}{route}", self.base_path)
    }

    /// The GraphQL path: `/graphql`, or `/api/graphql` beside GHES's `/api/v3`.
    pub(crate) fn graphql(&self) -> String {
        match self.base_path.strip_suffix("/v3") {
            Some(api) => format!("{api}/graphql"),
            None => format!("{}/graphql", self.base_path),
        }
    }

    /// The web origin git talks to: `https://github.com` for `api.github.com`, the
    /// server itself for GitHub Enterprise Server.
    pub(crate) fn git_origin(&self) -> String {
        match self.origin.split_once("://api.") {
            Some((scheme, host)) if self.base_path.is_empty() => format!("{scheme}://{host}"),
            _ => self.origin.clone(),
        }
    }

    /// A `Link` URL as an origin-relative path, if it points at this endpoint.
    pub(crate) fn relative(&self, url: &str) -> Option<String> {
        let path = url.strip_prefix(&self.origin)?;
        path.starts_with('/').then(|| path.to_string())
    }
}

/// The octocrab clients.
pub(crate) struct Transport {
    endpoint: Endpoint,
    plain: Octocrab,
    app: Option<Octocrab>,
}

/// Timeouts of every request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) read: Duration,
}

impl Transport {
    /// Clients for `endpoint`; with `app`, also the JWT-signing one.
    pub(crate) fn new(
        endpoint: Endpoint,
        app: Option<(u64, &SecretString)>,
        timeouts: Timeouts,
    ) -> Result<Transport, PlatformError> {
        let build = |app: Option<(u64, &SecretString)>| -> Result<Octocrab, PlatformError> {
            let builder = Octocrab::builder()
                .base_uri(endpoint.origin.as_str())
                .map_err(|e| PlatformError::Config(format!("endpoint: {e}")))?
                .set_connect_timeout(Some(timeouts.connect))
                .set_read_timeout(Some(timeouts.read));
            let built = match app {
                Some((id, key)) => {
                    let key = octocrab::EncodingKey::from_rsa_pem(key.expose_secret().as_bytes())
                        .map_err(|e| {
                        PlatformError::Config(format!("GitHub App private key: {e}"))
                    })?;
                    builder.app(id.into(), key).build()
                }
                None => builder.build(),
            };
            built.map_err(|e| PlatformError::Config(format!("GitHub client: {e}")))
        };
        Ok(Transport {
            plain: build(None)?,
            app: app.map(|a| build(Some(a))).transpose()?,
            endpoint,
        })
    }

    /// The endpoint.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Sends one request to `path` (origin-relative) and reads the whole answer;
    /// `Err` is a failure to reach GitHub or read its answer.
    pub(crate) async fn send(
        &self,
        method: &Method,
        path: &str,
        signer: Signer<'_>,
        extra: &[(&'static str, String)],
        body: Option<&Value>,
    ) -> Result<RawResponse, String> {
        let client = match signer {
            Signer::App => self
                .app
                .as_ref()
                .ok_or("no GitHub App is configured".to_string())?,
            Signer::Token(_) => &self.plain,
        };
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(path)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", API_VERSION)
            .header("user-agent", "upkeep");
        if let Signer::Token(token) = signer {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| "the token is not a valid header value".to_string())?;
            value.set_sensitive(true);
            builder = builder.header("authorization", value);
        }
        for (name, value) in extra {
            builder = builder.header(*name, value.as_str());
        }
        let request = client
            .build_request(builder, body)
            .map_err(|e| format!("building the request: {e}"))?;
        let response = client
            .execute(request)
            .await
            .map_err(|e| format!("request failed: {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = client
            .body_to_string(response)
            .await
            .map_err(|e| format!("reading the answer ({status}): {}", error_chain(&e)))?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_com_ghes_and_loopback_endpoints_give_rest_graphql_and_git_locations() {
        let dotcom = Endpoint::parse("https://api.github.com").unwrap();
        assert_eq!(dotcom.rest("/repos/a/b"), "/repos/a/b");
        assert_eq!(dotcom.graphql(), "/graphql");
        assert_eq!(dotcom.git_origin(), "https://github.com");

        let ghes = Endpoint::parse("https://ghe.example/api/v3/").unwrap();
        assert_eq!(ghes.rest("/repos/a/b"), "/api/v3/repos/a/b");
        assert_eq!(ghes.graphql(), "/api/graphql");
        assert_eq!(ghes.git_origin(), "https://ghe.example");
        assert_eq!(
            ghes.relative("https://ghe.example/api/v3/repos/a/b/pulls?page=2"),
            Some("/api/v3/repos/a/b/pulls?page=2".to_string())
        );
        assert_eq!(ghes.relative("https://elsewhere.example/x"), None);

        let fake = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(fake.graphql(), "/graphql");
        assert_eq!(fake.git_origin(), "http://127.0.0.1:8080");
    }

    #[test]
    fn an_endpoint_that_is_not_an_http_url_is_a_config_error() {
        assert!(Endpoint::parse("ghe.example").is_err());
        assert!(Endpoint::parse("ftp://ghe.example").is_err());
    }
}
