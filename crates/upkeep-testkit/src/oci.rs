//! An OCI registry on loopback: Debian's `docker-registry` (CNCF distribution 2.8).
//!
//! [`OciRegistry::start`] writes a config in a temporary directory, runs
//! `docker-registry serve CONFIG` on a free port and waits until `/v2/` answers. Auth
//! modes ([`OciAuth`]): anonymous, basic (an `htpasswd -Bbn` file), or token auth, where
//! an in-process token server at `/token` implements the Docker token protocol: the
//! registry answers `401` with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, the
//! token server checks basic credentials and returns `{"token", "access_token",
//! "expires_in"}` holding an RS256 JWT (certificate in `x5c`; claims `iss`, `aud`, `exp`,
//! `nbf`, `iat`, `jti`, `access`) that grants the requested scope.
//!
//! Images are pushed through the HTTP API, without Docker: a config blob (with the
//! `created` timestamp the caller picks, which lookups use as the release time), an
//! empty layer, and a manifest per tag; or two platform manifests and an OCI image
//! index. Quirks of 2.8: reading a manifest needs an `Accept` header listing the
//! manifest types ([`MANIFEST_ACCEPT`]), else 404; `tags/list` ignores `n`/`last`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::jwt::{Access, Signer, TOKEN_LIFETIME, basic, parse_basic};
use crate::process::{ChildGuard, free_port, http_answers, require_binary, run};
use crate::runtime::{Server, block_on, client};
use crate::sha256_digest;

/// The `Accept` header a client must send to read manifests from distribution 2.8.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

#[cfg(test)]
#[path = "oci_tests.rs"]
mod tests;

/// The service name the registry and its token server agree on.
pub const TOKEN_SERVICE: &str = "upkeep-testkit-registry";
/// Tokens are cached and handed out again while younger than this (they live
/// [`TOKEN_LIFETIME`] seconds).
const REUSE_TOKEN_FOR: Duration = Duration::from_secs(120);
const TOKEN_ISSUER: &str = "upkeep-testkit-token-server";

/// How clients authenticate to an [`OciRegistry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OciAuth {
    /// No authentication.
    Anonymous,
    /// HTTP basic auth against an htpasswd (bcrypt) file.
    Basic,
    /// Bearer tokens from the token server; the token server requires credentials.
    Token,
    /// Bearer tokens; anonymous token requests get pull-only tokens (like Docker Hub).
    TokenAnonymousPull,
}

/// A running `docker-registry`; killed when dropped.
pub struct OciRegistry {
    auth: OciAuth,
    port: u16,
    user: String,
    password: String,
    token: Option<TokenServer>,
    pushed_blobs: Mutex<HashSet<(String, String)>>,
    push_tokens: Mutex<HashMap<String, (Instant, String)>>,
    // Fields drop in order: the process goes before its directory.
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

struct TokenServer {
    server: Server,
    state: Arc<TokenState>,
}

struct TokenState {
    signer: Signer,
    user: String,
    password: String,
    anonymous_pull: bool,
    requests: AtomicU64,
    cache: Mutex<HashMap<String, (Instant, String)>>,
}

impl OciRegistry {
    /// Starts a registry in `auth` mode. The user is `upkeep`, the password `secret`
    /// (see [`OciRegistry::credentials`]).
    pub fn start(auth: OciAuth) -> OciRegistry {
        let binary = require_binary("docker-registry");
        let dir = tempfile::tempdir().expect("tempdir");
        let (user, password) = ("upkeep".to_string(), "secret".to_string());

        let token = match auth {
            OciAuth::Token | OciAuth::TokenAnonymousPull => {
                let state = Arc::new(TokenState {
                    signer: Signer::new(dir.path(), TOKEN_ISSUER, TOKEN_SERVICE),
                    user: user.clone(),
                    password: password.clone(),
                    anonymous_pull: auth == OciAuth::TokenAnonymousPull,
                    requests: AtomicU64::new(0),
                    cache: Mutex::new(HashMap::new()),
                });
                let router = axum::Router::new()
                    .route("/token", axum::routing::get(token_endpoint))
                    .with_state(state.clone());
                Some(TokenServer {
                    server: Server::start(router),
                    state,
                })
            }
            _ => None,
        };
        let auth_config = match auth {
            OciAuth::Anonymous => String::new(),
            OciAuth::Basic => {
                let htpasswd = require_binary("htpasswd");
                let line = run(Command::new(htpasswd).args(["-Bbn", &user, &password]));
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, line).expect("htpasswd file");
                format!(
                    "auth:\n  htpasswd:\n    realm: upkeep-testkit\n    path: {}\n",
                    file.display()
                )
            }
            OciAuth::Token | OciAuth::TokenAnonymousPull => {
                let t = token.as_ref().unwrap();
                format!(
                    "auth:\n  token:\n    realm: http://{}/token\n    service: {TOKEN_SERVICE}\n    \
                     issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                    t.server.addr(),
                    t.state.signer.cert_path().display()
                )
            }
        };

