//! The request pipeline: route through the description, inject faults, authenticate,
//! apply rate limits, validate the request, count it, run the handler, validate the
//! response.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::app_key::AppKey;
use super::openapi::{Problem, spec};
use super::state::{Budget, Principal, State, now};
use super::{Direction, RequestRecord, Violation, handlers};

/// What the fake shares between requests and the test's handle.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) key: AppKey,
}

/// A handler's answer.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) headers: Vec<(String, String)>,
    /// A non-JSON body (raw file contents) with its content type; not validated.
    pub(crate) raw: Option<(Vec<u8>, String)>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            raw: None,
        }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
            raw: None,
        }
    }

    /// `{"message": …}` with GitHub's documentation link.
    pub(crate) fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string(),
            }),
        )
    }

    pub(crate) fn not_found() -> Reply {
        Reply::error(404, "Not Found")
    }

    /// 422 `Validation Failed` with one error entry.
    pub(crate) fn unprocessable(resource: &str, field: &str, code: &str, message: &str) -> Reply {
        let mut error = json!({ "resource": resource, "field": field, "code": code });
        if !message.is_empty() {
            error["message"] = json!(message);
        }
        Reply::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": "https://docs.github.com/rest",
                "status": "422",
            }),
        )
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// The request as a handler sees it.
pub(crate) struct Ctx<'a> {
    pub(crate) who: Principal,
    pub(crate) params: &'a [(String, String)],
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: Value,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) path: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `owner/repo` from the path.
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.param("owner"), self.param("repo"))
    }
}

pub(crate) async fn handle(AxumState(shared): AxumState<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 256 << 20)
        .await
        .unwrap_or_default()
        .to_vec();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query_string = parts.uri.query().unwrap_or("").to_string();
    let headers = parts.headers;

    if super::smart_http::is_git_path(&path) {
        return super::smart_http::serve(shared, &method, &path, &query_string, &headers, bytes)
            .await;
    }

    let shared2 = shared.clone();
    let jwt_checked = match bearer(&headers) {
        Some(t) if t.matches('.').count() == 2 && needs_jwt(&path) => {
            let known = shared.state.lock().unwrap().verified_jwts.contains(&t);
            if known {
                None
            } else {
                let key = shared.key.clone();
                let jwt = t.clone();
                Some(
                    tokio::task::spawn_blocking(move || key.verify(&jwt))
                        .await
                        .expect("verify task"),
                )
            }
        }
        _ => None,
    };
    tokio::task::spawn_blocking(move || {
        let mut st = shared2.state.lock().unwrap();
        pipeline(
            &mut st,
            &method,
            &path,
            &query_string,
            &headers,
            &bytes,
            jwt_checked,
        )
    })
    .await
    .expect("handler task")
}

fn needs_jwt(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/")
}

/// The token of an `Authorization: token X` / `Bearer X` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    matches!(scheme.to_ascii_lowercase().as_str(), "token" | "bearer")
        .then(|| token.trim().to_string())
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn pipeline(
    st: &mut State,
    method: &str,
    path: &str,
    query_string: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    jwt_checked: Option<Result<Value, String>>,
) -> Response {
    let mut record = RequestRecord {
        method: method.to_string(),
        path: if query_string.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query_string}")
        },
        operation: String::new(),
        status: 0,
        principal: String::new(),
    };
    let (reply, budget_key) = run(
        st,
        method,
        path,
        query_string,
        headers,
        bytes,
        jwt_checked,
        &mut record,
    );
    record.status = reply.status;
    st.log.push(record);
    let mut response = to_response(reply);
    if let Some(key) = budget_key
        && let Some(b) = st.budgets.get(&key)
    {
        let h = response.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", b.limit.to_string()),
            (
                "x-ratelimit-remaining",
                b.limit.saturating_sub(b.used).to_string(),
            ),
            ("x-ratelimit-used", b.used.to_string()),
            ("x-ratelimit-reset", b.reset.to_string()),
            ("x-ratelimit-resource", "core".to_string()),
        ] {
            h.insert(name, HeaderValue::from_str(&value).expect("header"));
        }
    }
    response
}

