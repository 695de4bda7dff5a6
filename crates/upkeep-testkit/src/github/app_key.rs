//! The GitHub App's RSA key and RS256 JWTs, with the `openssl` CLI (no crypto crates):
//! keys are made with `openssl genrsa`, JWTs signed with `openssl dgst -sign` and checked
//! with `openssl dgst -verify` against the app's public key.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::process::{require_binary, run};

/// An RSA key pair in PEM files (PKCS#1 private key, as GitHub hands them out).
#[derive(Clone, Debug)]
pub struct AppKey {
    private: PathBuf,
    public: PathBuf,
}

impl AppKey {
    /// Makes a new 2048-bit key in `dir`.
    pub fn generate(dir: &Path) -> AppKey {
        let openssl = require_binary("openssl");
        let private = dir.join("app-private-key.pem");
        let public = dir.join("app-public-key.pem");
        run(Command::new(&openssl)
            .args(["genrsa", "-traditional", "-out"])
            .arg(&private)
            .arg("2048"));
        run(Command::new(&openssl)
            .args(["rsa", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public));
        AppKey { private, public }
    }

    /// One key per test process (key generation is the slow part).
    pub(crate) fn shared() -> AppKey {
        static KEY: OnceLock<(tempfile::TempDir, AppKey)> = OnceLock::new();
        KEY.get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let key = AppKey::generate(dir.path());
            (dir, key)
        })
        .1
        .clone()
    }

    /// The private key file (PEM).
    pub fn private_key_path(&self) -> &Path {
        &self.private
    }

    /// The private key (PEM text), as a GitHub App's settings page would give it.
    pub fn private_key_pem(&self) -> String {
        std::fs::read_to_string(&self.private).expect("private key")
    }

    /// An app JWT (`iss` = `app_id`) issued at `iat` and expiring at `exp` (Unix
    /// seconds).
    pub fn jwt(&self, app_id: u64, iat: i64, exp: i64) -> String {
        self.sign(&json!({ "iat": iat, "exp": exp, "iss": app_id.to_string() }))
    }

    /// An RS256 JWT with these claims.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "typ": "JWT", "alg": "RS256" });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.private)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl dgst");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write to openssl");
        let out = child.wait_with_output().expect("openssl dgst");
        assert!(out.status.success(), "openssl dgst -sign failed");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(out.stdout))
    }

    /// Checks an RS256 signature over `header.claims` with the public key and returns
    /// the claims; `Err` says why not, in GitHub's words where it has them.
    pub(crate) fn verify(&self, jwt: &str) -> Result<Value, String> {
        let malformed = || "A JSON web token could not be decoded".to_string();
        let mut parts = jwt.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let header: Value = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(malformed)?;
        if header["alg"] != "RS256" {
            return Err(malformed());
        }
        let claims: Value = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(malformed)?;
        let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| malformed())?;
        let mut sig_file = tempfile::NamedTempFile::new().expect("temp file");
        sig_file.write_all(&signature).expect("write signature");
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-verify"])
            .arg(&self.public)
            .arg("-signature")
            .arg(sig_file.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl dgst");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{h}.{c}").as_bytes())
            .expect("write to openssl");
        let out = child.wait_with_output().expect("openssl dgst -verify");
        if !out.status.success() {
            return Err("A JSON web token could not be decoded".to_string());
        }
        Ok(claims)
    }
}
