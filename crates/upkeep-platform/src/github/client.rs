//! The request loop every GitHub call goes through: credentials (installation tokens
//! minted, cached, refreshed before expiry and once more after a 401), the primary
//! rate-limit gate, content-creation pacing, conditional reads with remembered ETags,
//! retries (reads and idempotent writes on 5xx or a lost connection; every request
//! after a secondary rate limit) and counting.
//!
//! A write that is not idempotent (creating a pull request, an issue, a comment) is
//! never retried after an ambiguous failure — GitHub may have performed it; the
//! caller looks it up first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use http::{HeaderMap, Method};
use jiff::Timestamp;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::PlatformError;

use super::auth::{Identity, InstallationToken};
use super::counters::Counters;
use super::rate_limit::{self, Budget, Gate, Limited, Pacer};
use super::transport::{Endpoint, RawResponse, Signer, Transport};

type Result<T> = std::result::Result<T, PlatformError>;

/// Bytes of remembered conditional-read answers (per identity and path) at most; past
/// it the memory starts over.
const ETAG_BYTES: usize = 64 << 20;

/// Tunables of the request loop.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The longest upkeep sleeps for a rate limit to lift (primary reset or secondary
    /// `retry-after`) before giving up with `RateLimited`.
    pub max_rate_limit_wait: Duration,
    /// Content-creating requests per minute and identity (GitHub: 80).
    pub content_per_minute: u32,
    /// Content-creating requests per hour and identity (GitHub: 500).
    pub content_per_hour: u32,
    /// Retries of a read or idempotent write after a 5xx or a failed connection, and
    /// of any request after a secondary rate limit.
    pub retries: u32,
    /// The first retry's delay; each further one doubles it.
    pub retry_backoff: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Read timeout.
    pub read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rate_limit_wait: Duration::from_secs(120),
            content_per_minute: 80,
            content_per_hour: 500,
            retries: 3,
            retry_backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// What a failure means for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// A read, or a write whose repetition changes nothing: retried.
    Safe,
    /// A write that must not happen twice: not retried after an ambiguous failure.
    Once,
}

/// One request.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// Origin-relative path with query.
    pub(crate) path: String,
    pub(crate) body: Option<Value>,
    /// The repository it is for (counted against it).
    pub(crate) repo: Option<&'a str>,
    /// Who makes it; `None`: the App itself (JWT).
    pub(crate) identity: Option<Identity>,
    pub(crate) write: bool,
    pub(crate) retry: Retry,
    pub(crate) creates_content: bool,
    pub(crate) conditional: bool,
    pub(crate) accept: Option<&'static str>,
}

impl<'a> Call<'a> {
    /// A read of `path` as `identity`, conditional (ETag) by default.
    pub(crate) fn get(path: String, identity: Option<Identity>) -> Call<'a> {
        Call {
            method: Method::GET,
            path,
            body: None,
            repo: None,
            identity,
            write: false,
            retry: Retry::Safe,
            creates_content: false,
            conditional: true,
            accept: None,
        }
    }

    /// A write; `retry` says whether repeating it is harmless.
    pub(crate) fn write(
        method: Method,
        path: String,
        body: Option<Value>,
        identity: Option<Identity>,
        retry: Retry,
    ) -> Call<'a> {
        Call {
            method,
            path,
            body,
            repo: None,
            identity,
            write: true,
            retry,
            creates_content: false,
            conditional: false,
            accept: None,
        }
    }

    /// Counted against `repo`.
    pub(crate) fn repo(mut self, repo: &'a str) -> Call<'a> {
        self.repo = Some(repo);
        self
    }

    /// Creates content (paced).
    pub(crate) fn creates_content(mut self) -> Call<'a> {
        self.creates_content = true;
        self
    }

    fn label(&self) -> String {
        let path = self.path.split('?').next().unwrap_or(&self.path);
        format!("{} {path}", self.method)
    }
}

