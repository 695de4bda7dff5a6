//! An npm registry on loopback: verdaccio 6.8 from `tools/verdaccio`.
//!
//! [`Verdaccio::start`] writes a config (storage and htpasswd in a temporary directory,
//! `uplinks: {}` so nothing is proxied, `@private/*` readable only when authenticated,
//! everything else readable by all, publishing for authenticated users) and runs
//! `tools/verdaccio/node_modules/.bin/verdaccio` directly (not through npx, which would
//! leave a child behind) on a free port, waiting until `/-/ping` answers. It creates a
//! user and keeps its token.
//!
//! Packages are published over HTTP the way `npm publish` does (one `PUT /<name>` with
//! the version's manifest, dist-tags and the tarball as a base64 attachment), which is
//! far faster than the npm CLI. Deprecation works as `npm deprecate` does (the whole
//! packument PUT back with `deprecated` set and empty attachments), dist-tags through
//! `PUT /-/package/<name>/dist-tags/<tag>`.
//!
//! Verdaccio records `time` as the moment of publishing. For older release dates,
//! [`Verdaccio::set_publish_time`] rewrites the `time` entry in verdaccio's storage file
//! (verdaccio reads it from disk on every request); the static registries are the other
//! way to serve arbitrary dates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use crate::process::{ChildGuard, free_port, http_answers, require_file};
use crate::runtime::{block_on, client};

/// One version of a package to publish.
#[derive(Clone, Debug, PartialEq)]
pub struct NpmVersion {
    /// The package name, e.g. `left-pad` or `@scope/pkg`.
    pub name: String,
    /// The version.
    pub version: String,
    /// The dist-tag the publish sets (`npm publish --tag`); `latest` by default.
    pub tag: String,
    /// `dependencies` of this version.
    pub dependencies: BTreeMap<String, String>,
    /// Extra fields merged into the version's `package.json` (e.g. `repository`).
    pub extra: serde_json::Map<String, Value>,
}