#[allow(clippy::too_many_arguments)]
fn run(
    st: &mut State,
    method: &str,
    path: &str,
    query_string: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    jwt_checked: Option<Result<Value, String>>,
    record: &mut RequestRecord,
) -> (Reply, Option<String>) {
    let is_graphql = path == "/graphql" && method == "POST";
    let matched = if is_graphql {
        None
    } else {
        spec().find(method, path)
    };
    let operation = match (&matched, is_graphql) {
        (Some(m), _) => m.op.id.clone(),
        (None, true) => "graphql".to_string(),
        (None, false) => {
            st.violations.push(Violation {
                operation: format!("{method} {path}"),
                direction: Direction::Request,
                problems: vec![Problem {
                    location: "path".to_string(),
                    message: "no operation of the REST description (subset) matches".to_string(),
                }],
            });
            return (Reply::not_found(), None);
        }
    };
    record.operation = operation.clone();

    // Injected 500s (or 502s after the fact).
    let mut fail_after = false;
    if let Some(i) = st.failures.iter().position(|f| f.matches(method, path)) {
        let f = &mut st.failures[i];
        let after = f.after;
        if let Some(n) = f.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                st.failures.remove(i);
            }
        }
        if !after {
            return (Reply::error(500, "Server Error (injected)"), None);
        }
        fail_after = true;
    }

    // Authentication.
    let token = bearer(headers);
    let who = if needs_jwt(path) {
        match check_jwt(st, token.as_deref(), jwt_checked) {
            Ok(()) => Principal::App,
            Err(message) => return (Reply::error(401, &message), None),
        }
    } else {
        let Some(token) = token else {
            return (Reply::error(401, "Requires authentication"), None);
        };
        match st.tokens.get(&token) {
            Some(t) if t.expires_at.is_none_or(|e| e > now()) => t.principal.clone(),
            _ => return (Reply::error(401, "Bad credentials"), None),
        }
    };
    record.principal = match &who {
        Principal::App => "app".to_string(),
        Principal::Installation(id) => format!("installation:{id}"),
        Principal::User(login) => format!("user:{login}"),
    };

    // Counting (every authenticated request, whatever its answer).
    let read = method == "GET"
        || method == "HEAD"
        || (is_graphql && !String::from_utf8_lossy(bytes).contains("mutation"));
    let write = !read;
    *st.by_operation.entry(operation.clone()).or_default() += 1;
    let repo_name = matched.as_ref().and_then(|m| {
        let owner = m.param("owner");
        (!owner.is_empty()).then(|| format!("{owner}/{}", m.param("repo")))
    });
    match &who {
        Principal::Installation(id) => {
            st.by_installation.entry(*id).or_default().add(write);
            if let Some(name) = &repo_name {
                st.by_repo.entry(name.clone()).or_default().add(write);
            }
        }
        Principal::User(_) => st.humans.add(write),
        Principal::App => {}
    }

    // Rate limits.
    let budget_key = match &who {
        Principal::App => None,
        Principal::Installation(id) => Some(format!("installation:{id}")),
        Principal::User(login) => Some(format!("user:{login}")),
    };
    if matches!(who, Principal::Installation(_))
        && let Some((left, retry_after)) = st.secondary.as_mut()
    {
        *left -= 1;
        let retry_after = *retry_after;
        if *left == 0 {
            st.secondary = None;
        }
        return (
            Reply::error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
            )
            .header("retry-after", retry_after.to_string()),
            budget_key,
        );
    }
    if let Some(key) = &budget_key
        && operation != "rate-limit/get"
    {
        let default_limit = st.default_limit;
        let b = st.budgets.entry(key.clone()).or_insert_with(|| Budget {
            limit: default_limit,
            used: 0,
            reset: now() + 3600,
        });
        if b.reset <= now() {
            b.used = 0;
            b.reset = now() + 3600;
        }
        if b.used >= b.limit {
            let who = match &who {
                Principal::Installation(id) => format!("installation ID {id}"),
                _ => "user".to_string(),
            };
            return (
                Reply::error(403, &format!("API rate limit exceeded for {who}.")),
                budget_key,
            );
        }
        b.used += 1;
    }

    // The request itself.
    let body: Option<Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(bytes) {
            Ok(v) => Some(v),
            Err(_) => return (Reply::error(400, "Problems parsing JSON"), budget_key),
        }
    };
    let query = parse_query(query_string);
    let Some(m) = matched else {
        let reply = handlers::graphql(st, &who, body.unwrap_or(Value::Null));
        return (reply, budget_key);
    };
    let mut problems = spec().check_query(m.op, &query);
    problems.extend(spec().check_request(m.op, body.as_ref()));
    if !problems.is_empty() {
        let reply = validation_reply(&problems);
        st.violations.push(Violation {
            operation: operation.clone(),
            direction: Direction::Request,
            problems,
        });
        return (reply, budget_key);
    }

    // Repository access.
    if let Some(name) = &repo_name {
        match st.repos.get(name) {
            Some(repo) if st.can_access(&who, repo) => {}
            _ => return (Reply::not_found(), budget_key),
        }
    }

    let ctx = Ctx {
        who,
        params: &m.params,
        query: &query,
        body: body.unwrap_or(Value::Null),
        headers,
        path,
    };
    let reply = handlers::dispatch(st, &operation, &ctx);
    if fail_after {
        return (Reply::error(502, "Bad Gateway (injected)"), budget_key);
    }
    if reply.raw.is_none() {
        let problems = spec().check_response(m.op, reply.status, reply.body.as_ref());
        if !problems.is_empty() {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            st.violations.push(Violation {
                operation: operation.clone(),
                direction: Direction::Response,
                problems,
            });
            return (
                Reply::error(
                    500,
                    &format!(
                        "the fake GitHub's own response broke the REST description: {}",
                        text.join("; ")
                    ),
                ),
                budget_key,
            );
        }
    }
    // Conditional requests: a 200 JSON answer to a GET carries an ETag; a request whose
    // If-None-Match names it gets 304, which (as on GitHub) costs no rate limit.
    let mut reply = reply;
    if method == "GET"
        && reply.status == 200
        && let Some(body) = &reply.body
    {
        let etag = format!(
            "W/\"{}\"",
            &crate::sha256_hex(&serde_json::to_vec(body).expect("json"))[..32]
        );
        let matches = headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',').map(str::trim).any(|c| {
                    c == "*" || c.trim_start_matches("W/") == etag.trim_start_matches("W/")
                })
            });
        if matches {
            if let Some(b) = budget_key.as_ref().and_then(|k| st.budgets.get_mut(k)) {
                b.used = b.used.saturating_sub(1);
            }
            if let Principal::Installation(id) = &ctx.who {
                st.by_installation.entry(*id).or_default().not_modified += 1;
                if let Some(name) = &repo_name {
                    st.by_repo.entry(name.clone()).or_default().not_modified += 1;
                }
            }
            reply = Reply::empty(304);
        }
        reply.headers.push(("etag".to_string(), etag));
    }
    (reply, budget_key)
}

