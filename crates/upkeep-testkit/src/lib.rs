//! Test harness for upkeep: real registries on loopback.
//!
//! Every server here is a struct that starts on a free `127.0.0.1` port, keeps its
//! files in a temporary directory, and stops when dropped (child processes are killed,
//! in-process servers shut down). Readiness is polled, never slept for. Nothing here
//! reaches beyond loopback.
//!
//! - [`OciRegistry`]: Debian's `docker-registry` (CNCF distribution 2.8), anonymous,
//!   with basic auth, or with token auth served by an in-process token server.
//! - [`Verdaccio`]: the npm registry verdaccio, with packages published over HTTP.
//! - [`StaticRegistry`]: an in-process HTTP server for fixed files (ETag, 304, added
//!   latency, request counters), with [`SparseIndex`] (crates) and
//!   [`TerraformRegistry`] built on it.
//! - [`GitRemote`]: bare git repositories with lightweight and annotated tags.
//! - [`github::FakeGitHub`]: a fake GitHub (App auth, repositories backed by bare git
//!   repositories, pull requests, issues, rate limits, faults) checked against GitHub's
//!   published REST description.
//! - [`OsvServer`]: the OSV API (`querybatch`, `vulns/{id}`) from a directory of
//!   records, with request counters and an outage switch.
//! - [`Pushgateway`]: Debian's `prometheus-pushgateway`, to push metrics to and scrape.
//! - [`RedisServer`]: Debian's `redis-server` without persistence (the shared cache).
//!
//! The API is synchronous and can be called from plain `#[test]`s and from inside
//! `#[tokio::test]`s alike: in-process servers and the harness's own HTTP calls run on a
//! background runtime owned by this crate, so a test that blocks (say, on a `cargo`
//! child process) never starves them.
//!
//! ```no_run
//! use upkeep_testkit::{OciAuth, OciRegistry, SparseIndex, Verdaccio, NpmVersion};
//!
//! let oci = OciRegistry::start(OciAuth::Token);
//! let digest = oci.push_index("library/nginx", "1.27.0", "2024-05-29T00:00:00Z");
//! let (user, password) = oci.credentials().unwrap();
//! // look up `{oci.host()}/library/nginx` with those credentials …
//!
//! let npm = Verdaccio::start();
//! npm.publish(&NpmVersion::new("@acme/widget", "2.0.0-rc.1").tag("next"));
//! std::fs::write("/tmp/x/.npmrc", npm.npmrc()).unwrap();
//!
//! let crates = SparseIndex::start();
//! crates.add_versions("serde", &["1.0.0", "1.0.210"]);
//! crates.registry().set_latency(std::time::Duration::from_millis(20));
//! // `[registries.local] index = "{crates.index_url()}"`; afterwards
//! // `crates.registry().counters()` tells how many requests each file got.
//! ```
//!
//! Servers that need installed binaries (`docker-registry`, `htpasswd`, `openssl`,
//! `git`, `prometheus-pushgateway`, verdaccio under `tools/verdaccio`) panic with a
//! message naming `scripts/setup-test-env.sh` when they are missing.

#![recursion_limit = "256"]

mod digest;
mod git;
pub mod github;
mod jwt;
mod npm;
mod oci;
mod osv;
mod process;
mod pushgateway;
mod redis;
mod runtime;
mod sparse;
mod static_registry;
mod terraform;

pub use digest::{sha256_digest, sha256_hex};
pub use git::GitRemote;
pub use npm::{NpmVersion, Verdaccio, package_path};
pub use oci::{MANIFEST_ACCEPT, OciAuth, OciRegistry, TOKEN_SERVICE};
pub use osv::{OSV_BATCH_LIMIT, OsvCounters, OsvServer};
pub use pushgateway::Pushgateway;
pub use redis::RedisServer;
pub use sparse::{IndexDep, IndexEntry, SparseIndex, package_crate};
pub use static_registry::{Counters, StaticRegistry};
pub use terraform::{TerraformModuleVersion, TerraformProviderVersion, TerraformRegistry};

/// The command that installs everything the servers here need.
pub const SETUP_COMMAND: &str = "bash scripts/setup-test-env.sh";

/// The workspace root (where `scripts/` and `tools/` live).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}
