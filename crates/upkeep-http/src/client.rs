//! [`HttpClient`]: the one client of a run, stacking the layers.
//!
//! ```text
//! get_bytes / get_json / head / post_json
//!   └─ host rules: disabled? which credential?          (host_rules.rs)
//!      └─ memo: identical call in this run? share it     (memo.rs)
//!         (a POST only when the caller gave a cache key)
//!         └─ cache: fresh? serve; stale? revalidate     (cache/)
//!            └─ transport: redirects, retries, limits    (transport.rs)
//! ```
//!
//! The final status is judged here, once: 2xx is a [`Response`], everything else an
//! [`HttpError`] of the right kind. Cloning the client is cheap and shares everything
//! (connection pool, host state, memo, counters), so one client serves the whole run.

use std::sync::Arc;

use reqwest::header::{
    ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use crate::cache::{Cache, CacheEntry};
use crate::error::summarize_error_body;
use crate::hosts::{DownHost, host_key};
use crate::memo::{Memo, MemoKey, fingerprint};
use crate::request::CachePolicy;
use crate::retry::retry_after;
use crate::stats::Counter;
use crate::transport::{Exchange, RawResponse, Transport};
use crate::{
    HostRules, HttpError, HttpOptions, RedactedUrl, Request, Response, SetupError, Source,
    StatsSnapshot,
};

/// The HTTP client shared by every datasource of a run.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    rules: HostRules,
    cache: Option<Cache>,
    memo: Memo,
}

impl HttpClient {
    /// Builds the client; creates the cache directory if one is configured (a Redis
    /// cache is connected to on first use).
    pub fn new(options: HttpOptions, rules: HostRules) -> Result<Self, SetupError> {
        let cache = Cache::from_options(&options)?;
        let transport = Transport::new(options)?;
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                rules,
                cache,
                memo: Memo::default(),
            }),
        })
    }

    /// `GET`, body as bytes.
    pub async fn get_bytes(&self, request: Request) -> Result<Response, HttpError> {
        self.call(Method::GET, request).await
    }

    /// `GET`, body decoded as JSON (`Accept: application/json` unless the request sets
    /// an `Accept`). A body that does not decode is [`HttpError::InvalidBody`].
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        mut request: Request,
    ) -> Result<Response<T>, HttpError> {
        if !request.headers.contains_key(ACCEPT) {
            request = request.accept("application/json");
        }
        let host = host_key(&request.url);
        let response = self.get_bytes(request).await?;
        self.decode_json(&host, response)
    }

    /// `POST` with the request's body ([`Request::json_body`]), answer decoded as JSON
    /// like [`get_json`](Self::get_json). Without a cache policy the call is neither
    /// memoised nor cached: two identical posts send two requests. With one
    /// ([`Request::cache`]) the caller vouches that the key names the whole question
    /// (URL and body): identical calls of the run share one request, and a fresh disk
    /// entry under the key is served (a stale one is fetched again, not revalidated).
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        mut request: Request,
    ) -> Result<Response<T>, HttpError> {
        if !request.headers.contains_key(ACCEPT) {
            request = request.accept("application/json");
        }
        let host = host_key(&request.url);
        let response = self.call(Method::POST, request).await?;
        self.decode_json(&host, response)
    }

    #[allow(clippy::result_large_err)]
    fn decode_json<T: DeserializeOwned>(
        &self,
        host: &str,
        response: Response,
    ) -> Result<Response<T>, HttpError> {
        match serde_json::from_slice::<T>(&response.body) {
            Ok(value) => Ok(response.with_body(value)),
            Err(error) => {
                self.inner.transport.stats.bump(host, Counter::Error);
                Err(HttpError::InvalidBody {
                    url: response.url,
                    reason: error.to_string(),
                })
            }
        }
    }

    /// `HEAD` (Docker digests): status and headers, empty body.
    pub async fn head(&self, request: Request) -> Result<Response, HttpError> {
        self.call(Method::HEAD, request).await
    }

    /// Counters per host so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.transport.stats.snapshot()
    }

    /// Hosts found unreachable in this run, one entry each, for the run report.
    pub fn down_hosts(&self) -> Vec<DownHost> {
        self.inner.transport.hosts.down_hosts()
    }

    /// The credential hostRules give a request for `url` made for `host_type`, if any
    /// (for flows that must send one host's credential to another, such as a
    /// registry's token realm).
    pub fn credential(&self, url: &Url, host_type: Option<&str>) -> Option<crate::Credential> {
        self.inner.rules.resolve(url, host_type).credential
    }

    /// False once the cache failed and was turned off (or when none is configured).
    pub fn cache_is_working(&self) -> bool {
        self.inner
            .cache
            .as_ref()
            .is_some_and(|cache| !cache.is_off())
    }

    /// Forgets the in-run results (call between repositories); the disk cache stays.
    pub fn clear_memo(&self) {
        self.inner.memo.clear();
    }

    async fn call(&self, method: Method, request: Request) -> Result<Response, HttpError> {
        let inner = &*self.inner;
        let host = host_key(&request.url);
        let settings = inner
            .rules
            .resolve(&request.url, request.host_type.as_deref());
        if settings.disabled {
            inner.transport.stats.bump(&host, Counter::Error);
            return Err(HttpError::HostDisabled {
                url: request.url.clone().into(),
                host,
            });
        }
        let mut headers = request.headers.clone();
        let body = if method == Method::POST {
            request.body.clone()
        } else {
            None
        };
        let authorization = match headers.remove(AUTHORIZATION) {
            Some(value) => Some(value),
            None => settings.credential.as_ref().and_then(|credential| {
                let header = HeaderValue::from_str(credential.authorization().expose_secret());
                if header.is_err() {
                    tracing::warn!(url = %RedactedUrl::from(request.url.clone()), "host rule credential is not a valid header value; not sent");
                }
                header.ok()
            }),
        };
        let authorization = authorization.map(|mut value| {
            value.set_sensitive(true);
            value
        });
        let credential = authorization
            .as_ref()
            .map(|value| fingerprint(value.as_bytes()))
            .unwrap_or_default();
        let method_is_post = method == Method::POST;
        let key = MemoKey::new(
            &method,
            &request.url,
            request.host_type.as_deref(),
            &headers,
            &credential,
        )
        .with_cache_key(request.cache.as_ref().map(|policy| policy.key.as_str()));
        let options = inner.transport.options();
        let exchange = Exchange {
            method,
            url: &request.url,
            headers,
            authorization,
            timeout: settings.timeout.unwrap_or(options.timeout),
            max_body_bytes: request.max_body_bytes.unwrap_or(options.max_body_bytes),
            host_limit: settings
                .concurrent_request_limit
                .unwrap_or(options.host_concurrency),
            body,
        };
        if method_is_post && request.cache.is_none() {
            return self.fetch(exchange, None, &credential).await;
        }
        let cell = inner.memo.cell(key);
        let mut ran = false;
        let result = cell
            .get_or_init(|| {
                ran = true;
                self.fetch(exchange, request.cache.as_ref(), &credential)
            })
            .await
            .clone();
        if !ran {
            inner.transport.stats.bump(&host, Counter::Coalesced);
        }
        result
    }

    /// The cache and network part of a call, run once per memo key.
    async fn fetch(
        &self,
        exchange: Exchange<'_>,
        policy: Option<&CachePolicy>,
        credential: &str,
    ) -> Result<Response, HttpError> {
        let host = host_key(exchange.url);
        let result = match (&self.inner.cache, policy) {
            (Some(cache), Some(policy))
                if exchange.method == Method::GET || exchange.method == Method::POST =>
            {
                self.fetch_cached(cache, policy, exchange, credential).await
            }
            _ => match self.inner.transport.execute(&exchange).await {
                Ok(raw) => judge(raw),
                Err(error) => Err(error),
            },
        };
        if let Err(error) = &result {
            tracing::debug!(%error, "request failed");
            self.inner.transport.stats.bump(&host, Counter::Error);
        }
        result
    }

    async fn fetch_cached(
        &self,
        cache: &Cache,
        policy: &CachePolicy,
        mut exchange: Exchange<'_>,
        credential: &str,
    ) -> Result<Response, HttpError> {
        let stats = &self.inner.transport.stats;
        let host = host_key(exchange.url);
        let id = Cache::entry_id(&policy.key, credential);
        let ttl = cache.ttl(&policy.key, policy.ttl);
        let stored = cache.read(&id, &policy.key).await;
        if let Some(entry) = &stored
            && entry.is_fresh(ttl)
        {
            stats.bump(&host, Counter::CacheHit);
            return Ok(cached_response(entry, exchange.url, Source::Cache));
        }
        if let Some(entry) = stored.as_ref().filter(|_| exchange.method == Method::GET) {
            let validators = [
                (IF_NONE_MATCH, entry.header("etag")),
                (IF_MODIFIED_SINCE, entry.header("last-modified")),
            ];
            for (name, value) in validators {
                if let Some(value) = value.and_then(|value| HeaderValue::from_str(value).ok()) {
                    exchange.headers.insert(name, value);
                }
            }
        }
        let raw = self.inner.transport.execute(&exchange).await?;
        if raw.status == StatusCode::NOT_MODIFIED
            && let Some(mut entry) = stored
        {
            stats.bump(&host, Counter::Revalidation);
            entry.touch();
            cache.write(&id, &entry, ttl).await;
            return Ok(cached_response(&entry, exchange.url, Source::Revalidated));
        }
        let response = judge(raw)?;
        if response.status == StatusCode::OK {
            let entry = CacheEntry::new(
                &policy.key,
                response.url.to_string(),
                response.status.as_u16(),
                &response.headers,
                response.body.clone(),
            );
            cache.write(&id, &entry, ttl).await;
        }
        Ok(response)
    }
}

