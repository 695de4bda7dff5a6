//! RS256 JWTs for the registry token protocol, made with the `openssl` CLI (no crypto
//! crates): an RSA key and a self-signed certificate per token server; the certificate
//! is the registry's `rootcertbundle` and rides in each token's `x5c` header.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::process::{require_binary, run};

/// How long issued tokens live, in seconds.
pub(crate) const TOKEN_LIFETIME: u64 = 300;

/// One granted access: `{type, name, actions}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Access {
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) actions: Vec<String>,
}

impl Access {
    /// Parses a scope such as `repository:library/nginx:pull,push` (the name may not
    /// contain `:` but the type may carry a `(class)`).
    pub(crate) fn parse_scope(scope: &str) -> Option<Access> {
        let (kind, rest) = scope.split_once(':')?;
        let (name, actions) = rest.rsplit_once(':')?;
        Some(Access {
            kind: kind.to_string(),
            name: name.to_string(),
            actions: actions
                .split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

/// Signs tokens with a key and certificate kept in a directory.
pub(crate) struct Signer {
    key: PathBuf,
    cert: PathBuf,
    cert_der_b64: String,
    issuer: String,
    service: String,
    serial: AtomicU64,
}

impl Signer {
    /// Makes an RSA key and a self-signed certificate in `dir`.
    pub(crate) fn new(dir: &Path, issuer: &str, service: &str) -> Signer {
        let openssl = require_binary("openssl");
        let key = dir.join("token-key.pem");
        let cert = dir.join("token-cert.pem");
        run(Command::new(&openssl)
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
            ])
            .args(["-subj", "/CN=upkeep-testkit token signer"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        let pem = std::fs::read_to_string(&cert).expect("certificate");
        // The base64 body of the PEM is the DER certificate in standard base64.
        let cert_der_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        Signer {
            key,
            cert,
            cert_der_b64,
            issuer: issuer.to_string(),
            service: service.to_string(),
            serial: AtomicU64::new(0),
        }
    }

    /// The PEM certificate (the registry's `rootcertbundle`).
    pub(crate) fn cert_path(&self) -> &Path {
        &self.cert
    }

    /// An RS256 JWT for `subject` granting `access`.
    pub(crate) fn sign(&self, subject: &str, access: &[Access]) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let header = json!({ "typ": "JWT", "alg": "RS256", "x5c": [self.cert_der_b64] });
        let claims = json!({
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now - 10,
            "iat": now,
            "jti": format!("{now}-{}", self.serial.fetch_add(1, Ordering::Relaxed)),
            "access": access.iter().map(|a| json!({
                "type": a.kind, "name": a.name, "actions": a.actions,
            })).collect::<Vec<Value>>(),
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.rsa_sha256(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn rsa_sha256(&self, data: &[u8]) -> Vec<u8> {
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl dgst");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write to openssl");
        let out = child.wait_with_output().expect("openssl dgst");
        assert!(
            out.status.success(),
            "openssl dgst failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

/// Decodes a `Basic` authorization header value into (user, password).
pub(crate) fn parse_basic(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// `Basic base64(user:password)`.
pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let a = Access::parse_scope("repository:library/nginx:pull,push").unwrap();
        assert_eq!(a.kind, "repository");
        assert_eq!(a.name, "library/nginx");
        assert_eq!(a.actions, ["pull", "push"]);
        let c = Access::parse_scope("registry:catalog:*").unwrap();
        assert_eq!((c.name.as_str(), c.actions[0].as_str()), ("catalog", "*"));
        assert!(Access::parse_scope("nonsense").is_none());
    }

    #[test]
    fn basic_round_trip() {
        assert_eq!(
            parse_basic(&basic("u", "p:q")),
            Some(("u".to_string(), "p:q".to_string()))
        );
    }
}
