//! The base layer: one logical request over the network, with redirects, retries,
//! per-host limits, the host-down memory and the body size cap. No caching here.
//!
//! ```text
//! execute ─► for each redirect hop ─► send_with_retries ─► attempt (one request)
//!              drop credentials         host slot, backoff,     send, read body
//!              when the origin           Retry-After, connect     under the cap
//!              changes                   failures → host down
//! ```
//!
//! Redirects are followed here, not by reqwest (its automatic policy is off), so that
//! the credential can be dropped for good as soon as a hop leaves the origin
//! (scheme, host and port) the credential was chosen for. A credential is therefore
//! only ever sent to its own host; a registry redirecting blob downloads to a CDN
//! gets no token there. `303` turns the method into `GET` (except `HEAD`), and so do
//! `301`/`302` for a `POST`; the body is only sent while the method stays `POST`.
//! A `POST` is retried like a `GET`: upkeep only posts read-only queries (OSV's
//! `querybatch`), which are safe to repeat.
//!
//! Statuses are returned, not judged: the layer above turns the final status into a
//! response or an [`HttpError`], knowing about conditional requests.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{SetupError, describe};
use crate::hosts::{Hosts, host_key};
use crate::retry::{is_retryable_status, retry_after};
use crate::stats::{Counter, Stats};
use crate::{HttpError, HttpOptions, RedactedUrl};

/// One logical request as the transport sees it.
#[derive(Debug)]
pub(crate) struct Exchange<'a> {
    pub(crate) method: Method,
    pub(crate) url: &'a Url,
    /// Caller headers without `Authorization`.
    pub(crate) headers: HeaderMap,
    /// Sent to the request's own origin only.
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) timeout: Duration,
    pub(crate) max_body_bytes: u64,
    pub(crate) host_limit: usize,
    /// The request body (POST only).
    pub(crate) body: Option<Bytes>,
}

/// The final answer of a logical request, whatever its status.
#[derive(Debug)]
pub(crate) struct RawResponse {
    /// The URL of the last hop.
    pub(crate) url: Url,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// Empty unless the method is not `HEAD` and the status is 2xx (the whole body) or
    /// 401/403 (its first [`ERROR_BODY_BYTES`], for the error message).
    pub(crate) body: Bytes,
    /// Requests sent for the last hop.
    pub(crate) attempts: u32,
    /// Whether the last hop carried an `Authorization` header.
    pub(crate) sent_credentials: bool,
}

/// How one attempt failed.
enum AttemptError {
    /// No connection could be established.
    Connect(String),
    /// The connection broke mid-request; another attempt may succeed.
    Transient(String),
    /// Not worth retrying.
    Final(HttpError),
}

/// The reqwest client with the run's per-host state.
#[derive(Debug)]
pub(crate) struct Transport {
    client: reqwest::Client,
    options: HttpOptions,
    pub(crate) hosts: Hosts,
    pub(crate) stats: Stats,
}