        for _attempt in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: upkeep-testkit-secret\n{auth_config}",
                    dir.path().join("storage").display()
                ),
            )
            .expect("registry config");
            let mut cmd = Command::new(&binary);
            cmd.arg("serve").arg(&config);
            let mut child =
                ChildGuard::spawn("docker-registry", cmd, &dir.path().join("registry.log"));
            let base = format!("http://127.0.0.1:{port}/v2/");
            if child.wait_ready(|| http_answers(&base)) {
                return OciRegistry {
                    auth,
                    port,
                    user,
                    password,
                    token,
                    pushed_blobs: Mutex::new(HashSet::new()),
                    push_tokens: Mutex::new(HashMap::new()),
                    _child: child,
                    _dir: dir,
                };
            }
            // Exited early: most likely the port was taken meanwhile; try another.
            eprintln!("docker-registry exited at start:\n{}", child.log_text());
        }
        panic!("docker-registry did not start (see the logs above)");
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT`, the registry part of an image reference.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The auth mode.
    pub fn auth(&self) -> OciAuth {
        self.auth
    }

    /// (user, password) accepted in basic and token modes; `None` when anonymous.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match self.auth {
            OciAuth::Anonymous => None,
            _ => Some((&self.user, &self.password)),
        }
    }

    /// The token endpoint (`http://127.0.0.1:PORT/token`) in token modes.
    pub fn token_url(&self) -> Option<String> {
        self.token
            .as_ref()
            .map(|t| format!("http://{}/token", t.server.addr()))
    }

    /// How many requests the token server has answered (0 without one).
    pub fn token_requests(&self) -> u64 {
        self.token
            .as_ref()
            .map_or(0, |t| t.state.requests.load(Ordering::Relaxed))
    }

    /// Pushes a single-platform image (OCI manifest, linux/amd64) as `name:tag` whose
    /// config says `created` (RFC 3339); returns the manifest digest.
    pub fn push_image(&self, name: &str, tag: &str, created: &str) -> String {
        let manifest = self.platform_manifest(name, tag, created, "amd64", false);
        self.put_manifest(name, tag, OCI_MANIFEST, manifest)
    }

    /// Pushes single-platform images for many `(tag, created)` pairs; returns their
    /// digests in order.
    pub fn push_images(&self, name: &str, tags: &[(&str, &str)]) -> Vec<String> {
        tags.iter()
            .map(|(tag, created)| self.push_image(name, tag, created))
            .collect()
    }

    /// Like [`OciRegistry::push_image`] with Docker v2 schema 2 media types.
    pub fn push_docker_image(&self, name: &str, tag: &str, created: &str) -> String {
        let manifest = self.platform_manifest(name, tag, created, "amd64", true);
        self.put_manifest(name, tag, DOCKER_MANIFEST, manifest)
    }

    /// Pushes a multi-arch image as `name:tag`: manifests for linux/amd64 and
    /// linux/arm64/v8 (by digest) and an OCI image index; returns the index digest.
    pub fn push_index(&self, name: &str, tag: &str, created: &str) -> String {
        let platforms = [("amd64", None, created), ("arm64", Some("v8"), created)];
        self.push_multi_arch(name, tag, false, &platforms).0
    }

    /// Pushes a multi-arch image as `name:tag` with one platform manifest per
    /// `(architecture, variant, created)`, listed in the index in that order, so a test
    /// can tell which platform a client reads. `docker` picks Docker v2 media types (a
    /// manifest list over schema 2 manifests) instead of OCI ones. Returns the index
    /// digest and the platform manifests' digests in order.
    pub fn push_multi_arch(
        &self,
        name: &str,
        tag: &str,
        docker: bool,
        platforms: &[(&str, Option<&str>, &str)],
    ) -> (String, Vec<String>) {
        let (manifest_type, index_type) = if docker {
            (DOCKER_MANIFEST, DOCKER_LIST)
        } else {
            (OCI_MANIFEST, OCI_INDEX)
        };
        let mut entries = Vec::new();
        let mut digests = Vec::new();
        for &(arch, variant, created) in platforms {
            let manifest = self.platform_manifest(name, tag, created, arch, docker);
            let size = manifest.len();
            let digest = sha256_digest(&manifest);
            self.put_manifest(name, &digest, manifest_type, manifest);
            let mut platform = json!({ "architecture": arch, "os": "linux" });
            if let Some(v) = variant {
                platform["variant"] = json!(v);
            }
            entries.push(json!({
                "mediaType": manifest_type, "digest": digest, "size": size, "platform": platform,
            }));
            digests.push(digest);
        }
        let index = json!({ "schemaVersion": 2, "mediaType": index_type, "manifests": entries });
        let digest = self.put_manifest(name, tag, index_type, serde_json::to_vec(&index).unwrap());
        (digest, digests)
    }

    /// Points `new_tag` at the manifest `reference` (a tag or digest) already points at,
    /// as `docker tag` + push would; returns the digest.
    pub fn retag(&self, name: &str, reference: &str, new_tag: &str) -> String {
        let url = format!("{}/v2/{name}/manifests/{reference}", self.url());
        let auth = self.push_auth(name);
        let reference = reference.to_string();
        let (media_type, body) = block_on(async move {
            let mut req = client().get(url).header(header::ACCEPT, MANIFEST_ACCEPT);
            if let Some(a) = auth {
                req = req.header(header::AUTHORIZATION, a);
            }
            let resp = req.send().await.expect("GET manifest");
            assert_eq!(resp.status(), 200, "GET manifest {reference}");
            let media_type = resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_string();
            (media_type, resp.bytes().await.unwrap().to_vec())
        });
        self.put_manifest(name, new_tag, &media_type, body)
    }

    /// Builds a platform manifest (uploading its config and layer) without pushing it.
    fn platform_manifest(
        &self,
        name: &str,
        tag: &str,
        created: &str,
        arch: &str,
        docker: bool,
    ) -> Vec<u8> {
        let (layer, diff_id) = empty_layer();
        let config = json!({
            "architecture": arch,
            "os": "linux",
            "created": created,
            "config": { "Labels": { "org.opencontainers.image.version": tag } },
            "rootfs": { "type": "layers", "diff_ids": [diff_id] },
            "history": [{ "created": created, "created_by": "upkeep-testkit" }],
        });
        let config = serde_json::to_vec(&config).unwrap();
        let config_digest = self.push_blob(name, &config);
        let layer_digest = self.push_blob(name, layer);
        let (mt, cmt, lmt) = if docker {
            (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER)
        } else {
            (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER)
        };
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": mt,
            "config": { "mediaType": cmt, "digest": config_digest, "size": config.len() },
            "layers": [{ "mediaType": lmt, "digest": layer_digest, "size": layer.len() }],
        });
        serde_json::to_vec(&manifest).unwrap()
    }

    /// Uploads a blob (monolithic: POST an upload, PUT the bytes with the digest).
    fn push_blob(&self, name: &str, data: &[u8]) -> String {
        let digest = sha256_digest(data);
        let key = (name.to_string(), digest.clone());
        if self.pushed_blobs.lock().unwrap().contains(&key) {
            return digest;
        }
        let base = self.url();
        let start = format!("{base}/v2/{name}/blobs/uploads/");
        let auth = self.push_auth(name);
        let data = data.to_vec();
        let d = digest.clone();
        block_on(async move {
            let with_auth = |req: reqwest::RequestBuilder| match &auth {
                Some(a) => req.header(header::AUTHORIZATION, a),
                None => req,
            };
            let resp = with_auth(client().post(&start))
                .send()
                .await
                .expect("POST upload");
            assert_eq!(resp.status(), 202, "POST {start}: {:?}", resp.text().await);
            let location = resp.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string();
            let location = if location.starts_with('/') {
                format!("{base}{location}")
            } else {
                location
            };
            let sep = if location.contains('?') { '&' } else { '?' };
            let put = format!("{location}{sep}digest={d}");
            let resp = with_auth(client().put(&put))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(data)
                .send()
                .await
                .expect("PUT blob");
            assert_eq!(resp.status(), 201, "PUT blob: {:?}", resp.text().await);
        });
        self.pushed_blobs.lock().unwrap().insert(key);
        digest
    }

    /// PUTs a manifest under `reference`; checks and returns its digest.
    fn put_manifest(&self, name: &str, reference: &str, media_type: &str, body: Vec<u8>) -> String {
        let digest = sha256_digest(&body);
        let url = format!("{}/v2/{name}/manifests/{reference}", self.url());
        let auth = self.push_auth(name);
        let media_type = media_type.to_string();
        let returned = block_on(async move {
            let mut req = client()
                .put(&url)
                .header(header::CONTENT_TYPE, media_type)
                .body(body);
            if let Some(a) = auth {
                req = req.header(header::AUTHORIZATION, a);
            }
            let resp = req.send().await.expect("PUT manifest");
            let status = resp.status();
            let digest = resp
                .headers()
                .get("docker-content-digest")
                .map(|v| v.to_str().unwrap().to_string());
            assert_eq!(status, 201, "PUT {url}: {:?}", resp.text().await);
            digest
        });
        if let Some(returned) = returned {
            assert_eq!(returned, digest, "registry computed another digest");
        }
        digest
    }

    /// The Authorization header the harness itself uses to push to `name`.
    fn push_auth(&self, name: &str) -> Option<String> {
        match self.auth {
            OciAuth::Anonymous => None,
            OciAuth::Basic => Some(basic(&self.user, &self.password)),
            OciAuth::Token | OciAuth::TokenAnonymousPull => {
                let mut tokens = self.push_tokens.lock().unwrap();
                if let Some((at, token)) = tokens.get(name)
                    && at.elapsed() < REUSE_TOKEN_FOR
                {
                    return Some(format!("Bearer {token}"));
                }
                let access = Access {
                    kind: "repository".to_string(),
                    name: name.to_string(),
                    actions: vec!["pull".to_string(), "push".to_string()],
                };
                let token = self
                    .token
                    .as_ref()
                    .unwrap()
                    .state
                    .signer
                    .sign(&self.user, &[access]);
                tokens.insert(name.to_string(), (Instant::now(), token.clone()));
                Some(format!("Bearer {token}"))
            }
        }
    }
}

