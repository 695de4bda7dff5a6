//! A real `redis-server` on a loopback port, with no persistence, for the shared
//! HTTP cache's tests.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::process::{ChildGuard, free_port, require_binary};

/// Debian's `redis-server` on `127.0.0.1:PORT` (`--save "" --appendonly no`: nothing
/// is written to disk); stopped when dropped or by [`RedisServer::kill`].
pub struct RedisServer {
    port: u16,
    child: Option<ChildGuard>,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server, or panics naming the setup script when `redis-server` is missing.
    pub fn start() -> RedisServer {
        let binary = require_binary("redis-server");
        let dir = tempfile::tempdir().expect("tempdir");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(&binary);
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