fn validation_reply(problems: &[Problem]) -> Reply {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Reply::json(
        422,
        json!({
            "message": format!("Invalid request.\n\n{}", lines.join("\n")),
            "errors": problems.iter().map(|p| json!({
                "resource": "Request",
                "field": p.location,
                "code": "invalid",
                "message": p.message,
            })).collect::<Vec<_>>(),
            "documentation_url": "https://docs.github.com/rest",
            "status": "422",
        }),
    )
}

fn check_jwt(
    st: &mut State,
    token: Option<&str>,
    verified: Option<Result<Value, String>>,
) -> Result<(), String> {
    let Some(token) = token else {
        return Err("A JSON web token could not be decoded".to_string());
    };
    let claims = match verified {
        Some(Ok(claims)) => claims,
        Some(Err(e)) => return Err(e),
        None if st.verified_jwts.contains(token) => {
            // Verified before; the claims are still checked against the clock.
            let c = token.split('.').nth(1).unwrap_or("");
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null)
        }
        None => return Err("A JSON web token could not be decoded".to_string()),
    };
    let now = now() as i64;
    let iss_ok = match &claims["iss"] {
        Value::String(s) => s == &st.app_id.to_string() || s == &format!("Iv1.fake{}", st.app_id),
        Value::Number(n) => n.as_u64() == Some(st.app_id),
        _ => false,
    };
    if !iss_ok {
        return Err("'Issuer' claim ('iss') must be an Integer".to_string());
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
                .to_string(),
        );
    };
    if iat > now + 60 {
        return Err(
            "'Issued at' claim ('iat') must be an Integer representing a time in the past"
                .to_string(),
        );
    }
    if exp <= now {
        return Err(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
                .to_string(),
        );
    }
    if exp - iat > 600 {
        return Err("'Expiration time' claim ('exp') is too far in the future".to_string());
    }
    st.verified_jwts.insert(token.to_string());
    Ok(())
}

fn to_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (bytes, content_type) = match (reply.raw, reply.body) {
        (Some((bytes, ct)), _) => (bytes, Some(ct)),
        (None, Some(v)) => (
            serde_json::to_vec(&v).expect("json"),
            Some("application/json; charset=utf-8".to_string()),
        ),
        (None, None) => (Vec::new(), None),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let h = response.headers_mut();
    if let Some(ct) = content_type {
        h.insert(
            "content-type",
            HeaderValue::from_str(&ct).expect("content type"),
        );
    }
    h.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            h.append(n, v);
        }
    }
    response
}