/// The empty layer: a gzipped empty tar, and the digest of the uncompressed tar.
fn empty_layer() -> (&'static [u8], &'static str) {
    static LAYER: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    let (gz, diff_id) = LAYER.get_or_init(|| {
        let tar = tar::Builder::new(Vec::new()).into_inner().expect("tar");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &tar).expect("gzip");
        (enc.finish().expect("gzip"), sha256_digest(&tar))
    });
    (gz, diff_id)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /token?service=…&scope=…[&scope=…]` with optional basic credentials.
async fn token_endpoint(State(state): State<Arc<TokenState>>, req: Request) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let mut scopes = Vec::new();
    let mut service = None;
    for pair in req.uri().query().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "scope" => scopes.extend(percent_decode(v).split(' ').map(str::to_string)),
            "service" => service = Some(percent_decode(v)),
            _ => {}
        }
    }
    let unauthorized = |msg: &str| {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"upkeep-testkit\"")],
            axum::Json(json!({ "errors": [{ "code": "UNAUTHORIZED", "message": msg }] })),
        )
            .into_response()
    };
    if service.as_deref().is_some_and(|s| s != TOKEN_SERVICE) {
        return (StatusCode::BAD_REQUEST, "unknown service").into_response();
    }
    let credentials = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(parse_basic);
    let subject = match credentials {
        Some(Some((user, pass))) if user == state.user && pass == state.password => Some(user),
        Some(_) => return unauthorized("invalid credentials"),
        None if state.anonymous_pull => None,
        None => return unauthorized("authentication required"),
    };
    let access: Vec<Access> = scopes
        .iter()
        .filter_map(|s| Access::parse_scope(s))
        .map(|mut a| {
            if subject.is_none() {
                a.actions.retain(|x| x == "pull");
            }
            a
        })
        .collect();
    let key = format!("{subject:?} {access:?}");
    let cached = state.cache.lock().unwrap().get(&key).cloned();
    let token = match cached {
        Some((at, t)) if at.elapsed() < REUSE_TOKEN_FOR => t,
        _ => {
            let st = state.clone();
            let subject = subject.clone().unwrap_or_default();
            let t = tokio::task::spawn_blocking(move || st.signer.sign(&subject, &access))
                .await
                .expect("sign");
            state
                .cache
                .lock()
                .unwrap()
                .insert(key, (Instant::now(), t.clone()));
            t
        }
    };
    axum::Json(json!({ "token": token, "access_token": token, "expires_in": TOKEN_LIFETIME }))
        .into_response()
}

impl std::fmt::Debug for OciRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRegistry")
            .field("url", &self.url())
            .field("auth", &self.auth)
            .finish()
    }
}

/// Where the registry keeps its files (for debugging a failing test).
impl OciRegistry {
    /// The registry's temporary directory (config, storage, log).
    pub fn dir(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }
}