impl Transport {
    pub(crate) fn new(options: HttpOptions) -> Result<Self, SetupError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent.as_str())
            .connect_timeout(options.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30));
        if !options.use_env_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|error| SetupError::Client(describe(error)))?;
        Ok(Self {
            client,
            options,
            hosts: Hosts::default(),
            stats: Stats::default(),
        })
    }

    pub(crate) fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends the request, following redirects.
    pub(crate) async fn execute(&self, exchange: &Exchange<'_>) -> Result<RawResponse, HttpError> {
        let origin = exchange.url.origin();
        let mut url = exchange.url.clone();
        let mut method = exchange.method.clone();
        let mut authorization = exchange.authorization.clone();
        let mut body = exchange.body.clone();
        for _ in 0..=self.options.max_redirects {
            if authorization.is_some() && url.origin() != origin {
                tracing::debug!(url = %RedactedUrl::from(url.clone()), "redirect left the origin: credentials dropped");
                authorization = None;
            }
            let response = self
                .send_with_retries(
                    &method,
                    &url,
                    exchange,
                    authorization.as_ref(),
                    body.as_ref(),
                )
                .await?;
            if !response.status.is_redirection() || response.status == StatusCode::NOT_MODIFIED {
                return Ok(response);
            }
            let Some(location) = response.headers.get(LOCATION) else {
                return Ok(response);
            };
            let target = location
                .to_str()
                .ok()
                .and_then(|location| url.join(location).ok())
                .filter(|target| matches!(target.scheme(), "http" | "https"));
            let Some(target) = target else {
                return Err(HttpError::Redirect {
                    url: url.into(),
                    reason: format!(
                        "HTTP {} with an unusable `Location`",
                        response.status.as_u16()
                    ),
                });
            };
            if response.status == StatusCode::SEE_OTHER && method != Method::HEAD {
                method = Method::GET;
            }
            // 301/302 turn a POST into a GET, as every client does; 307/308 keep it.
            if method == Method::POST
                && matches!(
                    response.status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND
                )
            {
                method = Method::GET;
            }
            if method != Method::POST {
                body = None;
            }
            url = target;
        }
        Err(HttpError::Redirect {
            url: exchange.url.clone().into(),
            reason: format!("more than {} redirects", self.options.max_redirects),
        })
    }

    /// One hop: attempts until success, a final failure, or the retries run out.
    async fn send_with_retries(
        &self,
        method: &Method,
        url: &Url,
        exchange: &Exchange<'_>,
        authorization: Option<&HeaderValue>,
        body: Option<&Bytes>,
    ) -> Result<RawResponse, HttpError> {
        let host = host_key(url);
        let redacted = || RedactedUrl::from(url.clone());
        let mut delays = self.options.retry.backoff();
        let mut attempts = 0u32;
        let mut connect_failures = 0u32;
        loop {
            attempts += 1;
            let permit = self
                .hosts
                .acquire(&host, exchange.host_limit)
                .await
                .map_err(|reason| HttpError::HostDown {
                    url: redacted(),
                    host: host.clone(),
                    reason,
                })?;
            self.stats.bump(&host, Counter::Request);
            if attempts > 1 {
                self.stats.bump(&host, Counter::Retry);
            }
            let outcome = self
                .attempt(method, url, exchange, authorization, body)
                .await;
            drop(permit);
            let wait = match outcome {
                Ok(mut response) if is_retryable_status(response.status) => {
                    response.attempts = attempts;
                    let asked = retry_after(&response.headers, SystemTime::now());
                    if asked.is_some_and(|asked| asked > self.options.retry.max_retry_after) {
                        return Ok(response);
                    }
                    match delays.next() {
                        Some(delay) => asked.unwrap_or(delay),
                        None => return Ok(response),
                    }
                }
                Ok(mut response) => {
                    response.attempts = attempts;
                    return Ok(response);
                }
                Err(AttemptError::Connect(reason)) => {
                    connect_failures += 1;
                    if let Some(earlier) = self.hosts.down_reason(&host) {
                        return Err(HttpError::HostDown {
                            url: redacted(),
                            host,
                            reason: earlier,
                        });
                    }
                    match delays.next() {
                        Some(delay) if connect_failures == 1 => delay,
                        // Exactly one caller reports the host unreachable; callers
                        // that failed concurrently report it down.
                        _ if self.hosts.mark_down(&host, &reason) => {
                            return Err(HttpError::Unreachable {
                                url: redacted(),
                                host,
                                reason,
                            });
                        }
                        _ => {
                            let reason = self.hosts.down_reason(&host).unwrap_or(reason);
                            return Err(HttpError::HostDown {
                                url: redacted(),
                                host,
                                reason,
                            });
                        }
                    }
                }
                Err(AttemptError::Transient(reason)) => match delays.next() {
                    Some(delay) => delay,
                    None => {
                        return Err(HttpError::Transport {
                            url: redacted(),
                            reason,
                        });
                    }
                },
                Err(AttemptError::Final(error)) => return Err(error),
            };
            tracing::debug!(url = %redacted(), attempts, ?wait, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Exactly one request, body read under the cap.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        exchange: &Exchange<'_>,
        authorization: Option<&HeaderValue>,
        body: Option<&Bytes>,
    ) -> Result<RawResponse, AttemptError> {
        let mut builder = self
            .client
            .request(method.clone(), url.clone())
            .headers(exchange.headers.clone())
            .timeout(exchange.timeout);
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value.clone());
        }
        if let Some(body) = body {
            builder = builder.body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|error| classify(error, url, exchange.timeout))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = if *method == Method::HEAD {
            Bytes::new()
        } else if matches!(status.as_u16(), 401 | 403) {
            read_excerpt(&mut response, ERROR_BODY_BYTES).await
        } else if !status.is_success() {
            Bytes::new()
        } else {
            read_capped(
                &mut response,
                url,
                exchange.max_body_bytes,
                exchange.timeout,
            )
            .await?
        };
        Ok(RawResponse {
            url: url.clone(),
            status,
            headers,
            body,
            attempts: 1,
            sent_credentials: authorization.is_some(),
        })
    }
}

/// How much of a 401/403 body is read: enough for a registry's error code and message.
const ERROR_BODY_BYTES: usize = 4096;

/// The first `limit` bytes of a body, for error messages; a broken read just ends it.
async fn read_excerpt(response: &mut reqwest::Response, limit: usize) -> Bytes {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            _ => break,
        }
    }
    Bytes::from(body)
}

/// Reads the body chunk by chunk, failing as soon as it passes `limit`; a declared
/// `Content-Length` over the limit fails before reading anything.
async fn read_capped(
    response: &mut reqwest::Response,
    url: &Url,
    limit: u64,
    timeout: Duration,
) -> Result<Bytes, AttemptError> {
    let too_large = || {
        AttemptError::Final(HttpError::BodyTooLarge {
            url: url.clone().into(),
            limit,
        })
    };
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let capacity = usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| classify(error, url, timeout))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// Sorts a reqwest error into connect failure, timeout, or transient breakage.
fn classify(error: reqwest::Error, url: &Url, timeout: Duration) -> AttemptError {
    if error.is_connect() {
        // A connect timeout is a connect failure: the host is not answering.
        AttemptError::Connect(describe(error))
    } else if error.is_timeout() {
        AttemptError::Final(HttpError::Timeout {
            url: url.clone().into(),
            timeout,
        })
    } else if error.is_builder() {
        AttemptError::Final(HttpError::Transport {
            url: url.clone().into(),
            reason: describe(error),
        })
    } else {
        AttemptError::Transient(describe(error))
    }
}
