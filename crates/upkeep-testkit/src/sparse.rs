//! A crates.io-style sparse index served by a [`StaticRegistry`].
//!
//! Layout: `/index/config.json` (`{"dl": "http://127.0.0.1:PORT/dl/{crate}-{version}.crate",
//! "api": null}`), one file per crate at the usual prefix path under `/index/` (`1/a`,
//! `2/ab`, `3/a/abc`, `ab/cd/abcd…`, lowercased) holding one JSON line per version, and
//! `.crate` files under `/dl/`. `cargo` consumes it as
//! `[registries.NAME] index = "sparse+http://127.0.0.1:PORT/index/"`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::StaticRegistry;

/// A dependency line of an index entry (the index's field names and defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct IndexDep {
    /// The dependency's name as written in the manifest (after a rename).
    pub name: String,
    /// The version requirement, e.g. `^1.2`.
    pub req: String,
    /// Features enabled on the dependency.
    pub features: Vec<String>,
    /// Whether the dependency is optional.
    pub optional: bool,
    /// Whether default features are enabled.
    pub default_features: bool,
    /// A `cfg(...)` or target triple, if target-specific.
    pub target: Option<String>,
    /// `normal`, `dev` or `build`.
    pub kind: String,
    /// The index URL of the dependency's registry, if not this one.
    pub registry: Option<String>,
    /// The real package name when `name` is a rename.
    pub package: Option<String>,
}

impl IndexDep {
    /// A normal, non-optional dependency with default features.
    pub fn new(name: &str, req: &str) -> IndexDep {
        IndexDep {
            name: name.to_string(),
            req: req.to_string(),
            features: Vec::new(),
            optional: false,
            default_features: true,
            target: None,
            kind: "normal".to_string(),
            registry: None,
            package: None,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "req": self.req,
            "features": self.features,
            "optional": self.optional,
            "default_features": self.default_features,
            "target": self.target,
            "kind": self.kind,
            "registry": self.registry,
            "package": self.package,
        })
    }
}

/// One version of a crate: one line of its index file.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexEntry {
    /// The crate name.
    pub name: String,
    /// The version.
    pub vers: String,
    /// Dependencies.
    pub deps: Vec<IndexDep>,
    /// SHA-256 (hex) of the `.crate` file.
    pub cksum: String,
    /// Features: name → enabled features and dependencies.
    pub features: BTreeMap<String, Vec<String>>,
    /// Whether the version is yanked.
    pub yanked: bool,
    /// Publish time (RFC 3339, e.g. `2024-01-02T03:04:05Z`), if known.
    pub pubtime: Option<String>,
    /// The minimum supported Rust version, if declared.
    pub rust_version: Option<String>,
}

impl IndexEntry {
    /// A version without dependencies or features; its checksum is that of a `.crate`
    /// that is not served (use [`SparseIndex::add_crate_file`] for a downloadable one).
    pub fn new(name: &str, vers: &str) -> IndexEntry {
        IndexEntry {
            name: name.to_string(),
            vers: vers.to_string(),
            deps: Vec::new(),
            cksum: crate::sha256_hex(format!("{name}-{vers}").as_bytes()),
            features: BTreeMap::new(),
            yanked: false,
            pubtime: None,
            rust_version: None,
        }
    }

    /// Adds a dependency.
    pub fn dep(mut self, dep: IndexDep) -> IndexEntry {
        self.deps.push(dep);
        self
    }

    /// Marks the version yanked.
    pub fn yanked(mut self) -> IndexEntry {
        self.yanked = true;
        self
    }

    /// Sets the publish time (RFC 3339).
    pub fn pubtime(mut self, time: &str) -> IndexEntry {
        self.pubtime = Some(time.to_string());
        self
    }

    /// The JSON line the index holds for this version.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "vers": self.vers,
            "deps": self.deps.iter().map(IndexDep::to_json).collect::<Vec<_>>(),
            "cksum": self.cksum,
            "features": self.features,
            "yanked": self.yanked,
        });
        if let Some(t) = &self.pubtime {
            v["pubtime"] = json!(t);
        }
        if let Some(r) = &self.rust_version {
            v["rust_version"] = json!(r);
        }
        v
    }
}