/// An answer, read.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
    /// `METHOD /path`, for errors.
    pub(crate) request: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub(crate) fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T`.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|e| PlatformError::Transport {
            request: self.request.clone(),
            message: format!("unreadable answer ({}): {e}", self.status),
        })
    }

    /// GitHub's error message with its field errors.
    pub(crate) fn message(&self) -> String {
        message_of(&self.body)
    }

    /// `Ok(self)` when 2xx, else the error its status means.
    pub(crate) fn ok(self) -> Result<Reply> {
        if self.success() {
            Ok(self)
        } else {
            Err(self.error())
        }
    }

    /// The error a non-2xx status means.
    pub(crate) fn error(&self) -> PlatformError {
        let message = self.message();
        match self.status {
            401 | 403 => PlatformError::Forbidden {
                request: self.request.clone(),
                status: self.status,
                message,
            },
            400 | 405 | 409 | 422 => PlatformError::Rejected {
                request: self.request.clone(),
                status: self.status,
                message,
            },
            404 => PlatformError::Transport {
                request: self.request.clone(),
                message: format!("not found (404): {message}"),
            },
            status => PlatformError::Transport {
                request: self.request.clone(),
                message: format!("unexpected answer {status}: {message}"),
            },
        }
    }

    /// The `Link: <…>; rel="next"` path, if there is a next page.
    pub(crate) fn next_page(&self, endpoint: &Endpoint) -> Option<String> {
        let link = self.headers.get("link")?.to_str().ok()?;
        link.split(',').find_map(|part| {
            let (url, params) = part.trim().split_once(';')?;
            params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
                .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
                .and_then(|url| endpoint.relative(url))
        })
    }
}

fn message_of(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        let text: String = body.chars().take(200).collect();
        return text.trim().to_string();
    };
    let mut text = v["message"].as_str().unwrap_or("").to_string();
    for e in v["errors"].as_array().into_iter().flatten() {
        let detail = match (
            e["field"].as_str(),
            e["message"].as_str(),
            e["code"].as_str(),
        ) {
            (_, Some(m), _) => m.to_string(),
            (Some(f), None, Some(c)) => format!("{f}: {c}"),
            _ => continue,
        };
        text.push_str("; ");
        text.push_str(&detail);
    }
    text
}

#[derive(Debug)]
struct IdentityState {
    budget: Option<Budget>,
    pacer: Pacer,
}

/// Answers to conditional reads, to replay on `304 Not Modified`.
#[derive(Debug, Default)]
struct Etags {
    answers: HashMap<(Option<Identity>, String), Remembered>,
    bytes: usize,
}

#[derive(Debug, Clone)]
struct Remembered {
    etag: String,
    headers: HeaderMap,
    body: String,
}

/// The request loop with its state.
pub(crate) struct Client {
    transport: Transport,
    limits: Limits,
    pat: Option<SecretString>,
    tokens: tokio::sync::Mutex<HashMap<u64, InstallationToken>>,
    identities: Mutex<HashMap<Identity, IdentityState>>,
    etags: Mutex<Etags>,
    pub(crate) counters: Counters,
}

#[derive(serde::Deserialize)]
struct MintedToken {
    token: String,
    expires_at: Timestamp,
}

impl Client {
    /// A client over `transport`; `pat` is the personal access token, if that is the
    /// credential.
    pub(crate) fn new(transport: Transport, limits: Limits, pat: Option<SecretString>) -> Client {
        Client {
            transport,
            limits,
            pat,
            tokens: tokio::sync::Mutex::new(HashMap::new()),
            identities: Mutex::new(HashMap::new()),
            etags: Mutex::new(Etags::default()),
            counters: Counters::default(),
        }
    }

    /// The endpoint.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        self.transport.endpoint()
    }

    /// A live token for `identity`, minted when missing or close to expiry.
    pub(crate) async fn token(&self, identity: Identity) -> Result<SecretString> {
        match identity {
            Identity::Token => self
                .pat
                .clone()
                .ok_or_else(|| PlatformError::Config("no personal access token".to_string())),
            Identity::Installation(id) => {
                let mut tokens = self.tokens.lock().await;
                if let Some(t) = tokens.get(&id)
                    && !t.needs_refresh(Timestamp::now())
                {
                    return Ok(t.token.clone());
                }
                let minted = self.mint(id).await?;
                let token = minted.token.clone();
                tokens.insert(id, minted);
                Ok(token)
            }
        }
    }

    async fn forget_token(&self, installation: u64) {
        self.tokens.lock().await.remove(&installation);
    }

    async fn mint(&self, installation: u64) -> Result<InstallationToken> {
        let path = self
            .endpoint()
            .rest(&format!("/app/installations/{installation}/access_tokens"));
        let call = Call::write(Method::POST, path, None, None, Retry::Safe);
        let minted_at = Timestamp::now();
        let reply = Box::pin(self.request(call)).await?;
        if reply.status == 404 {
            return Err(PlatformError::Config(format!(
                "GitHub App installation {installation} does not exist (any more)"
            )));
        }
        let minted: MintedToken = reply.ok()?.json()?;
        tracing::debug!(installation, expires_at = %minted.expires_at, "minted an installation token");
        Ok(InstallationToken {
            token: SecretString::from(minted.token),
            minted_at,
            expires_at: minted.expires_at,
        })
    }

    fn budget(&self, identity: Identity) -> Option<Budget> {
        self.identities
            .lock()
            .unwrap()
            .get(&identity)
            .and_then(|s| s.budget)
    }

    fn with_identity<T>(&self, identity: Identity, f: impl FnOnce(&mut IdentityState) -> T) -> T {
        let mut map = self.identities.lock().unwrap();
        let state = map.entry(identity).or_insert_with(|| IdentityState {
            budget: None,
            pacer: Pacer::new(self.limits.content_per_minute, self.limits.content_per_hour),
        });
        f(state)
    }

    /// Sleeps until a content creation may go out, then records it.
    async fn pace(&self, identity: Identity) {
        loop {
            let now = Timestamp::now();
            let delay = self.with_identity(identity, |s| {
                let delay = s.pacer.delay(now);
                if delay.is_zero() {
                    s.pacer.record(now);
                }
                delay
            });
            if delay.is_zero() {
                return;
            }
            tracing::info!(?identity, ?delay, "pacing content creation");
            tokio::time::sleep(delay).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.limits.retry_backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// Sends `call`, handling credentials, rate limits, retries and ETags; non-2xx
    /// answers other than those are returned for the caller to interpret.
    pub(crate) async fn request(&self, call: Call<'_>) -> Result<Reply> {
        let label = call.label();
        let cache_key = (call.identity, call.path.clone());
        let mut failures = 0u32;
        let mut limited = 0u32;
        let mut refreshed = false;
        loop {
            if let Some(identity) = call.identity {
                match rate_limit::gate(
                    self.budget(identity),
                    Timestamp::now(),
                    self.limits.max_rate_limit_wait,
                ) {
                    Gate::Go => {}
                    Gate::Wait(d) => {
                        tracing::info!(?identity, wait = ?d, "rate limit exhausted; waiting for its reset");
                        tokio::time::sleep(d).await;
                    }
                    Gate::Yield(reset) => {
                        return Err(PlatformError::RateLimited {
                            request: label,
                            reset,
                        });
                    }
                }
                if call.creates_content {
                    self.pace(identity).await;
                }
            }
            let token = match call.identity {
                Some(identity) => Some(self.token(identity).await?),
                None => None,
            };
            let mut extra: Vec<(&'static str, String)> = Vec::new();
            if let Some(accept) = call.accept {
                extra.push(("accept", accept.to_string()));
            }
            let remembered = if call.conditional {
                self.etags.lock().unwrap().answers.get(&cache_key).cloned()
            } else {
                None
            };
            if let Some(r) = &remembered {
                extra.push(("if-none-match", r.etag.clone()));
            }
            let signer = match &token {
                Some(t) => Signer::Token(t),
                None => Signer::App,
            };
            let sent = self
                .transport
                .send(&call.method, &call.path, signer, &extra, call.body.as_ref())
                .await;
            self.counters.count(call.identity, call.repo, call.write);
            let response = match sent {
                Ok(r) => r,
                Err(message) => {
                    if call.retry == Retry::Safe && failures < self.limits.retries {
                        failures += 1;
                        tracing::warn!(request = %label, %message, "retrying");
                        tokio::time::sleep(self.backoff(failures)).await;
                        continue;
                    }
                    return Err(PlatformError::Transport {
                        request: label,
                        message,
                    });
                }
            };
            if let (Some(identity), Some(budget)) =
                (call.identity, Budget::from_headers(&response.headers))
            {
                self.with_identity(identity, |s| s.budget = Some(budget));
                self.counters.set_remaining(identity, budget.remaining);
            }
            match self
                .interpret(
                    &call,
                    &label,
                    response,
                    &mut failures,
                    &mut limited,
                    &mut refreshed,
                )
                .await?
            {
                Next::Retry => continue,
                Next::Done(response) => {
                    return Ok(self.finish(&call, cache_key, remembered, response, label));
                }
            }
        }
    }

    /// Decides what a response means for the loop.
    async fn interpret(
        &self,
        call: &Call<'_>,
        label: &str,
        response: RawResponse,
        failures: &mut u32,
        limited: &mut u32,
        refreshed: &mut bool,
    ) -> Result<Next> {
        let status = response.status;
        if status == 401
            && let Some(Identity::Installation(id)) = call.identity
            && !*refreshed
        {
            // Revoked or expired early (clock skew): one fresh token, then give up.
            *refreshed = true;
            tracing::info!(installation = id, "token refused; minting a new one");
            self.forget_token(id).await;
            return Ok(Next::Retry);
        }
        if status == 403 || status == 429 {
            let message = message_of(&response.body);
            match rate_limit::classify(status, &response.headers, &message, Timestamp::now()) {
                Some(Limited::Primary { reset }) => {
                    if let Some(identity) = call.identity {
                        self.with_identity(identity, |s| {
                            s.budget = Some(Budget {
                                remaining: 0,
                                reset,
                            })
                        });
                    }
                    let gate = rate_limit::wait_or_yield(
                        reset,
                        Timestamp::now(),
                        self.limits.max_rate_limit_wait,
                    );
                    if *limited < self.limits.retries.max(1)
                        && let Gate::Wait(_) | Gate::Go = gate
                    {
                        // The gate at the top of the loop does the waiting.
                        *limited += 1;
                        return Ok(Next::Retry);
                    }
                    return Err(PlatformError::RateLimited {
                        request: label.to_string(),
                        reset,
                    });
                }
                Some(Limited::Secondary { retry_after }) => {
                    let wait = retry_after.max(self.backoff(*limited + 1));
                    if *limited < self.limits.retries && wait <= self.limits.max_rate_limit_wait {
                        *limited += 1;
                        tracing::warn!(request = %label, ?wait, "secondary rate limit; backing off");
                        tokio::time::sleep(wait).await;
                        return Ok(Next::Retry);
                    }
                    return Err(PlatformError::RateLimited {
                        request: label.to_string(),
                        reset: Timestamp::now() + retry_after,
                    });
                }
                None => {}
            }
        }
        if status >= 500 {
            if call.retry == Retry::Safe && *failures < self.limits.retries {
                *failures += 1;
                tracing::warn!(request = %label, status, "server error; retrying");
                tokio::time::sleep(self.backoff(*failures)).await;
                return Ok(Next::Retry);
            }
            return Err(PlatformError::Transport {
                request: label.to_string(),
                message: format!("GitHub answered {status}: {}", message_of(&response.body)),
            });
        }
        Ok(Next::Done(response))
    }

    fn finish(
        &self,
        call: &Call<'_>,
        cache_key: (Option<Identity>, String),
        remembered: Option<Remembered>,
        response: RawResponse,
        label: String,
    ) -> Reply {
        if response.status == 304
            && let Some(r) = remembered
        {
            self.counters.count_not_modified();
            return Reply {
                status: 200,
                headers: r.headers,
                body: r.body,
                request: label,
            };
        }
        if call.conditional
            && response.status == 200
            && let Some(etag) = response.headers.get("etag").and_then(|v| v.to_str().ok())
        {
            let mut etags = self.etags.lock().unwrap();
            let size = response.body.len() + cache_key.1.len();
            if etags.bytes + size > ETAG_BYTES {
                *etags = Etags::default();
            }
            etags.bytes += size;
            let previous = etags.answers.insert(
                cache_key,
                Remembered {
                    etag: etag.to_string(),
                    headers: response.headers.clone(),
                    body: response.body.clone(),
                },
            );
            if let Some(p) = previous {
                etags.bytes = etags
                    .bytes
                    .saturating_sub(size - response.body.len() + p.body.len());
            }
        }
        Reply {
            status: response.status,
            headers: response.headers,
            body: response.body,
            request: label,
        }
    }
}

enum Next {
    Retry,
    Done(RawResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_with_link(link: &str) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert("link", link.parse().unwrap());
        Reply {
            status: 200,
            headers,
            body: String::new(),
            request: "GET /x".to_string(),
        }
    }

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let endpoint = Endpoint::parse("https://ghe.example/api/v3").unwrap();
        let r = reply_with_link(
            "<https://ghe.example/api/v3/repos/a/b/pulls?per_page=100&page=1>; rel=\"prev\", <https://ghe.example/api/v3/repos/a/b/pulls?per_page=100&page=3>; rel=\"next\"",
        );
        assert_eq!(
            r.next_page(&endpoint).as_deref(),
            Some("/api/v3/repos/a/b/pulls?per_page=100&page=3")
        );
        let last = reply_with_link("<https://ghe.example/api/v3/x?page=1>; rel=\"first\"");
        assert_eq!(last.next_page(&endpoint), None);
    }

    #[test]
    fn error_messages_carry_githubs_field_errors() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:upkeep/x."}]}"#;
        let r = Reply {
            status: 422,
            headers: HeaderMap::new(),
            body: body.to_string(),
            request: "POST /repos/acme/app/pulls".to_string(),
        };
        let err = r.error().to_string();
        assert!(err.contains("POST /repos/acme/app/pulls"), "{err}");
        assert!(err.contains("already exists"), "{err}");
    }
}
