//! Git over smart HTTP for the fake's repositories: `git http-backend` as a CGI behind
//! the fake's token check, at `{base}/{owner}/{repo}.git` (the repository's
//! `clone_url`), like github.com. Clone, fetch and push are real git.
//!
//! Authentication is GitHub's: HTTP Basic with any user name (`x-access-token` by
//! convention) and a live token (installation or user) that can see the repository as
//! the password. Without one the answer is 401 and git asks its credential helper.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::io::AsyncWriteExt;

use super::server::Shared;
use super::state::now;

/// Whether `path` is a git smart-HTTP path (`/{owner}/{repo}.git/...`).
pub(crate) fn is_git_path(path: &str) -> bool {
    split(path).is_some()
}

/// (`owner/repo`, service) of a git path.
fn split(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix('/')?;
    let (owner, rest) = rest.split_once('/')?;
    let (repo, service) = rest.split_once(".git/")?;
    if owner.is_empty() || repo.is_empty() || repo.contains('/') {
        return None;
    }
    Some((format!("{owner}/{repo}"), service.to_string()))
}

fn unauthorized() -> Response {
    let mut r = Response::new(Body::from("authentication required\n"));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Basic realm=\"GitHub\""),
    );
    r
}

pub(crate) async fn serve(
    shared: Arc<Shared>,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> Response {
    let Some((full_name, service)) = split(path) else {
        return unauthorized();
    };
    let password = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::jwt::parse_basic)
        .map(|(_, p)| p);
    let root = {
        let mut st = shared.state.lock().unwrap();
        let principal = password
            .as_ref()
            .and_then(|p| st.tokens.get(p))
            .and_then(|t| {
                t.expires_at
                    .is_none_or(|e| e > now())
                    .then(|| t.principal.clone())
            });
        let Some(principal) = principal else {
            return unauthorized();
        };
        match st.repos.get(&full_name) {
            Some(repo) if st.can_access(&principal, repo) => {}
            _ => {
                let mut r = Response::new(Body::from("Repository not found.\n"));
                *r.status_mut() = StatusCode::NOT_FOUND;
                return r;
            }
        }
        let kind = if service.contains("receive-pack") || query.contains("receive-pack") {
            "push"
        } else {
            "fetch"
        };
        // One ref advertisement per git operation (protocol v2 then POSTs several
        // commands); unauthenticated first tries were answered 401 above.
        if service.starts_with("info/refs") {
            *st.git_requests
                .entry(format!("{full_name} {kind}"))
                .or_default() += 1;
        }
        st.root.join("repos")
    };
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", &root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", method)
        .env("REMOTE_USER", "x-access-token")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("git-protocol", "GIT_PROTOCOL"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
    ] {
        if let Some(v) = headers.get(header).and_then(|v| v.to_str().ok()) {
            cmd.env(var, v);
        }
    }
    let mut child = cmd.spawn().expect("git http-backend");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&body).await;
    });
    let out = child.wait_with_output().await.expect("git http-backend");
    let _ = writer.await;
    if service == "git-receive-pack"
        && let Some(r) = shared.state.lock().unwrap().repos.get_mut(&full_name)
    {
        r.pushed_at = now();
    }
    let (head, payload) = match out.stdout.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => (&out.stdout[..i], &out.stdout[i + 4..]),
        None => (&out.stdout[..], &[][..]),
    };
    let mut response = Response::new(Body::from(payload.to_vec()));
    for line in String::from_utf8_lossy(head).split("\r\n") {
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        if name.eq_ignore_ascii_case("status") {
            let code = value
                .split(' ')
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(500);
            *response.status_mut() =
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        } else if let (Ok(n), Ok(v)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
