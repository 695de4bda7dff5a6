//! A small OCI distribution registry on 127.0.0.1 (axum), enough of the protocol to
//! test the datasource against: tag pages with `Link`, manifests by tag and digest
//! that are only served to a matching `Accept` (distribution 2.8 answers 404 to a
//! client that does not accept an OCI index), blobs (optionally redirected to another
//! server), and anonymous, Basic or token authentication with a token endpoint that
//! checks the scope asked for. Every request is recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use upkeep_http::Credential;

use crate::docker::parse::sha256_digest;

/// How the registry wants clients to authenticate.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// Everything is public.
    #[default]
    Anonymous,
    /// `Authorization: Basic` with these credentials on every request.
    Basic(String, String),
    /// Bearer tokens from `/token`, which wants these Basic credentials if given.
    Token(Option<(String, String)>),
}

/// One repository's content.
#[derive(Debug, Clone, Default)]
pub struct Repo {
    pub tags: Vec<String>,
    /// By tag and by digest: media type and body.
    pub manifests: BTreeMap<String, (String, Vec<u8>)>,
    pub blobs: BTreeMap<String, Vec<u8>>,
}

impl Repo {
    /// Adds a manifest under its digest, and under `tag` when given; returns the digest.
    pub fn add_manifest(&mut self, tag: Option<&str>, media_type: &str, body: &str) -> String {
        let digest = sha256_digest(body.as_bytes());
        let entry = (media_type.to_owned(), body.as_bytes().to_vec());
        self.manifests.insert(digest.clone(), entry.clone());
        if let Some(tag) = tag {
            self.manifests.insert(tag.to_owned(), entry);
            if !self.tags.iter().any(|known| known == tag) {
                self.tags.push(tag.to_owned());
            }
        }
        digest
    }

    /// Adds a blob; returns its digest.
    pub fn add_blob(&mut self, body: &str) -> String {
        let digest = sha256_digest(body.as_bytes());
        self.blobs.insert(digest.clone(), body.as_bytes().to_vec());
        digest
    }
}

/// What the registry serves.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub auth: Auth,
    pub repos: BTreeMap<String, Repo>,
    /// Repositories whose valid token is still refused (`DENIED`).
    pub denied: BTreeSet<String>,
    /// Largest page, whatever `n` asks.
    pub page_size: Option<usize>,
    /// Blob requests are redirected to `<this>/blobs/<digest>`.
    pub blob_redirect: Option<String>,
    /// Leave out `Docker-Content-Digest`.
    pub no_digest_header: bool,
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

struct Shared {
    config: Config,
    base: String,
    log: Mutex<Vec<Recorded>>,
}

/// A running server.
pub struct Server {
    pub base: String,
    shared: Arc<Shared>,
}

impl Server {
    pub async fn start(config: Config) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            config,
            base: base.clone(),
            log: Mutex::new(Vec::new()),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Server { base, shared }
    }

    /// `127.0.0.1:PORT`, as an image name's registry part.
    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests whose path ends with `suffix` (and whose method is `method`).
    pub fn count(&self, method: Method, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method == method && request.path.ends_with(suffix))
            .count()
    }
}

pub fn basic(username: &str, password: &str) -> String {
    let credential = Credential::Basic {
        username: username.to_owned(),
        password: Some(password.into()),
    };
    credential.authorization().expose_secret().to_owned()
}

fn token_for(repository: &str) -> String {
    format!("Bearer token-for-{repository}")
}

fn oci_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(r#"{{"errors":[{{"code":"{code}","message":"{message}","detail":null}}]}}"#);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let recorded = Recorded {
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
        headers: request.headers().clone(),
    };
    shared.log.lock().unwrap().push(recorded.clone());
    if recorded.path == "/token" {
        return token(&shared.config, &recorded);
    }
    if let Some(digest) = recorded.path.strip_prefix("/blobs/") {
        // The blob storage server of a redirect: serves any repository's blob.
        return match shared
            .config
            .repos
            .values()
            .find_map(|repo| repo.blobs.get(digest))
        {
            Some(body) => (StatusCode::OK, body.clone()).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let Some(rest) = recorded.path.strip_prefix("/v2/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (name, resource) = if let Some(name) = rest.strip_suffix("/tags/list") {
        (name, Resource::Tags)
    } else if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
        (name, Resource::Manifest(reference))
    } else if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
        (name, Resource::Blob(digest))
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(refusal) = check_auth(&shared, name, &recorded) {
        return refusal;
    }
    let Some(repo) = shared.config.repos.get(name) else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        );
    };
    match resource {
        Resource::Tags => tags(&shared.config, name, repo, &recorded),
        Resource::Manifest(reference) => manifest(&shared.config, repo, reference, &recorded),
        Resource::Blob(digest) => match (&shared.config.blob_redirect, repo.blobs.get(digest)) {
            (_, None) => oci_error(
                StatusCode::NOT_FOUND,
                "BLOB_UNKNOWN",
                "blob unknown to registry",
            ),
            (Some(storage), Some(_)) => (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, format!("{storage}/blobs/{digest}"))],
            )
                .into_response(),
            (None, Some(body)) => (StatusCode::OK, body.clone()).into_response(),
        },
    }
}