/// A response from a cache entry.
fn cached_response(entry: &CacheEntry, url: &Url, source: Source) -> Response {
    Response {
        url: url.clone().into(),
        status: StatusCode::from_u16(entry.meta.status).unwrap_or(StatusCode::OK),
        headers: entry.headers(),
        body: entry.body.clone(),
        source,
    }
}

/// Turns the final status into a response or the right kind of error.
// The error is as large as the response (both carry a URL); boxing it would only move
// an allocation onto the error path of every caller.
#[allow(clippy::result_large_err)]
fn judge(raw: RawResponse) -> Result<Response, HttpError> {
    let url = RedactedUrl::from(raw.url);
    let status = raw.status;
    let code = status.as_u16();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        return Ok(Response {
            url,
            status,
            headers: raw.headers,
            body: raw.body,
            source: Source::Network,
        });
    }
    Err(match code {
        401 | 403 => HttpError::Auth {
            url,
            status: code,
            sent_credentials: raw.sent_credentials,
            challenge: header_text(&raw.headers, WWW_AUTHENTICATE.as_str()),
            detail: summarize_error_body(&raw.body),
        },
        404 | 410 => HttpError::NotFound { url, status: code },
        429 => HttpError::RateLimited {
            url,
            attempts: raw.attempts,
            retry_after: retry_after(&raw.headers, std::time::SystemTime::now()),
        },
        500..=599 => HttpError::ServerError {
            url,
            status: code,
            attempts: raw.attempts,
        },
        _ => HttpError::ClientStatus { url, status: code },
    })
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}
