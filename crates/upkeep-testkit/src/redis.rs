//! A real `redis-server` on a loopback port, with no persistence, for the shared
//! HTTP cache's tests; optionally also speaking TLS (`rediss://`) with a certificate
//! from a throwaway CA made by `openssl`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::process::{ChildGuard, free_port, require_binary, run};

/// Debian's `redis-server` on `127.0.0.1:PORT` (`--save "" --appendonly no`: nothing
/// is written to disk); stopped when dropped or by [`RedisServer::kill`].
pub struct RedisServer {
    port: u16,
    tls_port: Option<u16>,
    child: Option<ChildGuard>,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server, or panics naming the setup script when `redis-server` is missing.
    pub fn start() -> RedisServer {
        Self::start_with(false)
    }

    /// Starts a server that also takes TLS connections ([`RedisServer::tls_url`]),
    /// its certificate signed by [`RedisServer::ca_certificate`].
    pub fn start_tls() -> RedisServer {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> RedisServer {
        let binary = require_binary("redis-server");
        let dir = tempfile::tempdir().expect("tempdir");
        if tls {
            make_certificates(dir.path());
        }
        for _attempt in 0..5 {
            let port = free_port();
            let tls_port = tls.then(free_port);
            let mut cmd = Command::new(&binary);
            if let Some(tls_port) = tls_port {
                let file = |name: &str| dir.path().join(name);
                cmd.args(["--tls-port", &tls_port.to_string()])
                    .arg("--tls-cert-file")
                    .arg(file("server.crt"))
                    .arg("--tls-key-file")
                    .arg(file("server.key"))
                    .arg("--tls-ca-cert-file")
                    .arg(file("ca.crt"))
                    .args(["--tls-auth-clients", "no"]);
            }
            cmd.args(["--port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--save", ""])
                .args(["--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path());
            let mut child = ChildGuard::spawn("redis-server", cmd, &dir.path().join("redis.log"));
            if child.wait_ready(|| ping(port)) {
                return RedisServer {
                    port,
                    tls_port,
                    child: Some(child),
                    _dir: dir,
                };
            }
            eprintln!("redis-server exited at start:\n{}", child.log_text());
        }
        panic!("redis-server did not start (see the logs above)");
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// `rediss://127.0.0.1:PORT/0` (servers from [`RedisServer::start_tls`] only).
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("started with start_tls");
        format!("rediss://127.0.0.1:{port}/0")
    }

    /// The CA certificate (PEM) the TLS certificate is signed by; point
    /// `SSL_CERT_FILE` at it.
    pub fn ca_certificate(&self) -> std::path::PathBuf {
        self._dir.path().join("ca.crt")
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many keys database 0 holds (`DBSIZE`).
    pub fn key_count(&self) -> u64 {
        let reply = command(self.port, "DBSIZE").expect("DBSIZE");
        reply
            .trim()
            .trim_start_matches(':')
            .parse()
            .unwrap_or_else(|_| panic!("unexpected DBSIZE reply `{reply}`"))
    }

    /// Kills the server (SIGKILL) and waits for it: the cache must degrade, not hang.
    pub fn kill(&mut self) {
        self.child.take();
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, in `dir`.
fn make_certificates(dir: &std::path::Path) {
    let openssl = require_binary("openssl");
    let file = |name: &str| dir.join(name);
    run(Command::new(&openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=upkeep-testkit redis CA", "-keyout"])
        .arg(file("ca.key"))
        .arg("-out")
        .arg(file("ca.crt")));
    run(Command::new(&openssl)
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ])
        .arg(file("server.key"))
        .arg("-out")
        .arg(file("server.csr")));
    std::fs::write(
        file("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .expect("extension file");
    run(Command::new(&openssl)
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(file("server.csr"))
        .arg("-CA")
        .arg(file("ca.crt"))
        .arg("-CAkey")
        .arg(file("ca.key"))
        .args(["-CAcreateserial", "-extfile"])
        .arg(file("ext.cnf"))
        .arg("-out")
        .arg(file("server.crt")));
}

/// True once the server answers `PING`.
fn ping(port: u16) -> bool {
    command(port, "PING").is_ok_and(|reply| reply.starts_with("+PONG"))
}

/// Sends one inline command and returns the first reply line.
fn command(port: u16, text: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(format!("{text}\r\n").as_bytes())?;
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read(&mut byte)? == 1 {
        reply.push(byte[0]);
        if reply.ends_with(b"\r\n") {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}