enum Resource<'a> {
    Tags,
    Manifest(&'a str),
    Blob(&'a str),
}

fn check_auth(shared: &Shared, name: &str, request: &Recorded) -> Option<Response> {
    let sent = request.header("authorization");
    match &shared.config.auth {
        Auth::Anonymous => None,
        Auth::Basic(user, password) if sent == Some(basic(user, password).as_str()) => None,
        Auth::Basic(..) => {
            let mut refusal = oci_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "authentication required",
            );
            refusal.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                r#"Basic realm="Registry Realm""#.parse().unwrap(),
            );
            Some(refusal)
        }
        Auth::Token(_) if sent == Some(token_for(name).as_str()) => {
            shared.config.denied.contains(name).then(|| {
                oci_error(
                    StatusCode::UNAUTHORIZED,
                    "DENIED",
                    "requested access to the resource is denied",
                )
            })
        }
        Auth::Token(_) => {
            let mut refusal = oci_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "authentication required",
            );
            let challenge = format!(
                r#"Bearer realm="{}/token",service="test-registry",scope="repository:{name}:pull""#,
                shared.base
            );
            refusal
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge.parse().unwrap());
            Some(refusal)
        }
    }
}

fn token(config: &Config, request: &Recorded) -> Response {
    let Auth::Token(credentials) = &config.auth else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some((user, password)) = credentials
        && request.header("authorization") != Some(basic(user, password).as_str())
    {
        return oci_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "bad credentials");
    }
    let query: BTreeMap<String, String> = url::form_urlencoded::parse(request.query.as_bytes())
        .into_owned()
        .collect();
    if query.get("service").map(String::as_str) != Some("test-registry") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let Some(repository) = query
        .get("scope")
        .and_then(|scope| scope.strip_prefix("repository:"))
        .and_then(|scope| scope.strip_suffix(":pull"))
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let token = format!("token-for-{repository}");
    let body = format!(r#"{{"access_token":"{token}","expires_in":300}}"#);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn tags(config: &Config, name: &str, repo: &Repo, request: &Recorded) -> Response {
    let query: BTreeMap<String, String> = url::form_urlencoded::parse(request.query.as_bytes())
        .into_owned()
        .collect();
    let mut all = repo.tags.clone();
    all.sort();
    let asked = query
        .get("n")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let size = asked.min(config.page_size.unwrap_or(usize::MAX));
    let after: Vec<String> = match query.get("last") {
        Some(last) => all.into_iter().filter(|tag| tag > last).collect(),
        None => all,
    };
    let page: Vec<String> = after.iter().take(size).cloned().collect();
    let body = serde_json::json!({ "name": name, "tags": page }).to_string();
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if after.len() > page.len()
        && let Some(last) = page.last()
    {
        let link = format!(r#"</v2/{name}/tags/list?n={size}&last={last}>; rel="next""#);
        response
            .headers_mut()
            .insert(header::LINK, link.parse().unwrap());
    }
    response
}

fn manifest(config: &Config, repo: &Repo, reference: &str, request: &Recorded) -> Response {
    let Some((media_type, body)) = repo.manifests.get(reference) else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "manifest unknown",
        );
    };
    let accepted = request
        .headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|accepted| accepted.split(';').next().unwrap_or("").trim() == media_type);
    if !accepted {
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "OCI index found, but accept header does not support OCI indexes",
        );
    }
    let mut headers = vec![(header::CONTENT_TYPE, media_type.clone())];
    if !config.no_digest_header {
        headers.push((
            header::HeaderName::from_static("docker-content-digest"),
            sha256_digest(body),
        ));
    }
    let mut response = Response::builder().status(StatusCode::OK);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    let body = if request.method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body.clone())
    };
    response.body(body).unwrap()
}