/// The path of a crate's index file relative to the index root (`1/a`, `2/ab`,
/// `3/a/abc`, `se/rd/serde`), lowercased.
pub fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    match name.len() {
        0 => panic!("empty crate name"),
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// A sparse crate index on loopback.
pub struct SparseIndex {
    registry: StaticRegistry,
    crates: Mutex<BTreeMap<String, Vec<IndexEntry>>>,
}

impl SparseIndex {
    /// Starts an index with only `config.json`.
    pub fn start() -> SparseIndex {
        let registry = StaticRegistry::start();
        let dl = format!("{}/dl/{{crate}}-{{version}}.crate", registry.url());
        registry.insert_json("/index/config.json", &json!({ "dl": dl, "api": null }));
        SparseIndex {
            registry,
            crates: Mutex::new(BTreeMap::new()),
        }
    }

    /// `sparse+http://127.0.0.1:PORT/index/`, as cargo's config spells it.
    pub fn index_url(&self) -> String {
        format!("sparse+{}", self.http_url())
    }

    /// `http://127.0.0.1:PORT/index/`, the plain URL of the index root.
    pub fn http_url(&self) -> String {
        format!("{}/index/", self.registry.url())
    }

    /// The server underneath (for counters and latency).
    pub fn registry(&self) -> &StaticRegistry {
        &self.registry
    }

    /// The URL path of a crate's index file, e.g. `/index/se/rd/serde`.
    pub fn file_path(name: &str) -> String {
        format!("/index/{}", index_path(name))
    }

    /// Adds a version (replacing one with the same version string) and rewrites the
    /// crate's index file.
    pub fn add(&self, entry: IndexEntry) {
        let key = entry.name.to_ascii_lowercase();
        let mut crates = self.crates.lock().unwrap();
        let versions = crates.entry(key.clone()).or_default();
        versions.retain(|e| e.vers != entry.vers);
        versions.push(entry);
        self.write(&key, versions);
    }

    /// Adds plain versions of a crate (no dependencies, not downloadable).
    pub fn add_versions(&self, name: &str, versions: &[&str]) {
        for v in versions {
            self.add(IndexEntry::new(name, v));
        }
    }

    /// Serves a `.crate` file (e.g. made by `cargo package`) under `/dl/` and adds its
    /// version with the file's checksum.
    pub fn add_crate_file(&self, entry: IndexEntry, crate_file: &[u8]) {
        let entry = IndexEntry {
            cksum: crate::sha256_hex(crate_file),
            ..entry
        };
        self.registry.insert(
            &format!("/dl/{}-{}.crate", entry.name, entry.vers),
            crate_file.to_vec(),
            "application/x-tar",
        );
        self.add(entry);
    }

    /// Marks a version yanked (or not) and rewrites the crate's file.
    pub fn set_yanked(&self, name: &str, vers: &str, yanked: bool) {
        let key = name.to_ascii_lowercase();
        let mut crates = self.crates.lock().unwrap();
        let versions = crates.get_mut(&key).expect("unknown crate");
        for e in versions.iter_mut().filter(|e| e.vers == vers) {
            e.yanked = yanked;
        }
        self.write(&key, versions);
    }

    fn write(&self, name: &str, versions: &[IndexEntry]) {
        let mut body = String::new();
        for e in versions {
            body.push_str(&e.to_json().to_string());
            body.push('\n');
        }
        self.registry
            .insert(&Self::file_path(name), body, "text/plain");
    }
}

/// A real `.crate` file for `name` `version`, made by `cargo package` in a scratch
/// directory (a library answering 42): what [`SparseIndex::add_crate_file`] serves so that
/// the real cargo can resolve and download from the index.
pub fn package_crate(name: &str, version: &str) -> Vec<u8> {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join(format!("{name}-{version}"));
    std::fs::create_dir_all(dir.join("src")).expect("the crate's directory");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\
             description = \"test\"\nlicense = \"MIT\"\n\n[workspace]\n"
        ),
    )
    .expect("the crate's manifest");
    std::fs::write(dir.join("src/lib.rs"), "pub fn answer() -> u32 { 42 }\n")
        .expect("the crate's source");
    let mut cargo =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(&dir)
        .env("CARGO_HOME", tmp.path().join("cargo-home"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env("CARGO_NET_OFFLINE", "false")
        .env("CARGO_TERM_COLOR", "never")
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"]);
    crate::process::run(&mut cargo);
    std::fs::read(dir.join(format!("target/package/{name}-{version}.crate")))
        .expect("cargo package wrote the .crate file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_paths() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Serde"), "se/rd/serde");
        assert_eq!(index_path("cargo-edit"), "ca/rg/cargo-edit");
    }
}

#[cfg(test)]
mod cargo_tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn cargo(dir: &Path, cargo_home: &Path) -> Command {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(dir)
            .env("CARGO_HOME", cargo_home)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env("CARGO_NET_OFFLINE", "false")
            .env("CARGO_TERM_COLOR", "never");
        cmd
    }

    /// The real cargo resolves and downloads from the index over plain http.
    #[test]
    fn cargo_generate_lockfile_and_fetch_against_the_index() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("cargo-home");
        std::fs::create_dir_all(&home).unwrap();

        // A crate packaged by cargo itself.
        let crate_file = package_crate("testdep", "0.2.1");

        let index = SparseIndex::start();
        index.add(IndexEntry::new("testdep", "0.1.0"));
        index.add_crate_file(
            IndexEntry::new("testdep", "0.2.1").pubtime("2024-05-01T00:00:00Z"),
            &crate_file,
        );
        index.add(IndexEntry::new("testdep", "0.2.2").yanked());

        let app = tmp.path().join("app");
        std::fs::create_dir_all(app.join("src")).unwrap();
        std::fs::create_dir_all(app.join(".cargo")).unwrap();
        std::fs::write(
            app.join(".cargo/config.toml"),
            format!("[registries.local]\nindex = \"{}\"\n", index.index_url()),
        )
        .unwrap();
        std::fs::write(
            app.join("Cargo.toml"),
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\ntestdep = { version = \"0.2\", registry = \"local\" }\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(app.join("src/main.rs"), "fn main() {}\n").unwrap();
        crate::process::run(cargo(&app, &home).args(["generate-lockfile", "--quiet"]));
        let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
        assert!(
            lock.contains("name = \"testdep\"\nversion = \"0.2.1\""),
            "{lock}"
        );
        crate::process::run(cargo(&app, &home).args(["fetch", "--quiet"]));

        let c = index.registry().counters();
        assert!(c.for_path("/index/config.json") >= 1);
        assert!(c.for_path("/index/te/st/testdep") >= 1);
        assert_eq!(c.for_path("/dl/testdep-0.2.1.crate"), 1);
    }
}