impl NpmVersion {
    /// A version published under the `latest` dist-tag.
    pub fn new(name: &str, version: &str) -> NpmVersion {
        NpmVersion {
            name: name.to_string(),
            version: version.to_string(),
            tag: "latest".to_string(),
            dependencies: BTreeMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// Publishes under `tag` instead of `latest`.
    pub fn tag(mut self, tag: &str) -> NpmVersion {
        self.tag = tag.to_string();
        self
    }

    /// Adds a dependency.
    pub fn dependency(mut self, name: &str, range: &str) -> NpmVersion {
        self.dependencies
            .insert(name.to_string(), range.to_string());
        self
    }

    /// Sets a field of the version's `package.json`.
    pub fn field(mut self, key: &str, value: Value) -> NpmVersion {
        self.extra.insert(key.to_string(), value);
        self
    }

    fn package_json(&self) -> Value {
        let mut pj = json!({
            "name": self.name,
            "version": self.version,
            "description": format!("{} for upkeep tests", self.name),
            "main": "index.js",
            "license": "MIT",
            "dependencies": self.dependencies,
        });
        for (k, v) in &self.extra {
            pj[k] = v.clone();
        }
        pj
    }
}

/// The path of a package's packument: `/name` or `/@scope%2fname`.
pub fn package_path(name: &str) -> String {
    format!("/{}", name.replace('/', "%2f"))
}

/// A running verdaccio; killed when dropped.
pub struct Verdaccio {
    port: u16,
    token: String,
    // Fields drop in order: the process goes before its directory.
    _child: ChildGuard,
    dir: tempfile::TempDir,
}

impl Verdaccio {
    /// The user [`Verdaccio::start`] creates.
    pub const USER: &'static str = "upkeep";
    /// That user's password.
    pub const PASSWORD: &'static str = "secret-password";

    /// Starts verdaccio and creates the user [`Verdaccio::USER`].
    pub fn start() -> Verdaccio {
        let bin = crate::workspace_root().join("tools/verdaccio/node_modules/.bin/verdaccio");
        require_file(&bin);
        crate::process::require_binary("node");
        let dir = tempfile::tempdir().expect("tempdir");
        for _attempt in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yaml");
            std::fs::write(&config, config_yaml(dir.path(), port)).expect("verdaccio config");
            let mut cmd = Command::new(&bin);
            cmd.arg("--config")
                .arg(&config)
                .env("NODE_ENV", "production");
            let mut child = ChildGuard::spawn("verdaccio", cmd, &dir.path().join("verdaccio.log"));
            let ping = format!("http://127.0.0.1:{port}/-/ping");
            if child.wait_ready(|| http_answers(&ping)) {
                let mut v = Verdaccio {
                    port,
                    token: String::new(),
                    _child: child,
                    dir,
                };
                v.token = v.add_user(Self::USER, Self::PASSWORD);
                return v;
            }
            eprintln!("verdaccio exited at start:\n{}", child.log_text());
        }
        panic!("verdaccio did not start (see the logs above)");
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT/`, as `.npmrc`'s `registry=` spells it.
    pub fn registry_url(&self) -> String {
        format!("{}/", self.url())
    }

    /// The token of [`Verdaccio::USER`].
    pub fn token(&self) -> &str {
        &self.token
    }

    /// An `.npmrc` pointing at this registry with the token:
    /// `registry=http://127.0.0.1:PORT/` and `//127.0.0.1:PORT/:_authToken=…`.
    pub fn npmrc(&self) -> String {
        format!(
            "registry={}\n//127.0.0.1:{}/:_authToken={}\n",
            self.registry_url(),
            self.port,
            self.token
        )
    }

    /// The URL of a package's packument (scoped names encoded).
    pub fn packument_url(&self, name: &str) -> String {
        format!("{}{}", self.url(), package_path(name))
    }

    /// Creates a user (`PUT /-/user/org.couchdb.user:NAME`); returns its token.
    pub fn add_user(&self, name: &str, password: &str) -> String {
        let url = format!("{}/-/user/org.couchdb.user:{name}", self.url());
        let body = json!({
            "_id": format!("org.couchdb.user:{name}"),
            "name": name,
            "password": password,
            "type": "user",
            "roles": [],
            "date": "2024-01-01T00:00:00.000Z",
        });
        let (status, body) = request(reqwest::Method::PUT, url, None, Some(body));
        assert_eq!(status, 201, "adding user {name}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Publishes one version, as `npm publish [--tag TAG]` does.
    pub fn publish(&self, v: &NpmVersion) {
        let tarball = npm_tarball(&v.package_json());
        let base = v.name.rsplit('/').next().unwrap();
        let file = format!("{base}-{}.tgz", v.version);
        let integrity = format!("sha512-{}", STANDARD.encode(Sha512::digest(&tarball)));
        let mut version = v.package_json();
        version["_id"] = json!(format!("{}@{}", v.name, v.version));
        version["dist"] = json!({
            "integrity": integrity,
            "tarball": format!("{}/{}/-/{file}", self.url(), v.name),
        });
        let body = json!({
            "_id": v.name,
            "name": v.name,
            "description": version["description"],
            "dist-tags": { v.tag.clone(): v.version },
            "versions": { v.version.clone(): version },
            "readme": "",
            "_attachments": {
                file: {
                    "content_type": "application/octet-stream",
                    "data": STANDARD.encode(&tarball),
                    "length": tarball.len(),
                }
            },
        });
        let (status, resp) = request(
            reqwest::Method::PUT,
            self.packument_url(&v.name),
            Some(&self.token),
            Some(body),
        );
        assert_eq!(status, 201, "publishing {}@{}: {resp}", v.name, v.version);
    }

    /// Publishes each of `versions` of `name` in order under `latest`.
    pub fn publish_versions(&self, name: &str, versions: &[&str]) {
        for v in versions {
            self.publish(&NpmVersion::new(name, v));
        }
    }

    /// Deprecates `version` with `message` (an empty message un-deprecates), as
    /// `npm deprecate` does.
    pub fn deprecate(&self, name: &str, version: &str, message: &str) {
        let (status, mut doc) = self.packument(name, true);
        assert_eq!(status, 200, "reading {name}: {doc}");
        let v = doc["versions"]
            .get_mut(version)
            .unwrap_or_else(|| panic!("{name}@{version} is not published"));
        v["deprecated"] = json!(message);
        doc["_attachments"] = json!({});
        let (status, resp) = request(
            reqwest::Method::PUT,
            self.packument_url(name),
            Some(&self.token),
            Some(doc),
        );
        assert_eq!(status, 201, "deprecating {name}@{version}: {resp}");
    }

    /// Points dist-tag `tag` of `name` at `version` (`npm dist-tag add`).
    pub fn dist_tag(&self, name: &str, tag: &str, version: &str) {
        let url = format!(
            "{}/-/package/{}/dist-tags/{tag}",
            self.url(),
            name.replace('/', "%2f")
        );
        let (status, resp) = request(
            reqwest::Method::PUT,
            url,
            Some(&self.token),
            Some(json!(version)),
        );
        assert_eq!(status, 201, "dist-tag {name}@{version} {tag}: {resp}");
    }

    /// Fetches a packument, with the token or without; returns (status, body).
    pub fn packument(&self, name: &str, authenticated: bool) -> (u16, Value) {
        let token = authenticated.then_some(self.token.as_str());
        request(reqwest::Method::GET, self.packument_url(name), token, None)
    }

    /// Rewrites the publish time of `name@version` in verdaccio's storage (RFC 3339,
    /// e.g. `2020-01-01T00:00:00.000Z`). Verdaccio serves the new `time` from then on.
    pub fn set_publish_time(&self, name: &str, version: &str, time: &str) {
        let file = self.storage().join(name).join("package.json");
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{} unreadable: {e}", file.display()));
        let mut doc: Value = serde_json::from_str(&text).expect("verdaccio storage json");
        assert!(
            doc["versions"].get(version).is_some(),
            "{name}@{version} is not published"
        );
        doc["time"][version] = json!(time);
        std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).expect("write storage");
    }

    /// Verdaccio's storage directory.
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }
}

fn config_yaml(dir: &Path, port: u16) -> String {
    let rule = |access: &str| {
        format!(
            "    access: {access}\n    publish: $authenticated\n    unpublish: $authenticated\n"
        )
    };
    format!(
        "storage: {storage}\n\
         auth:\n  htpasswd:\n    file: {htpasswd}\n    max_users: 1000\n\
         uplinks: {{}}\n\
         packages:\n  '@private/*':\n{private}  '@*/*':\n{all}  '**':\n{all}\
         web:\n  enable: false\n\
         max_body_size: 50mb\n\
         log:\n  type: stdout\n  format: pretty\n  level: warn\n\
         listen: 127.0.0.1:{port}\n",
        storage = dir.join("storage").display(),
        htpasswd = dir.join("htpasswd").display(),
        private = rule("$authenticated"),
        all = rule("$all"),
    )
}

/// A gzipped tar holding `package/package.json` and `package/index.js`, as `npm pack`
/// makes.
pub(crate) fn npm_tarball(package_json: &Value) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let files: [(&str, Vec<u8>); 2] = [
        (
            "package/package.json",
            serde_json::to_vec_pretty(package_json).unwrap(),
        ),
        ("package/index.js", b"module.exports = {};\n".to_vec()),
    ];
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(499_162_500); // npm's fixed 1985-10-26 date
        h.set_cksum();
        tar.append_data(&mut h, path, data.as_slice()).expect("tar");
    }
    let tar = tar.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).expect("gzip");
    gz.finish().expect("gzip")
}

