//! A Prometheus Pushgateway on loopback: Debian's `prometheus-pushgateway`.
//!
//! [`Pushgateway::start`] runs it on a free port with its persistence file in a
//! temporary directory and waits until `/-/ready` answers. Tests push to
//! [`Pushgateway::url`] and read back what Prometheus would scrape with
//! [`Pushgateway::scrape`].

use std::process::Command;

use crate::process::{ChildGuard, free_port, http_answers, require_binary};
use crate::runtime::{block_on, client};

/// A running `prometheus-pushgateway`; killed when dropped.
pub struct Pushgateway {
    port: u16,
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

impl Pushgateway {
    /// Starts a Pushgateway on a free loopback port.
    pub fn start() -> Pushgateway {
        let binary = require_binary("prometheus-pushgateway");
        let dir = tempfile::tempdir().expect("tempdir");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(&binary);
            cmd.arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg(format!(
                    "--persistence.file={}",
                    dir.path().join("metrics.store").display()
                ))
                .arg("--log.level=warn");
            let mut child = ChildGuard::spawn(
                "prometheus-pushgateway",
                cmd,
                &dir.path().join("gateway.log"),
            );
            let ready = format!("http://127.0.0.1:{port}/-/ready");
            if child.wait_ready(|| http_answers(&ready)) {
                return Pushgateway {
                    port,
                    _child: child,
                    _dir: dir,
                };
            }
            // Exited early: most likely the port was taken meanwhile; try another.
            eprintln!(
                "prometheus-pushgateway exited at start:\n{}",
                child.log_text()
            );
        }
        panic!("prometheus-pushgateway did not start (see the logs above)");
    }

    /// `http://127.0.0.1:PORT`, the address clients push to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The text exposition of `/metrics`: what Prometheus would scrape.
    pub fn scrape(&self) -> String {
        let url = format!("{}/metrics", self.url());
        block_on(async move {
            let response = client().get(&url).send().await.expect("GET /metrics");
            assert!(
                response.status().is_success(),
                "GET {url}: {}",
                response.status()
            );
            response.text().await.expect("metrics body")
        })
    }
}