fn request(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let token = token.map(str::to_string);
    block_on(async move {
        let mut req = client()
            .request(method, &url)
            .header(header::ACCEPT, "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packuments_versions_time_dist_tags_deprecations_and_private_packages() {
        let reg = Verdaccio::start();
        reg.publish_versions("left-pad", &["1.0.0", "1.1.0", "1.2.0"]);
        reg.publish(&NpmVersion::new("left-pad", "2.0.0-beta.1").tag("next"));
        reg.publish(&NpmVersion::new("@acme/widget", "0.1.0").dependency("left-pad", "^1.0.0"));
        reg.publish(&NpmVersion::new("@acme/widget", "0.2.0"));
        reg.dist_tag("left-pad", "stable", "1.1.0");
        reg.dist_tag("@acme/widget", "legacy", "0.1.0");
        reg.deprecate("left-pad", "1.0.0", "use 1.2.0");
        reg.publish(&NpmVersion::new("@private/secret", "3.0.0"));

        let (status, doc) = reg.packument("left-pad", false);
        assert_eq!(status, 200, "{doc}");
        let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
        assert_eq!(versions, ["1.0.0", "1.1.0", "1.2.0", "2.0.0-beta.1"]);
        assert_eq!(doc["dist-tags"]["latest"], "1.2.0");
        assert_eq!(doc["dist-tags"]["next"], "2.0.0-beta.1");
        assert_eq!(doc["dist-tags"]["stable"], "1.1.0");
        assert_eq!(doc["versions"]["1.0.0"]["deprecated"], "use 1.2.0");
        assert!(doc["versions"]["1.1.0"].get("deprecated").is_none());
        for v in ["created", "modified", "1.0.0", "2.0.0-beta.1"] {
            assert!(
                doc["time"][v].is_string(),
                "time.{v} missing: {}",
                doc["time"]
            );
        }
        let tarball = doc["versions"]["1.2.0"]["dist"]["tarball"]
            .as_str()
            .unwrap();
        assert!(tarball.starts_with(&reg.url()), "{tarball}");
        let tgz = block_on({
            let url = tarball.to_string();
            async move {
                client()
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            }
        });
        assert_eq!(&tgz[..2], &[0x1f, 0x8b]);

        // Scoped, by its encoded path.
        assert!(
            reg.packument_url("@acme/widget")
                .ends_with("/@acme%2fwidget")
        );
        let (status, doc) = reg.packument("@acme/widget", false);
        assert_eq!(status, 200);
        assert_eq!(doc["dist-tags"]["legacy"], "0.1.0");
        assert_eq!(
            doc["versions"]["0.1.0"]["dependencies"]["left-pad"],
            "^1.0.0"
        );

        // Private: only with the token.
        let (status, _) = reg.packument("@private/secret", false);
        assert_eq!(status, 401, "anonymous read of a private package");
        let (status, doc) = reg.packument("@private/secret", true);
        assert_eq!(status, 200);
        assert_eq!(doc["dist-tags"]["latest"], "3.0.0");

        // Old release dates by rewriting storage.
        reg.set_publish_time("left-pad", "1.1.0", "2019-05-01T00:00:00.000Z");
        let (_, doc) = reg.packument("left-pad", false);
        assert_eq!(doc["time"]["1.1.0"], "2019-05-01T00:00:00.000Z");

        // Unknown packages are 404 (nothing is proxied).
        assert_eq!(reg.packument("no-such-package", true).0, 404);
        assert!(
            reg.npmrc()
                .contains(&format!(":_authToken={}", reg.token()))
        );
    }
}

#[cfg(test)]
mod npm_cli_tests {
    use super::*;

    /// The real npm CLI reads what the harness published, with the `.npmrc` token.
    #[test]
    fn npm_view_reads_published_packages_with_the_npmrc() {
        let npm = crate::process::require_binary("npm");
        let reg = Verdaccio::start();
        reg.publish_versions("@private/thing", &["1.0.0", "1.1.0"]);
        let tmp = tempfile::tempdir().unwrap();
        let npmrc = tmp.path().join(".npmrc");
        std::fs::write(&npmrc, reg.npmrc()).unwrap();
        let out = crate::process::run(
            Command::new(npm)
                .args(["view", "@private/thing", "versions", "--json"])
                .arg("--userconfig")
                .arg(&npmrc)
                .env("npm_config_cache", tmp.path().join("cache"))
                .current_dir(tmp.path()),
        );
        let versions: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(versions, json!(["1.0.0", "1.1.0"]));
    }
}
